import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL

/// Posts webhook requests and classifies each outcome for the outbox dispatcher.
///
/// One sender owns one `HTTPClient` (and so one small connection pool); create it once, share
/// it, and call ``shutdown()`` before it is released. `post` never throws: every outcome,
/// including a bad URL or a refused connection, is a ``WebhookAttemptResult``, and the whole
/// attempt is bounded by ``Configuration/attemptTimeout`` even against a receiver that accepts
/// the connection and never answers or trickles bytes.
///
/// Redirects are never followed: a 301/308 is a permanent failure (the alert's URL should be
/// updated) and other 3xx are retryable (a receiver may redirect during maintenance). Following
/// them would let a receiver send the signed body to a host the operator never configured.
///
/// For example:
/// ```swift
/// let sender = WebhookSender()
/// let result = await sender.post(
///     url: "https://hooks.example.com/schedctl",
///     headers: [("Content-Type", "application/json")],
///     body: Array(json.utf8))
/// await sender.shutdown()
/// ```
public final class WebhookSender: Sendable {
    /// Timeouts and pool settings of a ``WebhookSender``.
    public struct Configuration: Sendable {
        /// The time allowed to establish a connection (TCP and TLS). Default 3 s.
        public var connectTimeout: Duration
        /// The longest silence allowed while waiting for response bytes. Default 10 s.
        public var readTimeout: Duration
        /// The bound on a whole attempt, from the first connect to the last response byte read.
        /// It is what stops a receiver that trickles bytes just faster than `readTimeout`.
        /// Default 15 s.
        public var attemptTimeout: Duration
        /// Connections kept per host; webhook traffic is light. Default 2.
        public var maximumConnectionsPerHost: Int
        /// How long an idle pooled connection is kept. Default 30 s.
        public var idleConnectionTimeout: Duration
        /// Sent as `User-Agent` unless the caller passes one. Default `SchedulerKit`.
        public var userAgent: String
        /// Response body bytes read (and discarded) before the connection is dropped. Default 64 KiB.
        public var maximumResponseBodyBytes: Int
        /// TLS settings for `https` targets; nil uses the system trust roots with full verification.
        public var tlsConfiguration: TLSConfiguration?

        /// Creates a configuration; every parameter has the documented default.
        public init(
            connectTimeout: Duration = .seconds(3),
            readTimeout: Duration = .seconds(10),
            attemptTimeout: Duration = .seconds(15),
            maximumConnectionsPerHost: Int = 2,
            idleConnectionTimeout: Duration = .seconds(30),
            userAgent: String = "SchedulerKit",
            maximumResponseBodyBytes: Int = 64 * 1024,
            tlsConfiguration: TLSConfiguration? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.attemptTimeout = attemptTimeout
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.idleConnectionTimeout = idleConnectionTimeout
            self.userAgent = userAgent
            self.maximumResponseBodyBytes = maximumResponseBodyBytes
            self.tlsConfiguration = tlsConfiguration
        }
    }

    /// The settings this sender was created with.
    public let configuration: Configuration
    private let client: HTTPClient
    private let isShutDown = NIOLockedValueBox(false)

