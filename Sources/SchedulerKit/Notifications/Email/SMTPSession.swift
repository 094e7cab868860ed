import Foundation
import Logging
import NIOCore
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One SMTP conversation on an open connection, step by step, each step bounded in time.
struct SMTPSession {
    let channel: any Channel
    let configuration: SMTPConfiguration
    let failure: SMTPConnectionFailure
    let logger: Logger

    /// Runs greeting → EHLO → [STARTTLS → EHLO] → [AUTH] → MAIL → RCPT… → DATA → QUIT.
    func run(
        sender: String, recipients: [String], message: EmailMessage, tlsContext: NIOSSLContext?
    ) async throws -> SMTPDeliveryReport {
        do {
            var report = try await converse(
                sender: sender, recipients: recipients, message: message, tlsContext: tlsContext)
            report.rejectedRecipients = report.rejectedRecipients.map { .init(address: $0.address, error: redacted($0.error)) }
            return report
        } catch let error as SMTPError {
            throw redacted(error)
        }
    }

    private func converse(
        sender: String, recipients: [String], message: EmailMessage, tlsContext: NIOSSLContext?
    ) async throws -> SMTPDeliveryReport {
        let greeting = try await awaitReply(
            of: SMTPRequest(payload: nil, replyPromise: channel.eventLoop.makePromise()),
            stage: .greeting, waitingFor: "the greeting", timeout: configuration.commandTimeout)
        guard greeting.code == 220 else { throw Self.error(.greeting, greeting) }

        var capabilities = try await hello()
        if configuration.security == .startTLS {
            guard let tlsContext else {
                throw SMTPError(stage: .startTLS, code: nil, message: "no TLS context", kind: .permanent)
            }
            guard capabilities.supportsStartTLS else {
                // Never continue in plain text: that is exactly the downgrade STARTTLS stripping
                // attacks rely on.
                throw SMTPError(
                    stage: .startTLS, code: nil, message: "server does not offer STARTTLS", kind: .permanent)
            }
            let reply = try await command("STARTTLS", stage: .startTLS)
            guard reply.code == 220 else { throw Self.error(.startTLS, reply) }
            try await upgradeToTLS(tlsContext)
            // RFC 3207: everything learned before the upgrade is discarded.
            capabilities = try await hello()
        }

        if let username = configuration.username {
            try await authenticate(username: username, password: configuration.password ?? "", capabilities: capabilities)
        }

        let mail = try await command("MAIL FROM:<\(sender)>", stage: .mailFrom)
        guard mail.isPositiveCompletion else { throw Self.error(.mailFrom, mail) }

        var accepted: [String] = []
        var rejected: [SMTPDeliveryReport.RejectedRecipient] = []
        for recipient in recipients {
            let reply = try await command("RCPT TO:<\(recipient)>", stage: .recipient)
            if reply.isPositiveCompletion {
                accepted.append(recipient)
            } else {
                rejected.append(.init(address: recipient, error: Self.error(.recipient, reply)))
            }
        }
        guard !accepted.isEmpty else {
            await quit()
            throw rejected.first?.error
                ?? SMTPError(stage: .recipient, code: nil, message: "no recipients", kind: .permanent)
        }

        let data = try await command("DATA", stage: .data)
        guard data.code == 354 else { throw Self.error(.data, data) }
        let domain = EmailAddress.domain(of: sender) ?? "localhost"
        let rendered = message.render(date: Date(), messageID: EmailMessage.makeMessageID(domain: domain))
        let payload = channel.allocator.buffer(bytes: SMTPDotStuffing.encode(rendered))
        let final = try await awaitReply(
            of: SMTPRequest(payload: payload, replyPromise: channel.eventLoop.makePromise()),
            stage: .data, waitingFor: "the end of the message data", timeout: configuration.dataTimeout)
        guard final.isPositiveCompletion else { throw Self.error(.data, final) }

        await quit()
        return SMTPDeliveryReport(acceptedRecipients: accepted, rejectedRecipients: rejected, serverReply: final.summary)
    }

    /// EHLO, or HELO when the server does not know EHLO (5xx).
    private func hello() async throws -> SMTPCapabilities {
        let name = configuration.heloName ?? Self.localHostName()
        let ehlo = try await command("EHLO \(name)", stage: .hello)
        if ehlo.code == 250 { return SMTPCapabilities(ehloReply: ehlo) }
        guard (500..<600).contains(ehlo.code) else { throw Self.error(.hello, ehlo) }
        let helo = try await command("HELO \(name)", stage: .hello)
        guard helo.code == 250 else { throw Self.error(.hello, helo) }
        return SMTPCapabilities()
    }

    private func upgradeToTLS(_ context: NIOSSLContext) async throws {
        let channel = self.channel
        let serverName = SMTPClient.serverNameIndication(for: configuration.host)
        do {
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
                // In front of the reply handler: from now on it sees decrypted bytes only.
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            throw SMTPError(
                stage: .startTLS, code: nil, message: TransportErrorMessage.describe(error), kind: .retryable)
        }
    }

