import Foundation
import Logging

/// Turns runs whose worker vanished into `system_error`/`lost`: expired leases, and on the same
/// host, leases held by processes that no longer exist. The job keeps its schedule and the lost
/// slot is not run again.
///
/// Same shape as every background service: a configuration with defaults, `runOnce()` that
/// returns what it did (tests call it directly), and a loop.
public struct Reaper: Sendable, PeriodicService {
    public struct Configuration: Sendable {
        /// Seconds between passes (default 10).
        public var interval: Double = 10
        public init() {}
    }

    public let store: any JobStore
    public let clock: any SchedulerClock
    public var configuration: Configuration
    let isOwnerGone: @Sendable (String) -> Bool

    public init(store: any JobStore, clock: any SchedulerClock, configuration: Configuration = Configuration(), isOwnerGone: @escaping @Sendable (String) -> Bool) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.isOwnerGone = isOwnerGone
    }

    /// One pass: the runs it ended.
    @discardableResult
    public func runOnce() async throws -> [CompletionResult] {
        try await store.rescueLostRuns(now: clock.now(), isOwnerGone: isOwnerGone)
    }

    /// Passes every `interval` until cancelled; reports each non-empty pass and each error.
    func loop(logger: Logger, onReaped: @Sendable ([CompletionResult]) -> Void, onError: @Sendable (SchedulerError) -> Void) async {
        await runPeriodically(
            onPass: { reaped in
                guard !reaped.isEmpty else { return }
                logger.warning("reaped \(reaped.count) lost run(s)")
                onReaped(reaped)
            }, onError: { onError(SchedulerError(wrapping: $0)) })
    }

    var interval: Double { configuration.interval }
}
