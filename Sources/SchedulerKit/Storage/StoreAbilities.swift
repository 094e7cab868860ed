/// The optional abilities of a store, found once: when a ``SchedulerClient`` or a ``Scheduler``
/// is made.
///
/// A store is a ``JobStore`` plus any of the ability protocols (``CompleteJobStore`` is all of
/// the engine's). This is the one place that asks a store which it has; everything else takes
/// the ability from here, and a missing one is handled the same way everywhere: an operator call
/// that needs it is refused with one line naming what the store lacks (``require(_:_:)``), and a
/// scheduler says at start what it will not do (``Scheduler`` logs ``missingForScheduler``).
public struct StoreAbilities: Sendable {
    /// Which ability, for messages.
    public enum Ability: String, Sendable, CaseIterable {
        case outbox, deliveryRetry, artifacts, pruning, tokens, observation, registry
    }

    public let outbox: (any DeliveryStore)?
    public let deliveryRetry: (any DeliveryRetryStore)?
    public let artifacts: (any ArtifactStore)?
    public let pruning: (any PrunableStore)?
    public let tokens: (any TokenStore)?
    public let observation: (any ObservationStore)?
    public let registry: (any SchedulerRegistry)?
    /// The store with both of the abilities health checks and metrics snapshots need.
    public let observed: (any JobStore & ObservationStore & SchedulerRegistry)?

    public init(of store: any JobStore) {
        outbox = store as? any DeliveryStore
        deliveryRetry = store as? any DeliveryRetryStore
        artifacts = store as? any ArtifactStore
        pruning = store as? any PrunableStore
        tokens = store as? any TokenStore
        observation = store as? any ObservationStore
        registry = store as? any SchedulerRegistry
        observed = store as? any JobStore & ObservationStore & SchedulerRegistry
    }

    /// Whether the store has `ability`.
    public func has(_ ability: Ability) -> Bool {
        switch ability {
        case .outbox: outbox != nil
        case .deliveryRetry: deliveryRetry != nil
        case .artifacts: artifacts != nil
        case .pruning: pruning != nil
        case .tokens: tokens != nil
        case .observation: observation != nil
        case .registry: registry != nil
        }
    }

    /// The abilities a scheduler uses and this store lacks, each with what the scheduler does
    /// without it.
    public var missingForScheduler: [(Ability, String)] {
        var out: [(Ability, String)] = []
        if outbox == nil { out.append((.outbox, "no alerts or state webhooks are delivered (the store keeps no outbox)")) }
        if artifacts == nil { out.append((.artifacts, "artifacts that handlers save are refused (the store keeps none)")) }
        if pruning == nil { out.append((.pruning, "retention does not run (the store cannot be pruned)")) }
        if registry == nil { out.append((.registry, "no liveness ticks are recorded (the store keeps no scheduler registry)")) }
        return out
    }

    /// `ability`'s value, or `.refused` with the one line that says what the store lacks.
    public static func require<T>(_ value: T?, _ ability: Ability) throws(SchedulerError) -> T {
        guard let value else { throw SchedulerError(.refused, refusal(ability)) }
        return value
    }

    /// The refusal of an operator call that needs `ability`.
    public static func refusal(_ ability: Ability) -> String {
        switch ability {
        case .outbox: "this store keeps no notification outbox"
        case .deliveryRetry: "this store cannot re-queue deliveries"
        case .artifacts: "this store does not keep artifacts"
        case .pruning: "this store cannot be pruned"
        case .tokens: "this store does not keep API tokens"
        case .observation: "this store cannot be observed (no health checks or metrics)"
        case .registry: "this store keeps no scheduler registry (no health checks or metrics)"
        }
    }
}
