import Foundation

extension SchedulerClient {
    /// Re-queues a `dead` or `failed` delivery: it is attempted again at once with a fresh
    /// attempt budget (audit `delivery.retry`).
    ///
    /// - throws: `.notFound`; `.refused` when it is pending or delivered, or the store keeps no outbox.
    @discardableResult
    public func retryDelivery(_ id: String) async throws -> Delivery {
        let store = try StoreAbilities.require(abilities.deliveryRetry, .deliveryRetry)
        let now = clock.now().millisecondPrecision
        return try await store.retryDelivery(id: id, now: now, audit: audit(.deliveryRetry, [:], at: now))
    }
}
