import Foundation

/// What one attempt to deliver a notification came to.
public enum DeliveryAttemptResult: Sendable, Equatable {
    /// Accepted by the receiver (2xx; SMTP 250).
    case delivered(statusCode: Int?)
    /// Worth trying again: 5xx, 408, 429, timeouts, refused or reset connections, SMTP 4xx.
    case retryable(message: String, statusCode: Int?, retryAfter: Double?)
    /// Refused for good: 4xx other than 408/429, SMTP 5xx, a target that cannot work.
    case permanent(message: String, statusCode: Int?)
}

/// Carries deliveries of one channel (webhook or email) to their receivers.
public protocol NotificationTransport: Sendable {
    /// One attempt, bounded in time; never throws: every failure is a result.
    func send(_ delivery: Delivery) async -> DeliveryAttemptResult
    /// Releases connections; called once when the dispatcher stops.
    func shutdown() async
}
