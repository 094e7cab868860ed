import Foundation
import SchedulerKitTestSupport
import Testing

@testable import SchedulerKit

/// Against a real HTTP server on 127.0.0.1 (``TestHTTPReceiver``).
@Suite("WebhookSender")
struct WebhookSenderTests {
    /// Short timeouts so failure paths finish quickly, yet loose enough for a loaded 2-core
    /// machine running the suites in parallel.
    static let fast = WebhookSender.Configuration(
        connectTimeout: .seconds(2), readTimeout: .seconds(2), attemptTimeout: .seconds(3))

    /// Runs `body` with a receiver and a sender, shutting both down whatever happens.
    func withPeers<T>(
        script: [TestHTTPReceiver.Action] = [],
        configuration: WebhookSender.Configuration = fast,
        _ body: (TestHTTPReceiver, WebhookSender) async throws -> T
    ) async throws -> T {
        let receiver = try await TestHTTPReceiver.start(script: script)
        let sender = WebhookSender(configuration: configuration)
        do {
            let result = try await body(receiver, sender)
            await sender.shutdown()
            await receiver.shutdown()
            return result
        } catch {
            await sender.shutdown()
            await receiver.shutdown()
            throw error
        }
    }

    @Test("method, path, headers and body arrive intact; the signature verifies on the receiver")
    func intact() async throws {
        try await withPeers { receiver, sender in
            let body = Array(#"{"id":"d-1","type":"run.failed","note":"größe ✓"}"#.utf8)
            let timestamp = Int64(Date().timeIntervalSince1970)
            let signature = WebhookSigner.signatureHeader(secret: "s3cret", timestamp: timestamp, body: body)
            let headers = [
                ("Content-Type", "application/json"),
                ("X-SchedulerKit-Event", "run.failed"),
                ("X-SchedulerKit-Delivery", "d-1"),
                (WebhookSigner.headerName, signature),
            ]
            let result = await sender.post(url: receiver.url("/hooks/a?x=1"), headers: headers, body: body)
            #expect(result == .delivered(status: 200))

            let request = try await receiver.request(1)
            #expect(request.method == "POST")
            #expect(request.path == "/hooks/a?x=1")
            #expect(request.body == body)
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("X-SchedulerKit-Event") == "run.failed")
            #expect(request.header("X-SchedulerKit-Delivery") == "d-1")
            #expect(request.header("User-Agent") == "SchedulerKit")
            #expect(request.header("Content-Length") == String(body.count))
            let received = try #require(request.header(WebhookSigner.headerName))
            #expect(WebhookSigner.verify(header: received, secret: "s3cret", body: request.body))
            #expect(!WebhookSigner.verify(header: received, secret: "wrong", body: request.body))
        }
    }

    @Test("the scheme is case-insensitive")
    func uppercaseScheme() async throws {
        try await withPeers { receiver, sender in
            let result = await sender.post(url: "HTTP://127.0.0.1:\(receiver.port)/up", headers: [], body: [])
            #expect(result == .delivered(status: 200))
        }
    }

    @Test("concurrent posts beyond the pool size all get through (they queue for a connection)")
    func concurrentPosts() async throws {
        try await withPeers { receiver, sender in
            let url = receiver.url("/c")
            let results = await withTaskGroup(of: WebhookAttemptResult.self) { group in
                for index in 0..<8 {
                    group.addTask { await sender.post(url: url, headers: [], body: Array("\(index)".utf8)) }
                }
                var results: [WebhookAttemptResult] = []
                for await result in group { results.append(result) }
                return results
            }
            #expect(results.allSatisfy { $0.isDelivered })
            _ = try await receiver.request(8)
            #expect(Set(receiver.requests.map(\.bodyString)) == Set((0..<8).map { "\($0)" }))
        }
    }

    @Test("a caller's User-Agent wins over the default")
    func userAgent() async throws {
        try await withPeers { receiver, sender in
            _ = await sender.post(url: receiver.url(), headers: [("User-Agent", "SchedulerKit/1.2.3")], body: [])
            let request = try await receiver.request(1)
            #expect(request.header("user-agent") == "SchedulerKit/1.2.3")
        }
    }

    @Test(
        "status classification against a real server",
        arguments: [
            (200, "delivered"), (204, "delivered"), (500, "retryable"), (502, "retryable"), (503, "retryable"),
            (404, "permanent"), (400, "permanent"), (401, "permanent"), (410, "permanent"), (422, "permanent"),
            (408, "retryable"), (429, "retryable"), (301, "permanent"), (308, "permanent"), (302, "retryable"),
            (307, "retryable"),
        ])
    func statuses(status: Int, expected: String) async throws {
        try await withPeers(script: [.respond(status: status, headers: ["Location": "/elsewhere"])]) {
            receiver, sender in
            let result = await sender.post(url: receiver.url("/hook"), headers: [], body: Array("{}".utf8))
            #expect(result.status == status)
            #expect((result.failureKind?.rawValue ?? "delivered") == expected)
            // Redirects are never followed: exactly one request reached the receiver.
            #expect(receiver.requests.count == 1)
        }
    }

