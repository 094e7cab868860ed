import Foundation
import Logging
import PostgresNIO
import SchedulerKit
import SchedulerKitPostgres
import Synchronization

/// `pg-dispatch` and `pg-lateness` (SPEC §8): several schedulers, each with a connection pool of
/// its own, on one PostgreSQL database given by `--url` or `$PG_URL`
/// (`../shared/peers/pg_tmp.py run -- …` provides a throwaway server). Every node runs in this
/// process with its own `PostgresJobStore` and `Scheduler`, as separate hosts would; the
/// cross-process wake-up is measured from a child process.
enum PostgresBench {
    static func baseURL(_ o: Options) throws -> PostgresURL {
        guard let text = o.string("url") ?? ProcessInfo.processInfo.environment["PG_URL"], !text.isEmpty else {
            throw SchedulerError(.invalidInput, "pass --url postgres://… or set PG_URL (../shared/peers/pg_tmp.py run -- … gives a server)")
        }
        return try PostgresURL(text)
    }

    /// A fresh database on the server of `base`, so each measurement starts empty.
    static func freshDatabase(_ base: PostgresURL, _ name: String) async throws -> PostgresURL {
        let unique = "\(name)_\(UUID().uuidString.prefix(8).lowercased())"
        try await execute(base, "CREATE DATABASE \(unique)")
        var url = base
        url.database = unique
        return url
    }

