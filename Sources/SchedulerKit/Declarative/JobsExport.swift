/// What ``SchedulerClient/export()`` returns: the document, and what it could not carry.
public struct JobsExport: Sendable, Hashable {
    public var document: JobsDocument
    /// One line per thing left out or changed on the way, e.g. a job of another kind, a paused
    /// job that apply creates active, a signed alert whose secret must be set in a variable.
    public var notes: [String]
    /// The `secret_env` variables the document names: set each to its webhook's secret before
    /// applying the document elsewhere.
    public var secretVariables: [String]

    public init(document: JobsDocument, notes: [String] = [], secretVariables: [String] = []) {
        self.document = document
        self.notes = notes
        self.secretVariables = secretVariables
    }
}
