import Foundation
import Logging

/// Why the scheduler stops a run before its handler is done.
enum StopReason: Sendable, Equatable {
    /// Overlap `replace`: a newer slot took its place.
    case replaced
    /// Its job was deleted.
    case jobDeleted
    /// Shutdown past its grace period.
    case shutdown
    /// Another scheduler reaped it (this worker lost its lease).
    case leaseLost
}

/// Performs one run: the handler raced against its timeout and stop requests, each outcome
/// mapped to exactly one run status.
///
/// The pipeline reads `perform → normalize`; the caller records the result.
enum RunExecutor {
    private enum Ending: Sendable {
        case finished((any Error)?)
        case timedOut
        case stopped(StopReason)
    }

    /// Runs `handler` and returns how the run ended.
    ///
    /// - parameters:
    ///   - timeout: seconds of the injected clock after which the handler is cancelled (`timed_out`).
    ///   - stop: settled by the scheduler to stop the run early.
    ///   - cancellationGrace: real seconds a cancelled handler gets to return before the run is
    ///     recorded without it (a handler that ignores cancellation cannot hold a run forever).
    static func perform(
        handler: @escaping JobHandler, context: JobContext, timeout: Double?, clock: any SchedulerClock,
        stop: FirstOf<StopReason>, cancellationGrace: Double
    ) async -> RunOutcome {
        let ending = FirstOf<Ending>()
        let handlerTask = Task {
            do {
                try await handler(context)
                ending.settle(.finished(nil))
            } catch {
                ending.settle(.finished(error))
            }
        }
        var timer: Task<Void, Never>?
        if let timeout {
            let deadline = (context.run.startedAt ?? clock.now()).addingTimeInterval(timeout)
            timer = Task {
                do {
                    try await clock.sleep(until: deadline)
                    ending.settle(.timedOut)
                } catch {}
            }
        }
        stop.onSettle { ending.settle(.stopped($0)) }
        let first = await ending.wait() ?? .stopped(.shutdown)
        timer?.cancel()

        switch first {
        case .finished(let error):
            return normalize(error: error, sink: context.sink)
        case .timedOut, .stopped:
            handlerTask.cancel()
            // Give the handler (a command gets SIGTERM, then SIGKILL) time to wind down, so its
            // output and exit are part of the record.
            let done = FirstOf<Bool>()
            let watcher = Task {
                _ = await handlerTask.value
                done.settle(true)
            }
            let graceTimer = Task {
                try? await Task.sleep(for: .milliseconds(Int(cancellationGrace * 1000)))
                done.settle(false)
            }
            let returned = await done.wait() ?? false
            graceTimer.cancel()
            if !returned {
                watcher.cancel()
                context.logger.warning("handler ignored cancellation; recording the run without waiting for it")
            }
            let output = context.sink.output
            let exitCode = context.sink.exitCode
            switch first {
            case .timedOut:
                let limit = DurationText.format(seconds: Int64(timeout ?? 0))
                return .error(.timeout, "run exceeded its timeout of \(limit) and was cancelled", exitCode: exitCode, output: output)
            case .stopped(.replaced):
                return .error(.replaced, "cancelled: a newer slot replaced this run (overlap policy replace)", exitCode: exitCode, output: output)
            case .stopped(.jobDeleted):
                return .error(.cancelled, "cancelled: the job was deleted", exitCode: exitCode, output: output)
            case .stopped(.leaseLost):
                return .error(.lost, "this worker lost the run's lease", exitCode: exitCode, output: output)
            default:
                return .error(.shutdown, "killed by scheduler shutdown after its grace period", exitCode: exitCode, output: output)
            }
        }
    }

    /// Maps a handler's ending to an outcome: the one place thrown errors become statuses.
    static func normalize(error: (any Error)?, sink: RunSink) -> RunOutcome {
        let output = sink.output
        let exitCode = sink.exitCode
        guard let error else { return .succeeded(exitCode: exitCode, output: output) }
        switch error {
        case let f as RunFailure:
            return .error(f.code, f.message, exitCode: f.exitCode ?? exitCode, output: output)
        case let f as SystemFailure:
            return .error(.systemFailure, f.message, exitCode: exitCode, output: output)
        case is CancellationError:
            return .error(.handlerError, "handler was cancelled", exitCode: exitCode, output: output)
        default:
            return .error(.handlerError, oneLine(String(describing: error)), exitCode: exitCode, output: output)
        }
    }

    static func oneLine(_ text: String, max: Int = 500) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > max ? String(line.prefix(max)) + "…" : line
    }
}
