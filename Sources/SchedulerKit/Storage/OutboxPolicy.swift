import Foundation

/// A change of a run's status, offered to the ``OutboxPolicy`` inside the transaction that makes it.
public struct RunTransition: Sendable {
    public var job: Job
    public var run: Run
    /// The status before; nil for a run just created.
    public var previous: RunStatus?
    /// The job's alerts; loaded only when the run ended in a failure status.
    public var alerts: [Alert]
    public var at: Date
    /// The run's artifacts, oldest first; loaded only for a run that ended and a policy that
    /// asks for them (``OutboxPolicy/artifactContentLimit``), with the bytes of those stored in
    /// the database and no larger than that limit.
    public var artifacts: [Artifact] = []

    public init(job: Job, run: Run, previous: RunStatus?, alerts: [Alert], at: Date, artifacts: [Artifact] = []) {
        self.job = job
        self.run = run
        self.previous = previous
        self.alerts = alerts
        self.at = at
        self.artifacts = artifacts
    }
}

/// A notification to write to the outbox.
public struct NewDelivery: Sendable, Hashable {
    /// The delivery id, also carried in the payload (`X-SchedulerKit-Delivery`).
    public var id: String
    public var alertId: String?
    public var channel: DeliveryChannel
    public var event: String
    public var target: String
    public var secret: String?
    /// The request body or message text, fixed now.
    public var payload: String
    public var firstAttemptAt: Date

    public init(id: String, alertId: String?, channel: DeliveryChannel, event: String, target: String, secret: String?, payload: String, firstAttemptAt: Date) {
        self.id = id
        self.alertId = alertId
        self.channel = channel
        self.event = event
        self.target = target
        self.secret = secret
        self.payload = payload
        self.firstAttemptAt = firstAttemptAt
    }
}

/// Decides which notifications a run transition produces. The store calls it inside the
/// transaction that records the transition, so a notification exists exactly when its
/// transition does.
///
/// The store calls it only for jobs with a state webhook, or for runs that ended in a failure
/// status, so runs of jobs without notifications cost nothing.
public protocol OutboxPolicy: Sendable {
    /// The notifications for `transition`.
    func deliveries(for transition: RunTransition) -> [NewDelivery]
    /// Whether the policy needs the artifacts of runs that ended: nil (the default) for no;
    /// otherwise every artifact's metadata is loaded into ``RunTransition/artifacts``, with the
    /// bytes of those stored in the database that are at most this many bytes.
    var artifactContentLimit: Int? { get }
}

extension OutboxPolicy {
    public var artifactContentLimit: Int? { nil }
}

/// Produces no notifications.
public struct NoOutbox: OutboxPolicy {
    public init() {}
    public func deliveries(for transition: RunTransition) -> [NewDelivery] { [] }
}
