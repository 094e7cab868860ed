/// Machine-readable reasons a run ended without success, with their type and category.
public enum RunErrorCode: String, Sendable, Codable, CaseIterable {
    // user
    /// A command exited with a non-zero status.
    case exitNonzero = "exit_nonzero"
    /// A command was killed by a signal it was not sent by the scheduler.
    case signaled = "signaled"
    /// The command's executable could not be found or executed.
    case commandNotFound = "command_not_found"
    /// A handler threw an error.
    case handlerError = "handler_error"
    /// The run passed its timeout and was cancelled.
    case timeout = "timeout"
    // system
    /// The worker holding the run vanished: its lease expired.
    case lost = "lost"
    /// No handler is registered for the job's kind.
    case handlerMissing = "handler_missing"
    /// The store failed while recording the run.
    case storeError = "store_error"
    /// The run was killed by shutdown past its grace period.
    case shutdown = "shutdown"
    /// The process could not be spawned for lack of resources.
    case spawnFailed = "spawn_failed"
    /// A handler marked its error as the platform's fault.
    case systemFailure = "system_failure"
    // neither: runs that did not run
    /// Skipped because an earlier run of the job was still in progress (overlap `skip`).
    case overlap = "overlap"
    /// Skipped because the slot was missed while no scheduler ran (misfire `skip`).
    case misfire = "misfire"
    /// Cancelled because a newer slot replaced it (overlap `replace`).
    case replaced = "replaced"
    /// Cancelled by an operator or because its job was deleted.
    case cancelled = "cancelled"

    /// Whose fault it is; nil for codes that do not describe an error (skips and cancellations).
    public var errorType: ErrorType? {
        switch self {
        case .exitNonzero, .signaled, .commandNotFound, .handlerError, .timeout: .user
        case .lost, .handlerMissing, .storeError, .shutdown, .spawnFailed, .systemFailure: .system
        case .overlap, .misfire, .replaced, .cancelled: nil
        }
    }

    /// A coarse grouping for reports and metrics.
    public var category: String {
        switch self {
        case .exitNonzero, .signaled, .commandNotFound: "command"
        case .handlerError, .systemFailure: "handler"
        case .timeout: "timeout"
        case .lost: "lease"
        case .handlerMissing: "configuration"
        case .storeError: "storage"
        case .shutdown: "shutdown"
        case .spawnFailed: "resource"
        case .overlap, .misfire, .replaced, .cancelled: "scheduling"
        }
    }

    /// The status a run ending with this code gets: `statusForErrorType` for errors,
    /// `timed_out` for timeouts, `skipped`/`cancelled` for runs that did not run.
    public var runStatus: RunStatus {
        switch self {
        case .timeout: .timedOut
        case .overlap, .misfire: .skipped
        case .replaced, .cancelled: .cancelled
        default: statusForErrorType(errorType ?? .user)
        }
    }
}
