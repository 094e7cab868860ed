import Foundation

/// What a new job looks like, before the client validates it and gives it an id.
///
/// For example:
/// ```swift
/// let spec = try JobSpec(name: "backup", schedule: .cron("0 3 * * *", timeZone: "Europe/Paris"),
///                        command: ["/usr/local/bin/backup", "--full"])
/// let job = try await client.addJob(spec)
/// ```
public struct JobSpec: Sendable {
    public var name: String
    public var schedule: Schedule
    public var kind: String
    public var payload: JobPayload
    public var timeout: Double?
    public var maxConsecutiveErrors: Int
    public var overlap: OverlapPolicy
    public var misfire: MisfirePolicy
    public var jitter: Double?
    public var retry: RetryPolicy?
    public var deleteAfterRun: Bool
    public var stateWebhookURL: String?
    /// Signs the state webhook's requests like alerts' (needs ``stateWebhookURL``).
    public var stateWebhookSecret: String?

    public init(
        name: String, schedule: Schedule, kind: String, payload: JobPayload = .empty, timeout: Double? = nil,
        maxConsecutiveErrors: Int = Job.defaultMaxConsecutiveErrors, overlap: OverlapPolicy = .skip,
        misfire: MisfirePolicy = .runOnce, jitter: Double? = nil, retry: RetryPolicy? = nil, deleteAfterRun: Bool = false,
        stateWebhookURL: String? = nil, stateWebhookSecret: String? = nil
    ) {
        self.name = name
        self.schedule = schedule
        self.kind = kind
        self.payload = payload
        self.timeout = timeout
        self.maxConsecutiveErrors = maxConsecutiveErrors
        self.overlap = overlap
        self.misfire = misfire
        self.jitter = jitter
        self.retry = retry
        self.deleteAfterRun = deleteAfterRun
        self.stateWebhookURL = stateWebhookURL
        self.stateWebhookSecret = stateWebhookSecret
    }

    /// A `shell` job running `command` (an argv; no shell unless it says `sh -c`).
    public init(
        name: String, schedule: Schedule, command: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil
    ) throws {
        self.init(
            name: name, schedule: schedule, kind: ShellPayload.kind,
            payload: try JobPayload(ShellPayload(command: command, environment: environment, workingDirectory: workingDirectory)))
    }
}

/// Changes to an existing job; nil fields stay as they are.
public struct JobUpdate: Sendable {
    public var name: String?
    public var schedule: Schedule?
    public var payload: JobPayload?
    public var timeout: Double??
    public var maxConsecutiveErrors: Int?
    public var overlap: OverlapPolicy?
    public var misfire: MisfirePolicy?
    public var jitter: Double??
    public var retry: RetryPolicy??
    public var deleteAfterRun: Bool?
    public var stateWebhookURL: String??
    public var stateWebhookSecret: String??
    public init() {}
}

/// What a new alert looks like.
public struct AlertSpec: Sendable {
    public var type: AlertType
    public var target: String
    public var onFailure: Bool
    public var onTimeout: Bool
    public var onSystemError: Bool
    public var secret: String?

    public init(type: AlertType, target: String, onFailure: Bool = true, onTimeout: Bool = true, onSystemError: Bool = true, secret: String? = nil) {
        self.type = type
        self.target = target
        self.onFailure = onFailure
        self.onTimeout = onTimeout
        self.onSystemError = onSystemError
        self.secret = secret
    }

    /// A webhook alert.
    public static func webhook(_ url: String, secret: String? = nil) -> AlertSpec { AlertSpec(type: .webhook, target: url, secret: secret) }
    /// An email alert.
    public static func email(_ address: String) -> AlertSpec { AlertSpec(type: .email, target: address) }
}
