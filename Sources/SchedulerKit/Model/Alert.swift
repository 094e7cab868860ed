import Foundation

/// Where an alert goes.
public enum AlertType: String, Sendable, Codable, CaseIterable {
    case webhook
    case email
}

/// A per-job notification rule: which run endings it fires on and where it sends them.
public struct Alert: Sendable, Hashable, Identifiable {
    public var id: String
    public var jobId: JobID
    public var type: AlertType
    /// An http(s) URL for webhooks, an address for email.
    public var target: String
    public var onFailure: Bool
    public var onTimeout: Bool
    public var onSystemError: Bool
    /// Webhook signing secret; never printed.
    public var secret: String?
    public var createdAt: Date

    public init(
        id: String, jobId: JobID, type: AlertType, target: String, onFailure: Bool = true, onTimeout: Bool = true,
        onSystemError: Bool = true, secret: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.jobId = jobId
        self.type = type
        self.target = target
        self.onFailure = onFailure
        self.onTimeout = onTimeout
        self.onSystemError = onSystemError
        self.secret = secret
        self.createdAt = createdAt
    }

    /// Whether a run ending in `status` fires this alert.
    public func fires(on status: RunStatus) -> Bool {
        switch status {
        case .failed: onFailure
        case .timedOut: onTimeout
        case .systemError: onSystemError
        default: false
        }
    }
}
