import Foundation

/// A store whose outbox deliveries can be re-queued by an operator: an optional ability beside
/// ``DeliveryStore``.
public protocol DeliveryRetryStore: Sendable {
    /// Makes a `dead` or `failed` delivery `pending` again, due at `now`, with a fresh attempt
    /// budget (its last error stays until the next attempt), and writes `audit`.
    ///
    /// - returns: the delivery as it now is.
    /// - throws: `.notFound` when there is no such delivery; `.refused` when it is `pending`
    ///   or `delivered`.
    func retryDelivery(id: String, now: Date, audit: AuditRecord) async throws -> Delivery
}
