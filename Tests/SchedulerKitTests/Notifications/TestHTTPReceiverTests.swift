import Foundation
import SchedulerKitTestSupport
import Testing

@testable import SchedulerKit

/// The receiver is reused by end-to-end tests, so its own behaviour is pinned down here.
@Suite("TestHTTPReceiver")
struct TestHTTPReceiverTests {
    @Test("waiting for a request that never comes times out with a clear error")
    func waitTimesOut() async throws {
        let receiver = try await TestHTTPReceiver.start()
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: TestHTTPReceiver.WaitTimedOut.self) {
            _ = try await receiver.request(1, timeout: .milliseconds(200))
        }
        #expect(clock.now - start < .seconds(60))  // bounded, generously: the machine may be busy
        await receiver.shutdown()
    }

    @Test("enqueue appends to the script; respondAfter delays on the server side")
    func enqueueAndDelay() async throws {
        let receiver = try await TestHTTPReceiver.start()
        receiver.enqueue(.respondAfter(delay: .milliseconds(300), status: 202))
        let sender = WebhookSender()
        let clock = ContinuousClock()
        let start = clock.now
        let status = await sender.post(url: receiver.url("/x"), headers: [], body: []).status
        #expect(status == 202)
        #expect(clock.now - start >= .milliseconds(250))
        #expect(await sender.post(url: receiver.url("/y"), headers: [], body: []).status == 200)
        #expect(try await receiver.request(2).path == "/y")
        await sender.shutdown()
        await receiver.shutdown()
    }
}

