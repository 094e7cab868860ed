/// A failed attempt to send mail: which step failed, the server's code, and whether to retry.
///
/// The `description` is one line and never contains the password, for example
/// `SMTP RCPT TO failed: 550 5.1.1 <x@example.com>: Recipient address rejected`.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The step of the session that failed.
    public enum Stage: String, Sendable, Hashable {
        case configuration
        case connect
        case greeting
        case hello = "EHLO"
        case startTLS = "STARTTLS"
        case authentication = "AUTH"
        case mailFrom = "MAIL FROM"
        case recipient = "RCPT TO"
        case data = "DATA"
        case message = "message"
    }

    /// The failed step.
    public var stage: Stage
    /// The SMTP reply code, when the server answered (nil for connection errors and timeouts).
    public var code: Int?
    /// A one-line explanation: the server's reply text, or what went wrong on the connection.
    public var message: String
    /// Whether trying again later may succeed.
    public var kind: DeliveryFailureKind

    /// Creates an error; `kind` defaults to the rule of ``kind(forReplyCode:)``.
    public init(stage: Stage, code: Int?, message: String, kind: DeliveryFailureKind? = nil) {
        self.stage = stage
        self.code = code
        self.message = TransportErrorMessage.oneLine(message, limit: 200)
        self.kind = kind ?? Self.kind(forReplyCode: code)
    }

    public var description: String {
        "SMTP \(stage.rawValue) failed: \(message)"
    }

    /// The classification rule: 4xx is transient, 5xx permanent, no reply (connection
    /// refused or reset, timeout, TLS failure) retryable.
    ///
    /// - parameter code: the reply code, or nil when there was no reply.
    public static func kind(forReplyCode code: Int?) -> DeliveryFailureKind {
        guard let code else { return .retryable }
        switch code {
        case 500..<600: return .permanent
        default: return .retryable
        }
    }
}
