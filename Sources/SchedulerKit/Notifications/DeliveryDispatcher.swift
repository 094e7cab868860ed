import Foundation
import Logging

/// Delivers the outbox: at-least-once, exponential backoff with jitter, bounded attempts then
/// `dead`, never in the way of runs.
///
/// Same shape as every background service: a configuration with defaults, `runOnce()` that
/// returns what it did (tests call it directly), and a loop that sleeps until the next delivery
/// is due or it is woken.
public struct DeliveryDispatcher: Sendable {
    public struct Configuration: Sendable {
        /// Attempts per delivery before it is `dead` (default 10).
        public var maxAttempts = 10
        /// Seconds before the second attempt (default 2); doubles each time.
        public var initialBackoff: Double = 2
        /// Upper bound of the backoff in seconds (default 600).
        public var maxBackoff: Double = 600
        /// Deliveries taken per pass (default 32), sent concurrently.
        public var batchSize = 32
        /// Seconds a taken delivery is hidden from other dispatchers (default 120): longer than
        /// any attempt can take, so only a dispatcher that died leaves it to be taken again.
        public var lease: Double = 120
        /// Seconds between checks when nothing wakes the dispatcher (default 30): a safety net.
        /// In a scheduler it is woken by every transition that writes a notification, and by
        /// the scheduler's detection of other processes' commits (within a second).
        public var pollInterval: Double = 30
        public init() {}
    }

    /// What one pass did.
    public struct Summary: Sendable, Equatable {
        public var delivered = 0
        public var retried = 0
        public var failed = 0
        public var dead = 0
        public var total: Int { delivered + retried + failed + dead }
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

    /// Takes the due deliveries, attempts each once, and records the results.
    @discardableResult
    public func runOnce() async throws -> Summary {
        let now = clock.now()
        let released = try await store.releaseDeliveries(now: now, isOwnerGone: isOwnerGone)
        if released > 0 { logger.notice("re-queued \(released) delivery(ies) taken by a dispatcher that is gone") }
        let batch = try await store.claimDueDeliveries(
            now: now, limit: configuration.batchSize, lease: configuration.lease, owner: owner)
        guard !batch.isEmpty else { return Summary() }
        let results = await withTaskGroup(of: (Delivery, DeliveryAttemptResult).self) { group in
            for d in batch {
                group.addTask {
                    guard let transport = transports[d.channel] else {
                        let what = d.channel == .email
                            ? "no SMTP server configured (schedctl daemon --smtp URL, or SCHEDCTL_SMTP_URL)"
                            : "no transport for \(d.channel.rawValue)"
                        return (d, .retryable(message: what, statusCode: nil, retryAfter: nil))
                    }
                    return (d, await transport.send(d))
                }
            }
            var all: [(Delivery, DeliveryAttemptResult)] = []
            for await r in group { all.append(r) }
            return all
        }
        var summary = Summary()
        for (d, result) in results {
            let record = self.record(for: d, result: result, at: clock.now())
            switch record.status {
            case .delivered: summary.delivered += 1
            case .pending: summary.retried += 1
            case .failed: summary.failed += 1
            case .dead: summary.dead += 1
            }
            if record.status != .delivered {
                logger.warning(
                    "delivery attempt did not succeed",
                    metadata: [
                        "delivery": "\(d.id)", "event": "\(d.event)", "channel": "\(d.channel.rawValue)",
                        "attempt": "\(record.attempts)", "status": "\(record.status.rawValue)", "error": "\(record.error ?? "")",
                    ])
            }
            try await store.recordDeliveryAttempt(record)
            onRecorded(d, record)
        }
        return summary
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
    /// the poll interval passes, or `wake` is signalled. When stopped it lets the attempts in
    /// flight finish and makes one last pass, so notifications of runs that ended just before a
    /// shutdown go out; the caller bounds how long it waits for that.
    func loop(wake: ChangeSignal, stop: FirstOf<Bool>, onError: @Sendable (SchedulerError) -> Void) async {
        var backoff = 0.5
        while stop.value == nil && !Task.isCancelled {
            let seen = wake.generation
            var deadline = clock.now().addingTimeInterval(configuration.pollInterval)
            do {
                let summary = try await runOnce()
                backoff = 0.5
                if summary.total >= configuration.batchSize { continue }
                if let next = try await store.nextDeliveryTime(), next < deadline { deadline = max(next, clock.now()) }
            } catch {
                onError(error as? SchedulerError ?? SchedulerError(.storage, "\(error)"))
                deadline = clock.now().addingTimeInterval(backoff)
                backoff = min(30, backoff * 2)
            }
            let done = FirstOf<Bool>()
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
            _ = await done.wait()
            a.cancel()
            b.cancel()
            c.cancel()
        }
        if !Task.isCancelled {
            do { try await runOnce() } catch { onError(error as? SchedulerError ?? SchedulerError(.storage, "\(error)")) }
        }
    }
}
