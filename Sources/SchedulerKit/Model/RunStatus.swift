/// The state of one run of a job.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case systemError = "system_error"
    case cancelled
    case skipped

    /// Whether the run is over. The one place that says so.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .timedOut, .systemError, .cancelled, .skipped: true
        }
    }

    /// Whether the run ended in error, whoever's fault it was: `failed`, `timed_out` and `system_error`.
    public var isFailure: Bool {
        switch self {
        case .failed, .timedOut, .systemError: true
        default: false
        }
    }

    /// Whether the run counts against the job's streak of consecutive errors.
    ///
    /// The platform's faults (`system_error`), cancellations and skips do not punish the job.
    public var countsTowardStreak: Bool { self == .failed || self == .timedOut }

    /// The statuses whose run is over.
    public static let terminal: [RunStatus] = allCases.filter(\.isTerminal)
    /// The statuses that mean the run ended in error.
    public static let failures: [RunStatus] = allCases.filter(\.isFailure)
}
