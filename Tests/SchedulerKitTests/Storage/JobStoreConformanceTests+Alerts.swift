import Foundation
import SchedulerKit
import Synchronization
import Testing

extension JobStoreConformanceTests {
    /// Alerts, and the outbox written in the transactions that record run transitions.
    @Suite("Alerts and outbox")
    struct Alerts {
        @Test(arguments: StoreKind.allCases)
        func alertsAreAddedListedOldestFirstAndDeletedWithAudit(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("watched"))
                let hook = Alert(
                    id: "alert-b", jobId: job.id, type: .webhook, target: "https://example.com/h", onTimeout: false, secret: "s3cret",
                    createdAt: at(1))
                let mail = Alert(id: "alert-a", jobId: job.id, type: .email, target: "ops@example.com", onFailure: false, createdAt: at(2))
                try await fx.store.insertAlert(hook, audit: auditLine(.alertCreate, at: at(1)))
                try await fx.store.insertAlert(mail, audit: auditLine(.alertCreate, at: at(2)))

                #expect(try await fx.store.alerts(jobId: job.id) == [hook, mail])
                #expect(try await fx.store.alert(id: "alert-a") == mail)
                #expect(try await fx.store.alert(id: "missing") == nil)

                let deleted = try await fx.store.deleteAlert(id: "alert-b", audit: auditLine(.alertDelete, at: at(3)))
                #expect(deleted == hook)
                #expect(try await fx.store.alerts(jobId: job.id) == [mail])
                let actions = try await fx.store.auditEntries(AuditQuery(jobId: job.id)).map(\.action)
                #expect(actions == ["alert.delete", "alert.create", "alert.create", "job.create"])

