/// One thing wrong with a ``JobsDocument``: which job, which field, and what.
///
/// For example: `job "backup" (jobs[0]): schedule.expression: "61 * * * *": minute: "61": out of range 0-59`.
public struct JobsDocumentProblem: Sendable, Hashable, CustomStringConvertible {
    /// The position of the job in the file; nil for a problem of the document as a whole.
    public var jobIndex: Int?
    /// The job's name when the file gives one.
    public var jobName: String?
    /// The field's path inside the job, e.g. `schedule.expression` or `alerts[1].target`;
    /// empty for the job or the document itself.
    public var field: String
    /// What is wrong, with the offending value and what is expected.
    public var message: String

    public init(jobIndex: Int? = nil, jobName: String? = nil, field: String, message: String) {
        self.jobIndex = jobIndex
        self.jobName = jobName
        self.field = field
        self.message = message
    }

    public var description: String {
        var where_: [String] = []
        if let jobIndex {
            where_.append(jobName.map { "job \"\($0)\" (jobs[\(jobIndex)])" } ?? "jobs[\(jobIndex)]")
        }
        if !field.isEmpty { where_.append(field) }
        return where_.isEmpty ? message : where_.joined(separator: ": ") + ": " + message
    }
}

/// A document that cannot be applied, with every problem found in it; nothing was written.
public struct JobsDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// In the order of the file: by job, then by field.
    public var problems: [JobsDocumentProblem]

    public init(_ problems: [JobsDocumentProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
