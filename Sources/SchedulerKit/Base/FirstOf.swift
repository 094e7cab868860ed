import Synchronization

/// A value settled once by whichever of several racers gets there first.
///
/// Waiting is cancellation-aware: a cancelled waiter returns nil, so a race never waits on a
/// racer that ignores cancellation.
final class FirstOf<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [UInt64: CheckedContinuation<Value?, Never>] = [:]
        var callbacks: [@Sendable (Value) -> Void] = []
        var next: UInt64 = 0
    }
    private let state = Mutex(State())

    init() {}

    /// Settles the value; false when it was already settled.
    @discardableResult
    func settle(_ value: Value) -> Bool {
        let settled = state.withLock { s -> ([CheckedContinuation<Value?, Never>], [@Sendable (Value) -> Void])? in
            guard s.value == nil else { return nil }
            s.value = value
            let w = Array(s.waiters.values)
            let c = s.callbacks
            s.waiters.removeAll()
            s.callbacks.removeAll()
            return (w, c)
        }
        guard let (waiters, callbacks) = settled else { return false }
        for w in waiters { w.resume(returning: value) }
        for c in callbacks { c(value) }
        return true
    }

    /// Calls `body` with the value once it is settled (at once if it already is), without a task.
    func onSettle(_ body: @escaping @Sendable (Value) -> Void) {
        let now = state.withLock { s -> Value? in
            if let v = s.value { return v }
            s.callbacks.append(body)
            return nil
        }
        if let now { body(now) }
    }

    var value: Value? { state.withLock { $0.value } }

    /// The settled value, waiting for it; nil if the waiting task is cancelled first.
    func wait() async -> Value? {
        let id = state.withLock { s -> UInt64 in
            s.next &+= 1
            return s.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
                let now = state.withLock { s -> Value?? in
                    if let v = s.value { return .some(v) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = c
                    return .none
                }
                if let v = now { c.resume(returning: v) }
            }
        } onCancel: {
            let c = state.withLock { $0.waiters.removeValue(forKey: id) }
            c?.resume(returning: nil)
        }
    }
}
