import Foundation
import Synchronization

/// What the scheduler did, for observers in the same process (`Scheduler.events()`).
public enum SchedulerEvent: Sendable {
    /// The scheduler started (after reaping runs left by dead workers).
    case started(owner: String)
    /// A run was created: `queued`, or recorded directly as `skipped`/`cancelled`.
    case runCreated(Run)
    /// A run started on this scheduler.
    case runStarted(Run)
    /// A run's end was recorded (by this scheduler, or by its reaper for a lost run).
    case runFinished(CompletionResult)
    /// A job reached its failure limit and was retired to `failed`.
    case jobRetired(Job)
    /// The dispatcher attempted a delivery and recorded the result.
    case deliveryAttempted(Delivery, DeliveryAttemptRecord)
    /// The pruner finished a pass (retention).
    case pruned(PruneReport)
    /// The store failed; the scheduler keeps trying.
    case storeError(SchedulerError)
    /// The scheduler stopped; nothing of its runs is left `running`.
    case stopped
}

/// Fans events out to every subscriber; slow subscribers lose the oldest events, never block the engine.
final class EventHub: Sendable {
    private struct State {
        var subscribers: [UInt64: AsyncStream<SchedulerEvent>.Continuation] = [:]
        var next: UInt64 = 0
        var finished = false
    }
    private let state = Mutex(State())
    /// Sees every event before the subscribers do (metrics).
    private let tap: @Sendable (SchedulerEvent) -> Void

    init(tap: @escaping @Sendable (SchedulerEvent) -> Void = { _ in }) {
        self.tap = tap
    }

    func subscribe(buffering limit: Int) -> AsyncStream<SchedulerEvent> {
        let (stream, continuation) = AsyncStream<SchedulerEvent>.makeStream(bufferingPolicy: .bufferingNewest(limit))
        let id = state.withLock { s -> UInt64? in
            if s.finished { return nil }
            s.next &+= 1
            s.subscribers[s.next] = continuation
            return s.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    var hasSubscribers: Bool { state.withLock { !$0.subscribers.isEmpty } }

    func emit(_ event: SchedulerEvent) {
        tap(event)
        let subs = state.withLock { Array($0.subscribers.values) }
        for s in subs { s.yield(event) }
    }

    func finish() {
        let subs = state.withLock { s -> [AsyncStream<SchedulerEvent>.Continuation] in
            s.finished = true
            let v = Array(s.subscribers.values)
            s.subscribers.removeAll()
            return v
        }
        for s in subs { s.finish() }
    }
}
