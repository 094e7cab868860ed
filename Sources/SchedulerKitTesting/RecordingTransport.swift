import Foundation
import SchedulerKit
import Synchronization

/// A notification transport that records what would have been sent instead of using the
/// network, and answers every attempt as delivered.
///
/// The harness installs it for webhooks and email, so alerts and state webhooks go through the
/// real outbox and dispatcher; each capture keeps the exact body the outbox wrote and the
/// headers (signature included) the webhook transport would send at that instant.
public final class RecordingTransport: NotificationTransport {
    private let clock: any SchedulerClock
    private let captured = Mutex<[CapturedNotification]>([])

    /// - parameters:
    ///   - clock: dates each capture, and so the signature's timestamp.
    public init(clock: any SchedulerClock) {
        self.clock = clock
    }

    /// Everything sent so far, in the order of sending.
    public var all: [CapturedNotification] { captured.withLock { $0 } }

    /// Alerts (webhook or email) sent so far: every event except `run.state_changed`.
    public var alerts: [CapturedNotification] { all.filter { !$0.isStateChange } }

    /// State webhooks (`run.state_changed`) sent so far.
    public var stateChanges: [CapturedNotification] { all.filter(\.isStateChange) }

    /// Forgets what was captured.
    public func removeAll() { captured.withLock { $0.removeAll() } }

    public func send(_ delivery: Delivery) async -> DeliveryAttemptResult {
        let capture = CapturedNotification(delivery: delivery, sentAt: clock.now())
        captured.withLock { $0.append(capture) }
        return .delivered(statusCode: delivery.channel == .email ? 250 : 200)
    }

    public func shutdown() async {}
}