    @Test("N failures then success: each attempt is classified on its own")
    func scriptedSequence() async throws {
        try await withPeers(script: [.status(500), .status(503), .status(200)]) { receiver, sender in
            var results: [WebhookAttemptResult] = []
            for _ in 0..<3 {
                results.append(await sender.post(url: receiver.url(), headers: [], body: []))
            }
            #expect(results.map(\.failureKind) == [.retryable, .retryable, nil])
            #expect(receiver.requests.count == 3)
        }
    }

    @Test("Retry-After seconds is returned on 429 and 503, ignored elsewhere")
    func retryAfter() async throws {
        try await withPeers(script: [
            .respond(status: 429, headers: ["Retry-After": "7"]),
            .respond(status: 503, headers: ["Retry-After": "120"]),
            .respond(status: 500, headers: ["Retry-After": "9"]),
        ]) { receiver, sender in
            let first = await sender.post(url: receiver.url(), headers: [], body: [])
            let second = await sender.post(url: receiver.url(), headers: [], body: [])
            let third = await sender.post(url: receiver.url(), headers: [], body: [])
            #expect(first.retryAfter == .seconds(7))
            #expect(second.retryAfter == .seconds(120))
            #expect(third.retryAfter == nil)
            #expect(third.failureKind == .retryable)
        }
    }

    @Test("a receiver that never answers is a retryable failure within the attempt timeout")
    func hanging() async throws {
        try await withPeers(script: [.hang]) { receiver, sender in
            let clock = ContinuousClock()
            let start = clock.now
            let result = await sender.post(url: receiver.url(), headers: [], body: Array("x".utf8))
            let elapsed = clock.now - start
            #expect(result.failureKind == .retryable)
            #expect(result.status == nil)
            #expect(elapsed >= .milliseconds(1900), "took \(elapsed)")
            #expect(elapsed < .seconds(20), "took \(elapsed)")  // bounded (no hang), generously
            #expect(receiver.requests.count == 1)
        }
    }

    @Test(
        "a receiver trickling body bytes faster than the read timeout is cut off by the attempt timeout",
        arguments: [(500, DeliveryFailureKind.retryable), (200, nil)] as [(Int, DeliveryFailureKind?)])
    func trickling(status: Int, kind: DeliveryFailureKind?) async throws {
        let configuration = WebhookSender.Configuration(
            connectTimeout: .seconds(2), readTimeout: .seconds(2), attemptTimeout: .seconds(3))
        try await withPeers(script: [.trickle(status: status, interval: .milliseconds(100))], configuration: configuration) {
            receiver, sender in
            let clock = ContinuousClock()
            let start = clock.now
            let result = await sender.post(url: receiver.url(), headers: [], body: [])
            let elapsed = clock.now - start
            // The status line decides the outcome; the endless body only has to be cut off in time.
            #expect(result.status == status)
            #expect(result.failureKind == kind)
            #expect(elapsed >= .milliseconds(2900), "took \(elapsed)")
            #expect(elapsed < .seconds(20), "took \(elapsed)")  // bounded (no hang), generously
        }
    }

    @Test("a connection closed without a response is retryable; the next attempt succeeds")
    func closedConnection() async throws {
        try await withPeers(script: [.close, .status(200)]) { receiver, sender in
            let first = await sender.post(url: receiver.url(), headers: [], body: Array("a".utf8))
            #expect(first.failureKind == .retryable)
            #expect(first.status == nil)
            let second = await sender.post(url: receiver.url(), headers: [], body: Array("b".utf8))
            #expect(second == .delivered(status: 200))
            let request = try await receiver.request(2)
            #expect(request.bodyString == "b")
        }
    }

    @Test("after a hang, a new attempt gets through on a fresh connection")
    func hangThenSuccess() async throws {
        try await withPeers(script: [.hang, .status(200)]) { receiver, sender in
            #expect(await sender.post(url: receiver.url(), headers: [], body: []).failureKind == .retryable)
            #expect(await sender.post(url: receiver.url(), headers: [], body: []) == .delivered(status: 200))
        }
    }

