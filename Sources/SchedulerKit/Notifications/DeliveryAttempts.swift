import Synchronization

/// The attempts a ``DeliveryDispatcher`` has in flight: how many per target host, their tasks,
/// and a signal bumped each time one ends, so the dispatcher claims again as soon as a slot
/// frees up.
final class DeliveryAttempts: Sendable {
    private struct Entry {
        var host: String
        var task: Task<Void, Never>?
    }
    private struct State {
        var entries: [String: Entry] = [:]
        var perHost: [String: Int] = [:]
    }
    private let state = Mutex(State())
    /// Bumped whenever an attempt ends.
    let ended = ChangeSignal()

    /// Attempts in flight.
    var count: Int { state.withLock { $0.entries.count } }

    /// Attempts in flight per host.
    var perHost: [String: Int] { state.withLock { $0.perHost } }

    /// Whether delivery `id` is in flight.
    func contains(_ id: String) -> Bool { state.withLock { $0.entries[id] != nil } }

    /// Records that an attempt of delivery `id` to `host` begins; false when one already is in
    /// flight (a second dispatcher pass never sends the same delivery twice at once).
    func begin(_ id: String, host: String) -> Bool {
        state.withLock { s in
            guard s.entries[id] == nil else { return false }
            s.entries[id] = Entry(host: host)
            s.perHost[host, default: 0] += 1
            return true
        }
    }

    /// Attaches the task that carries attempt `id`, unless it already ended.
    func attach(_ id: String, task: Task<Void, Never>) {
        state.withLock { s in
            if s.entries[id] != nil { s.entries[id]?.task = task }
        }
    }

    /// Records that attempt `id` ended and wakes whoever waits for a free slot.
    func end(_ id: String) {
        state.withLock { s in
            guard let entry = s.entries.removeValue(forKey: id) else { return }
            let left = (s.perHost[entry.host] ?? 1) - 1
            s.perHost[entry.host] = left > 0 ? left : nil
        }
        ended.notify()
    }

    /// Returns once no attempt is in flight, or when the waiting task is cancelled.
    func waitUntilIdle() async {
        while !Task.isCancelled {
            let seen = ended.generation
            if count == 0 { return }
            await ended.wait(after: seen)
        }
    }

    /// Cancels every attempt in flight and waits for their tasks to return (each is bounded by
    /// its transport's timeouts even if it ignored the cancellation).
    func cancelAll() async {
        let tasks = state.withLock { s in s.entries.values.compactMap(\.task) }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }
}