    /// Creates a sender with its own `HTTPClient`.
    ///
    /// - parameters:
    ///   - configuration: timeouts and pool settings.
    ///   - eventLoopGroup: the group the client runs on; the shared singleton by default.
    ///   - logger: receives AsyncHTTPClient's background messages; silent by default.
    public init(
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup,
        logger: Logger? = nil
    ) {
        self.configuration = configuration
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: configuration.tlsConfiguration,
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: TimeAmount(configuration.connectTimeout),
                read: TimeAmount(configuration.readTimeout),
                write: TimeAmount(configuration.readTimeout)
            ),
            connectionPool: HTTPClient.Configuration.ConnectionPool(
                idleTimeout: TimeAmount(configuration.idleConnectionTimeout),
                concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.maximumConnectionsPerHost)
            ),
            decompression: .disabled
        )
        // The dispatcher owns retries and backoff; AHC's own connect retries would otherwise
        // hold a refused attempt open until the deadline and hide the real error.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        if let logger {
            self.client = HTTPClient(
                eventLoopGroup: eventLoopGroup, configuration: clientConfiguration, backgroundActivityLogger: logger)
        } else {
            self.client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: clientConfiguration)
        }
    }

    /// Sends one POST and classifies the outcome; never throws.
    ///
    /// - parameters:
    ///   - url: the target; only `http` and `https` are accepted, anything else is a permanent
    ///     failure without a request.
    ///   - headers: request headers in order; `User-Agent` is added when absent.
    ///   - body: the exact bytes to send (sign these same bytes).
    /// - returns: `.delivered` on 2xx, otherwise `.retryable` or `.permanent` with a short
    ///   one-line message that contains neither the URL's path nor the body.
    public func post(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookAttemptResult {
        do {
            try Self.validateTargetURL(url)
        } catch let error as WebhookURLError {
            return .permanent(status: nil, message: "URL \(error.problem)")
        } catch {
            return .permanent(status: nil, message: "invalid URL")
        }
        if isShutDown.withLockedValue({ $0 }) {
            return .retryable(status: nil, message: "webhook sender is shut down")
        }

        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if !request.headers.contains(name: "User-Agent") {
            request.headers.add(name: "User-Agent", value: configuration.userAgent)
        }
        request.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        request.body = .bytes(ByteBuffer(bytes: body))

        let deadline = NIODeadline.now() + TimeAmount(configuration.attemptTimeout)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            return Self.classify(error: error, attemptTimeout: configuration.attemptTimeout)
        }

        let status = Int(response.status.code)
        let retryAfter: Duration? =
            (status == 429 || status == 503)
            ? response.headers.first(name: "Retry-After").flatMap { Self.parseRetryAfter($0) }
            : nil
        // The verdict is the status line; the body is drained only so the connection can be
        // reused, bounded by a byte budget and by what is left of the attempt (AHC's deadline
        // does not cover body streaming). A failure while draining does not change the verdict.
        await drain(response.body, until: deadline)
        return Self.classify(status: status, reason: response.status.reasonPhrase, retryAfter: retryAfter)
    }

    /// Shuts the HTTP client down; later `post` calls return a retryable failure. Idempotent.
    public func shutdown() async {
        let alreadyShutDown = isShutDown.withLockedValue { state -> Bool in
            defer { state = true }
            return state
        }
        guard !alreadyShutDown else { return }
        try? await client.shutdown()
    }

    /// Checks that `url` can be a webhook target: the rule of ``TargetValidation``, the same one
    /// `alerts add` applies, so a target that was accepted is never refused here.
    ///
    /// - parameter url: the target as the user gave it.
    /// - throws: ``WebhookURLError`` whose `description` is one line naming the problem.
    public static func validateTargetURL(_ url: String) throws {
        try TargetValidation.checkWebhookURL(url)
    }

    /// Parses a `Retry-After` value: delta-seconds, or an HTTP-date relative to `now`.
    ///
    /// - returns: the delay (zero for a date in the past), or nil when the value is not valid.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let delay = date.timeIntervalSince(now)
        return .seconds(max(0, Int64(delay.rounded(.up))))
    }

    /// Maps an HTTP status to a result; see ``WebhookAttemptResult`` for the rule.
    static func classify(status: Int, reason: String, retryAfter: Duration? = nil) -> WebhookAttemptResult {
        let statusText = TransportErrorMessage.oneLine("HTTP \(status) \(reason)", limit: 80)
        switch status {
        case 200..<300:
            return .delivered(status: status)
        case 301, 308:
            return .permanent(status: status, message: "\(statusText): redirects are not followed; update the alert URL")
        case 300..<400:
            return .retryable(status: status, message: "\(statusText): redirects are not followed", retryAfter: nil)
        case 408, 429:
            return .retryable(status: status, message: statusText, retryAfter: retryAfter)
        case 400..<500:
            return .permanent(status: status, message: statusText)
        case 500..<600:
            return .retryable(status: status, message: statusText, retryAfter: retryAfter)
        default:
            return .retryable(status: status, message: "unexpected \(statusText)", retryAfter: nil)
        }
    }

    /// Maps a transport error to a result: configuration mistakes are permanent, everything
    /// else (refused, reset, DNS, TLS, timeouts) is retryable.
    static func classify(error: any Error, attemptTimeout: Duration) -> WebhookAttemptResult {
        if let error = error as? HTTPClientError {
            switch error {
            case .invalidURL, .emptyHost, .emptyScheme:
                return .permanent(status: nil, message: TransportErrorMessage.describe(error))
            case .deadlineExceeded:
                return .retryable(
                    status: nil, message: "no complete response within \(attemptTimeout) (attempt timeout)",
                    retryAfter: nil)
            default:
                break
            }
        }
        return .retryable(status: nil, message: TransportErrorMessage.describe(error), retryAfter: nil)
    }

    /// Reads and discards the body until it ends, the byte budget is spent, or `deadline`.
    ///
    /// A structured race (`value(of:within:)`): whichever finishes first wins and the other is
    /// cancelled; cancelling the reader makes AsyncHTTPClient drop the connection.
    private func drain(_ body: HTTPClientResponse.Body, until deadline: NIODeadline) async {
        let limit = configuration.maximumResponseBodyBytes
        let remaining = deadline - NIODeadline.now()
        guard remaining > .zero else { return }
        _ = await value(of: {
            var received = 0
            do {
                for try await chunk in body {
                    received += chunk.readableBytes
                    if received > limit { break }
                }
            } catch {
                // Ignored on purpose: the status already decided the outcome.
            }
        }, within: .nanoseconds(remaining.nanoseconds))
    }
}
