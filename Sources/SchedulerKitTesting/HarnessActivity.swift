import Foundation
import SchedulerKit
import Synchronization

/// Tracks the runs one harness step is performing, so that the harness moves time only while
/// every one of them is waiting on the clock (a sleeping handler, a pending timeout), never
/// while a handler is doing work.
///
/// A run counts as awake from the moment it is claimed until its handler first sleeps on the
/// harness clock, so a handler task that has not started yet cannot be overtaken by its timeout.
final class HarnessActivity: Sendable {
    /// What the time driver should do next.
    enum Step: Equatable {
        /// Every run of the step has ended.
        case done
        /// Something is awake, or woken and not yet resumed: wait for a change.
        case wait
        /// Everything is waiting on the clock: move it to this instant.
        case advance(to: Date)
    }

    private struct State {
        var awake = 0
        /// Runs not ended yet, with the instant their timeout fires (nil: no timeout).
        var unfinished: [RunID: Date?] = [:]
        /// Handler sleeps on the harness clock, by token, with their deadline.
        var sleeps: [UInt64: Date] = [:]
        var nextToken: UInt64 = 0
    }
    private let state = Mutex(State())
    /// Notified on every change of the counts above.
    let changed = ChangeSignal()

    /// Counts `runs` as claimed and awake; `now` dates the timeouts of runs not started yet.
    func begin(_ runs: [ClaimedRun], now: Date) {
        state.withLock { s in
            for c in runs {
                s.awake += 1
                let timeout = c.job.timeout.map { (c.run.startedAt ?? now).addingTimeInterval($0) }
                s.unfinished.updateValue(timeout, forKey: c.run.id)
            }
        }
        changed.notify()
    }

    /// The run's ending is known.
    func end(_ id: RunID) {
        state.withLock { s in
            s.awake -= 1
            s.unfinished.removeValue(forKey: id)
        }
        changed.notify()
    }

    /// A handler starts sleeping until `deadline`; returns the token to pass to ``sleepEnded(_:)``.
    func sleepBegan(until deadline: Date) -> UInt64 {
        let token = state.withLock { s -> UInt64 in
            s.nextToken &+= 1
            s.sleeps[s.nextToken] = deadline
            s.awake -= 1
            return s.nextToken
        }
        changed.notify()
        return token
    }

    /// The handler's sleep returned (or was cancelled): it is awake again.
    func sleepEnded(_ token: UInt64) {
        state.withLock { s in
            s.sleeps[token] = nil
            s.awake += 1
        }
        changed.notify()
    }

    /// Decides the driver's next move at `now`.
    func next(now: Date) -> Step {
        state.withLock { s in
            if s.unfinished.isEmpty { return .done }
            if s.awake > 0 { return .wait }
            let deadlines = Array(s.sleeps.values) + s.unfinished.values.compactMap { $0 }
            // No deadline: the runs wait on something other than the clock; their end wakes us.
            guard let earliest = deadlines.min(), earliest > now else { return .wait }
            return .advance(to: earliest)
        }
    }
}
