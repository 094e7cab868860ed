import Synchronization

/// A value settled once by whichever of several racers gets there first.
///
/// Waiting is cancellation-aware: a cancelled waiter returns nil, so a race never waits on a
/// racer that ignores cancellation.
final class FirstOf<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [UInt64: CheckedContinuation<Value?, Never>] = [:]
        var next: UInt64 = 0
    }
    private let state = Mutex(State())

    init() {}

    /// Settles the value; false when it was already settled.
    @discardableResult
    func settle(_ value: Value) -> Bool {
        let waiters = state.withLock { s -> [CheckedContinuation<Value?, Never>]? in
            guard s.value == nil else { return nil }
            s.value = value
            let w = Array(s.waiters.values)
            s.waiters.removeAll()
            return w
        }
        guard let waiters else { return false }
        for w in waiters { w.resume(returning: value) }
        return true
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
