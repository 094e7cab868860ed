import Foundation
import Synchronization

/// Where the engine gets the time. Nothing in the engine reads the wall clock directly, so tests
/// drive time with ``ManualClock``.
public protocol SchedulerClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `deadline` by this clock's time, or throws `CancellationError`.
    func sleep(until deadline: Date) async throws
}

extension SchedulerClock {
    /// Suspends for `seconds` of this clock's time.
    public func sleep(seconds: Double) async throws {
        try await sleep(until: now().addingTimeInterval(seconds))
    }
}

/// The real clock: `Date()` and monotonic sleeps.
public struct SystemClock: SchedulerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 {
            try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
        } else {
            try Task.checkCancellation()
        }
    }
}

/// A clock that moves only when told to; sleepers wake when it passes their deadline.
///
/// For example:
/// ```swift
/// let clock = ManualClock(now: ISO8601.parse("2026-11-23T09:00:00Z")!)
/// let scheduler = Scheduler(store: store, clock: clock)
/// clock.advance(by: 60)   // due jobs run
/// ```
public final class ManualClock: SchedulerClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }
    private let state: Mutex<State>

    public init(now: Date) { state = Mutex(State(now: now)) }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The deadlines of the tasks sleeping now, earliest first (a test waits for a periodic
    /// task to be asleep before moving time past its deadline).
    public var deadlines: [Date] { state.withLock { $0.sleepers.values.map(\.deadline).sorted() } }

    /// The earliest deadline among sleepers.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    /// Moves time forward by `seconds`, waking sleepers whose deadline has come.
    public func advance(by seconds: Double) {
        advance(to: now().addingTimeInterval(seconds))
    }

    /// Moves time to `date` (never backwards), waking sleepers whose deadline has come.
    public func advance(to date: Date) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            if date > s.now { s.now = date }
            let due = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in due.keys { s.sleepers.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for c in woken { c.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID &+= 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let immediate = state.withLock { s -> Bool in
                    if deadline <= s.now || Task.isCancelled { return true }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return false
                }
                if immediate { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { $0.sleepers.removeValue(forKey: id) }
            c?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
