import Foundation
import SchedulerKit
import Synchronization
import Testing

/// A fixed instant every test counts from (2026-01-05T10:00:00Z, a Monday); never the wall clock.
let t0 = Date(timeIntervalSince1970: 1_767_607_200)

/// `t0` plus `seconds`, rounded to the millisecond as stores keep instants (so that a value
/// read back compares equal to the one written).
func at(_ seconds: Double) -> Date {
    let millis = (t0.addingTimeInterval(seconds).timeIntervalSince1970 * 1000).rounded()
    return Date(timeIntervalSince1970: millis / 1000)
}

/// The lease holder name the tests claim under.
let workerA = "test-host/100/a"
let workerB = "test-host/200/b"

/// An audit line by the test actor.
func auditLine(_ action: AuditAction, at date: Date = t0) -> AuditRecord {
    AuditRecord(at: date, actor: "test", action: action)
}

/// A job as the store receives it: active, first slot `nextRunAt` (default: the schedule's anchor
/// or instant), everything else default unless `configure` says otherwise.
func makeJob(
    _ name: String, schedule: Schedule = .every(seconds: 60, anchor: t0), nextRunAt: Date? = nil,
    _ configure: (inout Job) -> Void = { _ in }
) -> Job {
    let first: Date?
    switch schedule {
    case .every(_, let anchor): first = anchor
    case .at(let instant): first = instant
    case .cron: first = schedule.nextFire(after: t0.addingTimeInterval(-1))
    }
    var job = Job(
        id: .generate(at: t0), name: name, schedule: schedule, kind: "test", nextRunAt: nextRunAt ?? first,
        createdAt: t0, updatedAt: t0)
    configure(&job)
    return job
}

/// Claim parameters with deterministic defaults: no jitter, lease 30 s, grace 60 s.
func claim(
    at now: Date, owner: String = workerA, maxStart: Int = 10, maxEnqueue: Int = 1000, grace: Double = 60,
    lease: Double = 30, jitter: @escaping @Sendable (Double) -> Double = { _ in 0 }
) -> ClaimParams {
    ClaimParams(
        now: now, owner: owner, leaseDuration: lease, maxStart: maxStart, maxEnqueue: maxEnqueue, misfireGrace: grace,
        jitter: jitter)
}

extension JobStore {
    /// Inserts `job` with a `job.create` audit line and returns it.
    @discardableResult
    func insert(_ job: Job) async throws -> Job {
        try await insertJob(job, audit: auditLine(.jobCreate, at: job.createdAt))
        return job
    }

    /// The stored job, which must exist.
    func reload(_ job: Job) async throws -> Job {
        guard let stored = try await self.job(id: job.id) else { throw FixtureError("job \(job.name) is gone") }
        return stored
    }

    /// The stored run, which must exist.
    func reload(_ run: Run) async throws -> Run {
        guard let stored = try await self.run(id: run.id) else { throw FixtureError("run \(run.id) is gone") }
        return stored
    }

    /// Every run of a job, oldest first.
    func allRuns(of job: Job) async throws -> [Run] {
        try await runs(RunQuery(jobId: job.id, limit: nil)).reversed()
    }

    /// Ends `run` with `outcome` at `now`.
    @discardableResult
    func complete(_ run: Run, _ outcome: RunOutcome, at now: Date, retryJitter: Double = 0) async throws -> CompletionResult {
        try await completeRun(CompleteRunParams(runId: run.id, outcome: outcome, now: now, retryJitter: retryJitter))
    }

    /// Claims at `now` and returns the one run started, which must exist.
    func claimOne(at now: Date, owner: String = workerA) async throws -> ClaimedRun {
        let result = try await claimDueRuns(claim(at: now, owner: owner))
        guard result.started.count == 1 else { throw FixtureError("expected one started run, got \(result.started.count)") }
        return result.started[0]
    }
}

/// A manual run of `job`, queued at `now`.
func manualRun(of job: Job, at now: Date) -> Run {
    Run(id: .generate(at: now), jobId: job.id, jobName: job.name, trigger: .manual, scheduledFor: now, queuedAt: now)
}

/// A failure of the test's own setup.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The user-fault outcome most tests fail runs with.
let handlerFailed = RunOutcome.error(.handlerError, "boom")

// MARK: - Outbox

/// An ``OutboxPolicy`` that records every transition it is offered and answers with one
/// delivery per firing alert plus one for the state webhook.
final class RecordingOutbox: OutboxPolicy {
    private let seen = Mutex<[RunTransition]>([])
    /// When set, every delivery gets this id (to make the outbox insert fail).
    let fixedDeliveryID = Mutex<String?>(nil)
    /// Called inside the store's transaction, with the transition.
    let probe = Mutex<(@Sendable (RunTransition) -> Void)?>(nil)

    var transitions: [RunTransition] { seen.withLock { $0 } }

    func reset() { seen.withLock { $0.removeAll() } }

    func deliveries(for transition: RunTransition) -> [NewDelivery] {
        seen.withLock { $0.append(transition) }
        probe.withLock { $0 }?(transition)
        var out: [NewDelivery] = []
        let fixed = fixedDeliveryID.withLock { $0 }
        if let url = transition.job.stateWebhookURL {
            out.append(
                NewDelivery(
                    id: fixed ?? ULID.generate(at: transition.at), alertId: nil, channel: .webhook, event: "run.state_changed",
                    target: url, secret: nil, payload: "{\"status\":\"\(transition.run.status.rawValue)\"}",
                    firstAttemptAt: transition.at))
        }
        for alert in transition.alerts where alert.fires(on: transition.run.status) {
            out.append(
                NewDelivery(
                    id: fixed ?? ULID.generate(at: transition.at), alertId: alert.id,
                    channel: alert.type == .webhook ? .webhook : .email, event: "run.\(transition.run.status.rawValue)",
                    target: alert.target, secret: alert.secret, payload: "{}", firstAttemptAt: transition.at))
        }
        return out
    }
}

// MARK: - Expectations

/// Expects `body` to throw a ``SchedulerError`` with `code`, and returns it.
@discardableResult
func expectSchedulerError(
    _ code: SchedulerError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> SchedulerError? {
    let error = await #expect(throws: SchedulerError.self, sourceLocation: sourceLocation) { try await body() }
    #expect(error?.code == code, sourceLocation: sourceLocation)
    return error
}
