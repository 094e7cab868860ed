import Foundation
import Logging
import Synchronization

/// Records a batch of run endings on its own, for the endings that do not go with a claim
/// (``PendingEndings/Route/writer``): after the claim loop has stopped, and a batch whose claim
/// transaction failed. It does not batch; ``PendingEndings`` hands it its batches.
///
/// A failing store is retried: first the endings as they were, then, when that keeps failing,
/// the runs are recorded as `system_error`/`store_error`, retried with a capped backoff until it
/// sticks or the scheduler gives up at shutdown (``stop()``).
final class EndingWriter: Sendable {
    struct Configuration: Sendable {
        /// Endings per writer transaction at most (the claim loop's batch is bounded by the workers).
        var maxBatch = 256
        /// Real seconds between attempts to record the original ending.
        var retryDelays: [Double] = [0.05, 0.2, 0.5, 1, 2]
        /// Cap of the backoff once recording `store_error` instead.
        var maxBackoff: Double = 30
    }

    let configuration: Configuration
    private let store: any JobStore
    private let logger: Logger
    private let onError: @Sendable (SchedulerError) -> Void
    private let stopping = Mutex(false)

    init(store: any JobStore, configuration: Configuration = Configuration(), logger: Logger, onError: @escaping @Sendable (SchedulerError) -> Void) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.onError = onError
    }

    /// After this, a store that keeps failing is given up on (the run is logged as unrecorded).
    func stop() { stopping.withLock { $0 = true } }

    /// Records `params`; returns what the store recorded, by run (a run missing from it could not be recorded).
    func write(_ params: [CompleteRunParams]) async -> [RunID: CompletionResult] {
        var lastError: SchedulerError?
        for delay in [0] + configuration.retryDelays {
            if delay > 0 { try? await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
            do {
                let results = try await store.completeRuns(params)
                return Dictionary(results.map { ($0.run.id, $0) }, uniquingKeysWith: { a, _ in a })
            } catch {
                let e = SchedulerError(wrapping: error)
                lastError = e
                onError(e)
                logger.warning("recording \(params.count) run ending(s) failed; retrying", metadata: ["error": "\(e.message)"])
            }
        }
        // The ending itself cannot be written: say so in the record, as a platform fault.
        let fallback = params.map { p in
            var q = p
            let why = "could not record the run's ending (\(p.outcome.status.rawValue)): \(lastError?.message ?? "store error")"
            q.outcome = .error(.storeError, why, exitCode: p.outcome.exitCode, output: p.outcome.output)
            return q
        }
        var backoff = 1.0
        while true {
            do {
                let results = try await store.completeRuns(fallback)
                return Dictionary(results.map { ($0.run.id, $0) }, uniquingKeysWith: { a, _ in a })
            } catch {
                let e = SchedulerError(wrapping: error)
                onError(e)
                if stopping.withLock({ $0 }) {
                    logger.error(
                        "giving up recording \(params.count) run ending(s) at shutdown",
                        metadata: ["runs": "\(params.map(\.runId.rawValue))", "error": "\(e.message)"])
                    return [:]
                }
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
                backoff = min(configuration.maxBackoff, backoff * 2)
            }
        }
    }
}
