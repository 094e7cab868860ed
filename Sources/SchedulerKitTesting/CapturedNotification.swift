import Foundation
import SchedulerKit

/// One notification the harness captured instead of sending: the outbox's delivery, its body
/// and, for webhooks, the request headers of SPEC §4 with the signature as it would be sent.
public struct CapturedNotification: Sendable {
    /// The outbox entry as the dispatcher handed it to the transport.
    public let delivery: Delivery
    /// The clock's time of the attempt (the signature's `t=`).
    public let sentAt: Date

    public init(delivery: Delivery, sentAt: Date) {
        self.delivery = delivery
        self.sentAt = sentAt
    }

    public var channel: DeliveryChannel { delivery.channel }
    /// `run.failed`, `run.timed_out`, `run.system_error` or `run.state_changed`.
    public var event: String { delivery.event }
    /// The webhook URL or email address.
    public var target: String { delivery.target }
    public var jobName: String? { delivery.jobName }
    public var runId: RunID? { delivery.runId }
    public var isStateChange: Bool { delivery.event == "run.state_changed" }

    /// The raw body: the webhook's JSON, or for email a JSON object with `subject` and `body`.
    public var body: String { delivery.payload }

    /// The body parsed as JSON.
    public func json() throws -> JSONValue { try JSONValue.parse(body) }

    /// The signing time in Unix seconds, as the webhook transport computes it.
    public var timestamp: Int64 { Int64(sentAt.timeIntervalSince1970.rounded(.down)) }

    /// The webhook request headers, from the real transport (empty for email).
    public var headers: [(String, String)] {
        guard channel == .webhook else { return [] }
        return WebhookTransport.headers(for: delivery, body: Array(body.utf8), timestamp: timestamp)
    }

    /// One header's value, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The `X-SchedulerKit-Signature` value; nil when the alert has no secret.
    public var signature: String? { header(WebhookSigner.headerName) }

    /// Whether the signature verifies with `secret`, as a receiver would check it at ``sentAt``.
    public func hasValidSignature(secret: String) -> Bool {
        guard let signature else { return false }
        return WebhookSigner.verify(header: signature, secret: secret, body: Array(body.utf8), now: sentAt)
    }

    /// An email's subject (nil for webhooks).
    public var subject: String? {
        guard channel == .email, case .string(let s)? = (try? json())?["subject"] else { return nil }
        return s
    }
}