    @Test("connection refused (closed port) is retryable and fast")
    func refused() async throws {
        let closed = try await TestHTTPReceiver.start()
        let port = closed.port
        await closed.shutdown()
        let sender = WebhookSender(configuration: Self.fast)
        let clock = ContinuousClock()
        let start = clock.now
        let result = await sender.post(url: "http://127.0.0.1:\(port)/hook", headers: [], body: [])
        let elapsed = clock.now - start
        await sender.shutdown()
        #expect(result.failureKind == .retryable)
        #expect(result.status == nil)
        #expect(result.message?.contains("refused") == true, "\(String(describing: result.message))")
        #expect(elapsed < .seconds(15), "took \(elapsed)")  // bounded (no hang), generously
    }

    @Test("a non-http URL is a permanent failure and no request is made")
    func nonHTTP() async throws {
        try await withPeers { receiver, sender in
            let result = await sender.post(url: "ftp://127.0.0.1:\(receiver.port)/hook", headers: [], body: [])
            #expect(result.failureKind == .permanent)
            #expect(result.status == nil)
            #expect(result.message?.contains("ftp") == true)
            #expect(receiver.requests.isEmpty)
        }
    }

    @Test("failure messages are one short line without the URL token or the body")
    func messagesAreClean() async throws {
        try await withPeers(script: [.respond(status: 500, body: "oops\nline two"), .close]) { receiver, sender in
            let body = Array("SUPERSECRET-BODY".utf8)
            let url = receiver.url("/T0KEN-abc123?sig=Q")
            for _ in 0..<2 {
                let result = await sender.post(url: url, headers: [], body: body)
                let message = try #require(result.message)
                #expect(!message.contains("SUPERSECRET"))
                #expect(!message.contains("T0KEN"))
                #expect(!message.contains("\n"))
                #expect(message.count <= 200)
            }
        }
    }

    @Test("post after shutdown is retryable, shutdown is idempotent")
    func afterShutdown() async {
        let sender = WebhookSender()
        await sender.shutdown()
        await sender.shutdown()
        let result = await sender.post(url: "http://127.0.0.1:9/", headers: [], body: [])
        #expect(result.failureKind == .retryable)
    }
}

@Suite("WebhookSender classification and parsing")
struct WebhookClassificationTests {
    @Test(
        "status table",
        arguments: [
            (200, nil), (299, nil), (300, DeliveryFailureKind.retryable), (301, .permanent), (302, .retryable),
            (304, .retryable), (308, .permanent), (400, .permanent), (403, .permanent), (404, .permanent),
            (408, .retryable), (409, .permanent), (429, .retryable), (499, .permanent), (500, .retryable),
            (503, .retryable), (599, .retryable), (100, .retryable), (600, .retryable),
        ] as [(Int, DeliveryFailureKind?)])
    func table(status: Int, kind: DeliveryFailureKind?) {
        #expect(WebhookSender.classify(status: status, reason: "X").failureKind == kind)
    }

    @Test("Retry-After: seconds and HTTP-date")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(WebhookSender.parseRetryAfter("30", now: now) == .seconds(30))
        #expect(WebhookSender.parseRetryAfter(" 0 ", now: now) == .seconds(0))
        #expect(WebhookSender.parseRetryAfter("-5", now: now) == nil)
        #expect(WebhookSender.parseRetryAfter("soon", now: now) == nil)
        #expect(WebhookSender.parseRetryAfter("Tue, 14 Nov 2023 22:14:20 GMT", now: now) == .seconds(60))
        #expect(WebhookSender.parseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .seconds(0))
    }

    @Test(
        "accepted target URLs",
        arguments: [
            "http://127.0.0.1:8080/hook", "https://hooks.example.com/a/b?c=d", "HTTPS://Example.com",
            "http://[::1]:9000/x", "https://example.com:443/path%20with%20space",
        ])
    func validURLs(url: String) throws {
        try WebhookSender.validateTargetURL(url)
    }

    @Test(
        "refused target URLs name the problem in one line",
        arguments: [
            ("ftp://example.com/x", "unsupported scheme \"ftp\""),
            ("file:///etc/passwd", "unsupported scheme \"file\""),
            ("javascript:alert(1)", "unsupported scheme \"javascript\""),
            ("example.com/hook", "no scheme"),
            ("", "is empty"),
            ("http://", "no host"),
            ("http:/example.com", "no host"),
            ("https://exa mple.com", "whitespace"),
            ("http://example.com:99999/", "port"),
            ("https://user:hunter2@example.com/", "credentials"),
        ])
    func invalidURLs(url: String, fragment: String) {
        do {
            try WebhookSender.validateTargetURL(url)
            Issue.record("accepted \(url)")
        } catch let error as WebhookURLError {
            #expect(error.description.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("webhook URL \""))
            #expect(!error.description.contains("\n"))
            #expect(!error.description.contains("hunter2"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
