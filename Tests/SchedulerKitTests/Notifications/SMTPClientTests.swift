import Foundation
import SchedulerKitTestSupport
import Testing

@testable import SchedulerKit

/// Against a real SMTP server (aiosmtpd, see ``SMTPTestPeer``). Needs `Scripts/setup-test-peers.sh`.
@Suite("SMTPClient against aiosmtpd")
struct SMTPClientTests {
    static let from = "schedctl@sched.test"

    /// Starts a peer, runs `body`, stops the peer whatever happens.
    func withPeer<T>(
        _ options: SMTPTestPeer.Options = .init(), _ body: (SMTPTestPeer) async throws -> T
    ) async throws -> T {
        let peer = try await SMTPTestPeer.start(options: options)
        do {
            let result = try await body(peer)
            await peer.stop()
            return result
        } catch {
            await peer.stop()
            throw error
        }
    }

    /// A configuration for `peer` with short timeouts; TLS trusts the test CA (full verification).
    func configuration(
        for peer: SMTPTestPeer, security: SMTPConfiguration.Security? = nil, host: String = "127.0.0.1",
        username: String? = nil, password: String? = nil
    ) -> SMTPConfiguration {
        let resolved = security ?? {
            switch peer.options.tls {
            case .implicit: return .tls
            case .starttls: return .startTLS
            case nil: return .none
            }
        }()
        return SMTPConfiguration(
            host: host, port: peer.port, security: resolved, username: username, password: password,
            from: Self.from,
            tlsVerification: peer.certificates.map { .trustRoots(pemFile: $0.caFile.path) } ?? .full,
            connectTimeout: .seconds(5), commandTimeout: .seconds(5), dataTimeout: .seconds(10))
    }

    func message(to: [String] = ["ops@example.test"], subject: String = "[schedctl] backup: run failed",
                 body: String = "job: backup\nstatus: failed\n") -> EmailMessage {
        EmailMessage(from: Self.from, to: to, subject: subject, body: body)
    }

    @Test("plain delivery (security none): envelope, headers and body arrive")
    func plain() async throws {
        try await withPeer { peer in
            let report = try await SMTPClient(configuration: configuration(for: peer)).send(message())
            #expect(report.acceptedRecipients == ["ops@example.test"])
            #expect(report.rejectedRecipients.isEmpty)
            #expect(report.serverReply.hasPrefix("250"))

            let received = try peer.messages()
            try #require(received.count == 1)
            let mail = received[0]
            #expect(mail.mail_from == Self.from)
            #expect(mail.rcpt_tos == ["ops@example.test"])
            #expect(mail.tls == false)
            #expect(mail.subject == "[schedctl] backup: run failed")
            #expect(mail.text == "job: backup\nstatus: failed\n")
            #expect(mail.headers["From"] == Self.from)
            #expect(mail.headers["To"] == "ops@example.test")
            #expect(mail.headers["MIME-Version"] == "1.0")
            #expect(mail.headers["Content-Transfer-Encoding"] == "quoted-printable")
            #expect(mail.headers["Content-Type"]?.lowercased() == "text/plain; charset=\"utf-8\"")
            let messageID = try #require(mail.headers["Message-ID"])
            #expect(messageID.hasPrefix("<") && messageID.hasSuffix("@sched.test>"))
            let date = try #require(mail.headers["Date"])
            #expect(date.hasSuffix("+0000"))
        }
    }

    @Test("a server that refuses EHLO gets HELO, and the message still goes through")
    func heloFallback() async throws {
        try await withPeer(.init(heloOnly: true)) { peer in
            try await SMTPClient(configuration: configuration(for: peer)).send(message())
            #expect(try peer.messages().count == 1)
        }
    }

    @Test("STARTTLS with full verification against the test CA")
    func startTLS() async throws {
        try await withPeer(.init(tls: .starttls)) { peer in
            try await SMTPClient(configuration: configuration(for: peer)).send(message())
            let mail = try #require(try peer.messages().first)
            #expect(mail.tls)
            #expect(mail.text == "job: backup\nstatus: failed\n")
        }
    }

    @Test("STARTTLS by host name (SNI + hostname check on localhost)")
    func startTLSByName() async throws {
        try await withPeer(.init(tls: .starttls)) { peer in
            try await SMTPClient(configuration: configuration(for: peer, host: "localhost")).send(message())
            #expect(try peer.messages().first?.tls == true)
        }
    }

