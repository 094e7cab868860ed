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
    /// What helps, by name, so that a front end can say it in its own terms (the CLI names its
    /// commands and options); ``hint`` says it in words that name no front end.
    public var remedy: Remedy?

    /// What helps, for errors whose remedy is an operator's action.
    public enum Remedy: Sendable, Equatable {
        /// Look at the jobs (their names and ids).
        case listJobs
        /// Look at the runs (their ids).
        case listRuns
        /// Look at the alerts of a job.
        case listAlerts
        /// Look at the deliveries (their ids).
        case listDeliveries
        /// Look at the API tokens (their names).
        case listTokens
        /// Remove the API token of that name first.
        case removeToken(name: String)
        /// Look at the artifacts of the run.
        case listArtifacts(run: RunID)
        /// Revive the retired job with a forced resume.
        case forceResume
        /// There is no database at the path: check the path; opening it for writing creates it.
        case createDatabase
        /// The file is empty or has no schema yet: opening it for writing gives it one.
        case giveSchema
        /// The database has an older schema: opening it for writing with this version migrates it.
        case migrateDatabase
        /// The file belongs to something else: use another path.
        case otherPath
        /// The database is newer than this build: upgrade the program.
        case upgradeProgram
    }

    public init(_ code: Code, _ message: String, hint: String? = nil, remedy: Remedy? = nil, jobStatus: JobStatus? = nil) {
        self.code = code
        self.message = message
        self.hint = hint ?? remedy?.neutralHint
        self.remedy = remedy
        self.jobStatus = jobStatus
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }

    /// `error` as a `SchedulerError`: itself when it is one, else a `.storage` error with its
    /// description (what the engine's loops report when a store call fails).
    public init(wrapping error: any Error) {
        self = error as? SchedulerError ?? SchedulerError(.storage, "\(error)")
    }

    static func invalid(_ message: String, hint: String? = nil) -> SchedulerError { .init(.invalidInput, message, hint: hint) }
    static func notFound(_ message: String) -> SchedulerError { .init(.notFound, message) }
}

extension SchedulerError.Remedy {
    /// The remedy in words that name no front end.
    public var neutralHint: String {
        switch self {
        case .listJobs: "list the jobs to see their names and ids"
        case .listRuns: "list the runs to see their ids"
        case .listAlerts: "list the job's alerts to see their ids"
        case .listDeliveries: "list the deliveries to see their ids"
        case .listTokens: "list the tokens to see their names"
        case .removeToken(let name): "remove the token \(name) first"
        case .listArtifacts(let run): "list the artifacts of run \(run)"
        case .forceResume: "resume it with force to revive it"
        case .createDatabase: "check the path; opening it for writing creates the database"
        case .giveSchema: "opening it for writing gives it a schema"
        case .migrateDatabase: "open it once for writing with this version to upgrade it"
        case .otherPath: "use another path; the file was left untouched"
        case .upgradeProgram: "upgrade to a newer version; the file was left untouched"
        }
    }
}
