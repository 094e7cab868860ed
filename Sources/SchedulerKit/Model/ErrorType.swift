/// Whose fault a failed run was.
public enum ErrorType: String, Sendable, Codable, CaseIterable {
    /// The job's own fault: the handler threw, the command failed or timed out.
    case user
    /// The platform's fault: a lost worker, a missing handler, a store failure, shutdown, spawn failure.
    case system
}

/// The one rule that turns an error type into a run status: `user → failed`, `system → system_error`.
///
/// Every place that records an error goes through this function (timeouts are the one
/// exception by design: they are user errors recorded as `timed_out`, see ``RunErrorCode/timeout``).
public func statusForErrorType(_ type: ErrorType) -> RunStatus {
    switch type {
    case .user: .failed
    case .system: .systemError
    }
}
