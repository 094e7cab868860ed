import Foundation

/// One shell job of a ``JobsDocument``: everything an operator configures, nothing the
/// scheduler records (no id, status, streak or run times).
///
/// Keys left out of a file take the defaults of `schedctl add`; they do not mean "keep what
/// the store has" — the file is the whole truth about a job (the `anchor` of an `every`
/// schedule is the one exception, see ``DeclaredSchedule``).
public struct DeclaredJob: Sendable, Hashable {
    public var name: String
    public var schedule: DeclaredSchedule
    /// The argv, run without a shell.
    public var command: [String]
    public var timeoutSeconds: Double?
    public var maxConsecutiveErrors: Int
    public var overlap: OverlapPolicy
    public var misfire: MisfirePolicy
    public var jitterSeconds: Double?
    public var stateWebhookURL: String?
    /// The environment variable holding the state webhook's HMAC secret when the document is
    /// applied (never the secret itself); needs `stateWebhookURL`.
    public var stateWebhookSecretEnv: String?
    public var alerts: [DeclaredAlert]

    public init(
        name: String, schedule: DeclaredSchedule, command: [String], timeoutSeconds: Double? = nil,
        maxConsecutiveErrors: Int = Job.defaultMaxConsecutiveErrors, overlap: OverlapPolicy = .skip,
        misfire: MisfirePolicy = .runOnce, jitterSeconds: Double? = nil, stateWebhookURL: String? = nil,
        stateWebhookSecretEnv: String? = nil, alerts: [DeclaredAlert] = []
    ) {
        self.name = name
        self.schedule = schedule
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.maxConsecutiveErrors = maxConsecutiveErrors
        self.overlap = overlap
        self.misfire = misfire
        self.jitterSeconds = jitterSeconds
        self.stateWebhookURL = stateWebhookURL
        self.stateWebhookSecretEnv = stateWebhookSecretEnv
        self.alerts = alerts
    }

    /// The keys a job may have, in the order they are written.
    static let keys = [
        "name", "schedule", "command", "timeout_seconds", "max_consecutive_errors", "overlap", "misfire",
        "jitter_seconds", "state_webhook_url", "state_webhook_secret_env", "alerts",
    ]

    /// `state_webhook_secret_env` is written only when the state webhook is signed, as an
    /// alert's `secret_env`.
    var tree: JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("schedule", schedule.tree),
            ("command", .array(command.map { .string($0) })),
            ("timeout_seconds", .seconds(timeoutSeconds)),
            ("max_consecutive_errors", .int(maxConsecutiveErrors)),
            ("overlap", .string(overlap.rawValue)),
            ("misfire", .string(misfire.rawValue)),
            ("jitter_seconds", .seconds(jitterSeconds)),
            ("state_webhook_url", .string(stateWebhookURL)),
        ]
        if let stateWebhookSecretEnv { members.append(("state_webhook_secret_env", .string(stateWebhookSecretEnv))) }
        members.append(("alerts", .array(alerts.map(\.tree))))
        return .object(members)
    }
}
