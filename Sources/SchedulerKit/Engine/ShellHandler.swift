import Foundation

/// The built-in handler of `shell` jobs: runs the job's argv (no shell), with the `SCHEDCTL_*`
/// environment, capturing a bounded tail of stdout and stderr.
///
/// Exit 0 succeeds; a non-zero exit is `failed`/`exit_nonzero` with the code; a command that
/// cannot be found or executed is `failed`/`command_not_found`; a command killed by a signal it
/// was not sent by us is `failed`/`signaled`; a spawn refused for lack of resources is
/// `system_error`/`spawn_failed`. Timeouts and stops are decided by the executor: the command
/// gets SIGTERM, then SIGKILL after `shellTerminationGrace`.
enum ShellHandler {
    static func make(configuration: Scheduler.Configuration) -> JobHandler {
        let outputLimit = configuration.outputLimit
        let grace = Duration.milliseconds(Int(configuration.shellTerminationGrace * 1000))
        return { context in
            let payload: ShellPayload
            do {
                payload = try context.payload(as: ShellPayload.self)
            } catch {
                throw RunFailure(.commandNotFound, "job payload has no command: \(error)")
            }
            let command = ShellCommand(
                argv: payload.command, environment: environment(for: context, extra: payload.environment ?? [:]),
                workingDirectory: payload.workingDirectory, outputLimit: outputLimit, terminationGrace: grace)
            let result = await ShellCommand.run(command, logger: context.logger)
            context.sink.set(verbatimOutput: result.output.isEmpty && result.outputTruncatedBytes == 0 ? nil : result.output)
            switch result.outcome {
            case .exited(let code):
                context.sink.set(exitCode: code)
                if code != 0 { throw RunFailure(.exitNonzero, "command exited with status \(code)", exitCode: code) }
            case .signaled(let signal):
                throw RunFailure(.signaled, "command was killed by signal \(signal) (\(signalName(signal)))")
            case .notFound(let message):
                throw RunFailure(.commandNotFound, message)
            case .spawnFailed(_, let message):
                throw RunFailure(.spawnFailed, message)
            case .terminatedByUs:
                // The executor cancelled us (timeout, replace, shutdown) and records why.
                throw CancellationError()
            }
        }
    }

    /// The variables SPEC §6 promises a command, over the job's own.
    static func environment(for context: JobContext, extra: [String: String]) -> [String: String] {
        var env = extra
        env["SCHEDCTL_JOB_ID"] = context.job.id.rawValue
        env["SCHEDCTL_JOB_NAME"] = context.job.name
        env["SCHEDCTL_RUN_ID"] = context.runId.rawValue
        env["SCHEDCTL_SCHEDULED_FOR"] = ISO8601.string(context.scheduledFor)
        env["SCHEDCTL_TRIGGER"] = context.trigger.rawValue
        env["SCHEDCTL_ATTEMPT"] = String(context.attempt)
        return env
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 3: "SIGQUIT"
        case 4: "SIGILL"
        case 6: "SIGABRT"
        case 7: "SIGBUS"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 13: "SIGPIPE"
        case 14: "SIGALRM"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