                await expectSchedulerError(.notFound) { try await fx.store.deleteAlert(id: "alert-b", audit: auditLine(.alertDelete)) }
                var orphan = mail
                orphan.id = "alert-c"
                orphan.jobId = JobID("missing")
                await expectSchedulerError(.notFound) { try await fx.store.insertAlert(orphan, audit: auditLine(.alertCreate)) }
                #expect(try await fx.store.alert(id: "alert-c") == nil)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func auditEntriesAreNewestFirstAndLimited(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let a = try await fx.store.insert(makeJob("a"))
                let b = try await fx.store.insert(makeJob("b"))
                try await fx.store.modifyJob(id: a.id) { _ in auditLine(.jobPause, at: at(10)) }
                let all = try await fx.store.auditEntries(AuditQuery())
                #expect(all.map(\.action) == ["job.pause", "job.create", "job.create"])
                #expect(all.map(\.jobId) == [a.id, b.id, a.id])
                #expect(try await fx.store.auditEntries(AuditQuery(limit: 1)).map(\.action) == ["job.pause"])
                #expect(try await fx.store.auditEntries(AuditQuery(jobId: b.id)).count == 1)
            }
        }

        // MARK: Outbox

        @Test(arguments: StoreKind.allCases)
        func jobsWithoutNotificationsNeverReachThePolicy(kind: StoreKind) async throws {
            let outbox = RecordingOutbox()
            try await StoreFixture.with(kind, StoreOptions(outbox: outbox)) { fx in
                try await fx.store.insert(makeJob("quiet"))
                let first = try await fx.store.claimOne(at: at(0)).run
                try await fx.store.complete(first, .succeeded(), at: at(1))
                let second = try await fx.store.claimOne(at: at(60)).run
                let done = try await fx.store.complete(second, handlerFailed, at: at(61))
                #expect(done.deliveries == 0)
                #expect(outbox.transitions.isEmpty)
                #expect(try fx.deliveryCount() == 0)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func alertsAreOfferedOnlyForFailureEndings(kind: StoreKind) async throws {
            let outbox = RecordingOutbox()
            try await StoreFixture.with(kind, StoreOptions(outbox: outbox)) { fx in
                let job = try await fx.store.insert(makeJob("alerting"))
                let alert = Alert(id: "alert-1", jobId: job.id, type: .webhook, target: "https://example.com/a", createdAt: t0)
                try await fx.store.insertAlert(alert, audit: auditLine(.alertCreate))

                let ok = try await fx.store.claimOne(at: at(0)).run
                #expect(try await fx.store.complete(ok, .succeeded(), at: at(1)).deliveries == 0)
                #expect(outbox.transitions.isEmpty)

                let bad = try await fx.store.claimOne(at: at(60)).run
                #expect(outbox.transitions.isEmpty)
                let done = try await fx.store.complete(bad, handlerFailed, at: at(61))
                #expect(done.deliveries == 1)
                let offered = try #require(outbox.transitions.first)
                #expect(outbox.transitions.count == 1)
                #expect(offered.run.id == bad.id)
                #expect(offered.run.status == .failed)
                #expect(offered.previous == .running)
                #expect(offered.alerts == [alert])
                #expect(offered.at == at(61))
                let rows = try fx.deliveries(runId: bad.id)
                #expect(rows.map(\.alertId) == ["alert-1"])
                #expect(rows.map(\.event) == ["run.failed"])
                #expect(rows.map(\.sequence) == [1])

                // a lost run is a failure ending too
                outbox.reset()
                let lostRun = try await fx.store.claimOne(at: at(120)).run
                let rescued = try await fx.store.rescueLostRuns(now: at(121), isOwnerGone: { _ in true })
                #expect(rescued.first?.deliveries == 1)
                #expect(outbox.transitions.map(\.run.status) == [.systemError])
                #expect(try fx.deliveries(runId: lostRun.id).map(\.event) == ["run.system_error"])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func claimTakesOnlyWhatTheDispatcherAdmitsAndLeavesTheRestDue(kind: StoreKind) async throws {
            try await StoreFixture.with(kind, StoreOptions(outbox: RecordingOutbox())) { fx in
                let outbox = fx.store
                let job = try await fx.store.insert(makeJob("a"))
                let targets = ["https://busy.example.com/1", "https://busy.example.com/2", "https://busy.example.com/3", "https://idle.example.com/1"]
                for (k, target) in targets.enumerated() {
                    let alert = Alert(id: "alert-\(k)", jobId: job.id, type: .webhook, target: target, createdAt: t0)
                    try await fx.store.insertAlert(alert, audit: auditLine(.alertCreate))
                }
                let run = try await fx.store.claimOne(at: at(0)).run
                try await fx.store.complete(run, handlerFailed, at: at(1))

                // Admits one delivery to the busy host, every other one.
                let asked = Mutex(0)
                let busyTaken = Mutex(false)
                let busyOne = try await outbox.claimDueDeliveries(
                    DeliveryClaimParams(now: at(2), limit: 10, lease: 60, owner: "d") { _, target in
                        asked.withLock { $0 += 1 }
                        guard target.contains("busy") else { return true }
                        return busyTaken.withLock { taken in
                            defer { taken = true }
                            return !taken
                        }
                    })
                #expect(asked.withLock { $0 } == 4)
                #expect(busyOne.count == 2)
                #expect(Set(busyOne.map { $0.target.contains("idle") }) == [true, false])
                #expect(busyOne.allSatisfy { !$0.payload.isEmpty })
                // The refused ones stay due, untouched: the next claim takes them.
                let rest = try await outbox.claimDueDeliveries(now: at(2), limit: 10, lease: 60, owner: "d")
                #expect(rest.count == 2)
                #expect(rest.allSatisfy { $0.target.contains("busy") && $0.attempts == 0 })
                #expect(try await outbox.claimDueDeliveries(now: at(2), limit: 10, lease: 60, owner: "d").isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func nextDeliveryTimeSkipsDeliveriesWaitingBehindAnEarlierOne(kind: StoreKind) async throws {
            try await StoreFixture.with(kind, StoreOptions(outbox: RecordingOutbox())) { fx in
                let outbox = fx.store
                try await fx.store.insert(makeJob("observed") { $0.stateWebhookURL = "https://example.com/state" })
                let run = try await fx.store.claimOne(at: at(0)).run  // queued, running: two deliveries
                try await fx.store.complete(run, .succeeded(), at: at(1))  // a third
                let first = try await outbox.claimDueDeliveries(now: at(5), limit: 10, lease: 60, owner: "d")
                #expect(first.count == 1)  // the others wait behind it
                // Due are the two behind it, but nothing can be taken before the first one's lease ends.
                #expect(try await outbox.nextDeliveryTime() == at(65))
                try await outbox.recordDeliveryAttempt(
                    DeliveryAttemptRecord(
                        deliveryId: first[0].id, status: .pending, attempts: 1, nextAttemptAt: at(20), error: "HTTP 500", statusCode: 500,
                        at: at(6)))
                #expect(try await outbox.nextDeliveryTime() == at(20))
                // Only what falls due later than a given instant, when asked.
                #expect(try await outbox.nextDeliveryTime(after: at(19)) == at(20))
                #expect(try await outbox.nextDeliveryTime(after: at(20)) == nil)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func stateWebhookJobsOfferEveryTransitionInOrder(kind: StoreKind) async throws {
            let outbox = RecordingOutbox()
            try await StoreFixture.with(kind, StoreOptions(outbox: outbox)) { fx in
                let job = try await fx.store.insert(makeJob("observed") { $0.stateWebhookURL = "https://example.com/state" })
                let alert = Alert(id: "alert-1", jobId: job.id, type: .email, target: "ops@example.com", createdAt: t0)
                try await fx.store.insertAlert(alert, audit: auditLine(.alertCreate))

                let run = try await fx.store.claimOne(at: at(0)).run
                #expect(outbox.transitions.map(\.previous) == [nil, .queued])
                #expect(outbox.transitions.map(\.run.status) == [.queued, .running])
                #expect(outbox.transitions.allSatisfy { $0.alerts.isEmpty })

                let done = try await fx.store.complete(run, handlerFailed, at: at(2))
                #expect(done.deliveries == 2)
                let last = try #require(outbox.transitions.last)
                #expect(last.previous == .running)
                #expect(last.alerts == [alert])

                let rows = try fx.deliveries(runId: run.id)
                #expect(rows.map(\.sequence) == [1, 2, 3, 4])
                #expect(rows.map(\.event) == ["run.state_changed", "run.state_changed", "run.state_changed", "run.failed"])
                #expect(rows.last?.alertId == "alert-1")

                // a skipped slot of a webhook job is a transition too
                outbox.reset()
                let next = try await fx.store.claimOne(at: at(60)).run
                try await fx.store.complete(next, .succeeded(), at: at(61))
                #expect(outbox.transitions.map(\.run.status) == [.queued, .running, .succeeded])
                #expect(outbox.transitions.allSatisfy { $0.alerts.isEmpty })
                #expect(try fx.deliveries(runId: next.id).map(\.sequence) == [1, 2, 3])
            }
        }

        /// The policy runs inside the transaction that records the run's end: a reader outside
        /// still sees the run `running` while the policy is called.
        @Test(arguments: StoreKind.allCases)
        func thePolicyRunsInsideTheRecordingTransaction(kind: StoreKind) async throws {
            let outbox = RecordingOutbox()
            try await StoreFixture.with(kind, StoreOptions(outbox: outbox)) { fx in
                let job = try await fx.store.insert(makeJob("atomic"))
                try await fx.store.insertAlert(
                    Alert(id: "alert-1", jobId: job.id, type: .webhook, target: "https://example.com/a", createdAt: t0),
                    audit: auditLine(.alertCreate))
                let run = try await fx.store.claimOne(at: at(0)).run

                let seenOutside = Mutex<[String?]>([])
                outbox.probe.withLock {
                    $0 = { transition in
                        let status = try? fx.runStatusOutsideTheStore(transition.run.id)
                        seenOutside.withLock { $0.append(status) }
                    }
                }
                try await fx.store.complete(run, handlerFailed, at: at(1))
                outbox.probe.withLock { $0 = nil }
                #expect(seenOutside.withLock { $0 } == ["running"])
                #expect(try fx.runStatusOutsideTheStore(run.id) == "failed")
            }
        }

        /// When the outbox cannot be written, the run's end is not recorded either.
        @Test(arguments: StoreKind.allCases)
        func aFailingOutboxWriteRollsBackTheCompletion(kind: StoreKind) async throws {
            let outbox = RecordingOutbox()
            try await StoreFixture.with(kind, StoreOptions(outbox: outbox)) { fx in
                let job = try await fx.store.insert(makeJob("atomic") { $0.stateWebhookURL = "https://example.com/state" })
                // every delivery gets the same id: the second insert of one call violates the key
                try await fx.store.insertAlert(
                    Alert(id: "alert-1", jobId: job.id, type: .webhook, target: "https://example.com/a", createdAt: t0),
                    audit: auditLine(.alertCreate))
                let run = try await fx.store.claimOne(at: at(0)).run
                let before = try fx.deliveryCount()
                outbox.fixedDeliveryID.withLock { $0 = "same-id" }

                await #expect(throws: (any Error).self) { try await fx.store.complete(run, handlerFailed, at: at(1)) }
                #expect(try await fx.store.reload(run) == run)
                #expect(try await fx.store.reload(job).consecutiveErrors == 0)
                #expect(try fx.deliveryCount() == before)
            }
        }
    }
}
