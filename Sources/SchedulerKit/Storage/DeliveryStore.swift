import Foundation

/// A store that keeps the notification outbox: an optional ability of a ``JobStore``.
public protocol DeliveryStore: Sendable {
    /// Takes up to `limit` pending deliveries whose time has come, in order (a delivery waits
    /// while an earlier one of the same run to the same target is pending), and hides them from
    /// other dispatchers for `lease` seconds under `owner`. A dispatcher that dies mid-send
    /// leaves them to be taken again after the lease, or at once by
    /// ``releaseDeliveries(now:isOwnerGone:)``:
    /// at-least-once.
    ///
    /// ``DeliveryClaimParams/admit`` is asked about each due delivery in that order; those it
    /// refuses stay due and untouched (the dispatcher bounds its attempts per target host so).
    func claimDueDeliveries(_ params: DeliveryClaimParams) async throws -> [Delivery]
    /// Makes pending deliveries taken by owners that `isOwnerGone` says are dead due again now.
    ///
    /// - returns: how many were released.
    func releaseDeliveries(now: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> Int
    /// Records one delivery attempt's result.
    func recordDeliveryAttempt(_ attempt: DeliveryAttemptRecord) async throws
    /// Deliveries, newest first.
    func deliveries(_ query: DeliveryQuery) async throws -> [Delivery]
    /// When the next pending delivery that could be taken is due, counting only those due later
    /// than `after` when given (one waiting behind an earlier delivery of its run to its target
    /// does not count); nil when there is none.
    func nextDeliveryTime(after: Date?) async throws -> Date?
}

extension DeliveryStore {
    /// When the next pending delivery that could be taken is due; nil when none is pending.
    public func nextDeliveryTime() async throws -> Date? { try await nextDeliveryTime(after: nil) }

    /// Takes up to `limit` due deliveries, whatever their target.
    public func claimDueDeliveries(now: Date, limit: Int, lease: Double, owner: String) async throws -> [Delivery] {
        try await claimDueDeliveries(DeliveryClaimParams(now: now, limit: limit, lease: lease, owner: owner))
    }
}

/// Parameters of ``DeliveryStore/claimDueDeliveries(_:)``.
public struct DeliveryClaimParams: Sendable {
    public var now: Date
    /// At most this many are taken.
    public var limit: Int
    /// Seconds the taken deliveries are hidden from other dispatchers.
    public var lease: Double
    /// The lease holder written on the taken deliveries.
    public var owner: String
    /// Says whether a due delivery (its channel and target) may be taken now. Asked once per
    /// due delivery, in claim order, until `limit` are admitted; it may count what it admits.
    /// It runs inside the store's transaction: keep it fast, and never touch the store from it.
    public var admit: @Sendable (_ channel: DeliveryChannel, _ target: String) -> Bool

    public init(
        now: Date, limit: Int, lease: Double, owner: String,
        admit: @escaping @Sendable (_ channel: DeliveryChannel, _ target: String) -> Bool = { _, _ in true }
    ) {
        self.now = now
        self.limit = limit
        self.lease = lease
        self.owner = owner
        self.admit = admit
    }
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
