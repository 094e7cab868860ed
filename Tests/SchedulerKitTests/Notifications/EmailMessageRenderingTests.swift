import Foundation
import Testing

@testable import SchedulerKit

@Suite("EmailMessage rendering and SMTP encodings")
struct EmailMessageRenderingTests {
    let date = Date(timeIntervalSince1970: 1_795_435_200)  // 2026-11-23T12:00:00Z, a Monday

    @Test("a plain ASCII message renders exactly")
    func exactRendering() {
        let message = EmailMessage(
            from: "schedctl@example.com", to: ["ops@example.com", "Dev Team <dev@example.com>"],
            subject: "[schedctl] backup: run failed", body: "job: backup\nexit code: 2\n")
        let text = message.render(date: date, messageID: "<abc@example.com>")
        #expect(text == """
            Date: Mon, 23 Nov 2026 12:00:00 +0000\r
            Message-ID: <abc@example.com>\r
            From: schedctl@example.com\r
            To: ops@example.com, Dev Team <dev@example.com>\r
            Subject: [schedctl] backup: run failed\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            job: backup\r
            exit code: 2\r

            """)
    }

    @Test("Message-ID is <uuid@domain>, brackets added when missing")
    func messageID() {
        let id = EmailMessage.makeMessageID(domain: "example.com")
        #expect(id.hasPrefix("<") && id.hasSuffix("@example.com>"))
        #expect(UUID(uuidString: String(id.dropFirst().prefix(36))) != nil)
        let text = EmailMessage(from: "a@b.c", to: ["d@e.f"], subject: "s", body: "b").render(date: date, messageID: "x@y")
        #expect(text.contains("\r\nMessage-ID: <x@y>\r\n"))
    }

    @Test("non-ASCII subjects become folded RFC 2047 encoded-words that decode back")
    func encodedSubject() throws {
        let subject = "[schedctl] Übung-日本語-🚀-" + String(repeating: "é", count: 40) + ": run failed"
        let encoded = MIMEEncoding.encodedWords(subject)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        var decoded = ""
        for (index, line) in lines.enumerated() {
            let word = index == 0 ? line : String(line.dropFirst())  // folding white space
            #expect(index == 0 || line.hasPrefix(" "))
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let base64 = String(word.dropFirst(10).dropLast(2))
            let data = try #require(Data(base64Encoded: base64))
            // Each word holds whole characters, so each decodes as UTF-8 on its own.
            let piece = try #require(String(data: data, encoding: .utf8))
            decoded += piece
        }
        #expect(decoded == subject)
        #expect(MIMEEncoding.encodedWords("plain ascii") == "plain ascii")
    }

    @Test("header values cannot inject headers")
    func headerInjection() {
        let message = EmailMessage(
            from: "a@b.c", to: ["d@e.f"], subject: "x\r\nBcc: victim@example.com", body: "b")
        let text = message.render(date: date, messageID: "<1@b.c>")
        #expect(!text.contains("\r\nBcc:"))
        #expect(text.contains("Subject: x  Bcc: victim@example.com\r\n"))
    }

    @Test("RFC 5322 dates")
    func dates() {
        #expect(MIMEEncoding.rfc5322Date(date) == "Mon, 23 Nov 2026 12:00:00 +0000")
        #expect(MIMEEncoding.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MIMEEncoding.rfc5322Date(Date(timeIntervalSince1970: 951_782_400 + 3_661))
            == "Tue, 29 Feb 2000 01:01:01 +0000")
    }

    @Test(
        "quoted-printable encoding",
        arguments: [
            ("a=b", "a=3Db"),
            ("trailing space ", "trailing space=20"),
            ("tab\t", "tab=09"),
            ("mid space ok", "mid space ok"),
            ("é", "=C3=A9"),
            ("line1\nline2\r\nline3\rline4", "line1\r\nline2\r\nline3\r\nline4"),
            ("\u{7}bell", "=07bell"),
            (".leading dot", ".leading dot"),
        ])
    func quotedPrintable(input: String, expected: String) {
        #expect(MIMEEncoding.quotedPrintable(input) == expected)
    }

    @Test("quoted-printable keeps lines within 76 characters and round-trips")
    func quotedPrintableLongLines() throws {
        let samples = [
            String(repeating: "x", count: 300),
            String(repeating: "é", count: 100),
            String(repeating: "a=", count: 90) + " ",
            "short\n" + String(repeating: "🚀 ", count: 60) + "\nend",
            String(repeating: "y", count: 75), String(repeating: "y", count: 76), String(repeating: "y", count: 77),
        ]
        for sample in samples {
            let encoded = MIMEEncoding.quotedPrintable(sample)
            for line in encoded.components(separatedBy: "\r\n") {
                #expect(line.utf8.count <= 76, "\(line)")
                #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
            }
            let decoded = try #require(Self.decodeQuotedPrintable(encoded))
            #expect(decoded == sample.replacingOccurrences(of: "\n", with: "\r\n"))
        }
    }

    @Test("dot-stuffing doubles leading dots, normalises CRLF and terminates")
    func dotStuffing() {
        func stuffed(_ text: String) -> String { String(decoding: SMTPDotStuffing.encode(text), as: UTF8.self) }
        #expect(stuffed(".\r\nabc\n.x") == "..\r\nabc\r\n..x\r\n.\r\n")
        #expect(stuffed("a\rb\r\n") == "a\r\nb\r\n.\r\n")
        #expect(stuffed("") == ".\r\n")
        #expect(stuffed("..two\r\n") == "...two\r\n.\r\n")
        #expect(stuffed("no.dot at start.\r\n") == "no.dot at start.\r\n.\r\n")
    }

    @Test("multi-line replies, code mismatches and garbage")
    func replyParsing() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-peer.test") == nil)
        #expect(try parser.feed("250-8BITMIME") == nil)
        #expect(try parser.feed("250-AUTH LOGIN PLAIN") == nil)
        #expect(try parser.feed("250-STARTTLS") == nil)
        let reply = try #require(try parser.feed("250 HELP"))
        #expect(reply.code == 250)
        #expect(reply.lines == ["peer.test", "8BITMIME", "AUTH LOGIN PLAIN", "STARTTLS", "HELP"])
        let capabilities = SMTPCapabilities(ehloReply: reply)
        #expect(capabilities.supportsStartTLS)
        #expect(capabilities.supports8BitMIME)
        #expect(capabilities.authMechanisms == ["LOGIN", "PLAIN"])

        #expect(try parser.feed("354") == SMTPReply(code: 354, lines: [""]))
        #expect(try parser.feed("220 ok") == SMTPReply(code: 220, lines: ["ok"]))
        #expect(throws: SMTPReplyParser.ParseError.self) { try parser.feed("hello") }
        var mismatched = SMTPReplyParser()
        _ = try mismatched.feed("250-a")
        #expect(throws: SMTPReplyParser.ParseError.self) { try mismatched.feed("251 b") }
        var bad = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try bad.feed("250x") }
        #expect(throws: SMTPReplyParser.ParseError.self) { try bad.feed("999 no") }
    }

    @Test("SMTP failure classification: 4xx retryable, 5xx permanent, no reply retryable")
    func classification() {
        #expect(SMTPError.kind(forReplyCode: 421) == .retryable)
        #expect(SMTPError.kind(forReplyCode: 450) == .retryable)
        #expect(SMTPError.kind(forReplyCode: 550) == .permanent)
        #expect(SMTPError.kind(forReplyCode: 535) == .permanent)
        #expect(SMTPError.kind(forReplyCode: nil) == .retryable)
    }

    @Test("envelope addresses are extracted and unsafe ones refused")
    func envelope() {
        #expect(EmailAddress.envelopeAddress(of: "a@b.c") == "a@b.c")
        #expect(EmailAddress.envelopeAddress(of: " Name <a@b.c> ") == "a@b.c")
        #expect(EmailAddress.envelopeAddress(of: "a@b.c>\r\nRCPT TO:<x@y>") == nil)
        #expect(EmailAddress.envelopeAddress(of: "no-at-sign") == nil)
        #expect(EmailAddress.envelopeAddress(of: "a b@c.d") == nil)
        #expect(EmailAddress.domain(of: "Ops <ops@example.org>") == "example.org")
    }

    /// A minimal decoder, independent of the encoder, for round-trip checks.
    static func decodeQuotedPrintable(_ text: String) -> String? {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < input.count + 0, input[index + 1] == 0x0D, input[index + 2] == 0x0A {
                    index += 3  // soft line break
                    continue
                }
                guard index + 2 < input.count,
                      let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }
}
