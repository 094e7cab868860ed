/// What the server accepted when a message was sent.
///
/// `send` throws when no recipient was accepted; when only some were refused the message is
/// still delivered to the others (retrying would duplicate it for them) and the refusals are
/// listed here for the caller to record.
public struct SMTPDeliveryReport: Sendable, Hashable {
    /// Recipients the server accepted.
    public var acceptedRecipients: [String]
    /// Recipients the server refused, each with its error (code and kind).
    public var rejectedRecipients: [RejectedRecipient]
    /// The server's reply to the end of the message data (often carries a queue id).
    public var serverReply: String

    /// One refused recipient.
    public struct RejectedRecipient: Sendable, Hashable {
        public var address: String
        public var error: SMTPError
    }
}
