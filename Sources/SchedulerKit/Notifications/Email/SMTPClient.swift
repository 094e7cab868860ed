import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends mail over SMTP (RFC 5321) with optional STARTTLS or implicit TLS and AUTH.
///
/// Each ``send(_:)`` opens one connection, speaks `EHLO` (falling back to `HELO`), upgrades with
/// `STARTTLS` when configured (never falling back to plain text), authenticates with `PLAIN` or
/// `LOGIN` when a user name is set, sends the message and says `QUIT`. Every wait is bounded by
/// the configuration's timeouts. Failures are ``SMTPError``s that carry the step, the reply code
/// and whether a retry may help; none contains the password.
///
/// For example:
/// ```swift
/// let smtp = try SMTPConfiguration.parse(url: "smtp://mail.example.com?security=starttls",
///                                        from: "schedctl@example.com")
/// try await SMTPClient(configuration: smtp).send(EmailMessage(
///     from: smtp.from, to: ["ops@example.com"],
///     subject: "[schedctl] backup: run failed", body: "exit code 2"))
/// ```
public struct SMTPClient: Sendable {
    /// The server, security and credentials used for every message.
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    /// Creates a client; no connection is made until ``send(_:)``.
    ///
    /// - parameters:
    ///   - configuration: server, security, credentials and timeouts.
    ///   - eventLoopGroup: where connections run; the shared NIO singleton by default.
    ///   - logger: receives one debug line per SMTP step (never credentials).
    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "SchedulerKit.SMTP")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Delivers `message` to the server.
    ///
    /// The envelope sender is the configuration's `from` (so bounces reach the operator); the
    /// `From` header is `message.from`. Recipients the server refuses are reported, not thrown,
    /// as long as at least one is accepted.
    ///
    /// - parameter message: the message; its `to` list is the envelope recipient list.
    /// - returns: which recipients were accepted or refused, and the server's final reply.
    /// - throws: ``SMTPError``. Its `kind` is `.retryable` for 4xx replies, connection errors
    ///   and timeouts, `.permanent` for 5xx replies and configuration mismatches (no STARTTLS
    ///   offered, no usable AUTH mechanism).
    @discardableResult
    public func send(_ message: EmailMessage) async throws -> SMTPDeliveryReport {
        guard let sender = EmailAddress.envelopeAddress(of: configuration.from) else {
            throw SMTPError(stage: .configuration, code: nil, message: "invalid from address", kind: .permanent)
        }
        guard !message.to.isEmpty else {
            throw SMTPError(stage: .message, code: nil, message: "no recipients", kind: .permanent)
        }
        var recipients: [String] = []
        for recipient in message.to {
            guard let address = EmailAddress.envelopeAddress(of: recipient) else {
                throw SMTPError(
                    stage: .message, code: nil,
                    message: "invalid recipient address \"\(TransportErrorMessage.oneLine(recipient, limit: 80))\"",
                    kind: .permanent)
            }
            recipients.append(address)
        }

        let tlsContext = try makeTLSContext()
        let failure = SMTPConnectionFailure()
        let channel = try await connect(tlsContext: tlsContext, failure: failure)
        let session = SMTPSession(channel: channel, configuration: configuration, failure: failure, logger: logger)
        do {
            let report = try await session.run(
                sender: sender, recipients: recipients, message: message, tlsContext: tlsContext)
            try? await channel.close()
            return report
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private func makeTLSContext() throws -> NIOSSLContext? {
        guard configuration.security != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch configuration.tlsVerification {
        case .full:
            break
        case .none:
            tls.certificateVerification = .none
        case .trustRoots(let pemFile):
            tls.trustRoots = .file(pemFile)
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPError(
                stage: .configuration, code: nil,
                message: "cannot set up TLS: \(TransportErrorMessage.describe(error))", kind: .permanent)
        }
    }

    private func connect(tlsContext: NIOSSLContext?, failure: SMTPConnectionFailure) async throws -> any Channel {
        let implicitTLS = configuration.security == .tls ? tlsContext : nil
        let serverName = Self.serverNameIndication(for: configuration.host)
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tlsHandler = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverName)
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(failure: failure))
                }
            }
        do {
            return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw SMTPError(
                stage: .connect, code: nil,
                message: "\(TransportErrorMessage.describe(error)) (\(configuration.host):\(configuration.port))",
                kind: .retryable)
        }
    }

    /// SNI carries host names only; for an IP address NIOSSL then checks the certificate
    /// against the connected address instead.
    static func serverNameIndication(for host: String) -> String? {
        if host.contains(":") { return nil }
        let isIPv4 = host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
        return isIPv4 ? nil : host
    }
}
