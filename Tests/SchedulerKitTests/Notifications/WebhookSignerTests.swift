import Foundation
import Testing

@testable import SchedulerKit

@Suite("WebhookSigner")
struct WebhookSignerTests {
    let secret = "whsec_test"
    let body = Array(#"{"id":"d1","type":"run.failed"}"#.utf8)

    @Test("header matches an independent HMAC-SHA256 (Python hmac) vector")
    func knownVector() {
        let header = WebhookSigner.signatureHeader(secret: secret, timestamp: 1_700_000_000, body: body)
        #expect(header == "t=1700000000,v1=1af20472e37abdbaec8d5c1ac5c2f3b2676d102f2e1631742746cd21c6428588")
    }

    @Test("a fresh signature verifies")
    func verifies() {
        let now = Date()
        let header = WebhookSigner.signatureHeader(
            secret: secret, timestamp: Int64(now.timeIntervalSince1970), body: body)
        #expect(WebhookSigner.verify(header: header, secret: secret, body: body, now: now))
    }

    @Test("wrong secret, tampered body, stale or future timestamp fail")
    func rejects() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let header = WebhookSigner.signatureHeader(secret: secret, timestamp: 1_700_000_000, body: body)
        #expect(!WebhookSigner.verify(header: header, secret: "whsec_other", body: body, now: now))
        var tampered = body
        tampered[tampered.count - 2] ^= 0x01
        #expect(!WebhookSigner.verify(header: header, secret: secret, body: tampered, now: now))
        #expect(!WebhookSigner.verify(header: header, secret: secret, body: body + [0x20], now: now))
        let late = now.addingTimeInterval(301)
        #expect(!WebhookSigner.verify(header: header, secret: secret, body: body, now: late, tolerance: .seconds(300)))
        #expect(WebhookSigner.verify(header: header, secret: secret, body: body, now: late, tolerance: .seconds(400)))
        let early = now.addingTimeInterval(-301)
        #expect(!WebhookSigner.verify(header: header, secret: secret, body: body, now: early, tolerance: .seconds(300)))
    }

    @Test(
        "malformed headers fail",
        arguments: [
            "", "t=1700000000", "v1=00", "t=abc,v1=1af2", "garbage",
            "t=1700000000,v1=zz20472e37abdbaec8d5c1ac5c2f3b2676d102f2e1631742746cd21c6428588",
            "t=1700000000,t=1700000000,v1=1af20472e37abdbaec8d5c1ac5c2f3b2676d102f2e1631742746cd21c6428588",
        ])
    func malformed(header: String) {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(!WebhookSigner.verify(header: header, secret: secret, body: body, now: now))
    }

    @Test("any matching v1 entry verifies (secret rotation), upper-case hex accepted")
    func rotation() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let good = "1af20472e37abdbaec8d5c1ac5c2f3b2676d102f2e1631742746cd21c6428588"
        let other = String(repeating: "0", count: 64)
        #expect(WebhookSigner.verify(header: "t=1700000000,v1=\(other),v1=\(good)", secret: secret, body: body, now: now))
        #expect(WebhookSigner.verify(header: "t=1700000000, v1=\(good.uppercased())", secret: secret, body: body, now: now))
    }
}
