/// One SMTP server reply: a three-digit code and its text lines (RFC 5321 §4.2).
struct SMTPReply: Sendable, Hashable {
    /// The reply code, 200–599.
    var code: Int
    /// The text of each line, without the code and separator.
    var lines: [String]

    /// 2xx.
    var isPositiveCompletion: Bool { (200..<300).contains(code) }
    /// 3xx (`354` after `DATA`, `334` during `AUTH`).
    var isPositiveIntermediate: Bool { (300..<400).contains(code) }

    /// The reply as one short line, e.g. `550 5.1.1 <x@y>: user unknown`.
    var summary: String {
        TransportErrorMessage.oneLine("\(code) " + lines.joined(separator: " "), limit: 200)
    }
}
