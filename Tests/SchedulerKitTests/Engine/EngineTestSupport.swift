import Foundation
import Testing
import Synchronization
import Logging
@testable import SchedulerKit

/// A temporary directory with a database path, removed when the value is dropped by `withEngineDatabase`.
struct EngineDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("engine.sqlite").path }

    static func make() throws -> EngineDatabase {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sk-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return EngineDatabase(directory: dir)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Records a scheduler's events so tests can wait for one, with a real-time deadline.
final class EventLog: Sendable {
    private final class Storage: Sendable {
        let events = Mutex<[SchedulerEvent]>([])
    }
    private let storage: Storage
    private let signal: ChangeSignal
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<SchedulerEvent>) {
        let storage = Storage()
        let signal = ChangeSignal()
        self.storage = storage
        self.signal = signal
        task = Task {
            for await e in stream {
                storage.events.withLock { $0.append(e) }
                signal.notify()
            }
        }
    }

    deinit { task.cancel() }

    var all: [SchedulerEvent] { storage.events.withLock { $0 } }

    /// The finished runs recorded so far.
    var finishedRuns: [Run] {
        all.compactMap { if case .runFinished(let r) = $0 { return r.run } else { return nil } }
    }

    /// Waits until `count` events match `predicate`; fails the test after `timeout` real seconds.
    @discardableResult
    func wait(
        count: Int = 1, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: @escaping (SchedulerEvent) -> Bool
    ) async throws -> [SchedulerEvent] {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let seen = signal.generation
            let matching = all.filter(predicate)
            if matching.count >= count { return matching }
            if ContinuousClock.now >= deadline {
                Issue.record("timed out after \(timeout)s waiting for \(count) event(s); saw \(matching.count)", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            // Wake on the next event, or re-check at the deadline.
            let done = FirstOf<Bool>()
            let a = Task { await signal.wait(after: seen); done.settle(true) }
            let b = Task { try? await Task.sleep(until: deadline); done.settle(true) }
            _ = await done.wait()
            a.cancel()
            b.cancel()
        }
    }

    /// Waits for `count` finished runs matching `predicate` and returns their runs.
    @discardableResult
    func finished(
        count: Int = 1, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
        where predicate: @escaping (Run) -> Bool = { _ in true }
    ) async throws -> [Run] {
        try await wait(count: count, timeout: timeout, sourceLocation: sourceLocation) {
            if case .runFinished(let r) = $0 { return predicate(r.run) } else { return false }
        }.compactMap { if case .runFinished(let r) = $0 { return r.run } else { return nil } }
    }

    func started(count: Int = 1, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Run] {
        try await wait(count: count, timeout: timeout, sourceLocation: sourceLocation) {
            if case .runStarted = $0 { return true } else { return false }
        }.compactMap { if case .runStarted(let r) = $0 { return r } else { return nil } }
    }
}

/// A scheduler on a temporary database with a manual clock, started in the background.
struct EngineHarness {
    let db: EngineDatabase
    let store: SQLiteJobStore
    let clock: ManualClock
    let scheduler: Scheduler
    let events: EventLog
    let task: Task<Void, any Error>
    var client: SchedulerClient { scheduler.client }

    static let t0 = ISO8601.parse("2026-11-23T09:00:00Z")!

    static func start(
        now: Date = t0, register: (Scheduler) -> Void = { _ in },
        configure: (inout Scheduler.Configuration) -> Void = { _ in }
    ) async throws -> EngineHarness {
        let db = try EngineDatabase.make()
        let store = try SQLiteJobStore(path: db.path)
        let clock = ManualClock(now: now)
        var config = Scheduler.Configuration()
        config.shutdownGrace = 5
        config.cancellationGrace = 5
        config.logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        configure(&config)
        let scheduler = Scheduler(store: store, clock: clock, configuration: config)
        register(scheduler)
        let events = EventLog(scheduler.events())
        let task = Task { try await scheduler.run() }
        try await events.wait { if case .started = $0 { return true } else { return false } }
        return EngineHarness(db: db, store: store, clock: clock, scheduler: scheduler, events: events, task: task)
    }

    /// Advances the clock to `date` (every sleeper whose deadline passed wakes).
    func advance(to date: Date) { clock.advance(to: date) }
    func advance(by seconds: Double) { clock.advance(by: seconds) }

    /// Shuts the scheduler down and waits for `run()` to return; removes the database.
    func stop() async throws {
        scheduler.shutdown()
        // Shutdown grace runs on the manual clock: keep nudging it until run() returns.
        let nudger = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                clock.advance(by: 1)
            }
        }
        _ = try await task.value
        nudger.cancel()
        try? store.close()
        db.remove()
    }
}

func date(_ iso: String) -> Date { ISO8601.parse(iso)! }
