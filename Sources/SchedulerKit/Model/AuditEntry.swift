import Foundation

/// Operator and scheduler actions written to the audit log.
public enum AuditAction: String, Sendable, Codable, CaseIterable {
    case jobCreate = "job.create"
    case jobUpdate = "job.update"
    case jobDelete = "job.delete"
    case jobPause = "job.pause"
    case jobResume = "job.resume"
    case jobResumeForce = "job.resume:force"
    case jobRunNow = "job.run_now"
    case jobAutoFail = "job.auto_fail"
    case alertCreate = "alert.create"
    case alertDelete = "alert.delete"
    case tokenCreate = "token.create"
    case tokenDelete = "token.delete"
    case deliveryRetry = "delivery.retry"
}

/// One line of the audit log.
public struct AuditEntry: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var at: Date
    /// Who did it: `cli:<user>`, `api`, `scheduler`.
    public var actor: String
    public var action: String
    public var jobId: JobID?
    public var jobName: String?
    /// A JSON object with the action's specifics.
    public var details: String

    public init(id: Int64 = 0, at: Date, actor: String, action: String, jobId: JobID?, jobName: String?, details: String = "{}") {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.jobId = jobId
        self.jobName = jobName
        self.details = details
    }
}

/// A new audit line, before the store gives it an id.
public struct AuditRecord: Sendable, Hashable {
    public var at: Date
    public var actor: String
    public var action: AuditAction
    public var details: [String: String]

    public init(at: Date, actor: String, action: AuditAction, details: [String: String] = [:]) {
        self.at = at
        self.actor = actor
        self.action = action
        self.details = details
    }

    /// The details as a JSON object with sorted keys (written by hand: a `JSONEncoder` cost as
    /// much as the rest of adding a job).
    public var detailsJSON: String {
        JSONValue.object(details.map { ($0.key, .string($0.value)) }).serialized(sortedKeys: true)
    }
}
