import Foundation
import SchedulerKit
import Testing

extension JobStoreConformanceTests {
    /// The optional abilities behind metrics and health checks: ``SchedulerRegistry`` and
    /// ``ObservationStore``. A store without one skips its tests.
    @Suite("Observation")
    struct Observation {
        @Test(arguments: StoreKind.allCases)
        func schedulerRecordsAreUpsertedTickedAndRemoved(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let registry = fx.store
                let a = SchedulerInstance(id: "a", host: "h1", pid: 10, version: "1", startedAt: at(0), lastTickAt: at(0), tickInterval: 10)
                let b = SchedulerInstance(id: "b", host: "h2", pid: 20, version: "1", startedAt: at(5), lastTickAt: at(5), tickInterval: 2.5)
                try await registry.registerScheduler(b)
                try await registry.registerScheduler(a)
                #expect(try await registry.schedulers() == [a, b])  // oldest first

                #expect(try await registry.tickScheduler(id: "a", at: at(30)))
                #expect(try await !registry.tickScheduler(id: "nobody", at: at(30)))
                var again = a
                again.pid = 11
                again.lastTickAt = at(40)
                try await registry.registerScheduler(again)  // the same id replaces its record
                #expect(try await registry.schedulers() == [again, b])

                // another process sees the same records
                let other = try await fx.openAnother()
                #expect(try await other.schedulers().map(\.id) == ["a", "b"])

                try await registry.removeScheduler(id: "a")
                try await registry.removeScheduler(id: "a")  // nothing left: no error
                #expect(try await registry.schedulers() == [b])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func jobAndRunCountsWithFinishedWindows(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let observed = fx.store
                let a = try await fx.store.insert(makeJob("a", nextRunAt: at(100_000)))
                let b = try await fx.store.insert(makeJob("b", nextRunAt: at(100_000)) { $0.status = .paused })
                func finish(_ job: Job, at start: Double, _ outcome: RunOutcome) async throws {
                    try await fx.store.enqueueRun(manualRun(of: job, at: at(start)), check: { _ in }, audit: nil)
                    let run = try await fx.store.claimOne(at: at(start))
                    try await fx.store.complete(run.run, outcome, at: at(start + 5))
                }
                try await finish(a, at: 0, .succeeded())
                try await finish(a, at: 10, handlerFailed)
                try await finish(b, at: 20, handlerFailed)
                try await finish(b, at: 30, .error(.lost, "gone"))
                try await fx.store.enqueueRun(manualRun(of: a, at: at(40)), check: { _ in }, audit: nil)

                #expect(try await observed.jobCounts() == [.active: 1, .paused: 1])

                let all = try await observed.runCounts(RunCountQuery())
                func n(_ c: [RunCount], _ job: Job, _ s: RunStatus) -> Int {
                    c.filter { $0.jobId == job.id && $0.status == s }.reduce(0) { $0 + $1.count }
                }
                #expect(n(all, a, .succeeded) == 1 && n(all, a, .failed) == 1 && n(all, a, .queued) == 1)
                #expect(n(all, b, .failed) == 1 && n(all, b, .systemError) == 1)
                #expect(all.first { $0.status == .systemError }?.errorCode == "lost")
                #expect(all.first { $0.status == .systemError }?.jobName == "b")

                // windows are on finished_at: [since, before); runs in progress never count in a window
                let window = try await observed.runCounts(RunCountQuery(finishedSince: at(15), finishedBefore: at(35)))
                #expect(window.reduce(0) { $0 + $1.count } == 2)
                #expect(n(window, a, .failed) == 1 && n(window, b, .failed) == 1)
                let before = try await observed.runCounts(RunCountQuery(finishedBefore: at(15)))
                #expect(before.reduce(0) { $0 + $1.count } == 1)
                let ofB = try await observed.runCounts(RunCountQuery(jobId: b.id))
                #expect(ofB.reduce(0) { $0 + $1.count } == 2)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func runSamplesNewestFirstWithAPerJobLimit(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let observed = fx.store
                let a = try await fx.store.insert(makeJob("a", nextRunAt: at(100_000)))
                let b = try await fx.store.insert(makeJob("b", nextRunAt: at(100_000)))
                var ids: [Job: [RunID]] = [:]
                for k in 0..<4 {
                    for job in [a, b] {
                        let start = Double(k * 100) + (job == a ? 0 : 50)
                        try await fx.store.enqueueRun(manualRun(of: job, at: at(start)), check: { _ in }, audit: nil)
                        let run = try await fx.store.claimOne(at: at(start))
                        try await fx.store.complete(run.run, k == 3 ? handlerFailed : .succeeded(exitCode: 0), at: at(start + Double(k + 1)))
                        ids[job, default: []].append(run.run.id)
                    }
                }
                let latest = try await observed.runSamples(RunSampleQuery(statuses: [.succeeded], limitPerJob: 2))
                #expect(latest.map(\.id) == [ids[b]![2], ids[a]![2], ids[b]![1], ids[a]![1]])
                #expect(latest.allSatisfy { $0.exitCode == 0 && $0.errorCode == nil })
                #expect(latest.first?.duration == 3)
                #expect(latest.first?.jobName == "b")

                let recent = try await observed.runSamples(RunSampleQuery(jobId: a.id, finishedSince: at(200)))
                #expect(recent.map(\.id) == [ids[a]![3], ids[a]![2]])
                #expect(recent.first?.status == .failed && recent.first?.errorCode == "handler_error")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func deliveryCountsByChannelAndStatus(kind: StoreKind) async throws {
            try await StoreFixture.with(kind, StoreOptions(outbox: RecordingOutbox())) { fx in
                let observed = fx.store
                let outbox = fx.store
                let job = try await fx.store.insert(makeJob("a", nextRunAt: at(100_000)) { $0.stateWebhookURL = "https://hooks.example.com/s" })
                try await fx.store.enqueueRun(manualRun(of: job, at: at(0)), check: { _ in }, audit: nil)  // one delivery (queued)
                let run = try await fx.store.claimOne(at: at(10))  // a second (running)
                try await fx.store.complete(run.run, .succeeded(), at: at(20))  // a third (succeeded)
                let taken = try await outbox.claimDueDeliveries(now: at(30), limit: 1, lease: 60, owner: "d")
                try await outbox.recordDeliveryAttempt(
                    DeliveryAttemptRecord(deliveryId: taken[0].id, status: .dead, attempts: 10, nextAttemptAt: nil, error: "x", statusCode: nil, at: at(40)))

                let all = try await observed.deliveryCounts(DeliveryCountQuery())
                #expect(all.count == 2)
                #expect(all.first { $0.status == .pending }?.count == 2)
                #expect(all.first { $0.status == .pending }?.oldestCreatedAt == at(10))
                #expect(all.first { $0.status == .dead }?.count == 1)
                #expect(all.allSatisfy { $0.channel == .webhook })
                #expect(try await observed.deliveryCounts(DeliveryCountQuery(createdBefore: at(10))).map(\.status) == [.dead])
                #expect(try await observed.deliveryCounts(DeliveryCountQuery(updatedSince: at(40))).map(\.status) == [.dead])
            }
        }
    }
}
