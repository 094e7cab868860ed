/// How a ``ShellCommand`` run ended.
///
/// The cases map onto SchedulerKit's failure classification (SPEC §1) like this:
///
/// | case | meaning | errorType |
/// |---|---|---|
/// | ``exited(code:)`` | the program exited on its own (`0` is success) | user when non-zero |
/// | ``signaled(signal:)`` | a signal we did not send ended it (`kill -SEGV $$`, the OOM killer) | user |
/// | ``terminatedByUs(escalatedToKill:)`` | the run was cancelled (timeout, shutdown) | decided by the engine |
/// | ``notFound(_:)`` | the command cannot be started as written | user |
/// | ``spawnFailed(errno:_:)`` | the platform could not start it (resources) | system |
///
/// For example:
///
/// ```swift
/// switch result.outcome {
/// case .exited(code: 0): markSucceeded()
/// case .exited, .signaled, .notFound: markFailed(type: .user)
/// case .spawnFailed: markFailed(type: .system, code: "spawn_failed")
/// case .terminatedByUs: break // the engine knows whether it was a timeout or a shutdown
/// }
/// ```
enum ShellOutcome: Sendable, Equatable, Hashable {
    /// The program exited normally with this status.
    case exited(code: Int32)

    /// The program was killed by a signal that this runner did not send.
    case signaled(signal: Int32)

    /// The run was cancelled and the runner ended the child's process group: `SIGTERM`, then,
    /// if the program had not exited within ``ShellCommand/terminationGrace``, `SIGKILL`
    /// (`escalatedToKill == true`).
    case terminatedByUs(escalatedToKill: Bool)

    /// The command cannot be started as written — the job's own fault.
    ///
    /// Covers an empty `argv`, a name not found in `PATH`, a path that does not exist, is a
    /// directory or is not executable (`EACCES` counts here: the job points at something it may
    /// not run), a file the kernel cannot execute (`ENOEXEC`, e.g. a script without `#!`), an
    /// argument list that is too long, an invalid environment variable name, and a working
    /// directory that is missing or unusable. The message says which, and names the path.
    case notFound(String)

    /// The platform could not start the process: `EAGAIN` (process limit), `ENOMEM`,
    /// `EMFILE`/`ENFILE` (descriptor limits), `ETXTBSY`, or any other unexpected error from the
    /// spawn machinery. Not the job's fault.
    case spawnFailed(errno: Int32, String)
}
