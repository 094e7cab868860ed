import Foundation
import Logging
import Synchronization

/// Delivers webhook notifications: the POST of SPEC §4 with its headers and, when the alert has
/// a secret, the `X-SchedulerKit-Signature` computed at send time.
public final class WebhookTransport: NotificationTransport {
    let clock: any SchedulerClock
    private let configuration: WebhookSender.Configuration
    private let logger: Logger
    /// Made on the first delivery: a scheduler without webhooks starts no HTTP client or event loops.
    private let sender = Mutex<WebhookSender?>(nil)

    /// - parameters:
    ///   - configuration: timeouts and pool; its user agent is replaced by `SchedulerKit/<version>`.
    ///   - clock: the time written into signatures (`t=` of `X-SchedulerKit-Signature`).
    ///   - logger: handed to the HTTP sender for its log lines.
    public init(configuration: WebhookSender.Configuration = .init(), clock: any SchedulerClock = SystemClock(), logger: Logger = Logger(label: "SchedulerKit.webhook")) {
        var config = configuration
        config.userAgent = "SchedulerKit/\(SchedulerKitVersion.string)"
        self.configuration = config
        self.logger = logger
        self.clock = clock
    }

    private func client() -> WebhookSender {
        sender.withLock { existing in
            if let existing { return existing }
            let made = WebhookSender(configuration: configuration, logger: logger)
            existing = made
            return made
        }
    }

    /// The headers of a delivery's request; the signature uses `timestamp` (unix seconds).
    public static func headers(for delivery: Delivery, body: [UInt8], timestamp: Int64) -> [(String, String)] {
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"),
            ("User-Agent", "SchedulerKit/\(SchedulerKitVersion.string)"),
            ("X-SchedulerKit-Event", delivery.event),
            ("X-SchedulerKit-Delivery", delivery.id),
        ]
        if let secret = delivery.secret, !secret.isEmpty {
            headers.append((WebhookSigner.headerName, WebhookSigner.signatureHeader(secret: secret, timestamp: timestamp, body: body)))
        }
        return headers
    }

    public func send(_ delivery: Delivery) async -> DeliveryAttemptResult {
        let body = Array(delivery.payload.utf8)
        let timestamp = Int64(clock.now().timeIntervalSince1970.rounded(.down))
        let result = await client().post(url: delivery.target, headers: Self.headers(for: delivery, body: body, timestamp: timestamp), body: body)
        switch result {
        case .delivered(let status):
            return .delivered(statusCode: status)
        case .permanent(let status, let message):
            return .permanent(message: message, statusCode: status)
        case .retryable(let status, let message, let retryAfter):
            return .retryable(message: message, statusCode: status, retryAfter: retryAfter.map { Double($0.components.seconds) })
        }
    }

    public func shutdown() async {
        if let made = sender.withLock({ $0 }) { await made.shutdown() }
    }
}

/// Delivers email notifications through one SMTP server.
public struct EmailTransport: NotificationTransport {
    public let client: SMTPClient

    public init(configuration: SMTPConfiguration, logger: Logger = Logger(label: "SchedulerKit.SMTP")) {
        self.client = SMTPClient(configuration: configuration, logger: logger)
    }

    public func send(_ delivery: Delivery) async -> DeliveryAttemptResult {
        guard let payload = try? JSONValue.parse(delivery.payload),
            case .string(let subject)? = payload["subject"], case .string(let body)? = payload["body"]
        else {
            return .permanent(message: "delivery \(delivery.id) has no readable email payload", statusCode: nil)
        }
        let message = EmailMessage(from: client.configuration.from, to: [delivery.target], subject: subject, body: body)
        do {
            let report = try await client.send(message)
            _ = report
            return .delivered(statusCode: 250)
        } catch let error as SMTPError {
            switch error.kind {
            case .permanent: return .permanent(message: error.description, statusCode: error.code)
            case .retryable: return .retryable(message: error.description, statusCode: error.code, retryAfter: nil)
            }
        } catch {
            return .retryable(message: TransportErrorMessage.oneLine("\(error)", limit: 200), statusCode: nil, retryAfter: nil)
        }
    }

    public func shutdown() async {}
}