    /// AUTH PLAIN when offered (one round trip), else AUTH LOGIN.
    private func authenticate(username: String, password: String, capabilities: SMTPCapabilities) async throws {
        let mechanisms = capabilities.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            let reply = try await command("AUTH PLAIN \(token)", stage: .authentication, logAs: "AUTH PLAIN")
            guard reply.code == 235 else { throw Self.error(.authentication, reply) }
        } else if mechanisms.contains("LOGIN") {
            let start = try await command("AUTH LOGIN", stage: .authentication)
            guard start.code == 334 else { throw Self.error(.authentication, start) }
            let user = try await command(
                Data(username.utf8).base64EncodedString(), stage: .authentication, logAs: "AUTH LOGIN user name")
            guard user.code == 334 else { throw Self.error(.authentication, user) }
            let pass = try await command(
                Data(password.utf8).base64EncodedString(), stage: .authentication, logAs: "AUTH LOGIN password")
            guard pass.code == 235 else { throw Self.error(.authentication, pass) }
        } else if mechanisms.isEmpty {
            let hint = configuration.security == .none ? "; servers often offer it only after STARTTLS" : ""
            throw SMTPError(
                stage: .authentication, code: nil, message: "server does not offer AUTH\(hint)", kind: .permanent)
        } else {
            throw SMTPError(
                stage: .authentication, code: nil,
                message: "no supported AUTH mechanism (server offers \(mechanisms.sorted().joined(separator: " ")); "
                    + "supported: PLAIN LOGIN",
                kind: .permanent)
        }
    }

    /// Says goodbye politely; the message is already accepted, so failures do not matter.
    private func quit() async {
        let timeout = min(configuration.commandTimeout, .seconds(5))
        _ = try? await command("QUIT", stage: .data, timeout: timeout)
    }

    private func command(
        _ line: String, stage: SMTPError.Stage, logAs: String? = nil, timeout: Duration? = nil
    ) async throws -> SMTPReply {
        let shown = logAs ?? line
        logger.debug("SMTP >> \(shown)")
        let payload = channel.allocator.buffer(string: line + "\r\n")
        let reply = try await awaitReply(
            of: SMTPRequest(payload: payload, replyPromise: channel.eventLoop.makePromise()),
            stage: stage, waitingFor: logAs ?? line.split(separator: " ").prefix(2).joined(separator: " "),
            timeout: timeout ?? configuration.commandTimeout)
        logger.debug("SMTP << \(reply.summary)")
        return reply
    }

    private struct StepTimedOut: Error {}

    /// Sends `request` and waits for its reply, racing a timer (house rule: timeouts are a
    /// structured-concurrency race). On timeout the channel is closed, which fails the reply
    /// promise, so the losing child always ends promptly.
    private func awaitReply(
        of request: SMTPRequest, stage: SMTPError.Stage, waitingFor: String, timeout: Duration
    ) async throws -> SMTPReply {
        let channel = self.channel
        let promise = request.replyPromise
        // A write that fails before reaching the reply handler (channel already closed) must
        // still complete the promise; completing a promise twice is a no-op in NIO.
        channel.writeAndFlush(request).whenFailure { promise.fail($0) }
        do {
            // A cancelled caller ends the wait as the timeout does. The future ignores
            // cancellation: closing the channel fails it, so the race can end.
            if let reply = try await value(
                of: { try await promise.futureResult.get() }, within: timeout, onTimeout: { channel.close(promise: nil) })
            {
                return reply
            }
            throw StepTimedOut()
        } catch is StepTimedOut {
            if Task.isCancelled { throw CancellationError() }
            throw SMTPError(
                stage: stage, code: nil,
                message: "timed out after \(Self.seconds(timeout)) waiting for the reply to \(waitingFor)",
                kind: .retryable)
        } catch let error as SMTPError {
            throw error
        } catch {
            // Prefer the connection's first error (e.g. a TLS handshake failure) over the
            // "closed channel" a later write or close reports.
            let cause = failure.error ?? error
            throw SMTPError(stage: stage, code: nil, message: TransportErrorMessage.describe(cause), kind: .retryable)
        }
    }

    private static func error(_ stage: SMTPError.Stage, _ reply: SMTPReply) -> SMTPError {
        SMTPError(stage: stage, code: reply.code, message: reply.summary)
    }

    /// Removes the password (plain or base64) should a server ever echo it in a reply, so
    /// that no error or log line can carry it.
    private func redacted(_ error: SMTPError) -> SMTPError {
        guard let password = configuration.password, password.count >= 3 else { return error }
        var copy = error
        var message = error.message
        for secret in [password, Data(password.utf8).base64EncodedString()] {
            message = message.replacingOccurrences(of: secret, with: "***")
        }
        if let username = configuration.username {
            let plain = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            message = message.replacingOccurrences(of: plain, with: "***")
        }
        copy.message = message
        return copy
    }

    private static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // EHLO needs a domain or an address literal; anything odd falls back to a safe name.
        let valid = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        return valid ? name : "localhost"
    }
}
