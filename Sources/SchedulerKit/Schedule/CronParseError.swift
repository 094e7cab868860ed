/// Why a cron expression was refused, as one line naming the field, the token and what is allowed.
///
/// ```swift
/// do { _ = try CronExpression("0 9 * * MON-FRX") } catch {
///     print(error) // day-of-week: "MON-FRX": unknown name "FRX"; expected SUN-SAT or 0-7
/// }
/// ```
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `second`, `minute`, `hour`, `day-of-month`, `month` or `day-of-week`; nil when the
    /// problem is the expression as a whole (field count, macro, never fires).
    public var field: String?
    /// The offending list item, field or whole expression.
    public var token: String
    /// The complete one-line message; also returned by `description`.
    public var message: String

    public var description: String { message }

    init(field: String?, token: String, message: String) {
        self.field = field
        self.token = token
        self.message = message
    }

    /// An error inside one field, formatted as `field: "token": problem; expected allowed`.
    init(field: String, token: String, problem: String, expected: String) {
        self.init(field: field, token: token, message: "\(field): \"\(token)\": \(problem); expected \(expected)")
    }
}
