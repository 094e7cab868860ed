/// Why an SMTP configuration (usually an `smtp://` URL) was refused.
///
/// The `description` is one line and never contains the password, for example
/// `SMTP URL: invalid port "99999"; expected 1-65535`.
public struct SMTPConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, without the `SMTP URL:` prefix.
    public let problem: String

    init(_ problem: String) {
        self.problem = problem
    }

    public var description: String { "SMTP URL: \(problem)" }
}
