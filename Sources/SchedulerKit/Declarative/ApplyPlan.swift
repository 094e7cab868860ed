import Foundation

/// What ``SchedulerClient/apply(_:options:)`` does (or, for a dry run, would do) to each job:
/// `create`, `update` (with what differs), `unchanged` or `delete`.
///
/// It is `Encodable` as the document `schedctl apply --json` prints:
/// `{"dry_run", "applied", "summary": {"create", "update", "unchanged", "delete"},
/// "jobs": [{"name", "action", "job_id", "changes": [{"field", "from", "to"}]}]}`.
public struct ApplyPlan: Sendable, Hashable, Encodable {
    /// What happens to one job.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case create
        case update
        case unchanged
        case delete
    }

    /// One field that differs, as text a person reads (secrets shown only as "signed").
    public struct Difference: Sendable, Hashable {
        /// `schedule`, `command`, `timeout_seconds`, ... or `alerts`.
        public var field: String
        /// The value in the store; nil for an alert that is added.
        public var from: String?
        /// The value in the document; nil for an alert that is removed.
        public var to: String?

        public init(field: String, from: String?, to: String?) {
            self.field = field
            self.from = from
            self.to = to
        }
    }

    /// The plan for one job.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var action: Action
        /// The job's id: the existing one, or the new one once created (nil in a dry run).
        public var jobId: JobID?
        /// For `update`: every field that differs, in document order.
        public var differences: [Difference]

        public init(name: String, action: Action, jobId: JobID? = nil, differences: [Difference] = []) {
            self.name = name
            self.action = action
            self.jobId = jobId
            self.differences = differences
        }
    }

    /// The document's jobs in its order, then the jobs pruned, by name.
    public var entries: [Entry]
    public var dryRun: Bool
    /// Whether the changes were written: false for a dry run.
    public var applied: Bool

    public init(entries: [Entry], dryRun: Bool, applied: Bool) {
        self.entries = entries
        self.dryRun = dryRun
        self.applied = applied
    }

    /// How many jobs get `action`.
    public func count(_ action: Action) -> Int {
        entries.count { $0.action == action }
    }

    /// Whether applying it writes anything.
    public var changesSomething: Bool {
        entries.contains { $0.action != .unchanged }
    }

    /// The plan as the JSON document of `schedctl apply --json`.
    public var tree: JSONValue {
        .object([
            ("dry_run", .bool(dryRun)),
            ("applied", .bool(applied)),
            ("summary", .object(Action.allCases.map { ($0.rawValue, .int(count($0))) })),
            ("jobs", .array(entries.map { entry in
                .object([
                    ("name", .string(entry.name)),
                    ("action", .string(entry.action.rawValue)),
                    ("job_id", .string(entry.jobId?.rawValue)),
                    ("changes", .array(entry.differences.map {
                        .object([("field", .string($0.field)), ("from", .string($0.from)), ("to", .string($0.to))])
                    })),
                ])
            })),
        ])
    }

    public func encode(to encoder: any Encoder) throws {
        try DocumentTree.encode(tree, to: encoder)
    }
}