    static let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` on a connection of its own to `url` (plain TCP: the benchmarks use loopback).
    static func withConnection<T>(_ url: PostgresURL, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let config = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: config, id: 1, logger: quiet)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The URL with its password, for a child process (only ever passed, never printed).
    static func text(_ url: PostgresURL) -> String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = url.username
        c.password = url.password
        c.host = url.host
        c.port = url.port
        c.path = "/" + url.database
        return c.string ?? ""
    }

    /// Transactions committed in the database so far (`pg_stat_database`), read-only
    /// statements outside a transaction included. A backend's counts reach it when the backend
    /// exits (or within a second), so the measurement reads it once the nodes' stores are closed.
    static func commits(_ url: PostgresURL) async throws -> Int64 {
        try await withConnection(url) { connection in
            let rows = try await connection.query(
                "SELECT pg_stat_force_next_flush(), xact_commit FROM pg_stat_database WHERE datname = current_database()", logger: quiet)
            for try await (_, value) in rows.decode((String?, Int64).self) { return value }
            return 0
        }
    }

    /// Runs one statement on a connection of its own.
    static func execute(_ url: PostgresURL, _ sql: String) async throws {
        try await withConnection(url) { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: quiet)
        }
    }

    static func store(_ url: PostgresURL, listens: Bool = true) async throws -> PostgresJobStore {
        var configuration = PostgresJobStore.Configuration()
        configuration.listensForChanges = listens
        return try await PostgresJobStore.open(url: url, configuration: configuration)
    }

    static func quietConfig(concurrency: Int) -> Scheduler.Configuration {
        var config = Scheduler.Configuration()
        config.concurrency = concurrency
        config.logger = quiet
        return config
    }
}

enum PostgresDispatchBenchmark {
    static func run(_ o: Options) async throws {
        let base = try PostgresBench.baseURL(o)
        let n = o.int("runs", 20_000)
        let concurrency = o.int("concurrency", 256)
        let jobs = o.int("jobs", 100)
        let counts = (o.string("nodes") ?? "1,2,4").split(separator: ",").compactMap { Int($0) }
        for nodes in counts {
            try await measure(base: base, nodes: nodes, runs: n, jobs: jobs, concurrency: concurrency)
        }
    }

    static func measure(base: PostgresURL, nodes: Int, runs n: Int, jobs: Int, concurrency: Int) async throws {
        let url = try await PostgresBench.freshDatabase(base, "pgdispatch\(nodes)")
        // Pre-fill the queue (not timed), as the raw floor does: N queued manual runs of
        // `--jobs` jobs (default 100, as `dispatch`).
        let seeder = try await PostgresBench.store(url, listens: false)
        let client = SchedulerClient(store: seeder)
        for j in 0..<jobs {
            try await client.addJob(JobSpec(name: "d\(j)", schedule: .every(seconds: 86_400, anchor: Date()), kind: "noop"))
        }
        let ids = try await client.jobs().map(\.id.rawValue)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let lanes = 16
            for lane in 0..<lanes {
                group.addTask {
                    var i = lane
                    while i < n {
                        _ = try await client.runJobNow(ids[i % jobs])
                        i += lanes
                    }
                }
            }
            try await group.waitForAll()
        }
        await seeder.close()
        // As the raw floor does after its fill (autovacuum would, within its naptime).
        try await PostgresBench.execute(url, "VACUUM ANALYZE")
        FileHandle.standardError.write(Data("pg-dispatch: \(n) runs queued for \(nodes) node(s)\n".utf8))

        // Every start of a handler, by run id: a run seen twice is a duplicate.
        let seen = Mutex<[RunID: Int]>([:])
        let finished = Counter(target: n)
        var stores: [PostgresJobStore] = []
        var schedulers: [Scheduler] = []
        var watchers: [Task<Void, Never>] = []
        for _ in 0..<nodes {
            let store = try await PostgresBench.store(url)
            let scheduler = Scheduler(store: store, configuration: PostgresBench.quietConfig(concurrency: concurrency))
            scheduler.register("noop") { ctx in seen.withLock { $0[ctx.runId, default: 0] += 1 } }
            let events = scheduler.events()
            watchers.append(Task { for await e in events { if case .runFinished = e { finished.hit() } } })
            stores.append(store)
            schedulers.append(scheduler)
        }
        let commitsBefore = try await PostgresBench.commits(url)
        let start = ContinuousClock.now
        let tasks = schedulers.map { s in Task { try await s.run() } }
        await finished.wait()
        let elapsed = seconds(ContinuousClock.now - start)
        for s in schedulers { s.shutdown() }
        for t in tasks { _ = try await t.value }
        for w in watchers { w.cancel() }
        for s in stores { await s.close() }
        let commits = try await PostgresBench.commits(url) - commitsBefore
        let counter = try await PostgresBench.store(url, listens: false)
        let succeeded = try await counter.runs(RunQuery(statuses: [.succeeded], limit: nil)).count
        await counter.close()
        let (duplicates, distinct) = seen.withLock { map in (map.values.filter { $0 > 1 }.count, map.count) }
        emit([
            ("nodes", .int(nodes)), ("runs", .int(n)), ("seconds", round3(elapsed)), ("runs_per_s", .int(Int(Double(n) / elapsed))),
            ("duplicates", .int(duplicates)), ("distinct_runs", .int(distinct)), ("succeeded", .int(succeeded)),
            ("commits", .int(Int(commits))), ("runs_per_commit", round3(Double(n) / Double(max(1, commits)))),
            ("jobs", .int(jobs)), ("concurrency_per_node", .int(concurrency)), ("database", .string(url.database)),
        ])
    }
}

enum PostgresLatenessBenchmark {
    static func run(_ o: Options) async throws {
        let base = try PostgresBench.baseURL(o)
        let nodes = o.int("nodes", 3)
        let singles = o.int("jobs", 200)
        let spacing = o.double("spacing-ms", 50) / 1000
        let wakes = o.int("wakes", 100)
        let wakeSpacing = o.double("wake-spacing-ms", 100)
        let url = try await PostgresBench.freshDatabase(base, "pglateness")

        let seeder = try await PostgresBench.store(url, listens: false)
        let client = SchedulerClient(store: seeder)
        // A job that is never due by its schedule (once a year): only the wake-ups start it.
        try await client.addJob(JobSpec(name: "wake", schedule: try Schedule.cron("0 0 1 1 *"), kind: "wake"))
        let t0 = Date().addingTimeInterval(3 + Double(singles) * 0.01)
        for i in 0..<singles {
            try await client.addJob(JobSpec(name: "one-\(i)", schedule: .at(t0.addingTimeInterval(Double(i) * spacing)), kind: "probe"))
        }
        guard Date() < t0 else { throw SchedulerError(.storage, "adding the jobs took longer than planned") }
        await seeder.close()

        let lateness = Mutex<[Double]>([])
        let wakeStarts = Mutex<[RunID: Date]>([:])
        let starts = Mutex<[RunID: Int]>([:])
        let probes = Counter(target: singles)
        let woken = Counter(target: wakes)
        var stores: [PostgresJobStore] = []
        var schedulers: [Scheduler] = []
        var nodeOf = [Int](repeating: 0, count: nodes)
        let perNode = Mutex(nodeOf)
        for index in 0..<nodes {
            let store = try await PostgresBench.store(url)
            let scheduler = Scheduler(store: store, configuration: PostgresBench.quietConfig(concurrency: 64))
            scheduler.register("probe") { ctx in
                let late = Date().timeIntervalSince(ctx.scheduledFor) * 1000
                lateness.withLock { $0.append(late) }
                starts.withLock { $0[ctx.runId, default: 0] += 1 }
                perNode.withLock { $0[index] += 1 }
                probes.hit()
            }
            scheduler.register("wake") { ctx in
                let now = Date()
                wakeStarts.withLock { $0[ctx.runId] = now }
                starts.withLock { $0[ctx.runId, default: 0] += 1 }
                woken.hit()
            }
            stores.append(store)
            schedulers.append(scheduler)
        }
        let tasks = schedulers.map { s in Task { try await s.run() } }
        await probes.wait()

        // The wake-ups: another process runs `run-now` on the `wake` job, one at a time, and
        // prints each run's id with the instants its call began and returned.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["pg-wake-child", "--url", PostgresBench.text(url), "--count", "\(wakes)", "--spacing-ms", "\(wakeSpacing)"]
        var environment = ProcessInfo.processInfo.environment
        environment["PG_URL"] = nil
        child.environment = environment
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { throw SchedulerError(.storage, "pg-wake-child exited \(child.terminationStatus)") }
        let deadline = ContinuousClock.now + .seconds(30)
        while woken.value.withLock({ $0 }) < wakes, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        for s in schedulers { s.shutdown() }
        for t in tasks { _ = try await t.value }
        for s in stores { await s.close() }

        var fromCall: [Double] = []
        var fromCommit: [Double] = []
        let started = wakeStarts.withLock { $0 }
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let began = Double(parts[1]), let returned = Double(parts[2]),
                let at = started[RunID(String(parts[0]))]
            else { continue }
            fromCall.append((at.timeIntervalSince1970 - began) * 1000)
            fromCommit.append((at.timeIntervalSince1970 - returned) * 1000)
        }
        nodeOf = perNode.withLock { $0 }
        let late = lateness.withLock { $0 }
        let duplicates = starts.withLock { $0.values.filter { $0 > 1 }.count }
        emit([
            ("nodes", .int(nodes)), ("p50_ms", round3(percentile(late, 50))), ("p99_ms", round3(percentile(late, 99))),
            ("max_ms", round3(late.max() ?? .nan)), ("samples", .int(late.count)),
            ("wake_p50_ms", round3(percentile(fromCall, 50))), ("wake_p99_ms", round3(percentile(fromCall, 99))),
            ("wake_max_ms", round3(fromCall.max() ?? .nan)), ("wake_samples", .int(fromCall.count)),
            ("wake_from_commit_p99_ms", round3(percentile(fromCommit, 99))),
            ("duplicates", .int(duplicates)), ("starts_per_node", .array(nodeOf.map { .int($0) })),
        ])
    }

    /// The other process of the wake-up measurement.
    static func child(_ o: Options) async throws {
        let url = try PostgresBench.baseURL(o)
        let count = o.int("count", 100)
        let spacing = o.double("spacing-ms", 100)
        let store = try await PostgresBench.store(url, listens: false)
        let client = SchedulerClient(store: store)
        for _ in 0..<count {
            let began = Date().timeIntervalSince1970
            let run = try await client.runJobNow("wake")
            let returned = Date().timeIntervalSince1970
            print("\(run.id.rawValue) \(began) \(returned)")
            try await Task.sleep(for: .milliseconds(Int(spacing)))
        }
        await store.close()
    }
}
