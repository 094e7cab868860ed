/// The error every SchedulerKit API throws: a code that says what kind of problem it is,
/// context, and a one-line message a person can act on.
///
/// For example:
/// ```swift
/// do { try await client.resumeJob("backup") }
/// catch let error as SchedulerError where error.code == .refused {
///     print(error.message) // job "backup" is failed (retired after 10 consecutive errors)
/// }
/// ```
public struct SchedulerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Families of errors; each maps to one `schedctl` exit code.
    public enum Code: String, Sendable, Equatable {
        /// Malformed input: a cron expression, duration, time zone, URL or name (exit 65).
        case invalidInput = "invalid_input"
        /// No such job, run, alert or artifact (exit 3).
        case notFound = "not_found"
        /// A valid request that the current state forbids (exit 1).
        case refused
        /// A job with that name already exists (exit 1).
        case alreadyExists = "already_exists"
        /// The database cannot be used: unreadable, corrupt, foreign, newer, full (exit 74).
        case storage
        /// The database stayed locked by another process past the busy timeout (exit 75).
        case busy
    }

    public var code: Code
    /// One line, no trailing period, never a secret.
    public var message: String
    /// What to do about it, when there is something to say.
    public var hint: String?
    /// The job's status when a state transition was refused.
    public var jobStatus: JobStatus?

    public init(_ code: Code, _ message: String, hint: String? = nil, jobStatus: JobStatus? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.jobStatus = jobStatus
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }

    static func invalid(_ message: String, hint: String? = nil) -> SchedulerError { .init(.invalidInput, message, hint: hint) }
    static func notFound(_ message: String) -> SchedulerError { .init(.notFound, message) }
}
