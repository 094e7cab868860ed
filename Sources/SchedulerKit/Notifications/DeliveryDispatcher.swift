import Foundation
import Logging
import Synchronization

/// Delivers the outbox: at-least-once, exponential backoff with jitter, bounded attempts then
/// `dead`, never in the way of runs — nor of each other.
///
/// Attempts are independent: each pass takes what is due up to the free slots (bounded overall
/// and per target host, so a receiver that hangs holds a few slots, never all of them), starts
/// one task per attempt and returns; each attempt records its own result the moment it has it,
/// and its end wakes the loop to take more. A slow receiver therefore delays only its own
/// deliveries. See `Docs/Decisions/0015-delivery-concurrency.md`.
///
/// Same shape as every background service: a configuration with defaults, `runOnce()` that
/// returns what it did (tests call it directly), and a loop that sleeps until the next delivery
/// is due, an attempt ends, or it is woken.
public struct DeliveryDispatcher: Sendable, PeriodicService {
    public struct Configuration: Sendable {
        /// Attempts per delivery before it is `dead` (default 10).
        public var maxAttempts = 10
        /// Seconds before the second attempt (default 2); doubles each time.
        public var initialBackoff: Double = 2
        /// Upper bound of the backoff in seconds (default 600).
        public var maxBackoff: Double = 600
        /// Attempts in flight at once, all targets together (default 32).
        public var maxInFlight = 32
        /// Attempts in flight at once to one target host — `host:port` of a webhook URL; all
        /// email goes through the one SMTP server (default 4). Deliveries past it stay due in
        /// the outbox, untaken, until one of that host's attempts ends.
        public var maxInFlightPerHost = 4
        /// Seconds a taken delivery is hidden from other dispatchers (default 120): longer than
        /// any attempt can take, so only a dispatcher that died leaves it to be taken again.
        public var lease: Double = 120
        /// Seconds between checks when nothing wakes the dispatcher (default 30): a safety net.
        /// In a scheduler it is woken by every transition that writes a notification, by the
        /// reaper when it ends lost runs, by the end of each attempt, and by the scheduler's
        /// detection of other processes' commits (within a second).
        public var pollInterval: Double = 30
        /// The error an email delivery records when the scheduler has no SMTP server: a program
        /// says here how its operator gives one (schedctl names its `--smtp` option).
        public var withoutSMTPServer = "no SMTP server configured (the scheduler was started without one)"
        public init() {}
    }

    /// What one pass did. Results are not in it: each attempt records its own when it ends
    /// (a scheduler reports each as ``SchedulerEvent/deliveryAttempted(_:_:)``), however long
    /// the others take.
    public struct Summary: Sendable, Equatable {
        /// Deliveries taken by a dispatcher that is gone, made due again.
        public var released = 0
        /// Attempts started.
        public var started = 0
        /// Attempts in flight once the pass is over (those started included).
        public var inFlight = 0
        /// The instant the pass took due deliveries at.
        public var at: Date?
        public init() {}
    }

    public let store: any DeliveryStore
    public let clock: any SchedulerClock
    public let transports: [DeliveryChannel: any NotificationTransport]
    public var configuration: Configuration
    public var logger: Logger
    /// The lease holder name written on taken deliveries (`host/pid/instance` in a scheduler).
    var owner = "dispatcher/\(ULID.generate())"
    /// Says whether another lease holder is certainly dead, so its deliveries are taken at once.
    var isOwnerGone: @Sendable (String) -> Bool = { _ in false }
    /// Random factor in 0...1 for backoff jitter; injected so tests are deterministic.
    var random: @Sendable () -> Double = { Double.random(in: 0...1) }
    /// Told every attempt once its record is written (events, metrics).
    var onRecorded: @Sendable (Delivery, DeliveryAttemptRecord) -> Void = { _, _ in }
    /// Told when an attempt's result could not be written (the delivery is then taken again
    /// once its lease ends: at-least-once).
    var onRecordError: @Sendable (SchedulerError) -> Void = { _ in }
    /// The attempts in flight, shared by every copy of this dispatcher.
    let attempts = DeliveryAttempts()

