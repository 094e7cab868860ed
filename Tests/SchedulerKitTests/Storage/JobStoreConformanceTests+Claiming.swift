import Foundation
import SchedulerKit
import Testing

extension JobStoreConformanceTests {
    @Suite("Claiming")
    struct Claiming {
        @Test(arguments: StoreKind.allCases)
        func dueSlotBecomesOneRunAndNextRunAtAdvances(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely"))
                let first = try await fx.store.claimDueRuns(claim(at: at(0), maxStart: 0))
                #expect(first.started.isEmpty)
                #expect(first.created.count == 1)
                let run = try #require(first.created.first)
                #expect(run.status == .queued)
                #expect(run.trigger == .schedule)
                #expect(run.scheduledFor == at(0))
                #expect(run.notBefore == at(0))
                #expect(run.attempt == 1)
                #expect(run.jobId == job.id)
                #expect(run.jobName == "minutely")
                #expect(try await fx.store.reload(job).nextRunAt == at(60))
                #expect(try await fx.store.reload(run) == run)

                // the same instant again finds nothing new
                let again = try await fx.store.claimDueRuns(claim(at: at(30), maxStart: 0))
                #expect(again.created.isEmpty)
                #expect(try await fx.store.allRuns(of: job).count == 1)

                let next = try await fx.store.claimDueRuns(claim(at: at(60), maxStart: 0))
                #expect(next.created.map(\.scheduledFor) == [at(60)])
                #expect(try await fx.store.reload(job).nextRunAt == at(120))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func jobsNotYetDueAreUntouched(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("later", nextRunAt: at(60)))
                let result = try await fx.store.claimDueRuns(claim(at: at(59.999)))
                #expect(result.created.isEmpty && result.started.isEmpty)
                #expect(try await fx.store.reload(job) == job)
                #expect(try await fx.store.allRuns(of: job).isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func onlyActiveJobsAreClaimed(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                // nextRunAt set on purpose: the status alone must keep them from running
                var jobs: [Job] = []
                for status in [JobStatus.paused, .failed, .completed] {
                    jobs.append(try await fx.store.insert(makeJob("job-\(status.rawValue)") { $0.status = status }))
                }
                let result = try await fx.store.claimDueRuns(claim(at: at(600)))
                #expect(result.created.isEmpty && result.started.isEmpty)
                for job in jobs {
                    #expect(try await fx.store.reload(job) == job)
                    #expect(try await fx.store.allRuns(of: job).isEmpty)
                }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func maxStartBoundsStartedRunsAndTheRestStayQueued(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                for i in 0..<5 { try await fx.store.insert(makeJob("job-\(i)")) }
                let first = try await fx.store.claimDueRuns(claim(at: at(0), maxStart: 2))
                #expect(first.created.count == 5)
                #expect(first.started.count == 2)
                #expect(try await fx.store.runs(RunQuery(statuses: [.queued])).count == 3)
                #expect(try await fx.store.runs(RunQuery(statuses: [.running])).count == 2)

                let second = try await fx.store.claimDueRuns(claim(at: at(1), maxStart: 10))
                #expect(second.created.isEmpty)
                #expect(second.started.count == 3)
                let startedIds = Set((first.started + second.started).map(\.run.id))
                #expect(startedIds == Set(first.created.map(\.id)))
                #expect(try await fx.store.runs(RunQuery(statuses: [.queued])).isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func maxEnqueueBoundsJobsEarliestFirst(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                var jobs: [Job] = []
                for i in 0..<5 {
                    let anchor = at(Double(4 - i))  // job-4 is due first
                    jobs.append(try await fx.store.insert(makeJob("job-\(i)", schedule: .every(seconds: 3600, anchor: anchor))))
                }
                let result = try await fx.store.claimDueRuns(claim(at: at(10), maxStart: 0, maxEnqueue: 2))
                #expect(Set(result.created.map(\.jobName)) == ["job-4", "job-3"])
                for job in jobs.prefix(3) {
                    #expect(try await fx.store.reload(job) == job)
                }
                let rest = try await fx.store.claimDueRuns(claim(at: at(10), maxStart: 0, maxEnqueue: 10))
                #expect(Set(rest.created.map(\.jobName)) == ["job-0", "job-1", "job-2"])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func startedRunCarriesItsLeaseAndJob(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("leased"))
                let result = try await fx.store.claimDueRuns(claim(at: at(2), owner: workerB, lease: 45))
                let claimed = try #require(result.started.first)
                #expect(claimed.job.id == job.id)
                #expect(claimed.job.name == "leased")
                let run = claimed.run
                #expect(run.status == .running)
                #expect(run.leaseOwner == workerB)
                #expect(run.startedAt == at(2))
                #expect(run.heartbeatAt == at(2))
                #expect(run.leaseExpiresAt == at(47))
                #expect(try await fx.store.reload(run) == run)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func manualRunStartsWithoutMovingNextRunAt(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("daily", schedule: .every(seconds: 86_400, anchor: t0), nextRunAt: at(86_400)))
                let run = manualRun(of: job, at: at(5))
                try await fx.store.enqueueRun(run, check: { _ in }, audit: nil)
                #expect(try await fx.store.nextWakeTime() == at(5))

                let result = try await fx.store.claimDueRuns(claim(at: at(5)))
                #expect(result.created.isEmpty)
                #expect(result.started.map(\.run.id) == [run.id])
                #expect(result.started.first?.run.trigger == .manual)
                #expect(try await fx.store.reload(job) == job)

                // a second manual run for the same instant is not a duplicate slot
                let another = manualRun(of: job, at: at(5))
                try await fx.store.enqueueRun(another, check: { _ in }, audit: nil)
                #expect(try await fx.store.claimDueRuns(claim(at: at(5))).started.map(\.run.id) == [another.id])
            }
        }

