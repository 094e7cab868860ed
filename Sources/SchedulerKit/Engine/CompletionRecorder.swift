import Foundation
import Logging

/// Records run endings with group commit: endings that arrive while a write is in flight go
/// together in the next transaction, so throughput grows with load instead of paying one
/// commit per run.
///
/// A failing store is retried: first the ending as it was, then, when that keeps failing, the
/// run is recorded as `system_error`/`store_error`, retried with a capped backoff until it
/// sticks or the scheduler stops.
actor CompletionRecorder {
    struct Configuration: Sendable {
        /// Endings per transaction at most.
        var maxBatch = 256
        /// Real seconds between attempts to record the original ending.
        var retryDelays: [Double] = [0.05, 0.2, 0.5, 1, 2]
        /// Cap of the backoff once recording `store_error` instead.
        var maxBackoff: Double = 30
    }

    private let store: any JobStore
    private let configuration: Configuration
    private let logger: Logger
    private let onError: @Sendable (SchedulerError) -> Void
    private var pending: [(CompleteRunParams, CheckedContinuation<CompletionResult?, Never>)] = []
    private var flushing = false
    private var stopping = false

    init(store: any JobStore, configuration: Configuration = Configuration(), logger: Logger, onError: @escaping @Sendable (SchedulerError) -> Void) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.onError = onError
    }

    /// After this, a store that keeps failing is given up on (the run is logged as unrecorded).
    func stop() { stopping = true }

    /// Records one ending; returns what the store recorded, or nil when it could not be recorded.
    func record(_ params: CompleteRunParams) async -> CompletionResult? {
        await withCheckedContinuation { continuation in
            pending.append((params, continuation))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        // Endings of runs started together arrive together: let the others in before writing,
        // as long as each yield brings more (bounded), so the batch is one transaction, not two.
        var seen = 0
        for _ in 0..<16 where pending.count != seen {
            seen = pending.count
            await Task.yield()
        }
        while !pending.isEmpty {
            let batch = Array(pending.prefix(configuration.maxBatch))
            pending.removeFirst(batch.count)
            let results = await write(batch.map(\.0))
            for (params, continuation) in batch {
                continuation.resume(returning: results[params.runId])
            }
        }
        flushing = false
    }

    private func write(_ params: [CompleteRunParams]) async -> [RunID: CompletionResult] {
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
                if stopping {
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