    public init(
        store: any DeliveryStore, clock: any SchedulerClock, transports: [DeliveryChannel: any NotificationTransport],
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "SchedulerKit.dispatcher")
    ) {
        self.store = store
        self.clock = clock
        self.transports = transports
        self.configuration = configuration
        self.logger = logger
    }

    /// Attempts in flight now.
    public var inFlight: Int { attempts.count }

    /// Seconds between passes when nothing wakes it (``Configuration/pollInterval``).
    var interval: Double { configuration.pollInterval }

    /// Takes the due deliveries that fit in the free slots and starts an attempt for each; does
    /// not wait for them (``waitForAttempts()`` does). One pass at a time per dispatcher.
    @discardableResult
    public func runOnce() async throws -> Summary {
        var summary = Summary()
        let now = clock.now()
        summary.at = now
        summary.released = try await store.releaseDeliveries(now: now, isOwnerGone: isOwnerGone)
        if summary.released > 0 { logger.notice("re-queued \(summary.released) delivery(ies) taken by a dispatcher that is gone") }
        let free = max(1, configuration.maxInFlight) - attempts.count
        guard free > 0 else {
            summary.inFlight = attempts.count
            return summary
        }
        let admission = HostAdmission(inFlight: attempts.perHost, limit: max(1, configuration.maxInFlightPerHost))
        let batch = try await store.claimDueDeliveries(
            DeliveryClaimParams(now: now, limit: free, lease: configuration.lease, owner: owner) { channel, target in
                admission.admit(Self.boundKey(channel: channel, target: target))
            })
        for d in batch { start(d) }
        summary.started = batch.count
        summary.inFlight = attempts.count
        return summary
    }

    /// Waits until every attempt started so far has recorded its result.
    public func waitForAttempts() async {
        await attempts.waitUntilIdle()
    }

    /// The key attempts are bounded by: a webhook's `host:port`; the SMTP server for email.
    static func boundKey(channel: DeliveryChannel, target: String) -> String {
        switch channel {
        case .webhook: return "webhook " + (TargetValidation.host(of: target, channel: .webhook) ?? target)
        case .email: return "email"
        }
    }

    /// Starts the attempt of `d` in its own task, which records the result as soon as it has it.
    private func start(_ d: Delivery) {
        guard attempts.begin(d.id, host: Self.boundKey(channel: d.channel, target: d.target)) else { return }
        let task = Task {
            let result: DeliveryAttemptResult
            if let transport = transports[d.channel] {
                result = await transport.send(d)
            } else {
                let what = d.channel == .email
                    ? configuration.withoutSMTPServer
                    : "no transport for \(d.channel.rawValue)"
                result = .retryable(message: what, statusCode: nil, retryAfter: nil)
            }
            await finish(d, result)
            attempts.end(d.id)
        }
        attempts.attach(d.id, task: task)
    }

    /// Records and logs one attempt's result.
    private func finish(_ d: Delivery, _ result: DeliveryAttemptResult) async {
        let record = self.record(for: d, result: result, at: clock.now())
        do {
            try await store.recordDeliveryAttempt(record)
        } catch {
            let e = SchedulerError(wrapping: error)
            logger.error(
                "delivery result not recorded; it is sent again once its lease ends",
                metadata: ["delivery": "\(d.id)", "error": "\(e.message)"])
            onRecordError(e)
            return
        }
        log(d, record)
        onRecorded(d, record)
    }

    /// One INFO line per attempt, success or not: what, to which host, with what outcome —
    /// never the URL's path or query, never a secret.
    func log(_ d: Delivery, _ record: DeliveryAttemptRecord) {
        var metadata: Logger.Metadata = [
            "delivery": "\(d.id)", "event": "\(d.event)", "channel": "\(d.channel.rawValue)",
            "job": "\(d.jobName ?? "-")", "job_id": "\(d.jobId?.rawValue ?? "-")",
            "target_host": "\(TargetValidation.host(of: d.target, channel: d.channel) ?? "?")",
            "status_code": "\(record.statusCode.map(String.init) ?? "-")", "attempt": "\(record.attempts)",
            "outcome": "\(record.status.rawValue)",
        ]
        if let next = record.nextAttemptAt { metadata["next_attempt_at"] = "\(ISO8601.string(next))" }
        if let error = record.error { metadata["error"] = "\(error)" }
        let message: Logger.Message = switch record.status {
        case .delivered: "delivery delivered"
        case .pending: "delivery attempt failed; will retry"
        case .failed: "delivery failed permanently"
        case .dead: "delivery dead after its last attempt"
        }
        logger.info(message, metadata: metadata)
    }

    /// The record of an attempt: the one place results turn into delivery states.
    func record(for d: Delivery, result: DeliveryAttemptResult, at now: Date) -> DeliveryAttemptRecord {
        let attempts = d.attempts + 1
        switch result {
        case .delivered(let code):
            return DeliveryAttemptRecord(deliveryId: d.id, status: .delivered, attempts: attempts, nextAttemptAt: nil, error: nil, statusCode: code, at: now)
        case .permanent(let message, let code):
            return DeliveryAttemptRecord(deliveryId: d.id, status: .failed, attempts: attempts, nextAttemptAt: nil, error: message, statusCode: code, at: now)
        case .retryable(let message, let code, let retryAfter):
            if attempts >= configuration.maxAttempts {
                return DeliveryAttemptRecord(
                    deliveryId: d.id, status: .dead, attempts: attempts, nextAttemptAt: nil,
                    error: "\(message) (gave up after \(attempts) attempts)", statusCode: code, at: now)
            }
            let base = min(configuration.maxBackoff, configuration.initialBackoff * pow(2, Double(attempts - 1)))
            var delay = base * (0.5 + random())  // jitter: 50%–150% of the exponential step
            if let retryAfter { delay = max(delay, min(retryAfter, configuration.maxBackoff)) }
            return DeliveryAttemptRecord(
                deliveryId: d.id, status: .pending, attempts: attempts, nextAttemptAt: now.addingTimeInterval(delay),
                error: message, statusCode: code, at: now)
        }
    }

    /// Delivers until `stop` is settled: after each pass, sleeps until the next delivery is due,
    /// an attempt ends (a slot frees up, a retry is scheduled), the poll interval passes, or
    /// `wake` is signalled. When stopped it makes one last pass, so notifications of runs that
    /// ended just before a shutdown go out, and waits for the attempts in flight; the caller
    /// bounds that wait by cancelling the task, which cancels the attempts.
    func loop(wake: ChangeSignal, stop: FirstOf<Bool>, onError: @Sendable (SchedulerError) -> Void) async {
        var backoff = 0.5
        while stop.value == nil && !Task.isCancelled {
            let seen = wake.generation
            let seenEnded = attempts.ended.generation
            var deadline = clock.now().addingTimeInterval(configuration.pollInterval)
            do {
                let summary = try await runOnce()
                backoff = 0.5
                // What was due at the pass and not taken is held back by the bounds: the end of
                // an attempt (not the clock) lets it go. The clock matters for what falls due
                // later: a scheduled retry, a lease that runs out.
                let after = summary.inFlight > 0 ? summary.at : nil
                if let next = try await store.nextDeliveryTime(after: after), next < deadline {
                    deadline = max(next, clock.now())
                }
            } catch {
                onError(SchedulerError(wrapping: error))
                deadline = clock.now().addingTimeInterval(backoff)
                backoff = min(30, backoff * 2)
            }
            let done = FirstOf<Bool>()
            let ended = attempts.ended
            let a = Task {
                await wake.wait(after: seen)
                done.settle(true)
            }
            let clock = self.clock
            let b = Task {
                try? await clock.sleep(until: deadline)
                done.settle(true)
            }
            let c = Task {
                _ = await stop.wait()
                done.settle(true)
            }
            let e = Task {
                await ended.wait(after: seenEnded)
                done.settle(true)
            }
            _ = await done.wait()
            a.cancel()
            b.cancel()
            c.cancel()
            e.cancel()
        }
        if !Task.isCancelled {
            do { try await runOnce() } catch { onError(SchedulerError(wrapping: error)) }
            await attempts.waitUntilIdle()
        }
        // Cancelled (the caller's grace is over): interrupt what is left. An interrupted
        // attempt's delivery keeps its lease and is taken again (at once by a scheduler that
        // sees this one gone): at-least-once.
        await attempts.cancelAll()
    }
}

/// Counts what one claim admits per host, on top of the attempts already in flight.
private final class HostAdmission: Sendable {
    private let counts: Mutex<[String: Int]>
    private let limit: Int

    init(inFlight: [String: Int], limit: Int) {
        self.counts = Mutex(inFlight)
        self.limit = limit
    }

    func admit(_ key: String) -> Bool {
        counts.withLock { c in
            let n = c[key] ?? 0
            guard n < limit else { return false }
            c[key] = n + 1
            return true
        }
    }
}
