/// Why a duration was refused, as one line: `duration: "1x": unknown unit "x"; expected s, m, h or d`.
public struct DurationParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The duration text as given (without surrounding whitespace).
    public var token: String
    /// The complete one-line message; also returned by `description`.
    public var message: String

    public var description: String { message }

    init(token: String, problem: String, expected: String) {
        self.token = token
        self.message = "duration: \"\(token)\": \(problem); expected \(expected)"
    }
}