        /// Two stores on one database (two processes) claim the same instants concurrently: no
        /// (job, slot) gets two runs, and no run is started twice.
        @Test(arguments: StoreKind.allCases)
        func concurrentClaimersNeverDuplicateASlotOrARun(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let stores = [fx.store, try await fx.openAnother()]
                var jobs: [Job] = []
                for i in 0..<8 {
                    // half allow overlaps, half record skips while an earlier run is open
                    let job = makeJob("hammer-\(i)", schedule: .every(seconds: 1, anchor: t0)) { $0.overlap = i < 4 ? .allow : .skip }
                    jobs.append(try await fx.store.insert(job))
                }
                let steps = 30
                struct Tally: Sendable {
                    var started: [RunID] = []
                    var created: [Run] = []
                    var notRecorded = 0
                }
                let tallies = try await withThrowingTaskGroup(of: Tally.self) { group in
                    for worker in 0..<4 {
                        let store = stores[worker % 2]
                        let owner = "host/\(worker)/w"
                        group.addTask {
                            var tally = Tally()
                            for step in 0..<steps {
                                let now = at(Double(step))
                                let result = try await store.claimDueRuns(claim(at: now, owner: owner, maxStart: 3))
                                tally.created += result.created
                                for claimed in result.started {
                                    tally.started.append(claimed.run.id)
                                    let done = try await store.complete(claimed.run, .succeeded(), at: now)
                                    if !done.recorded { tally.notRecorded += 1 }
                                }
                            }
                            return tally
                        }
                    }
                    return try await group.reduce(into: [Tally]()) { $0.append($1) }
                }
                let started = tallies.flatMap(\.started)
                let created = tallies.flatMap(\.created)
                #expect(!started.isEmpty)
                #expect(Set(started).count == started.count, "a run was started twice")
                #expect(tallies.map(\.notRecorded).reduce(0, +) == 0)
                #expect(Set(created.map(\.id)).count == created.count)

                // drain what is still queued, then check every stored run
                _ = try await fx.store.claimDueRuns(claim(at: at(Double(steps)), maxStart: 1000, maxEnqueue: 0))
                for job in jobs {
                    let runs = try await fx.store.allRuns(of: job)
                    let slots = runs.map { "\($0.scheduledFor.timeIntervalSince1970)/\($0.attempt)" }
                    #expect(Set(slots).count == slots.count, "job \(job.name) has two runs for one slot")
                    #expect(runs.allSatisfy { [.succeeded, .running, .skipped].contains($0.status) })
                }
                #expect(Set(created.map(\.id)).isSubset(of: Set(try await fx.store.runs(RunQuery(limit: nil)).map(\.id))))
            }
        }
    }
}
