import Foundation

/// A named piece of work with a schedule, run by the handler registered for its `kind`.
public struct Job: Sendable, Hashable, Identifiable {
    public var id: JobID
    /// Unique; `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`.
    public var name: String
    public var schedule: Schedule
    /// The registered handler that runs it; `shell` for commands.
    public var kind: String
    /// Opaque JSON handed to the handler.
    public var payload: JobPayload
    /// A run past this many seconds is cancelled and becomes `timed_out`.
    public var timeout: Double?
    /// Reaching this many `failed`/`timed_out` runs in a row retires the job to `failed`.
    public var maxConsecutiveErrors: Int
    /// The current streak of `failed`/`timed_out` runs.
    public var consecutiveErrors: Int
    public var status: JobStatus
    /// The next due slot; nil when not scheduled (paused, failed, completed).
    public var nextRunAt: Date?
    public var lastRunAt: Date?
    public var lastRunStatus: RunStatus?
    public var overlap: OverlapPolicy
    public var misfire: MisfirePolicy
    /// Upper bound, in seconds, of a random delay added to each slot.
    public var jitter: Double?
    public var retry: RetryPolicy?
    /// For `at` jobs: delete the job after its run instead of marking it `completed`.
    public var deleteAfterRun: Bool
    /// Receives every run transition of the job when set.
    public var stateWebhookURL: String?
    /// Signs the state webhook's requests (`X-SchedulerKit-Signature`, as alerts); never printed.
    public var stateWebhookSecret: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: JobID, name: String, schedule: Schedule, kind: String, payload: JobPayload = .empty,
        timeout: Double? = nil, maxConsecutiveErrors: Int = Job.defaultMaxConsecutiveErrors,
        consecutiveErrors: Int = 0, status: JobStatus = .active, nextRunAt: Date? = nil,
        lastRunAt: Date? = nil, lastRunStatus: RunStatus? = nil, overlap: OverlapPolicy = .skip,
        misfire: MisfirePolicy = .runOnce, jitter: Double? = nil, retry: RetryPolicy? = nil,
        deleteAfterRun: Bool = false, stateWebhookURL: String? = nil, stateWebhookSecret: String? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.schedule = schedule
        self.kind = kind
        self.payload = payload
        self.timeout = timeout
        self.maxConsecutiveErrors = maxConsecutiveErrors
        self.consecutiveErrors = consecutiveErrors
        self.status = status
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.lastRunStatus = lastRunStatus
        self.overlap = overlap
        self.misfire = misfire
        self.jitter = jitter
        self.retry = retry
        self.deleteAfterRun = deleteAfterRun
        self.stateWebhookURL = stateWebhookURL
        self.stateWebhookSecret = stateWebhookSecret
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The streak that retires a job unless it says otherwise.
    public static let defaultMaxConsecutiveErrors = 10

    /// Checks a job name against `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`.
    ///
    /// - throws: `SchedulerError.invalidInput` naming the offending character.
    public static func validateName(_ name: String) throws(SchedulerError) {
        func isAlnum(_ c: UInt8) -> Bool { (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) }
        let bytes = Array(name.utf8)
        guard let first = bytes.first else {
            throw .invalid("name: \"\": empty; expected [A-Za-z0-9][A-Za-z0-9._-]{0,127}")
        }
        guard bytes.count <= 128 else {
            throw .invalid("name: \"\(name.prefix(40))…\": \(bytes.count) characters; at most 128 allowed")
        }
        guard isAlnum(first) else {
            throw .invalid("name: \"\(name)\": must start with a letter or digit; expected [A-Za-z0-9][A-Za-z0-9._-]{0,127}")
        }
        for c in bytes.dropFirst() where !(isAlnum(c) || c == 46 || c == 95 || c == 45) {
            let bad = String(decoding: [c], as: UTF8.self)
            throw .invalid("name: \"\(name)\": character \"\(c < 128 ? bad : "non-ASCII")\" not allowed; expected letters, digits, '.', '_' or '-'")
        }
    }
}

/// The opaque JSON document a job hands its handler.
public struct JobPayload: Sendable, Hashable {
    /// UTF-8 JSON text.
    public var json: Data

    public init(json: Data) { self.json = json }
    /// Encodes `value` as JSON.
    public init<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.json = try encoder.encode(value)
    }
    /// `{}`.
    public static let empty = JobPayload(json: Data("{}".utf8))

    /// Decodes the payload as `T`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: json)
    }
}

/// The payload of a `shell` job: an argv run without a shell, optional environment and directory.
public struct ShellPayload: Sendable, Hashable, Codable {
    public var command: [String]
    public var environment: [String: String]?
    public var workingDirectory: String?

    public init(command: [String], environment: [String: String]? = nil, workingDirectory: String? = nil) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    enum CodingKeys: String, CodingKey {
        case command
        case environment = "env"
        case workingDirectory = "working_directory"
    }

    /// The kind name of shell jobs.
    public static let kind = "shell"
}
