import Foundation
import Testing
import Synchronization
@testable import SchedulerKit

@Suite("Scheduler: running jobs on time")
struct SchedulerTests {
    @Test("a due job runs at its slot, is recorded succeeded, and its next slot is armed")
    func runsOnTime() async throws {
        let h = try await EngineHarness.start { s in
            s.register("noop") { _ in }
        }
        let job = try await h.client.addJob(JobSpec(name: "tick", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "noop"))
        #expect(job.nextRunAt == date("2026-11-23T09:01:00Z"))
        #expect(h.events.finishedRuns.isEmpty)
        h.advance(to: date("2026-11-23T09:01:00Z"))
        let runs = try await h.events.finished()
        #expect(runs[0].status == .succeeded)
        #expect(runs[0].scheduledFor == date("2026-11-23T09:01:00Z"))
        #expect(runs[0].startedAt == date("2026-11-23T09:01:00Z"))
        #expect(runs[0].trigger == .schedule)
        let after = try await h.client.job("tick")
        #expect(after.nextRunAt == date("2026-11-23T09:02:00Z"))
        #expect(after.lastRunStatus == .succeeded)
        try await h.stop()
    }

    @Test("the handler sees its job, run, slot, trigger and attempt")
    func contextFields() async throws {
        let seen = Mutex<[String]>([])
        let h = try await EngineHarness.start { s in
            s.register("probe") { ctx in
                let p: [String: String] = try ctx.payload()
                seen.withLock { $0 = [ctx.job.name, ctx.runId.rawValue, ISO8601.string(ctx.scheduledFor), ctx.trigger.rawValue, "\(ctx.attempt)", p["x"] ?? ""] }
            }
        }
        try await h.client.addJob(JobSpec(
            name: "probe", schedule: .every(seconds: 30, anchor: EngineHarness.t0), kind: "probe", payload: try JobPayload(["x": "y"])))
        h.advance(by: 30)
        let run = try await h.events.finished()[0]
        #expect(seen.withLock { $0 } == ["probe", run.id.rawValue, "2026-11-23T09:00:30.000Z", "schedule", "1", "y"])
        try await h.stop()
    }

    @Test("a job that keeps failing is retired at its limit; resume refuses it, resume(force:) revives it")
    func retireAndRevive() async throws {
        let h = try await EngineHarness.start { s in
            s.register("boom") { _ in throw RunFailure(.exitNonzero, "exit 2", exitCode: 2) }
        }
        var spec = JobSpec(name: "flaky", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "boom")
        spec.maxConsecutiveErrors = 3
        try await h.client.addJob(spec)
        for k in 1...3 {
            h.advance(by: 60)
            try await h.events.finished(count: k)
        }
        let runs = h.events.finishedRuns
        #expect(runs.map(\.status) == [.failed, .failed, .failed])
        for r in runs {
            #expect(r.errorType == ErrorType.user)
            #expect(r.errorCode == "exit_nonzero")
            #expect(r.exitCode == 2)
        }
        try await h.events.wait { if case .jobRetired(let j) = $0 { return j.name == "flaky" } else { return false } }
        var job = try await h.client.job("flaky")
        #expect(job.status == .failed)
        #expect(job.nextRunAt == nil)
        #expect(job.consecutiveErrors == 3)
        let audit = try await h.client.audit(job: "flaky")
        #expect(audit.first?.action == "job.auto_fail")
        #expect(audit.first?.actor == "scheduler")

        // No more runs while failed.
        h.advance(by: 600)
        await expectNoNewRuns(h, beyond: 3)

        await #expect(throws: SchedulerError.self) { try await h.client.resumeJob("flaky") }
        do {
            try await h.client.resumeJob("flaky")
        } catch let e as SchedulerError {
            #expect(e.code == .refused)
            #expect(e.jobStatus == .failed)
        }
        job = try await h.client.resumeJob("flaky", force: true)
        #expect(job.status == .active)
        #expect(job.consecutiveErrors == 0)
        #expect(job.nextRunAt != nil)
        // Re-armed at once in this process: the next slot runs.
        h.advance(to: job.nextRunAt!)
        try await h.events.finished(count: 4)
        try await h.stop()
    }