    @Test("implicit TLS")
    func implicitTLS() async throws {
        try await withPeer(.init(tls: .implicit)) { peer in
            try await SMTPClient(configuration: configuration(for: peer)).send(message())
            #expect(try peer.messages().first?.tls == true)
        }
    }

    @Test("an untrusted certificate fails the TLS handshake (retryable) and nothing is sent")
    func untrustedCertificate() async throws {
        try await withPeer(.init(tls: .implicit)) { peer in
            var smtp = configuration(for: peer)
            smtp.tlsVerification = .full  // system roots do not include the test CA
            let error = try await #require(throws: SMTPError.self) {
                try await SMTPClient(configuration: smtp).send(message())
            }
            #expect(error.kind == .retryable)
            #expect(error.code == nil)
            #expect(error.message.contains("TLS"), "\(error)")
            #expect(try peer.messages().isEmpty)
        }
    }

    @Test("STARTTLS required but not offered: permanent, and no plain-text fallback")
    func startTLSNotOffered() async throws {
        try await withPeer { peer in
            let error = try await #require(throws: SMTPError.self) {
                try await SMTPClient(configuration: configuration(for: peer, security: .startTLS)).send(message())
            }
            #expect(error.stage == .startTLS)
            #expect(error.kind == .permanent)
            #expect(try peer.messages().isEmpty)
        }
    }

    @Test("AUTH PLAIN over STARTTLS succeeds")
    func authPlain() async throws {
        try await withPeer(.init(tls: .starttls, user: "alice", password: "Zebra-Secret-9")) { peer in
            try await SMTPClient(configuration: configuration(for: peer, username: "alice", password: "Zebra-Secret-9"))
                .send(message())
            let mail = try #require(try peer.messages().first)
            #expect(mail.auth_user == "alice")
            #expect(mail.tls)
        }
    }

    @Test("AUTH LOGIN is used when PLAIN is not offered (security none)")
    func authLogin() async throws {
        try await withPeer(.init(user: "bob", password: "p@ss:w0rd/é", excludeAuth: ["PLAIN"])) { peer in
            try await SMTPClient(configuration: configuration(for: peer, username: "bob", password: "p@ss:w0rd/é"))
                .send(message())
            #expect(try peer.messages().first?.auth_user == "bob")
        }
    }

    @Test("a wrong password is a permanent AUTH error (535) whose text has no password")
    func authFailure() async throws {
        try await withPeer(.init(tls: .starttls, user: "alice", password: "right-one")) { peer in
            let error = try await #require(throws: SMTPError.self) {
                try await SMTPClient(configuration: configuration(for: peer, username: "alice", password: "Zebra-Secret-9"))
                    .send(message())
            }
            #expect(error.stage == .authentication)
            #expect(error.code == 535, "\(error)")
            #expect(error.kind == .permanent)
            #expect(!error.description.contains("Zebra-Secret-9"))
            #expect(!error.description.contains(Data("Zebra-Secret-9".utf8).base64EncodedString()))
            #expect(!String(reflecting: error).contains("Zebra"))
            #expect(!error.description.contains("\n"))
            #expect(try peer.messages().isEmpty)
        }
    }

    @Test("a server that requires AUTH refuses an unauthenticated sender")
    func authRequired() async throws {
        try await withPeer(.init(user: "alice", password: "pw")) { peer in
            let error = try await #require(throws: SMTPError.self) {
                try await SMTPClient(configuration: configuration(for: peer)).send(message())
            }
            #expect(error.stage == .mailFrom)
            #expect(error.code == 530)
            #expect(error.kind == .permanent)
        }
    }

    @Test("dot-stuffing: lines starting with dots survive, a lone dot does not end the message")
    func dotStuffing() async throws {
        try await withPeer { peer in
            let body = ".\n..two dots\n.leading\nmiddle . dot\n.\nend"
            try await SMTPClient(configuration: configuration(for: peer)).send(message(body: body))
            #expect(try peer.messages().first?.text == body + "\n")
        }
    }

    @Test("non-ASCII subject and body round-trip; long lines stay within SMTP limits")
    func unicode() async throws {
        try await withPeer { peer in
            let subject = "[schedctl] Sauvegarde-été 日本語 🚀 " + String(repeating: "ü", count: 50) + ": run failed"
            let longLine = String(repeating: "ñ", count: 700)
            let body = "Grüße aus Köln — 東京\n\(longLine)\ntrailing space \nCRLF line\r\nend"
            try await SMTPClient(configuration: configuration(for: peer)).send(message(subject: subject, body: body))
            let mail = try #require(try peer.messages().first)
            #expect(mail.subject == subject)
            #expect(mail.text == body.replacingOccurrences(of: "\r\n", with: "\n") + "\n")
            #expect(mail.max_raw_line_length <= 78)
        }
    }

    @Test("multiple recipients all receive the message")
    func multipleRecipients() async throws {
        try await withPeer { peer in
            let to = ["a@example.test", "Bee <b@example.test>", "c@example.test"]
            let report = try await SMTPClient(configuration: configuration(for: peer)).send(message(to: to))
            #expect(report.acceptedRecipients == ["a@example.test", "b@example.test", "c@example.test"])
            let mail = try #require(try peer.messages().first)
            #expect(mail.rcpt_tos == ["a@example.test", "b@example.test", "c@example.test"])
            #expect(mail.headers["To"] == "a@example.test, Bee <b@example.test>, c@example.test")
        }
    }

    @Test("a refused recipient (550) is a permanent error when no one else accepts")
    func recipientRefused() async throws {
        try await withPeer(.init(rejectRecipients: ["nobody@example.test"])) { peer in
            let error = try await #require(throws: SMTPError.self) {
                try await SMTPClient(configuration: configuration(for: peer)).send(message(to: ["nobody@example.test"]))
            }
            #expect(error.stage == .recipient)
            #expect(error.code == 550)
            #expect(error.kind == .permanent)
            #expect(error.description.hasPrefix("SMTP RCPT TO failed: 550"))
            #expect(try peer.messages().isEmpty)
        }
    }

    @Test("a temporarily refused recipient (450) is retryable")
    func recipientTempfail() async throws {
        try await withPeer(.init(tempfailRecipients: ["busy@example.test"])) { peer in
            let error = try await #require(throws: SMTPError.self) {
                try await SMTPClient(configuration: configuration(for: peer)).send(message(to: ["busy@example.test"]))
            }
            #expect(error.code == 450)
            #expect(error.kind == .retryable)
        }
    }

    @Test("partial refusal: delivered to the accepted recipients, refusals reported")
    func partialRefusal() async throws {
        try await withPeer(.init(rejectRecipients: ["nobody@example.test"])) { peer in
            let report = try await SMTPClient(configuration: configuration(for: peer))
                .send(message(to: ["ops@example.test", "nobody@example.test"]))
            #expect(report.acceptedRecipients == ["ops@example.test"])
            #expect(report.rejectedRecipients.map(\.address) == ["nobody@example.test"])
            #expect(report.rejectedRecipients.first?.error.code == 550)
            #expect(try peer.messages().first?.rcpt_tos == ["ops@example.test"])
        }
    }

    @Test("connection refused is a retryable connect error")
    func refused() async throws {
        let closed = try await TestHTTPReceiver.start()
        let port = closed.port
        await closed.shutdown()
        let smtp = SMTPConfiguration(
            host: "127.0.0.1", port: port, from: Self.from, connectTimeout: .seconds(2), commandTimeout: .seconds(2))
        let error = try await #require(throws: SMTPError.self) {
            try await SMTPClient(configuration: smtp).send(message())
        }
        #expect(error.stage == .connect)
        #expect(error.kind == .retryable)
        #expect(error.message.contains("refused"), "\(error)")
    }

    @Test("a server that accepts but never greets times out (retryable) within the command timeout")
    func silentServer() async throws {
        // An HTTP server says nothing until it gets a request: a perfect silent SMTP peer.
        let silent = try await TestHTTPReceiver.start()
        let smtp = SMTPConfiguration(
            host: "127.0.0.1", port: silent.port, from: Self.from, connectTimeout: .seconds(2),
            commandTimeout: .milliseconds(500))
        let clock = ContinuousClock()
        let start = clock.now
        let result = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: smtp).send(message())
        }
        let elapsed = clock.now - start
        await silent.shutdown()
        let error = try #require(result)
        #expect(error.stage == .greeting)
        #expect(error.kind == .retryable)
        #expect(error.message.contains("timed out"), "\(error)")
        #expect(elapsed < .seconds(60), "took \(elapsed)")  // bounded (no hang), generously
    }

    @Test("invalid recipient addresses are refused before connecting")
    func invalidRecipient() async throws {
        let smtp = SMTPConfiguration(host: "127.0.0.1", port: 9, from: Self.from)
        let error = try await #require(throws: SMTPError.self) {
            try await SMTPClient(configuration: smtp).send(message(to: ["a@b.c>\r\nDATA"]))
        }
        #expect(error.stage == .message)
        #expect(error.kind == .permanent)
    }
}
