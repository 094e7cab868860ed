import Synchronization

/// The two events one shell run coordinates on: "the caller cancelled" and "the child exited".
///
/// The caller's cancellation handler calls ``requestCancellation()``; the supervisor's teardown
/// task waits for it with ``waitForCancellation()`` and is released with ``dismiss()`` once the
/// child has exited on its own. The exit watcher calls ``markExited()``; the teardown waits for it
/// with ``waitForExit(timeout:)``. Both are one-shot and wake their waiters by continuation — no
/// polling.
///
/// For example:
///
/// ```swift
/// let control = ShellRunControl()
/// async let cancelled = control.waitForCancellation()
/// control.requestCancellation()
/// await cancelled  // true
/// ```
final class ShellRunControl: Sendable {
    private enum Cancellation {
        case idle
        case waiting(CheckedContinuation<Bool, Never>)
        case requested
        case dismissed
    }

    private struct ExitState {
        var exited = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters whose task was cancelled before they registered.
        var abandoned: Set<Int> = []
    }

    private let cancellation = Mutex(Cancellation.idle)
    private let exit = Mutex(ExitState())

    init() {}

    // MARK: Cancellation

    /// Asks for the child to be terminated. Idempotent; ignored after ``dismiss()``.
    func requestCancellation() {
        let waiter = cancellation.withLock { state -> CheckedContinuation<Bool, Never>? in
            switch state {
            case .idle:
                state = .requested
                return nil
            case .waiting(let continuation):
                state = .requested
                return continuation
            case .requested, .dismissed:
                return nil
            }
        }
        waiter?.resume(returning: true)
    }

    /// Whether ``requestCancellation()`` was called before any ``dismiss()``.
    var isCancellationRequested: Bool {
        cancellation.withLock { state in
            if case .requested = state { return true }
            return false
        }
    }

    /// Declares that no teardown is needed any more. A cancellation already requested stands.
    func dismiss() {
        let waiter = cancellation.withLock { state -> CheckedContinuation<Bool, Never>? in
            switch state {
            case .idle:
                state = .dismissed
                return nil
            case .waiting(let continuation):
                state = .dismissed
                return continuation
            case .requested, .dismissed:
                return nil
            }
        }
        waiter?.resume(returning: false)
    }

    /// Waits until cancellation is requested (`true`) or the run is dismissed (`false`).
    ///
    /// Only one task may wait at a time.
    func waitForCancellation() async -> Bool {
        await withCheckedContinuation { continuation in
            let immediate = cancellation.withLock { state -> Bool? in
                switch state {
                case .idle:
                    state = .waiting(continuation)
                    return nil
                case .requested:
                    return true
                case .dismissed:
                    return false
                case .waiting:
                    preconditionFailure("ShellRunControl.waitForCancellation() supports one waiter")
                }
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    // MARK: Exit

    /// Records that the child (the process group leader) has exited, waking every exit waiter.
    func markExited() {
        let waiters = exit.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.exited else { return [] }
            state.exited = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether ``markExited()`` was called.
    var hasExited: Bool {
        exit.withLock { $0.exited }
    }

    /// Waits until the child has exited, or until the waiting task is cancelled.
    func waitForExit() async {
        let id = exit.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = exit.withLock { state -> Bool in
                    let abandoned = state.abandoned.remove(id) != nil
                    if state.exited || abandoned { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = exit.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if !state.exited { state.abandoned.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }

    /// Waits until the child has exited or `timeout` has passed; returns whether it exited.
    func waitForExit(timeout: Duration) async -> Bool {
        let exited = await value(of: {
            await self.waitForExit()
            return self.hasExited
        }, within: timeout)
        return exited == true || hasExited
    }
}
