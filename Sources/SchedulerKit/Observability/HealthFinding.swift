import Foundation

/// One problem (or notable fact) found by ``HealthChecks``.
///
/// For example:
/// ```swift
/// let findings = try await HealthChecks(store: store).run()
/// for f in findings where f.severity == .critical { print(f.id, f.job ?? "-", f.message) }
/// ```
public struct HealthFinding: Sendable, Hashable {
    /// How bad it is. Ordered: `info < warning < critical`.
    public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
        /// Worth knowing; needs no action (a stale record beside a live scheduler).
        case info
        /// Needs attention soon: something is degrading.
        case warning
        /// Needs action now: jobs are not running, or a job was retired.
        case critical

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .critical: 2
            }
        }

        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// The check that found it: a stable identifier such as `stuck_run` or `job_retired`
    /// (the list is ``HealthChecks/CheckID``).
    public var id: String
    public var severity: Severity
    /// A coarse grouping: `scheduler`, `schedule`, `runs`, `failures` or `deliveries`.
    public var category: String
    /// The job's name, when the finding is about one job.
    public var job: String?
    /// The job's id, when the finding is about one job.
    public var jobId: JobID?
    /// One line a person can act on.
    public var message: String
    /// Figures behind the finding: a JSON object with snake_case keys.
    public var details: JSONValue

    public init(
        id: String, severity: Severity, category: String, job: String? = nil, jobId: JobID? = nil, message: String,
        details: JSONValue = .object([])
    ) {
        self.id = id
        self.severity = severity
        self.category = category
        self.job = job
        self.jobId = jobId
        self.message = message
        self.details = details
    }
}

/// The overall state of a set of findings: the worst severity among warnings and criticals
/// (info findings leave it `ok`).
public enum HealthStatus: String, Sendable, Hashable {
    case ok
    case warning
    case critical

    /// The status of `findings`.
    public init(_ findings: [HealthFinding]) {
        if findings.contains(where: { $0.severity == .critical }) {
            self = .critical
        } else if findings.contains(where: { $0.severity == .warning }) {
            self = .warning
        } else {
            self = .ok
        }
    }
}
