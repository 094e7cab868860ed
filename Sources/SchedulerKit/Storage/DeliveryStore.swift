import Foundation

/// A store that keeps the notification outbox: an optional ability of a ``JobStore``.
public protocol DeliveryStore: Sendable {
    /// Takes up to `limit` pending deliveries whose time has come, in order (a delivery waits
    /// while an earlier one of the same run to the same target is pending), and hides them from
    /// other dispatchers for `lease` seconds under `owner`. A dispatcher that dies mid-send
    /// leaves them to be taken again after the lease, or at once by ``releaseDeliveries``:
    /// at-least-once.
    func claimDueDeliveries(now: Date, limit: Int, lease: Double, owner: String) async throws -> [Delivery]
    /// Makes pending deliveries taken by owners that `isOwnerGone` says are dead due again now.
    ///
    /// - returns: how many were released.
    func releaseDeliveries(now: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> Int
    /// Records one delivery attempt's result.
    func recordDeliveryAttempt(_ attempt: DeliveryAttemptRecord) async throws
    /// Deliveries, newest first.
    func deliveries(_ query: DeliveryQuery) async throws -> [Delivery]
    /// When the next pending delivery is due; nil when none is pending.
    func nextDeliveryTime() async throws -> Date?
}

/// What one attempt did to a delivery.
public struct DeliveryAttemptRecord: Sendable {
    public var deliveryId: String
    public var status: DeliveryStatus
    /// Attempts made so far, this one included.
    public var attempts: Int
    /// When to try again (pending only).
    public var nextAttemptAt: Date?
    public var error: String?
    public var statusCode: Int?
    public var at: Date

    public init(deliveryId: String, status: DeliveryStatus, attempts: Int, nextAttemptAt: Date?, error: String?, statusCode: Int?, at: Date) {
        self.deliveryId = deliveryId
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.error = error
        self.statusCode = statusCode
        self.at = at
    }
}

/// Filters for ``DeliveryStore/deliveries(_:)``.
public struct DeliveryQuery: Sendable {
    public var status: DeliveryStatus?
    public var runId: RunID?
    public var limit: Int?
    public init(status: DeliveryStatus? = nil, runId: RunID? = nil, limit: Int? = 100) {
        self.status = status
        self.runId = runId
        self.limit = limit
    }
}
