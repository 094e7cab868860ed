import Synchronization

/// Fans events out to every subscriber; slow subscribers lose the oldest events, never block the engine.
final class EventHub<Event: Sendable>: Sendable {
    private struct State {
        var subscribers: [UInt64: AsyncStream<Event>.Continuation] = [:]
        var next: UInt64 = 0
        var finished = false
    }
    private let state = Mutex(State())
    /// Sees every event before the subscribers do (metrics).
    private let tap: @Sendable (Event) -> Void

    init(tap: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.tap = tap
    }

    func subscribe(buffering limit: Int) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(limit))
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

    func emit(_ event: Event) {
        tap(event)
        let subs = state.withLock { Array($0.subscribers.values) }
        for s in subs { s.yield(event) }
    }

    func finish() {
        let subs = state.withLock { s -> [AsyncStream<Event>.Continuation] in
            s.finished = true
            let v = Array(s.subscribers.values)
            s.subscribers.removeAll()
            return v
        }
        for s in subs { s.finish() }
    }
}
