import Logging
import Subprocess

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ShellCommand {
    /// Runs the command to completion and reports how it ended, with the tail of its output.
    ///
    /// The child gets `/dev/null` as stdin and one pipe as both stdout and stderr, so the two
    /// interleave in the order they were written; only the newest ``outputLimit`` bytes are
    /// kept, and the pipe is drained continuously so the child never blocks on it. The child is
    /// started in a new session, hence in its own process group (its pid is the group id) with no
    /// controlling terminal.
    ///
    /// **Cancellation.** Cancelling the calling task (how the engine enforces timeouts and
    /// shutdown) sends `SIGTERM` and `SIGCONT` to the child's whole process group, waits up to
    /// ``terminationGrace`` for the child to exit, then sends `SIGKILL` to the group; once the
    /// child is gone, whatever is left in its group is sent `SIGKILL` too. The result is then
    /// ``ShellOutcome/terminatedByUs(escalatedToKill:)`` with the output captured so far — unless
    /// the child had already exited on its own, in which case its own outcome is reported. This
    /// function never returns while the child is alive, and the child is always reaped.
    /// Processes that escaped the group (`setsid`, double-fork daemons) are not followed.
    ///
    /// Without cancellation, the run ends when the child exits; background processes it left in
    /// its group keep running (as under cron), and reading stops once the child has exited and
    /// the pipe has been drained.
    ///
    /// For example:
    ///
    /// ```swift
    /// let command = ShellCommand(argv: ["sh", "-c", "echo start; sleep 600"],
    ///                            terminationGrace: .seconds(2))
    /// let run = Task { await ShellCommand.run(command) }
    /// try await Task.sleep(for: .seconds(1))
    /// run.cancel()                    // SIGTERM to the process group; SIGKILL 2 s later if needed
    /// let result = await run.value    // .terminatedByUs(escalatedToKill: false), output "start\n"
    /// ```
    ///
    /// - parameters:
    ///   - command: The command to run.
    ///   - logger: Where teardown steps and capture problems are logged (debug/notice/warning).
    /// - returns: The outcome, the output tail, and the child's pid when one was spawned. Never
    ///   throws: every failure is an outcome (see ``ShellOutcome``).
    static func run(
        _ command: ShellCommand,
        logger: Logger = Logger(label: "SchedulerKit.ShellCommand")
    ) async -> ShellResult {
        if Task.isCancelled {
            return ShellResult(
                outcome: .terminatedByUs(escalatedToKill: false),
                output: "", outputTruncatedBytes: 0, pid: nil
            )
        }
        if let problem = command.preflightProblem() {
            return ShellResult(outcome: .notFound(problem), output: "", outputTruncatedBytes: 0, pid: nil)
        }
        let control = ShellRunControl()
        // Subprocess reacts to cancellation of the task that calls it with its own teardown, which
        // cannot report whether SIGKILL was needed and stops as soon as the leader exits (leaving
        // group members that ignored SIGTERM alive); and in a cancelled task its output stream
        // ends at once (AsyncThrowingStream), losing what the child writes during the grace.
        // So it runs in a task that is never cancelled, and cancellation is forwarded to our own
        // teardown in `ShellSupervisor`, which ends with the child reaped.
        let worker = Task { await command.execute(control: control, logger: logger) }
        return await withTaskCancellationHandler {
            await worker.value
        } onCancel: {
            control.requestCancellation()
        }
    }

    /// Runs this command; see ``run(_:logger:)``.
    ///
    /// For example:
    ///
    /// ```swift
    /// let result = await ShellCommand(argv: ["true"]).run()   // .exited(code: 0)
    /// ```
    ///
    /// - parameters:
    ///   - logger: Where teardown steps and capture problems are logged.
    func run(logger: Logger = Logger(label: "SchedulerKit.ShellCommand")) async -> ShellResult {
        await Self.run(self, logger: logger)
    }

    /// Spawns and supervises the child; never cancelled (see ``run(_:logger:)``).
    private func execute(control: ShellRunControl, logger: Logger) async -> ShellResult {
        let program = argv[0]
        var options = Subprocess.PlatformOptions()
        // A new session: the child leads its own process group (pgid == pid), so the whole tree
        // can be signalled at once, and it has no controlling terminal, so a job that opens
        // /dev/tty fails at once instead of being stopped by SIGTTIN/SIGTTOU forever.
        options.createSession = true
        // Only used if Subprocess itself sees cancellation or a throwing body, neither of which
        // happens here; kept group-wide as a safety net.
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminationGrace)
        ]
        var overrides: [Subprocess.Environment.Key: String?] = [:]
        for (name, value) in environment {
            if let key = Subprocess.Environment.Key(rawValue: name) { overrides[key] = value }
        }
        // `.init` builds a `FilePath` (SystemPackage) without importing swift-system here.
        let configuration = Subprocess.Configuration(
            executable: program.contains("/") ? .path(.init(program)) : .name(program),
            arguments: Subprocess.Arguments(executablePathOverride: program, remainingValues: Array(argv.dropFirst())),
            environment: .inherit.updating(overrides),
            workingDirectory: workingDirectory.map { .init($0) },
            platformOptions: options
        )
        let supervisor = ShellSupervisor(
            outputLimit: outputLimit, grace: terminationGrace, control: control, logger: logger
        )
        do {
            let result = try await Subprocess.run(
                configuration,
                input: .none,
                output: .sequence,
                error: .combinedWithOutput
            ) { execution in
                await supervisor.supervise(execution)
            }
            let supervision = result.closureResult
            let (text, truncated) = supervision.tail.rendered()
            let outcome: ShellOutcome
            if let teardown = supervision.teardown, teardown.signalledLeader {
                outcome = .terminatedByUs(escalatedToKill: teardown.escalatedToKill)
            } else {
                switch result.terminationStatus {
                case .exited(let code): outcome = .exited(code: code)
                case .signaled(let signal): outcome = .signaled(signal: signal)
                }
            }
            return ShellResult(
                outcome: outcome, output: text, outputTruncatedBytes: truncated,
                pid: result.processIdentifier.value
            )
        } catch let error as SubprocessError {
            let outcome = Self.outcome(for: error, program: program, environment: environment)
            return ShellResult(outcome: outcome, output: "", outputTruncatedBytes: 0, pid: nil)
        } catch {
            return ShellResult(
                outcome: .spawnFailed(errno: 0, "could not start \"\(program)\": \(error)"),
                output: "", outputTruncatedBytes: 0, pid: nil
            )
        }
    }

    /// Maps a Subprocess failure to an outcome, keeping user faults apart from platform faults.
    private static func outcome(
        for error: SubprocessError,
        program: String,
        environment: [String: String]
    ) -> ShellOutcome {
        let code = error.underlyingError?.rawValue ?? 0
        switch error.code {
        case .executableNotFound:
            if program.contains("/") {
                return .notFound("cannot execute \"\(program)\": no such executable file")
            }
            let path = environment["PATH"] ?? getenv("PATH").map { String(cString: $0) } ?? "(unset)"
            return .notFound("command not found: \"\(program)\" is not an executable file in PATH=\(path)")
        case .failedToChangeWorkingDirectory:
            return .notFound("working directory is not usable: \(describe(errno: code))")
        case .spawnFailed:
            guard code != 0 else { return .spawnFailed(errno: 0, "could not start \"\(program)\": \(error)") }
            return classifySpawnFailure(errno: code, program: program)
        default:
            // Pipe creation (EMFILE/ENFILE), the process monitor, and other plumbing.
            return .spawnFailed(errno: code, "could not start \"\(program)\": \(error)")
        }
    }

    /// Classifies an `errno` from `posix_spawn`/`execve`: the command's fault is ``ShellOutcome/notFound(_:)``,
    /// anything else — resource exhaustion first of all — is ``ShellOutcome/spawnFailed(errno:_:)``.
    ///
    /// For example:
    ///
    /// ```swift
    /// ShellCommand.classifySpawnFailure(errno: EAGAIN, program: "backup")
    /// // .spawnFailed(errno: EAGAIN, "could not start \"backup\": Resource temporarily unavailable")
    /// ```
    ///
    /// - parameters:
    ///   - errno: The error number the spawn failed with.
    ///   - program: `argv[0]`, for the message.
    static func classifySpawnFailure(errno code: Int32, program: String) -> ShellOutcome {
        switch code {
        case ENOENT, ENOTDIR, EACCES, EPERM, EISDIR, ENOEXEC, ELOOP, ENAMETOOLONG, E2BIG:
            return .notFound("cannot execute \"\(program)\": \(describe(errno: code))")
        default:
            // EAGAIN, ENOMEM, EMFILE, ENFILE, ETXTBSY, ... : the platform's fault. Unknown errors
            // land here too, so a platform problem never counts against the job's error streak.
            return .spawnFailed(errno: code, "could not start \"\(program)\": \(describe(errno: code))")
        }
    }

    /// `strerror` text for an error number.
    static func describe(errno code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
