import Foundation

/// How ``SchedulerClient/apply(_:options:)`` applies a document.
public struct ApplyOptions: Sendable {
    /// Compute and return the plan; write nothing.
    public var dryRun: Bool
    /// Also delete shell jobs that the document does not name (jobs of other kinds are never
    /// deleted: they are made by programs, and a document cannot describe them).
    public var prune: Bool
    /// Where `secret_env` variables are read.
    public var environment: [String: String]

    public init(dryRun: Bool = false, prune: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dryRun = dryRun
        self.prune = prune
        self.environment = environment
    }
}
