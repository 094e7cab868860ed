import Foundation

/// One execution (or recorded non-execution) of a job for one slot.
public struct Run: Sendable, Hashable, Identifiable {
    public var id: RunID
    public var jobId: JobID
    public var jobName: String
    public var trigger: RunTrigger
    /// The slot this run serves.
    public var scheduledFor: Date
    /// 1-based attempt number within the slot.
    public var attempt: Int
    public var status: RunStatus
    /// When the run was created.
    public var queuedAt: Date
    /// The earliest instant a worker may start it (slot plus jitter, or a retry's backoff).
    public var notBefore: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var heartbeatAt: Date?
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var exitCode: Int32?
    public var errorType: ErrorType?
    public var errorCode: String?
    public var errorCategory: String?
    public var errorMessage: String?
    /// Tail of the command's stdout and stderr (bounded).
    public var output: String?
    /// Set when someone asked for the run to stop (overlap `replace`, job deletion).
    public var cancelRequested: Bool

    public init(
        id: RunID, jobId: JobID, jobName: String, trigger: RunTrigger, scheduledFor: Date, attempt: Int = 1,
        status: RunStatus = .queued, queuedAt: Date, notBefore: Date? = nil, startedAt: Date? = nil,
        finishedAt: Date? = nil, heartbeatAt: Date? = nil, leaseOwner: String? = nil, leaseExpiresAt: Date? = nil,
        exitCode: Int32? = nil, errorType: ErrorType? = nil, errorCode: String? = nil, errorCategory: String? = nil,
        errorMessage: String? = nil, output: String? = nil, cancelRequested: Bool = false
    ) {
        self.id = id
        self.jobId = jobId
        self.jobName = jobName
        self.trigger = trigger
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.status = status
        self.queuedAt = queuedAt
        self.notBefore = notBefore ?? queuedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.heartbeatAt = heartbeatAt
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.exitCode = exitCode
        self.errorType = errorType
        self.errorCode = errorCode
        self.errorCategory = errorCategory
        self.errorMessage = errorMessage
        self.output = output
        self.cancelRequested = cancelRequested
    }

    /// Seconds between start and finish, when both are known.
    public var duration: Double? {
        guard let s = startedAt, let f = finishedAt else { return nil }
        return f.timeIntervalSince(s)
    }
}

/// How a run ended, as reported by the executor and recorded by the store.
public struct RunOutcome: Sendable, Hashable {
    public var status: RunStatus
    public var exitCode: Int32?
    public var errorType: ErrorType?
    public var errorCode: String?
    public var errorCategory: String?
    public var errorMessage: String?
    public var output: String?

    /// A successful run.
    public static func succeeded(exitCode: Int32? = nil, output: String? = nil) -> RunOutcome {
        RunOutcome(status: .succeeded, exitCode: exitCode, output: output)
    }

    /// An ending described by a code; the status follows from the code (`RunErrorCode.runStatus`).
    public static func error(_ code: RunErrorCode, _ message: String, exitCode: Int32? = nil, output: String? = nil) -> RunOutcome {
        RunOutcome(
            status: code.runStatus, exitCode: exitCode, errorType: code.errorType, errorCode: code.rawValue,
            errorCategory: code.category, errorMessage: message, output: output)
    }

    public init(
        status: RunStatus, exitCode: Int32? = nil, errorType: ErrorType? = nil, errorCode: String? = nil,
        errorCategory: String? = nil, errorMessage: String? = nil, output: String? = nil
    ) {
        self.status = status
        self.exitCode = exitCode
        self.errorType = errorType
        self.errorCode = errorCode
        self.errorCategory = errorCategory
        self.errorMessage = errorMessage
        self.output = output
    }
}

extension Run {
    /// Records `outcome` as this run's end at `date`, releasing its lease.
    public mutating func apply(_ outcome: RunOutcome, at date: Date) {
        status = outcome.status
        finishedAt = date
        exitCode = outcome.exitCode
        errorType = outcome.errorType
        errorCode = outcome.errorCode
        errorCategory = outcome.errorCategory
        errorMessage = outcome.errorMessage
        if let out = outcome.output { output = out }
        leaseExpiresAt = nil
    }
}
