/// The one shape of the engine's periodic services: the reaper, the pruner, the health sampler
/// and the delivery dispatcher. Each has its settings, with defaults, in a `Configuration`, and a
/// public `runOnce()` that makes one pass and returns what it did (a test or an operator command
/// calls it directly). The first three pass on a timer through the one loop below; the
/// dispatcher passes when it is woken as well (a new notification, an attempt's end), so it keeps
/// a loop of its own around the same `runOnce()`.
protocol PeriodicService: Sendable {
    /// What one pass did.
    associatedtype Report: Sendable
    var clock: any SchedulerClock { get }
    /// Seconds from the start of the loop to its first pass (default: ``interval``).
    var firstDelay: Double { get }
    /// Seconds between passes.
    var interval: Double { get }
    /// One pass.
    func runOnce() async throws -> Report
}

extension PeriodicService {
    var firstDelay: Double { interval }

    /// Passes after ``firstDelay``, then every ``interval``, until the task is cancelled; hands
    /// each pass's report to `onPass` and each failure to `onError`. A pass that fails does not
    /// end the loop: the next one is tried at its time.
    func runPeriodically(onPass: @Sendable (Report) -> Void, onError: @Sendable (any Error) -> Void) async {
        var delay = firstDelay
        while !Task.isCancelled {
            do {
                try await clock.sleep(seconds: delay)
            } catch {
                return
            }
            delay = interval
            do {
                onPass(try await runOnce())
            } catch {
                // A pass cut short by the loop's own cancellation is not a failure; any other
                // error (a store's CancellationError included) is reported and the loop goes on.
                if Task.isCancelled { return }
                onError(error)
            }
        }
    }
}
