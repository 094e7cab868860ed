import Foundation

/// How a notification travels.
public enum DeliveryChannel: String, Sendable, Codable, CaseIterable {
    case webhook
    case email
}

/// Where a notification stands in the outbox.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    /// Accepted by the receiver (2xx, or SMTP 250).
    case delivered
    /// Refused for good by the receiver (4xx other than 408/429, SMTP 5xx).
    case failed
    /// Gave up after the maximum number of attempts.
    case dead
}

/// One notification in the durable outbox, with its delivery record.
public struct Delivery: Sendable, Hashable, Identifiable {
    public var id: String
    public var runId: RunID?
    public var jobId: JobID?
    public var jobName: String?
    public var alertId: String?
    public var channel: DeliveryChannel
    /// `run.failed`, `run.timed_out`, `run.system_error` or `run.state_changed`.
    public var event: String
    /// URL or email address.
    public var target: String
    /// Webhook signing secret; never printed.
    public var secret: String?
    /// The request body (webhooks) or message text (email), fixed when the run ended.
    public var payload: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var lastStatusCode: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var deliveredAt: Date?
    /// Orders deliveries of one run to one target (state webhooks arrive in transition order).
    public var sequence: Int

    public init(
        id: String, runId: RunID?, jobId: JobID?, jobName: String?, alertId: String?, channel: DeliveryChannel,
        event: String, target: String, secret: String?, payload: String, status: DeliveryStatus = .pending,
        attempts: Int = 0, nextAttemptAt: Date?, lastError: String? = nil, lastStatusCode: Int? = nil,
        createdAt: Date, updatedAt: Date, deliveredAt: Date? = nil, sequence: Int = 0
    ) {
        self.id = id
        self.runId = runId
        self.jobId = jobId
        self.jobName = jobName
        self.alertId = alertId
        self.channel = channel
        self.event = event
        self.target = target
        self.secret = secret
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastStatusCode = lastStatusCode
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deliveredAt = deliveredAt
        self.sequence = sequence
    }
}
