import Foundation
import SchedulerKit

/// Drives a ``Scheduler`` deterministically for tests: a manual clock, a temporary store, and
/// notifications captured instead of sent.
///
/// Time moves only when the test says so. ``advance(by:)`` walks through every slot that falls
/// due, in order, and at each one claims the due runs, performs them with the registered
/// handlers exactly as the engine does (context, timeout, error classification), records their
/// ends and delivers the notifications they wrote to a ``RecordingTransport``. No real time
/// passes and nothing touches the network.
///
/// For example:
/// ```swift
/// let harness = try SchedulerHarness(now: ISO8601.parse("2026-03-28T00:00:00Z")!)
/// harness.register("report") { context in try await buildReport(context.payload()) }
/// try await harness.client.addJob(JobSpec(name: "hourly", schedule: .cron("0 * * * *"), kind: "report"))
/// try await harness.advance(by: 86_400)
/// try await harness.expectRuns(of: "hourly", status: .succeeded, count: 24)
/// ```
///
/// The scheduler's own loop (``Scheduler/run()``) is not started: the harness is the loop, one
/// step at a time, so reaper, pruner and health sampler do not run. A handler that should take
/// time waits on ``clock`` (`try await harness.clock.sleep(seconds: 90)`): while every run in
/// flight waits on the clock, the harness moves it to the earliest deadline, the run's timeout
/// included, even past the target of `advance`.
public actor SchedulerHarness {
    /// The store runs are recorded in.
    public nonisolated let store: any JobStore
    /// The engine whose handlers, seam and configuration the harness uses.
    public nonisolated let scheduler: Scheduler
    /// The operator API (add, pause, resume, run now, alerts) on the harness clock.
    public nonisolated var client: SchedulerClient { scheduler.client }
    /// The harness clock: pass it to code under test that needs the time or waits.
    public nonisolated let clock: any SchedulerClock
    /// The notifications that would have been sent.
    public nonisolated let notifications: RecordingTransport
    /// The temporary directory of the default store, removed with the harness.
    public nonisolated let directory: URL?

    let manual: ManualClock
    let activity: HarnessActivity
    private var performed = 0

    /// 2026-01-01T00:00:00Z, where a harness starts unless told otherwise.
    public static let defaultStart = Date(timeIntervalSince1970: 1_767_225_600)

    /// Makes a harness at `now` over `store`, or over a new SQLite file in a temporary directory.
    ///
    /// - parameters:
    ///   - now: the clock's starting instant.
    ///   - store: any store; nil makes a SQLite store in a fresh temporary directory.
    ///   - configuration: the scheduler's settings; its webhook and email transports are
    ///     replaced by the recording transport.
    /// - throws: `SchedulerError` when the temporary store cannot be created.
    public init(
        now: Date = SchedulerHarness.defaultStart, store: (any JobStore)? = nil,
        configuration: Scheduler.Configuration = Scheduler.Configuration()
    ) throws {
        let manual = ManualClock(now: now)
        let activity = HarnessActivity()
        let clock = HarnessClock(manual: manual, activity: activity)
        let chosen: any JobStore
        if let store {
            chosen = store
            self.directory = nil
        } else {
            let directory = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
                .appendingPathComponent("SchedulerKitTesting-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do {
                chosen = try SQLiteJobStore(path: directory.appendingPathComponent("jobs.sqlite").path)
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
            self.directory = directory
        }
        self.store = chosen
        let recorder = RecordingTransport(clock: clock)
        var settings = configuration
        settings.transports[.webhook] = recorder
        settings.transports[.email] = recorder
        self.manual = manual
        self.activity = activity
        self.clock = clock
        self.notifications = recorder
        self.scheduler = Scheduler(store: chosen, clock: clock, configuration: settings)
    }

    deinit {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// The harness clock's current instant.
    public nonisolated var now: Date { manual.now() }

    /// Registers the handler for jobs of `kind`, so that its waits on ``clock`` let time move.
    ///
    /// A handler registered on ``scheduler`` directly also runs, but time does not move while
    /// it is in flight.
    public nonisolated func register(_ kind: String, handler: @escaping JobHandler) {
        scheduler.register(kind) { context in
            try await HarnessClock.$insideHandler.withValue(true) { try await handler(context) }
        }
    }

    // MARK: - Time

    /// Moves time forward by `seconds`, running every slot that falls due on the way.
    ///
    /// - returns: the runs that ended, in the order they ended.
    /// - throws: what the store throws.
    @discardableResult
    public func advance(by seconds: Double) async throws -> [Run] {
        try await advance(to: manual.now().addingTimeInterval(seconds))
    }

    /// Moves time to `date` (never backwards), stopping at every instant something falls due
    /// — a job's slot, a queued run, a retry — to run it and wait for its end.
    ///
    /// - returns: the runs that ended, in the order they ended (skipped slots included).
    /// - throws: what the store throws.
    @discardableResult
    public func advance(to date: Date) async throws -> [Run] {
        var ended = try await runDue()
        while let next = try await nextDue(after: manual.now()), next <= date {
            manual.advance(to: next)
            ended += try await runDue()
        }
        if date > manual.now() {
            manual.advance(to: date)
            ended += try await runDue()
        }
        return ended
    }

    /// Runs what is due now (manual runs queued by ``SchedulerClient/runJobNow(_:)`` included)
    /// without moving time.
    ///
    /// - returns: the runs that ended.
    @discardableResult
    public func runDue() async throws -> [Run] {
        var ended: [Run] = []
        let settings = scheduler.configuration
        // Each pass either starts or creates something, or ends the loop; the bound is a guard.
        for _ in 0..<10_000 {
            let params = ClaimParams(
                now: manual.now(), owner: scheduler.owner, leaseDuration: settings.leaseDuration,
                maxStart: max(1, settings.concurrency), maxEnqueue: settings.maxEnqueuePerClaim,
                misfireGrace: settings.misfireGrace, jitter: { _ in 0 })
            let claim = try await store.claimDueRuns(params)
            ended += claim.created.filter(\.status.isTerminal)
            if !claim.started.isEmpty {
                let endings = await perform(claim.started)
                ended += try await store.completeRuns(endings).map(\.run)
            }
            try await deliver()
            if claim.started.isEmpty && claim.created.isEmpty { break }
        }
        return ended
    }

    // MARK: - One handler

    /// Runs one handler once, as the engine would, on a one-shot job made for it, and returns
    /// the recorded run.
    ///
    /// For example:
    /// ```swift
    /// let run = try await harness.perform(kind: "report", payload: JobPayload(Request(title: "x")), timeout: 30)
    /// #expect(run.status == .failed)
    /// ```
    ///
    /// The job is named `perform-<kind>-<n>` and ends `completed`; anything else due now runs too.
    ///
    /// - throws: `SchedulerError` from the client or the store.
    public func perform(kind: String, payload: JobPayload = .empty, timeout: Double? = nil) async throws -> Run {
        performed += 1
        let safeKind = String(kind.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "-" }.prefix(80))
        let job = try await client.addJob(JobSpec(
            name: "perform-\(safeKind)-\(performed)", schedule: .at(manual.now()), kind: kind, payload: payload, timeout: timeout))
        let ended = try await runDue()
        guard let run = ended.last(where: { $0.jobId == job.id }) else {
            throw HarnessExpectationFailure("perform(kind: \"\(kind)\"): the run of job \(job.name) did not end")
        }
        return run
    }

    // MARK: - Internals

    /// Performs `claimed` concurrently with the scheduler's seam, moving the clock while every
    /// one of them waits on it.
    private func perform(_ claimed: [ClaimedRun]) async -> [CompleteRunParams] {
        let scheduler = self.scheduler
        let activity = self.activity
        let manual = self.manual
        activity.begin(claimed, now: manual.now())
        return await withTaskGroup(of: CompleteRunParams?.self) { group in
            for c in claimed {
                group.addTask {
                    let ending = await scheduler.perform(c)
                    activity.end(c.run.id)
                    return ending
                }
            }
            group.addTask {
                while true {
                    let seen = activity.changed.generation
                    switch activity.next(now: manual.now()) {
                    case .done: return nil
                    case .advance(let instant): manual.advance(to: instant)
                    case .wait: await activity.changed.wait(after: seen)
                    }
                }
            }
            var endings: [CompleteRunParams] = []
            for await ending in group {
                if let ending { endings.append(ending) }
            }
            return endings
        }
    }

    /// Delivers every notification due now through the recording transport.
    private func deliver() async throws {
        guard let outbox = scheduler.client.abilities.outbox else { return }
        let dispatcher = DeliveryDispatcher(
            store: outbox, clock: clock, transports: [.webhook: notifications, .email: notifications],
            configuration: scheduler.configuration.dispatcher, logger: scheduler.configuration.logger)
        for _ in 0..<1_000 {
            let pass = try await dispatcher.runOnce()
            await dispatcher.waitForAttempts()
            if pass.started == 0 && pass.released == 0 { return }
        }
    }

    /// The earliest instant after `now` at which a job's slot or a queued run falls due.
    private func nextDue(after now: Date) async throws -> Date? {
        let slots = try await store.jobs(JobQuery(status: .active)).compactMap(\.nextRunAt)
        let queued = try await store.runs(RunQuery(statuses: [.queued], limit: nil)).map(\.notBefore)
        return (slots + queued).filter { $0 > now }.min()
    }
}
