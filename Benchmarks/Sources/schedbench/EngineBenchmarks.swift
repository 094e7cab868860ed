import Foundation
import Logging
import SchedulerKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum AddBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("jobs", 10_000)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteJobStore(path: dir.appendingPathComponent("add.sqlite").path)
        let client = SchedulerClient(store: store)
        let s = try await addJobs(client, count: n, schedule: { i in try! Schedule.cron("\(i % 60) \(i % 24) * * *") })
        emit([("jobs", .int(n)), ("seconds", round3(s)), ("jobs_per_s", .int(Int(Double(n) / s)))])
    }
}

enum ListBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("jobs", 10_000)
        guard let schedctl = o.string("schedctl") ?? locateSchedctl() else {
            throw SchedulerError(.invalidInput, "pass --schedctl PATH (build it with swift build -c release)")
        }
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("list.sqlite").path
        let store = try SQLiteJobStore(path: path)
        let client = SchedulerClient(store: store)
        try await addJobs(client, count: n, schedule: { i in try! Schedule.cron("\(i % 60) \(i % 24) * * *") })
        try store.close()
        var times: [Double] = []
        let repeats = o.int("repeat", 5)
        for _ in 0..<repeats {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: schedctl)
            p.arguments = ["list", "--db", path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try p.run()
            p.waitUntilExit()
            times.append(seconds(ContinuousClock.now - start) * 1000)
            guard p.terminationStatus == 0 else { throw SchedulerError(.storage, "schedctl list exited \(p.terminationStatus)") }
        }
        emit([("jobs", .int(n)), ("ms", round3(percentile(times, 50))), ("min_ms", round3(times.min() ?? 0)), ("runs", .int(repeats))])
    }

    static func locateSchedctl() -> String? {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for c in [".build/release/schedctl", ".build/debug/schedctl"] {
            let p = here.appendingPathComponent(c).path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

/// A scheduler on the real clock with a no-op handler, counting finished runs.
final class Counter: Sendable {
    let value = Mutex(0)
    let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
    let target: Int
    init(target: Int) { self.target = target }
    func hit() {
        let reached = value.withLock { v -> Bool in
            v += 1
            return v == target
        }
        if reached { done.withLock { $0?.resume(); $0 = nil } }
    }
    func wait() async {
        await withCheckedContinuation { c in
            let already = value.withLock { $0 >= target }
            if already { c.resume() } else { done.withLock { $0 = c } }
        }
    }
}

enum DispatchBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("runs", 20_000)
        let concurrency = o.int("concurrency", 256)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteJobStore(path: dir.appendingPathComponent("dispatch.sqlite").path)
        let client = SchedulerClient(store: store)
        // Pre-fill the queue (not timed), as the raw SQLite floor does: N queued manual runs.
        let jobs = 100
        for j in 0..<jobs {
            try await client.addJob(JobSpec(name: "d\(j)", schedule: .every(seconds: 86_400, anchor: Date()), kind: "noop"))
        }
        let ids = try await client.jobs().map(\.id.rawValue)
        for i in 0..<n { try await client.runJobNow(ids[i % jobs]) }
        var config = Scheduler.Configuration()
        config.concurrency = concurrency
        config.logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let scheduler = Scheduler(store: store, configuration: config)
        let counter = Counter(target: n)
        scheduler.register("noop") { _ in counter.hit() }
        let events = scheduler.events()
        let finished = Counter(target: n)
        let watcher = Task {
            for await e in events { if case .runFinished = e { finished.hit() } }
        }
        let start = ContinuousClock.now
        let task = Task { try await scheduler.run() }
        await finished.wait()
        let elapsed = seconds(ContinuousClock.now - start)
        scheduler.shutdown()
        _ = try await task.value
        watcher.cancel()
        let succeeded = try await store.runs(RunQuery(statuses: [.succeeded], limit: nil)).count
        emit([
            ("runs", .int(n)), ("seconds", round3(elapsed)), ("runs_per_s", .int(Int(Double(n) / elapsed))),
            ("concurrency", .int(concurrency)), ("succeeded", .int(succeeded)), ("synchronous", "NORMAL"), ("journal", "WAL"),
        ])
    }
}

