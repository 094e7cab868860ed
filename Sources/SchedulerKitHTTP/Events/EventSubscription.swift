import SchedulerKit
import Synchronization

/// One client's queue of events: bounded, never blocking the producer. When it is full the
/// queued events are dropped and replaced by one `resync`, so a slow client costs memory up to
/// its bound and nothing else.
public final class EventSubscription: Sendable {
    private struct State {
        var queue: [ServerEvent] = []
        var head = 0
        var finished = false
        var dropped = 0
    }
    private let state = Mutex(State())
    private let signal = ChangeSignal()
    let capacity: Int
    let id: UInt64
    private let onFinish: @Sendable (UInt64) -> Void

    init(id: UInt64, capacity: Int, onFinish: @escaping @Sendable (UInt64) -> Void) {
        self.id = id
        self.capacity = max(1, capacity)
        self.onFinish = onFinish
    }

    /// Events dropped for this client because it fell behind.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Queues `event` (never waits); when the queue is full, replaces what is queued by one `resync`.
    public func push(_ event: ServerEvent) {
        state.withLock { s in
            guard !s.finished else { return }
            if s.queue.count - s.head >= capacity {
                s.dropped += s.queue.count - s.head + 1
                s.queue = [.resync("this client fell behind; \(s.dropped) event(s) dropped")]
                s.head = 0
            } else {
                s.queue.append(event)
            }
        }
        signal.notify()
    }

    /// Ends the stream: ``next()`` returns nil once the queue is drained.
    public func finish() {
        let first = state.withLock { s -> Bool in
            defer { s.finished = true }
            return !s.finished
        }
        signal.notify()
        if first { onFinish(id) }
    }

    /// The next event, waiting for one; nil when finished (or the task is cancelled).
    public func next() async -> ServerEvent? {
        while true {
            let seen = signal.generation
            let (event, done) = state.withLock { s -> (ServerEvent?, Bool) in
                if s.head < s.queue.count {
                    let e = s.queue[s.head]
                    s.head += 1
                    if s.head > 64 && s.head * 2 > s.queue.count {
                        s.queue.removeFirst(s.head)
                        s.head = 0
                    }
                    return (e, false)
                }
                return (nil, s.finished)
            }
            if let event { return event }
            if done || Task.isCancelled { return nil }
            await signal.wait(after: seen)
        }
    }
}
