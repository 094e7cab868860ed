import Foundation
import GRDB
import Testing
@testable import SchedulerKit

/// A store on a fresh database file and a manual clock, for the observability tests.
struct ObservedStore {
    let database: TemporaryDatabase
    let store: SQLiteJobStore
    let clock: ManualClock

    /// Runs `body` with a fresh store whose clock reads `now`; removes the database afterwards.
    static func with<T>(now: Date = t0, _ body: (ObservedStore) async throws -> T) async throws -> T {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            return try await body(ObservedStore(database: db, store: store, clock: ManualClock(now: now)))
        }
    }

    var now: Date { clock.now() }

    /// `now` plus `seconds`, to the millisecond.
    func rel(_ seconds: Double) -> Date { now.addingTimeInterval(seconds).millisecondPrecision }

    /// Health checks at the clock's time, with `configure` applied to the default thresholds.
    func checks(_ configure: (inout HealthChecks.Thresholds) -> Void = { _ in }) -> HealthChecks {
        var thresholds = HealthChecks.Thresholds()
        configure(&thresholds)
        return HealthChecks(store: store, clock: clock, thresholds: thresholds)
    }

    /// Inserts an active job that is never due by itself (`nextRunAt` nil), created `age` seconds ago.
    @discardableResult
    func job(
        _ name: String, every seconds: Int64 = 60, age: Double = 3600, _ configure: (inout Job) -> Void = { _ in }
    ) async throws -> Job {
        let created = rel(-age)
        var job = Job(
            id: .generate(at: created), name: name, schedule: .every(seconds: seconds, anchor: created), kind: "test",
            maxConsecutiveErrors: 1000, nextRunAt: nil, createdAt: created, updatedAt: created)
        configure(&job)
        try await store.insertJob(job, audit: AuditRecord(at: created, actor: "test", action: .jobCreate))
        return job
    }

    /// A manual run of `job` queued and started at `start` and ended with `outcome` after `duration` seconds.
    @discardableResult
    func run(_ job: Job, at start: Date, duration: Double = 1, _ outcome: RunOutcome = .succeeded()) async throws -> Run {
        let run = try await started(job, at: start)
        return try await store.complete(run, outcome, at: start.addingTimeInterval(duration)).run
    }

    /// A manual run of `job` queued and started at `start` under `owner`, left running.
    func started(_ job: Job, at start: Date, owner: String = workerA, lease: Double = 30) async throws -> Run {
        let run = manualRun(of: job, at: start)
        try await store.enqueueRun(run, check: { _ in }, audit: nil)
        let claimed = try await store.claimDueRuns(claim(at: start, owner: owner, maxStart: 1, lease: lease))
        guard let started = claimed.started.first?.run, started.id == run.id else {
            throw FixtureError("run \(run.id) did not start")
        }
        return started
    }

    /// A live scheduler record that ticked `ago` seconds before now.
    func scheduler(id: String = "sched-1", tickedAgo ago: Double = 1, interval: Double = 10, host: String = "other-host") async throws {
        try await store.registerScheduler(
            SchedulerInstance(
                id: id, host: host, pid: 4242, version: SchedulerKitVersion.string, startedAt: rel(-3600), lastTickAt: rel(-ago),
                tickInterval: interval))
    }

    /// Writes an outbox row directly (the outbox policy is tested elsewhere).
    func delivery(status: DeliveryStatus, createdAgo: Double, updatedAgo: Double? = nil, channel: DeliveryChannel = .webhook) throws {
        let queue = try DatabaseQueue(path: database.path)
        defer { try? queue.close() }
        let created = ms(rel(-createdAgo))
        let updated = ms(rel(-(updatedAgo ?? createdAgo)))
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deliveries (id, channel, event, target, payload, status, attempts, next_attempt_at, created_at, updated_at)
                    VALUES (?, ?, 'run.failed', 'https://hooks.example.com/x', '{}', ?, 1, ?, ?, ?)
                    """,
                arguments: [ULID.generate(), channel.rawValue, status.rawValue, status == .pending ? updated : nil, created, updated])
        }
    }

    /// Every row of every table, as text: equal before and after means nothing was written.
    func dump() throws -> String {
        let queue = try DatabaseQueue(path: database.path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        defer { try? queue.close() }
        return try queue.read { db in
            var out = ""
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            for table in tables {
                out += "== \(table)\n"
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid") { out += "\(row)\n" }
            }
            return out
        }
    }
}

/// Finds of one check in a list of findings.
extension Array where Element == HealthFinding {
    func with(id: String) -> [HealthFinding] { filter { $0.id == id } }
}

// MARK: - Reading the Prometheus text format back

/// One sample line of the Prometheus text format.
struct PromSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// A small parser of the Prometheus text exposition format: enough to read back what we emit
/// (`# HELP`/`# TYPE` lines, names, quoted label values with `\\`, `\"` and `\n` escapes, values).
struct PromText {
    var samples: [PromSample] = []
    var types: [String: String] = [:]
    var helps: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1)
                types[String(parts[0])] = String(parts[1])
                continue
            }
            if line.hasPrefix("# HELP ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1)
                helps[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(Array(line.unicodeScalars)))
        }
    }

    private static func sample(_ s: [Unicode.Scalar]) throws -> PromSample {
        var i = 0
        var name = ""
        while i < s.count, s[i] != "{", s[i] != " " { name.unicodeScalars.append(s[i]); i += 1 }
        var labels: [String: String] = [:]
        if i < s.count, s[i] == "{" {
            i += 1
            while i < s.count, s[i] != "}" {
                var key = ""
                while i < s.count, s[i] != "=" { key.unicodeScalars.append(s[i]); i += 1 }
                i += 1  // =
                guard i < s.count, s[i] == "\"" else { throw FixtureError("expected a quoted label value in \(String(String.UnicodeScalarView(s)))") }
                i += 1
                var value = ""
                while i < s.count, s[i] != "\"" {
                    if s[i] == "\\", i + 1 < s.count {
                        i += 1
                        value.unicodeScalars.append(s[i] == "n" ? "\n" : s[i])
                    } else {
                        value.unicodeScalars.append(s[i])
                    }
                    i += 1
                }
                i += 1  // closing quote
                labels[key] = value
                if i < s.count, s[i] == "," { i += 1 }
            }
            i += 1  // }
        }
        while i < s.count, s[i] == " " { i += 1 }
        var rest = ""
        while i < s.count, s[i] != " " { rest.unicodeScalars.append(s[i]); i += 1 }
        guard let value = Double(rest) else { throw FixtureError("bad sample value \"\(rest)\" for \(name)") }
        return PromSample(name: name, labels: labels, value: value)
    }

    /// The value of the one sample named `name` with exactly `labels`; nil when absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { $0.name == name && $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// The samples named `name`.
    func all(_ name: String) -> [PromSample] { samples.filter { $0.name == name } }
}
