import Foundation

/// A plain-text email: sender, recipients, subject and body.
///
/// ``render(date:messageID:)`` produces the exact RFC 5322 text that is sent, so it can be
/// checked in unit tests without a server. The body is always sent quoted-printable (see
/// `Content-Transfer-Encoding` below) and the subject as RFC 2047 encoded-words when it is not
/// ASCII, so any UTF-8 text survives every relay.
///
/// For example:
/// ```swift
/// let message = EmailMessage(
///     from: "schedctl@example.com", to: ["ops@example.com"],
///     subject: "[schedctl] backup: run failed", body: "exit code 2\n")
/// let text = message.render(date: Date(), messageID: EmailMessage.makeMessageID(domain: "example.com"))
/// ```
public struct EmailMessage: Sendable, Hashable {
    /// The `From` header: `user@host` or `Name <user@host>`.
    public var from: String
    /// The recipients, each `user@host` or `Name <user@host>`; all appear in `To`.
    public var to: [String]
    /// The subject, any Unicode text; line breaks become spaces.
    public var subject: String
    /// The plain-text body, any Unicode text; any line ending style.
    public var body: String

    /// Creates a message.
    public init(from: String, to: [String], subject: String, body: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// Renders the message with CRLF line endings, ready for `DATA` (before dot-stuffing).
    ///
    /// Headers: `Date`, `Message-ID`, `From`, `To`, `Subject`, `MIME-Version: 1.0`,
    /// `Content-Type: text/plain; charset=utf-8`, `Content-Transfer-Encoding: quoted-printable`.
    ///
    /// - parameters:
    ///   - date: the `Date` header's instant, written in UTC.
    ///   - messageID: the `Message-ID` value, with or without angle brackets.
    /// - returns: pure ASCII text ending in CRLF.
    public func render(date: Date, messageID: String) -> String {
        var id = EmailAddress.trimmed(MIMEEncoding.headerSafe(messageID))
        if !id.hasPrefix("<") { id = "<" + id + ">" }
        let headers = [
            "Date: " + MIMEEncoding.rfc5322Date(date),
            "Message-ID: " + id,
            "From: " + MIMEEncoding.addressList([from], prefixLength: 6),
            "To: " + MIMEEncoding.addressList(to, prefixLength: 4),
            "Subject: " + MIMEEncoding.encodedWords(subject, prefixLength: 9),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ]
        var text = headers.joined(separator: "\r\n") + "\r\n\r\n"
        text += MIMEEncoding.quotedPrintable(body)
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        return text
    }

    /// A new globally unique `Message-ID`: `<uuid@domain>`.
    ///
    /// - parameter domain: usually the sender address's domain, so no internal host name leaks.
    public static func makeMessageID(domain: String) -> String {
        let safeDomain = domain.isEmpty ? "localhost" : MIMEEncoding.headerSafe(domain).replacingOccurrences(of: " ", with: "")
        return "<\(UUID().uuidString.lowercased())@\(safeDomain)>"
    }
}
