import Foundation

/// A store that records which schedulers are running: an optional ability of a ``JobStore``.
///
/// A ``Scheduler`` whose store has it registers itself at start, ticks periodically and removes
/// itself on a clean shutdown, so health checks in another process can tell whether any
/// scheduler is alive.
///
/// For example:
/// ```swift
/// if let registry = store as? any SchedulerRegistry {
///     for s in try await registry.schedulers() { print(s.owner, s.lastTickAt) }
/// }
/// ```
public protocol SchedulerRegistry: Sendable {
    /// Records a running scheduler, replacing any record with the same id.
    func registerScheduler(_ instance: SchedulerInstance) async throws
    /// Sets the scheduler's `lastTickAt` to `at`.
    ///
    /// - returns: false when there is no record with this id (someone removed it).
    @discardableResult
    func tickScheduler(id: String, at: Date) async throws -> Bool
    /// Removes the scheduler's record; nothing happens when there is none.
    func removeScheduler(id: String) async throws
    /// Every recorded scheduler, live or not, oldest first.
    func schedulers() async throws -> [SchedulerInstance]
}
