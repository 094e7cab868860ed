import Foundation
import SchedulerKit
import Testing

extension JobStoreConformanceTests {
    @Suite("Jobs")
    struct Jobs {
        @Test(arguments: StoreKind.allCases)
        func insertedJobReadsBackByIdAndNameWithEveryField(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let cron = try Schedule.cron("*/5 * * * *", timeZone: "Europe/Paris")
                let job = makeJob("nightly.backup-1", schedule: cron) { job in
                    job.payload = JobPayload(json: Data(#"{"command":["/bin/true"]}"#.utf8))
                    job.timeout = 2.5
                    job.maxConsecutiveErrors = 4
                    job.consecutiveErrors = 1
                    job.lastRunAt = at(-300)
                    job.lastRunStatus = .failed
                    job.overlap = .replace
                    job.misfire = .skip
                    job.jitter = 1.5
                    job.retry = RetryPolicy(maxAttempts: 3, initialDelay: 5, multiplier: 3, maxDelay: 60)
                    job.stateWebhookURL = "https://hooks.example.com/state"
                    job.stateWebhookSecret = "state-secret"
                }
                try await fx.store.insert(job)

                #expect(try await fx.store.job(id: job.id) == job)
                #expect(try await fx.store.job(named: "nightly.backup-1") == job)
                #expect(try await fx.store.job(id: JobID("missing")) == nil)
                #expect(try await fx.store.job(named: "missing") == nil)

                let oneShot = makeJob("once", schedule: .at(at(90))) { $0.deleteAfterRun = true }
                try await fx.store.insert(oneShot)
                #expect(try await fx.store.job(id: oneShot.id) == oneShot)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func insertWritesItsAuditLine(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = makeJob("audited")
                try await fx.store.insertJob(
                    job, audit: AuditRecord(at: at(1), actor: "cli:alice", action: .jobCreate, details: ["kind": "test"]))
                let entries = try await fx.store.auditEntries(AuditQuery(jobId: job.id))
                #expect(entries.count == 1)
                #expect(entries.first?.action == "job.create")
                #expect(entries.first?.actor == "cli:alice")
                #expect(entries.first?.jobName == "audited")
                #expect(entries.first?.at == at(1))
                #expect(entries.first?.details == #"{"kind":"test"}"#)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func listFiltersByStatusOrdersByNameAndLimits(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                for (name, status) in [("c", JobStatus.active), ("a", .active), ("d", .paused), ("b", .failed), ("e", .active)] {
                    try await fx.store.insert(makeJob(name) { $0.status = status })
                }
                #expect(try await fx.store.jobs(JobQuery()).map(\.name) == ["a", "b", "c", "d", "e"])
                #expect(try await fx.store.jobs(JobQuery(status: .active)).map(\.name) == ["a", "c", "e"])
                #expect(try await fx.store.jobs(JobQuery(status: .active, limit: 2)).map(\.name) == ["a", "c"])
                #expect(try await fx.store.jobs(JobQuery(status: .paused)).map(\.name) == ["d"])
                #expect(try await fx.store.jobs(JobQuery(status: .completed)).isEmpty)
                #expect(try await fx.store.jobs(JobQuery(limit: 1)).map(\.name) == ["a"])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func duplicateNameIsAlreadyExistsAndWritesNothing(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let first = try await fx.store.insert(makeJob("dup"))
                let second = makeJob("dup") { $0.kind = "other" }
                await expectSchedulerError(.alreadyExists) { try await fx.store.insert(second) }
                #expect(try await fx.store.jobs(JobQuery()).map(\.id) == [first.id])
                #expect(try await fx.store.job(id: second.id) == nil)
                #expect(try await fx.store.auditEntries(AuditQuery()).count == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func modifyJobWritesTheChangeAndItsAuditTogether(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("before"))
                let written = try await fx.store.modifyJob(id: job.id) { job in
                    job.name = "after"
                    job.maxConsecutiveErrors = 3
                    job.updatedAt = at(5)
                    return AuditRecord(at: at(5), actor: "test", action: .jobUpdate, details: ["name": "after"])
                }
                #expect(written.name == "after")
                #expect(try await fx.store.job(id: job.id) == written)
                #expect(try await fx.store.job(named: "before") == nil)
                let entries = try await fx.store.auditEntries(AuditQuery(jobId: job.id))
                #expect(entries.map(\.action) == ["job.update", "job.create"])
                #expect(entries.first?.jobName == "after")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func modifyJobThatThrowsWritesNothing(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("steady"))
                await expectSchedulerError(.refused) {
                    try await fx.store.modifyJob(id: job.id) { job in
                        job.name = "changed"
                        job.status = .paused
                        throw SchedulerError(.refused, "no")
                    }
                }
                #expect(try await fx.store.job(id: job.id) == job)
                #expect(try await fx.store.auditEntries(AuditQuery()).map(\.action) == ["job.create"])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func modifyJobRefusesMissingJobsAndTakenNames(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let a = try await fx.store.insert(makeJob("a"))
                try await fx.store.insert(makeJob("b"))
                await expectSchedulerError(.notFound) {
                    try await fx.store.modifyJob(id: JobID("missing")) { _ in auditLine(.jobUpdate) }
                }
                await expectSchedulerError(.alreadyExists) {
                    try await fx.store.modifyJob(id: a.id) { job in
                        job.name = "b"
                        return auditLine(.jobUpdate)
                    }
                }
                #expect(try await fx.store.job(id: a.id) == a)
                #expect(try await fx.store.auditEntries(AuditQuery()).count == 2)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func deleteJobCascadesAlertsCancelsQueuedStopsRunningKeepsHistory(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let store = fx.store
                let job = try await store.insert(makeJob("doomed") { $0.overlap = .allow })
                let alert = Alert(id: "alert-1", jobId: job.id, type: .webhook, target: "https://example.com/h", createdAt: t0)
                try await store.insertAlert(alert, audit: auditLine(.alertCreate))

                // finished (slot t0), running (slot t0+60), queued (manual, not started)
                let finished = try await store.claimOne(at: at(0)).run
                try await store.complete(finished, .succeeded(), at: at(1))
                let running = try await store.claimOne(at: at(60)).run
                let queued = manualRun(of: job, at: at(61))
                try await store.enqueueRun(queued, check: { _ in }, audit: nil)

                let deleted = try await store.deleteJob(id: job.id, audit: auditLine(.jobDelete, at: at(62)))
                #expect(deleted.id == job.id)
                #expect(try await store.job(id: job.id) == nil)
                #expect(try await store.alerts(jobId: job.id).isEmpty)
                #expect(try await store.alert(id: alert.id) == nil)

                let q = try await store.reload(queued)
                #expect(q.status == .cancelled)
                #expect(q.errorCode == "cancelled")
                #expect(q.finishedAt == at(62))
                let r = try await store.reload(running)
                #expect(r.status == .running)
                #expect(r.cancelRequested)
                let f = try await store.reload(finished)
                #expect(f.status == .succeeded)
                #expect(!f.cancelRequested)
                #expect(try await store.runs(RunQuery(jobId: job.id)).count == 3)

                let entries = try await store.auditEntries(AuditQuery(jobId: job.id))
                #expect(entries.first?.action == "job.delete")
                #expect(entries.first?.jobName == "doomed")
                await expectSchedulerError(.notFound) { try await store.deleteJob(id: job.id, audit: auditLine(.jobDelete)) }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func enqueueRunWritesNothingWhenTheCheckRefuses(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("checked"))
                let run = manualRun(of: job, at: at(1))
                await expectSchedulerError(.refused) {
                    try await fx.store.enqueueRun(
                        run, check: { _ in throw SchedulerError(.refused, "not now") }, audit: auditLine(.jobRunNow))
                }
                #expect(try await fx.store.run(id: run.id) == nil)
                #expect(try await fx.store.auditEntries(AuditQuery()).map(\.action) == ["job.create"])

                await expectSchedulerError(.notFound) {
                    var orphan = run
                    orphan.jobId = JobID("missing")
                    try await fx.store.enqueueRun(orphan, check: { _ in }, audit: nil)
                }

                try await fx.store.enqueueRun(run, check: { _ in }, audit: auditLine(.jobRunNow, at: at(1)))
                #expect(try await fx.store.run(id: run.id) == run)
                #expect(try await fx.store.auditEntries(AuditQuery()).map(\.action) == ["job.run_now", "job.create"])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func runsFilterByJobAndStatusNewestFirst(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let a = try await fx.store.insert(makeJob("a") { $0.overlap = .allow })
                let b = try await fx.store.insert(makeJob("b", schedule: .every(seconds: 3600, anchor: t0)))
                let a1 = try await fx.store.claimDueRuns(claim(at: at(0))).started
                #expect(a1.count == 2)
                let aFirst = try #require(a1.first { $0.job.id == a.id }).run
                try await fx.store.complete(aFirst, handlerFailed, at: at(10))
                let aSecond = try await fx.store.claimOne(at: at(60)).run

                let ofA = try await fx.store.runs(RunQuery(jobId: a.id))
                #expect(ofA.map(\.id) == [aSecond.id, aFirst.id])
                #expect(try await fx.store.runs(RunQuery(jobId: b.id)).count == 1)
                #expect(try await fx.store.runs(RunQuery(statuses: [.failed])).map(\.id) == [aFirst.id])
                #expect(try await fx.store.runs(RunQuery(statuses: [.running])).count == 2)
                #expect(try await fx.store.runs(RunQuery(limit: 1)).map(\.id) == [aSecond.id])
            }
        }
    }
}
