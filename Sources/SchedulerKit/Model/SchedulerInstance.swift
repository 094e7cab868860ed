import Foundation

/// A running scheduler as recorded in its store: who it is, since when, and when it last
/// reported that it is alive.
///
/// Each ``Scheduler`` registers itself when it starts, refreshes ``lastTickAt`` every
/// ``tickInterval`` seconds, and removes its record on a clean shutdown. A record whose ticks
/// stopped belongs to a scheduler that died (or hangs).
///
/// For example:
/// ```swift
/// let live = try await store.schedulers().filter { $0.isLive(at: Date()) }
/// ```
public struct SchedulerInstance: Sendable, Hashable, Identifiable {
    /// The scheduler's instance id (the last part of its lease owner name `host/pid/instance`).
    public var id: String
    public var host: String
    public var pid: Int32
    /// `SchedulerKitVersion.string` of the build that runs it.
    public var version: String
    public var startedAt: Date
    /// The last time the scheduler said it is alive.
    public var lastTickAt: Date
    /// Seconds between the scheduler's ticks, as configured.
    public var tickInterval: Double

    public init(id: String, host: String, pid: Int32, version: String, startedAt: Date, lastTickAt: Date, tickInterval: Double) {
        self.id = id
        self.host = host
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.lastTickAt = lastTickAt
        self.tickInterval = tickInterval
    }

    /// The lease owner name of this scheduler's runs: `host/pid/instance`.
    public var owner: String { "\(host)/\(pid)/\(id)" }

    /// Whether the scheduler ticked within `missedTicks` of its tick intervals before `now`.
    ///
    /// - parameters:
    ///   - now: the instant to judge at.
    ///   - missedTicks: how many intervals may pass without a tick (default 3).
    public func isLive(at now: Date, missedTicks: Double = 3) -> Bool {
        now.timeIntervalSince(lastTickAt) <= max(1, tickInterval) * missedTicks
    }
}