    @Test("a run past its timeout is cancelled and recorded timed_out, a user error")
    func timeout() async throws {
        let h = try await EngineHarness.start { s in
            s.register("slow") { _ in try await Task.sleep(for: .seconds(3600)) }
        }
        var spec = JobSpec(name: "slow", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "slow")
        spec.timeout = 5
        try await h.client.addJob(spec)
        h.advance(by: 60)
        _ = try await h.events.started()
        h.advance(by: 5)
        let run = try await h.events.finished()[0]
        #expect(run.status == .timedOut)
        #expect(run.errorType == ErrorType.user)
        #expect(run.errorCode == "timeout")
        #expect(try await h.client.job("slow").consecutiveErrors == 1)
        try await h.stop()
    }

    @Test("no handler for the kind: system_error/handler_missing and the streak is unchanged")
    func handlerMissing() async throws {
        let h = try await EngineHarness.start { s in
            s.register("boom") { _ in throw RunFailure(.exitNonzero, "exit 1", exitCode: 1) }
        }
        try await h.client.addJob(JobSpec(name: "orphan", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "nobody"))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == .systemError)
        #expect(run.errorType == ErrorType.system)
        #expect(run.errorCode == "handler_missing")
        #expect(try await h.client.job("orphan").consecutiveErrors == 0)
        try await h.stop()
    }

    @Test("thrown errors map through the one rule", arguments: [
        ("user", RunStatus.failed, "handler_error"),
        ("system", RunStatus.systemError, "system_failure"),
    ])
    func errorMapping(kind: String, status: RunStatus, code: String) async throws {
        struct Oops: Error {}
        let h = try await EngineHarness.start { s in
            s.register("user") { _ in throw Oops() }
            s.register("system") { _ in throw SystemFailure("disk unavailable") }
        }
        try await h.client.addJob(JobSpec(name: "j", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: kind))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == status)
        #expect(run.errorCode == code)
        #expect(run.status == statusForErrorType(run.errorType!))
        try await h.stop()
    }

    @Test("overlap skip records a skipped run while the previous one still runs")
    func overlapSkip() async throws {
        let gate = FirstOf<Bool>()
        let h = try await EngineHarness.start { s in
            s.register("block") { _ in _ = await gate.wait() }
        }
        try await h.client.addJob(JobSpec(name: "long", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "block"))
        h.advance(by: 60)
        _ = try await h.events.started()
        h.advance(by: 60)
        let skipped = try await h.events.wait {
            if case .runCreated(let r) = $0 { return r.status == .skipped } else { return false }
        }
        guard case .runCreated(let s) = skipped[0] else { return }
        #expect(s.errorCode == "overlap")
        #expect(s.scheduledFor == date("2026-11-23T09:02:00Z"))
        gate.settle(true)
        try await h.events.finished { $0.status == .succeeded }
        try await h.stop()
    }

    @Test("overlap replace cancels the running run and starts the new slot")
    func overlapReplace() async throws {
        let h = try await EngineHarness.start { s in
            s.register("block") { _ in try await Task.sleep(for: .seconds(3600)) }
        }
        var spec = JobSpec(name: "rep", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "block")
        spec.overlap = .replace
        try await h.client.addJob(spec)
        h.advance(by: 60)
        _ = try await h.events.started()
        h.advance(by: 60)
        let cancelled = try await h.events.finished { $0.status == .cancelled }
        #expect(cancelled[0].errorCode == "replaced")
        #expect(cancelled[0].scheduledFor == date("2026-11-23T09:01:00Z"))
        let started = try await h.events.started(count: 2)
        #expect(started[1].scheduledFor == date("2026-11-23T09:02:00Z"))
        try await h.stop()
    }

    @Test("the global concurrency limit holds; queued runs start as workers free up")
    func concurrencyLimit() async throws {
        let inFlight = Mutex(0)
        let peak = Mutex(0)
        let gate = FirstOf<Bool>()
        let h = try await EngineHarness.start(register: { s in
            s.register("work") { _ in
                let n = inFlight.withLock { $0 += 1; return $0 }
                peak.withLock { $0 = max($0, n) }
                _ = await gate.wait()
                inFlight.withLock { $0 -= 1 }
            }
        }, configure: { $0.concurrency = 2 })
        for i in 0..<5 {
            try await h.client.addJob(JobSpec(name: "w\(i)", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "work"))
        }
        h.advance(by: 60)
        _ = try await h.events.started(count: 2)
        #expect(inFlight.withLock { $0 } <= 2)
        let queued = try await h.client.runs(statuses: [.queued])
        #expect(queued.count == 3)
        gate.settle(true)
        try await h.events.finished(count: 5)
        #expect(peak.withLock { $0 } == 2)
        try await h.stop()
    }

    @Test("run-now through the client starts at once without moving nextRunAt")
    func runNow() async throws {
        let h = try await EngineHarness.start { s in s.register("noop") { _ in } }
        let job = try await h.client.addJob(JobSpec(name: "manual", schedule: .every(seconds: 3600, anchor: EngineHarness.t0), kind: "noop"))
        let run = try await h.client.runJobNow("manual")
        let done = try await h.events.finished()[0]
        #expect(done.id == run.id)
        #expect(done.trigger == .manual)
        #expect(try await h.client.job("manual").nextRunAt == job.nextRunAt)
        try await h.stop()
    }

    @Test("one-shot: a past instant runs once, then the job is completed")
    func oneShot() async throws {
        let h = try await EngineHarness.start { s in s.register("noop") { _ in } }
        try await h.client.addJob(JobSpec(name: "once", schedule: .at(date("2026-11-23T08:00:00Z")), kind: "noop"))
        let run = try await h.events.finished()[0]
        #expect(run.trigger == .catchup)
        #expect(run.status == .succeeded)
        let job = try await h.client.job("once")
        #expect(job.status == .completed)
        #expect(job.nextRunAt == nil)
        await #expect(throws: SchedulerError.self) { try await h.client.resumeJob("once", force: true) }
        try await h.stop()
    }

    @Test("shutdown: runs past the grace period are cancelled as system_error/shutdown; none is left running")
    func shutdownCancels() async throws {
        let h = try await EngineHarness.start(register: { s in
            s.register("stuck") { _ in try await Task.sleep(for: .seconds(3600)) }
        }, configure: { $0.shutdownGrace = 2 })
        try await h.client.addJob(JobSpec(name: "stuck", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "stuck"))
        h.advance(by: 60)
        _ = try await h.events.started()
        let store = h.store
        let path = h.db.path
        h.scheduler.shutdown()
        let nudger = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                h.clock.advance(by: 1)
            }
        }
        _ = try await h.task.value
        nudger.cancel()
        let runs = try await store.runs(RunQuery())
        #expect(runs.count == 1)
        #expect(runs[0].status == .systemError)
        #expect(runs[0].errorCode == "shutdown")
        #expect(try await store.runs(RunQuery(statuses: [.running])).isEmpty)
        try? store.close()
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    @Test("a run whose worker process is gone is reaped at start-up as system_error/lost, and its slot is not run again")
    func reapsDeadOwnerAtStartup() async throws {
        let db = try EngineDatabase.make()
        defer { db.remove() }
        let t0 = EngineHarness.t0
        // A "previous process" claims a run and dies without recording it.
        do {
            let store = try SQLiteJobStore(path: db.path)
            let client = SchedulerClient(store: store, clock: ManualClock(now: t0))
            try await client.addJob(JobSpec(name: "victim", schedule: .every(seconds: 60, anchor: t0), kind: "noop"))
            let claim = try await store.claimDueRuns(ClaimParams(
                now: t0.addingTimeInterval(60), owner: "\(WorkerIdentity.hostName())/999999/01DEADDEADDEADDEADDEADDEAD", maxStart: 1))
            #expect(claim.started.count == 1)
            try store.close()
        }
        let store = try SQLiteJobStore(path: db.path)
        let clock = ManualClock(now: t0.addingTimeInterval(61))
        let scheduler = Scheduler(store: store, clock: clock)
        scheduler.register("noop") { _ in }
        let events = EventLog(scheduler.events())
        let task = Task { try await scheduler.run() }
        let lost = try await events.finished { $0.status == .systemError }
        #expect(lost[0].errorCode == "lost")
        #expect(lost[0].errorType == ErrorType.system)
        let job = try await scheduler.client.job("victim")
        #expect(job.consecutiveErrors == 0)
        #expect(job.nextRunAt == t0.addingTimeInterval(120))
        scheduler.shutdown()
        _ = try await task.value
        let runs = try await store.runs(RunQuery())
        #expect(runs.count == 1)
        try store.close()
    }

    private func expectNoNewRuns(_ h: EngineHarness, beyond count: Int) async {
        // Give the engine a chance to act on the advanced clock, then check the database itself.
        _ = try? await h.store.claimDueRuns(ClaimParams(now: h.clock.now(), owner: "probe", maxStart: 0))
        let runs = (try? await h.store.runs(RunQuery(limit: nil))) ?? []
        #expect(runs.count == count)
    }
}
