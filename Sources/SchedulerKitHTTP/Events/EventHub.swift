import Foundation
import Logging
import SchedulerKit
import Synchronization

/// The change feed behind `GET /api/v1/events`: while anyone listens, one poller per server
/// looks at the store every `pollInterval` (default 0.25 s), so it sees what every process
/// using the store did, and fans the changes out to each subscription's bounded queue.
///
/// What it reads each time: the runs created in the last few seconds, the runs it saw queued or
/// running (by id), and the newest audit entries (operator changes to jobs). A run that appears
/// is `run.queued` (then `run.started` / `run.finished` as its status moves); a run's change or
/// an audit entry about a job is followed by `job.changed` with the job as it now is.
public final class EventHub: Sendable {
    private struct State {
        var subscribers: [UInt64: EventSubscription] = [:]
        var nextID: UInt64 = 0
        var poller: Task<Void, Never>?
    }
    private let state = Mutex(State())
    let client: SchedulerClient
    let pollInterval: Double
    let bufferSize: Int
    let logger = Logger(label: "SchedulerKitHTTP.events")
    /// Set once the poller has read its starting point, so a subscriber sees every later change.
    private let ready = ChangeSignal()
    private let isReady = Mutex(false)

    init(client: SchedulerClient, pollInterval: Double, bufferSize: Int) {
        self.client = client
        self.pollInterval = max(0.01, pollInterval)
        self.bufferSize = bufferSize
    }

    /// How many streams are open.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Opens a subscription; returns once the feed watches the store, so every change committed
    /// after this returns is delivered.
    public func subscribe() async -> EventSubscription {
        let subscription = state.withLock { s -> EventSubscription in
            s.nextID += 1
            let sub = EventSubscription(id: s.nextID, capacity: bufferSize) { [weak self] id in self?.unsubscribe(id) }
            s.subscribers[sub.id] = sub
            if s.poller == nil {
                isReady.withLock { $0 = false }
                let feed = ChangeFeed(client: client, logger: logger)
                s.poller = Task { [weak self] in await self?.poll(feed) }
            }
            return sub
        }
        while true {
            let seen = ready.generation
            if isReady.withLock({ $0 }) || Task.isCancelled { break }
            await ready.wait(after: seen)
        }
        return subscription
    }

    /// Ends every stream (graceful shutdown) and stops the poller.
    public func finishAll() {
        let subs = state.withLock { s -> [EventSubscription] in Array(s.subscribers.values) }
        for sub in subs { sub.finish() }
    }

    private func unsubscribe(_ id: UInt64) {
        let poller = state.withLock { s -> Task<Void, Never>? in
            s.subscribers[id] = nil
            guard s.subscribers.isEmpty else { return nil }
            defer { s.poller = nil }
            return s.poller
        }
        poller?.cancel()
    }

    private func broadcast(_ events: [ServerEvent]) {
        guard !events.isEmpty else { return }
        let subs = state.withLock { Array($0.subscribers.values) }
        for sub in subs {
            for event in events { sub.push(event) }
        }
    }

    private func poll(_ feed: ChangeFeed) async {
        var feed = feed
        var started = false
        while !Task.isCancelled {
            do {
                if !started {
                    try await feed.start()
                    started = true
                    isReady.withLock { $0 = true }
                    ready.notify()
                } else {
                    broadcast(try await feed.changes())
                }
            } catch {
                logger.warning("event feed: \(error)")
                if started { broadcast([.resync("the event feed could not read the store")]) }
            }
            if !started {
                // Nobody should wait forever for a store that cannot be read.
                isReady.withLock { $0 = true }
                ready.notify()
            }
            try? await Task.sleep(for: .milliseconds(Int64(pollInterval * 1000)))
        }
    }
}
