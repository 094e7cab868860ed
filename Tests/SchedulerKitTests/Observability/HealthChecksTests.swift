import Foundation
import GRDB
import Testing
@testable import SchedulerKit

@Suite("Health checks")
struct HealthChecksTests {
    // MARK: - All well

    @Test("a live scheduler and jobs that run on time: no findings at all")
    func healthy() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let job = try await o.job("fine", every: 60)
            for k in 0..<30 { try await o.run(job, at: o.rel(-1800 + Double(k) * 60), duration: 2) }
            let findings = try await o.checks().run()
            #expect(findings.isEmpty, "\(findings.map(\.message))")
            #expect(HealthStatus(findings) == .ok)
        }
    }

    // MARK: - Schedulers

    @Test("no scheduler registered while a job is overdue: critical")
    func noSchedulerOverdue() async throws {
        try await ObservedStore.with { o in
            try await o.job("late") { $0.nextRunAt = o.rel(-300) }
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.noLiveScheduler)
            #expect(f.count == 1)
            #expect(f.first?.severity == .critical)
            #expect(f.first?.details["overdue_jobs"] == .array(["late"]))
            #expect(f.first?.message.hasPrefix("no scheduler is running: 1 active job(s), 1 overdue") == true)
        }
    }

    @Test("a scheduler that stopped ticking is not alive; its record is reported, not removed")
    func staleSchedulerOnly() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler(tickedAgo: 31, interval: 10)
            try await o.job("late") { $0.nextRunAt = o.rel(-120) }
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.noLiveScheduler)
            #expect(f.first?.severity == .critical)
            let stale = f.first?.details["stale_schedulers"]
            #expect(stale == .array([HealthChecks.instanceDetails(try await o.store.schedulers()[0], now: o.now)]))
            #expect(try await o.store.schedulers().count == 1)
        }
    }

    @Test("no scheduler: a warning while nothing is overdue yet, info without active jobs")
    func noSchedulerSeverities() async throws {
        try await ObservedStore.with { o in
            try await o.job("soon") { $0.nextRunAt = o.rel(600) }
            #expect(try await o.checks().run().with(id: HealthChecks.CheckID.noLiveScheduler).first?.severity == .warning)
        }
        try await ObservedStore.with { o in
            try await o.job("resting") { $0.status = .paused }
            #expect(try await o.checks().run().with(id: HealthChecks.CheckID.noLiveScheduler).first?.severity == .info)
        }
    }

    @Test("a live scheduler: no scheduler finding; another, stale record beside it is info")
    func liveScheduler() async throws {
        try await ObservedStore.with { o in
            try await o.job("late") { $0.nextRunAt = o.rel(-30) }
            try await o.scheduler(id: "alive", tickedAgo: 29, interval: 10)
            var findings = try await o.checks().run()
            #expect(findings.filter { $0.category == "scheduler" }.isEmpty)
            try await o.scheduler(id: "dead", tickedAgo: 3600)
            findings = try await o.checks().run()
            let stale = findings.with(id: HealthChecks.CheckID.staleScheduler)
            #expect(stale.count == 1 && stale[0].severity == .info)
            #expect(stale[0].details["id"] == "dead")
            #expect(findings.with(id: HealthChecks.CheckID.noLiveScheduler).isEmpty)
        }
    }

    // MARK: - Jobs

    @Test("an active job that missed three slots is dormant; one that missed two, or is younger, is not")
    func dormant() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let quiet = try await o.job("quiet", every: 60, age: 86400)
            try await o.run(quiet, at: o.rel(-300), duration: 1)  // slots at -240, -180, -120 (and -60) missed
            let recent = try await o.job("recent", every: 60, age: 86400)
            try await o.run(recent, at: o.rel(-170), duration: 1)  // slots at -120 and -60 missed: only 2
            try await o.job("young", every: 60, age: 150)  // never ran, only 1 slot is past the grace
            try await o.job("never", every: 60, age: 600)  // never ran in 10 minutes
            try await o.job("paused", every: 60, age: 86400) { $0.status = .paused }
            let busy = try await o.job("busy", every: 60, age: 86400)
            _ = try await o.started(busy, at: o.rel(-20))  // running now: not dormant
            let long = try await o.job("long", every: 60, age: 86400)
            try await o.run(long, at: o.rel(-900), duration: 890)  // started long ago, just finished
            let skipping = try await o.job("skipping", every: 60, age: 86400)
            try await o.run(skipping, at: o.rel(-890), duration: 1)
            let skip = try await o.started(skipping, at: o.rel(-30))
            try await o.store.complete(skip, .error(.overlap, "busy"), at: o.rel(-30))  // its slots are served (skipped by policy)

            let f = try await o.checks().run().with(id: HealthChecks.CheckID.dormantJob)
            #expect(Set(f.compactMap(\.job)) == ["quiet", "never"])
            #expect(f.allSatisfy { $0.severity == .warning && $0.category == "schedule" })
            let q = try #require(f.first { $0.job == "quiet" })
            #expect(q.details["expected_interval_seconds"] == .int(60))
            #expect(q.details["first_missed_slot"] == .date(o.rel(-240)))
        }
    }

    @Test("a one-shot job still active long after its instant is dormant")
    func dormantOneShot() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            try await o.job("once-late", age: 7200) { $0.schedule = .at(o.rel(-3600)) }
            try await o.job("once-soon", age: 7200) { $0.schedule = .at(o.rel(-60)) }
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.dormantJob)
            #expect(f.compactMap(\.job) == ["once-late"])
        }
    }

    @Test("a streak at half the limit warns; below half it does not")
    func streak() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            try await o.job("half") { $0.maxConsecutiveErrors = 10; $0.consecutiveErrors = 5; $0.lastRunAt = o.rel(-10) }
            try await o.job("less") { $0.maxConsecutiveErrors = 10; $0.consecutiveErrors = 4; $0.lastRunAt = o.rel(-10) }
            try await o.job("odd") { $0.maxConsecutiveErrors = 3; $0.consecutiveErrors = 2; $0.lastRunAt = o.rel(-10) }
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.failureStreak)
            #expect(f.compactMap(\.job) == ["half", "odd"])
            #expect(f.allSatisfy { $0.severity == .warning })
            #expect(f.first?.details["warn_at"] == .int(5))
        }
    }

    @Test("a job retired to failed is critical; a paused one is not reported")
    func retired() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let job = try await o.job("broken") { $0.maxConsecutiveErrors = 2 }
            try await o.run(job, at: o.rel(-120), handlerFailed)
            try await o.run(job, at: o.rel(-60), handlerFailed)
            #expect(try await o.store.reload(job).status == .failed)
            try await o.job("resting") { $0.status = .paused }
            let findings = try await o.checks().run()
            let f = findings.with(id: HealthChecks.CheckID.jobRetired)
            #expect(f.count == 1)
            #expect(f.first?.job == "broken" && f.first?.severity == .critical && f.first?.jobId == job.id)
            #expect(f.first?.details["consecutive_errors"] == .int(2))
            #expect(HealthStatus(findings) == .critical)
            #expect(findings.first?.id == HealthChecks.CheckID.jobRetired)  // most severe first
        }
    }

    // MARK: - Runs

    @Test("a run whose lease expired long ago is stuck; one with a fresh lease is not")
    func stuckByLease() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let a = try await o.job("hung")
            let stuck = try await o.started(a, at: o.rel(-600), lease: 30)
            let b = try await o.job("working")
            _ = try await o.started(b, at: o.rel(-20), lease: 30)
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.stuckRun)
            #expect(f.count == 1)
            #expect(f.first?.job == "hung" && f.first?.severity == .critical)
            #expect(f.first?.details["run_id"] == .string(stuck.id.rawValue))
            #expect(f.first?.details["reasons"] == .array(["lease_expired"]))
        }
    }

    @Test("a run past its timeout plus grace is stuck even while its lease is renewed")
    func stuckByTimeout() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let job = try await o.job("slow") { $0.timeout = 60 }
            let run = try await o.started(job, at: o.rel(-125), lease: 3600)
            var f = try await o.checks().run().with(id: HealthChecks.CheckID.stuckRun)
            #expect(f.first?.details["reasons"] == .array(["past_timeout"]))
            #expect(f.first?.details["run_id"] == .string(run.id.rawValue))
            f = try await o.checks { $0.stuckTimeoutGrace = 120 }.run().with(id: HealthChecks.CheckID.stuckRun)
            #expect(f.isEmpty)
        }
    }

    @Test("a run whose worker process is gone is stuck at once")
    func stuckByDeadOwner() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let job = try await o.job("orphan")
            _ = try await o.started(job, at: o.rel(-5), owner: "this-host/99999/x")
            var checks = o.checks()
            checks.isOwnerGone = { $0 == "this-host/99999/x" }
            let f = try await checks.run().with(id: HealthChecks.CheckID.stuckRun)
            #expect(f.first?.details["reasons"] == .array(["owner_gone"]))
            #expect(try await o.checks().run().with(id: HealthChecks.CheckID.stuckRun).isEmpty)
        }
    }

    @Test("a failure rate far above the job's own baseline is a spike; small samples and steady rates are not")
    func failureRateSpike() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let spiky = try await o.job("spiky", age: 10 * 86400)
            let steady = try await o.job("steady", age: 10 * 86400)
            let thin = try await o.job("thin", age: 10 * 86400)
            for k in 0..<24 {
                let at = o.rel(-2 * 86400 + Double(k) * 3600)
                try await o.run(spiky, at: at, k == 0 ? handlerFailed : .succeeded())
                try await o.run(steady, at: at.addingTimeInterval(10), k % 2 == 0 ? handlerFailed : .succeeded())
                if k < 10 { try await o.run(thin, at: at.addingTimeInterval(20)) }
            }
            for k in 0..<6 {
                let at = o.rel(-3000 + Double(k) * 300)
                try await o.run(spiky, at: at, k < 4 ? handlerFailed : .succeeded())  // 4/6, baseline 1/24
                try await o.run(steady, at: at.addingTimeInterval(10), k < 3 ? handlerFailed : .succeeded())  // 3/6 = baseline
                try await o.run(thin, at: at.addingTimeInterval(20), handlerFailed)  // 6/6 but only 10 in its baseline
            }
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.failureRateSpike)
            #expect(f.compactMap(\.job) == ["spiky"])
            #expect(f.first?.details["recent_failures"] == .int(4))
            #expect(f.first?.details["recent_runs"] == .int(6))
            #expect(f.first?.details["baseline_runs"] == .int(24))
            #expect(f.first?.severity == .warning)
        }
    }

    @Test("a run five times its job's median (and a second longer) is an anomaly; small ratios, short jobs and thin history are not")
    func durationAnomaly() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let slow = try await o.job("slow", age: 86400)
            let fine = try await o.job("fine", age: 86400)
            let tiny = try await o.job("tiny", age: 86400)
            let thin = try await o.job("thin", age: 86400)
            for k in 0..<12 {
                let at = o.rel(-20000 + Double(k) * 600)
                try await o.run(slow, at: at, duration: 2)
                try await o.run(fine, at: at.addingTimeInterval(1), duration: 2)
                try await o.run(tiny, at: at.addingTimeInterval(2), duration: 0.01)
                if k < 9 { try await o.run(thin, at: at.addingTimeInterval(3), duration: 2) }
            }
            let long = try await o.run(slow, at: o.rel(-600), duration: 20)
            try await o.run(fine, at: o.rel(-590), duration: 8)
            try await o.run(tiny, at: o.rel(-580), duration: 0.5)
            try await o.run(thin, at: o.rel(-570), duration: 60)
            var f = try await o.checks().run().with(id: HealthChecks.CheckID.durationAnomaly)
            #expect(f.compactMap(\.job) == ["slow"])
            #expect(f.first?.details["run_id"] == .string(long.id.rawValue))
            #expect(f.first?.details["median_seconds"] == .int(2))
            #expect(f.first?.details["ratio"] == .int(10))

            // a run still running counts by its elapsed time
            let fineRunning = try await o.started(fine, at: o.rel(-15))
            f = try await o.checks().run().with(id: HealthChecks.CheckID.durationAnomaly)
            #expect(Set(f.compactMap(\.job)) == ["slow", "fine"])
            #expect(f.first { $0.job == "fine" }?.details["run_id"] == .string(fineRunning.id.rawValue))
        }
    }

    @Test("three system errors with one code within the hour are a spike; two, or spread over codes, are not")
    func systemErrorSpike() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            let a = try await o.job("a")
            let b = try await o.job("b")
            try await o.run(a, at: o.rel(-3000), .error(.lost, "gone"))
            try await o.run(b, at: o.rel(-2000), .error(.lost, "gone"))
            try await o.run(b, at: o.rel(-1000), .error(.handlerMissing, "no handler"))
            try await o.run(a, at: o.rel(-7200), .error(.lost, "gone"))  // outside the window
            #expect(try await o.checks().run().with(id: HealthChecks.CheckID.systemErrorSpike).isEmpty)
            try await o.run(a, at: o.rel(-500), .error(.lost, "gone"))
            let f = try await o.checks().run().with(id: HealthChecks.CheckID.systemErrorSpike)
            #expect(f.count == 1)
            #expect(f.first?.details["error_code"] == "lost")
            #expect(f.first?.details["count"] == .int(3))
            #expect(f.first?.details["jobs"] == .members(["a": .int(2), "b": .int(1)]))
            #expect(f.first?.job == nil)
        }
    }

    // MARK: - Deliveries

    @Test("pending notifications older than 15 minutes are a backlog; dead ones of the last day are reported")
    func deliveries() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler()
            try o.delivery(status: .pending, createdAgo: 300)
            try o.delivery(status: .dead, createdAgo: 3 * 86400, updatedAgo: 2 * 86400)
            try o.delivery(status: .delivered, createdAgo: 3600)
            #expect(try await o.checks().run().isEmpty)

            try o.delivery(status: .pending, createdAgo: 1200, channel: .email)
            try o.delivery(status: .dead, createdAgo: 7200, updatedAgo: 3600)
            try o.delivery(status: .failed, createdAgo: 600)
            let findings = try await o.checks().run()
            let backlog = findings.with(id: HealthChecks.CheckID.deliveryBacklog)
            #expect(backlog.count == 1)
            #expect(backlog.first?.details["pending"] == .int(1))
            #expect(backlog.first?.details["oldest_age_seconds"] == .int(1200))
            #expect(backlog.first?.details["by_channel"] == .members(["email": .int(1)]))
            let failures = findings.with(id: HealthChecks.CheckID.deliveryFailures)
            #expect(failures.first?.details["dead"] == .int(1))
            #expect(failures.first?.details["refused"] == .int(1))
            #expect(findings.allSatisfy { $0.severity == .warning && $0.category == "deliveries" })
        }
    }

    // MARK: - Read only

    @Test("checks only read: the file's contents and data_version are unchanged")
    func readOnly() async throws {
        try await ObservedStore.with { o in
            try await o.scheduler(tickedAgo: 3600)
            let job = try await o.job("broken") { $0.maxConsecutiveErrors = 1 }
            try await o.run(job, at: o.rel(-100), handlerFailed)
            let hung = try await o.job("hung")
            _ = try await o.started(hung, at: o.rel(-600))
            try o.delivery(status: .pending, createdAgo: 3600)

            let watcher = try DatabaseQueue(path: o.database.path)
            defer { try? watcher.close() }
            let version = { try watcher.inDatabase { db in try Int.fetchOne(db, sql: "PRAGMA data_version") } }
            let before = try o.dump()
            let versionBefore = try version()

            let findings = try await o.checks().run()
            #expect(Set(findings.map(\.id)).isSuperset(of: [
                HealthChecks.CheckID.noLiveScheduler, HealthChecks.CheckID.jobRetired, HealthChecks.CheckID.stuckRun,
                HealthChecks.CheckID.deliveryBacklog,
            ]))
            _ = try await MetricsSnapshot.take(store: o.store, now: o.now)
            _ = try await FailureReport.make(store: o.store, job: "broken", window: 86400, now: o.now)

            #expect(try version() == versionBefore)
            #expect(try o.dump() == before)
        }
    }

    @Test("findings come most severe first, then by check and job")
    func ordering() async throws {
        try await ObservedStore.with { o in
            try await o.job("b-broken") { $0.status = .failed; $0.consecutiveErrors = 10 }
            try await o.job("a-broken") { $0.status = .failed; $0.consecutiveErrors = 10 }
            try await o.job("streak") { $0.consecutiveErrors = 600; $0.lastRunAt = o.rel(-5) }
            try await o.scheduler(id: "live")
            let findings = try await o.checks().run()
            #expect(findings.map(\.job) == ["a-broken", "b-broken", "streak"])
            #expect(findings.map(\.severity) == [.critical, .critical, .warning])
        }
    }
}