enum LatenessBenchmark {
    static func run(_ o: Options) async throws {
        let singles = o.int("jobs", 200)
        let spacing = o.double("spacing-ms", 50) / 1000
        let burst = o.int("burst", 1000)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteJobStore(path: dir.appendingPathComponent("lateness.sqlite").path)
        let client = SchedulerClient(store: store)
        let samples = Mutex<[String: [Double]]>([:])
        var config = Scheduler.Configuration()
        config.concurrency = max(64, burst)
        config.logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let scheduler = Scheduler(store: store, configuration: config)
        let total = singles + burst
        let counter = Counter(target: total)
        scheduler.register("probe") { ctx in
            let late = Date().timeIntervalSince(ctx.scheduledFor) * 1000
            samples.withLock { $0[ctx.job.name.hasPrefix("one") ? "one" : "burst", default: []].append(late) }
            counter.hit()
        }
        // One job due at a time: one-shot jobs spaced `spacing` apart, starting 1.5 s from now.
        let t0 = Date().addingTimeInterval(1.5)
        for i in 0..<singles {
            try await client.addJob(JobSpec(name: "one-\(i)", schedule: .at(t0.addingTimeInterval(Double(i) * spacing)), kind: "probe"))
        }
        // Then a burst: `burst` jobs due in the same second.
        let tb = t0.addingTimeInterval(Double(singles) * spacing + 2).timeIntervalSince1970.rounded(.up)
        for i in 0..<burst {
            try await client.addJob(JobSpec(name: "burst-\(i)", schedule: .at(Date(timeIntervalSince1970: tb)), kind: "probe"))
        }
        let task = Task { try await scheduler.run() }
        await counter.wait()
        scheduler.shutdown()
        _ = try await task.value
        let one = samples.withLock { $0["one"] ?? [] }
        let b = samples.withLock { $0["burst"] ?? [] }
        emit([
            ("one_p50_ms", round3(percentile(one, 50))), ("one_p99_ms", round3(percentile(one, 99))),
            ("burst_p50_ms", round3(percentile(b, 50))), ("burst_p99_ms", round3(percentile(b, 99))),
            ("one_samples", .int(one.count)), ("burst_samples", .int(b.count)), ("burst_max_ms", round3(b.max() ?? .nan)),
        ])
    }
}

enum IdleBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("jobs", 10_000)
        let window = o.double("seconds", 10)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteJobStore(path: dir.appendingPathComponent("idle.sqlite").path)
        let client = SchedulerClient(store: store)
        try await addJobs(client, count: n, schedule: { _ in .every(seconds: 86_400 * 30, anchor: Date()) })
        var config = Scheduler.Configuration()
        config.logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let scheduler = Scheduler(store: store, configuration: config)
        let task = Task { try await scheduler.run() }
        try await Task.sleep(for: .seconds(1))  // settle: start-up reaping and first claim
        let cpu0 = cpuSeconds()
        let wall0 = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(Int(window * 1000)))
        let cpu = cpuSeconds() - cpu0
        let wall = seconds(ContinuousClock.now - wall0)
        scheduler.shutdown()
        _ = try await task.value
        emit([("jobs", .int(n)), ("seconds", round3(wall)), ("cpu_seconds", round3(cpu)), ("cpu_percent", round3(cpu / wall * 100))])
    }
}

enum MemoryBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("jobs", 100_000)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("memory.sqlite").path
        do {
            let store = try SQLiteJobStore(path: path)
            let client = SchedulerClient(store: store)
            try await addJobs(client, count: n, schedule: { i in .every(seconds: Int64(3600 + i % 3600), anchor: Date()) })
            try store.close()
        }
        // Fresh processes that only run a scheduler over the populated database: `schedctl
        // daemon` (what an operator runs) and this benchmark's own embedded scheduler.
        let seconds = o.double("seconds", 5)
        var fields: [(String, JSONValue)] = [("jobs", .int(n)), ("seconds", round3(seconds))]
        var daemonKiB: Double?
        if let schedctl = o.string("schedctl") ?? ListBenchmark.locateSchedctl() {
            daemonKiB = try peakRSSKiB(of: [schedctl, "--db", path, "daemon", "--for", "\(Int(seconds))s"])
        }
        let embeddedKiB = try peakRSSKiB(of: [CommandLine.arguments[0], "memory-child", "--db", path, "--seconds", String(seconds)])
        // SPEC §8's figure: the daemon's when it could be run, else the embedded scheduler's.
        fields.append(("peak_rss_mib", round3((daemonKiB ?? embeddedKiB) / 1024)))
        if let daemonKiB { fields.append(("daemon_peak_rss_mib", round3(daemonKiB / 1024))) }
        fields.append(("embedded_peak_rss_mib", round3(embeddedKiB / 1024)))
        emit(fields)
    }

    /// Runs `argv` to its end (output discarded) and returns its peak resident set in KiB, from
    /// its own `wait4` record.
    static func peakRSSKiB(of argv: [String]) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw SchedulerError(.storage, "cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        return Double(usage.ru_maxrss)
    }

    static func child(_ o: Options) async throws {
        guard let path = o.string("db") else { exit(64) }
        let store = try SQLiteJobStore(path: path)
        var config = Scheduler.Configuration()
        config.logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let scheduler = Scheduler(store: store, configuration: config)
        scheduler.register("noop") { _ in }
        let task = Task { try await scheduler.run() }
        // The scheduler never loads all jobs: it reads the next due ones through an index.
        try await Task.sleep(for: .milliseconds(Int(o.double("seconds", 5) * 1000)))
        scheduler.shutdown()
        _ = try await task.value
    }
}
