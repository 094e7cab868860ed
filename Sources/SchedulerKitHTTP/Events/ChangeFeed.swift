import Foundation
import Logging
import SchedulerKit

/// Works out what changed in the store since it last looked, as ``ServerEvent``s.
///
/// Runs are found by their time-sortable ids: those created in a window reaching a few seconds
/// back (so a run another process made with a slightly older id is not missed), and those seen
/// queued or running, looked up again by id. Job changes made by operators are found in the
/// audit log; job changes made by the scheduler come with their runs.
struct ChangeFeed {
    let client: SchedulerClient
    let logger: Logger
    /// Runs seen recently and their last status (to tell new from known).
    private var recent: [RunID: RunStatus] = [:]
    /// Runs seen queued or running, looked up every time until they end.
    private var open: [RunID: RunStatus] = [:]
    private var lastAuditID: Int64 = 0
    /// How far back new runs are looked for.
    static let window: Double = 5
    /// Runs read per look; more new runs than this in one interval resyncs the clients.
    static let pageSize = 500

    init(client: SchedulerClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Reads the starting point: what exists now produces no event.
    mutating func start() async throws {
        let now = client.clock.now()
        for run in try await client.store.runs(RunQuery(since: now.addingTimeInterval(-Self.window), limit: Self.pageSize)) {
            recent[run.id] = run.status
            if !run.status.isTerminal { open[run.id] = run.status }
        }
        // Runs in progress that started before the window still end while we watch.
        for run in try await client.store.runs(RunQuery(statuses: [.queued, .running], limit: 2000)) {
            open[run.id] = run.status
            recent[run.id] = run.status
        }
        lastAuditID = try await client.store.auditEntries(AuditQuery(limit: 1)).first?.id ?? 0
    }

    /// The events since the last call.
    mutating func changes() async throws -> [ServerEvent] {
        let store = client.store
        let now = client.clock.now()
        var events: [ServerEvent] = []
        var changedJobs: [JobID] = []
        func note(_ job: JobID) { if !changedJobs.contains(job) { changedJobs.append(job) } }

        let fresh = try await store.runs(RunQuery(since: now.addingTimeInterval(-Self.window), limit: Self.pageSize))
        var resync = fresh.count >= Self.pageSize
        for run in fresh.reversed() {
            if let known = recent[run.id] {
                if known != run.status, open[run.id] == nil, !known.isTerminal {
                    events += Self.transition(run, from: known)
                    note(run.jobId)
                }
                recent[run.id] = run.status
                continue
            }
            recent[run.id] = run.status
            events.append(ServerEvent(name: "run.queued", data: WireJSON.run(run)))
            events += Self.transition(run, from: .queued)
            if !run.status.isTerminal { open[run.id] = run.status }
            note(run.jobId)
        }
        for (id, status) in open {
            guard let run = try await store.run(id: id) else {
                open[id] = nil
                continue
            }
            if run.status != status {
                events += Self.transition(run, from: status)
                recent[id] = run.status
                note(run.jobId)
            }
            open[id] = run.status.isTerminal ? nil : run.status
        }
        if open.count > 2000 {
            open.removeAll()
            resync = true
        }
        // Forget what has left the window.
        let horizon = ULID.lowerBound(for: now.addingTimeInterval(-2 * Self.window))
        recent = recent.filter { $0.key.rawValue >= horizon || open[$0.key] != nil }

        let audit = try await store.auditEntries(AuditQuery(limit: 200)).filter { $0.id > lastAuditID }
        if audit.count >= 200 { resync = true }
        var deleted: [(JobID, String)] = []
        for entry in audit.reversed() {
            lastAuditID = max(lastAuditID, entry.id)
            guard let jobId = entry.jobId else { continue }
            if entry.action == AuditAction.jobDelete.rawValue {
                deleted.append((jobId, entry.jobName ?? ""))
                changedJobs.removeAll { $0 == jobId }
            } else {
                note(jobId)
            }
        }
        for id in changedJobs where !deleted.contains(where: { $0.0 == id }) {
            if let job = try await store.job(id: id) {
                events.append(ServerEvent(name: "job.changed", data: WireJSON.job(job)))
            }
        }
        for (id, name) in deleted {
            events.append(ServerEvent(name: "job.deleted", data: .object([("id", .string(id.rawValue)), ("name", .string(name))])))
        }
        if resync { events.append(.resync("more changes than the feed reads at once")) }
        return events
    }

    /// The events of a run that moved from `previous` to its current status.
    static func transition(_ run: Run, from previous: RunStatus) -> [ServerEvent] {
        var events: [ServerEvent] = []
        if previous == .queued, run.status != .queued, run.startedAt != nil {
            events.append(ServerEvent(name: "run.started", data: WireJSON.run(run)))
        }
        if run.status.isTerminal, !previous.isTerminal {
            events.append(ServerEvent(name: "run.finished", data: WireJSON.run(run)))
        }
        return events
    }
}
