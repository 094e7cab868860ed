import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SchedulerKit
import SchedulerKitHTTP
import ServiceLifecycle
import Synchronization

/// `schedbench api [--jobs 1000] [--runs 100000] [--concurrency 32] [--seconds 10] [--page-jobs 10000]`
///
/// Seeds a file database with J jobs and N finished runs, serves it with `SchedulerHTTP` on a
/// free port of 127.0.0.1 in this process, and drives three routes one after the other, each for
/// `--seconds` with `--concurrency` connections kept alive: `GET /healthz` (the floor: the same
/// server doing no work), `GET /api/v1/runs?limit=50` and `GET /api/v1/jobs/{name}` (names
/// spread over the jobs). Every request carries a bearer token (authentication included).
/// Figures: `rps`, `p50_ms`, `p99_ms` of the runs route, `job_rps`, `job_p50_ms`, `job_p99_ms`,
/// `floor_rps`, and `runs_vs_floor` (target ≥ 0.3; p99 target ≤ 20 ms). Then the store grows to
/// `--page-jobs` jobs and the dashboard's jobs page (`GET /`, signed in with a session cookie)
/// is fetched one request at a time for `--seconds`: `page_p50_ms`, `page_p99_ms` (target ≤ 50 ms
/// with 10,000 jobs) and `page_bytes`.
enum APIBenchmark {
    static func run(_ o: Options) async throws {
        let jobCount = o.int("jobs", 1000)
        let runCount = o.int("runs", 100_000)
        let concurrency = o.int("concurrency", 32)
        let duration = o.double("seconds", 10)
        let pageJobs = o.int("page-jobs", 10_000)

        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("api.sqlite").path
        let store = try SQLiteJobStore(path: path)
        let client = SchedulerClient(store: store, actor: "bench")
        let now = Date()
        var jobs: [Job] = []
        for j in 0..<jobCount {
            jobs.append(try await client.addJob(JobSpec(name: "job-\(j)", schedule: .every(seconds: 3600, anchor: now), command: ["true"])))
        }
        _ = try PruneBenchmark.seed(path: path, runs: runCount, jobs: jobs, now: now)
        let token = try await client.addToken("bench", role: .viewer).plaintext

        var options = SchedulerHTTP.Options()
        options.port = 0
        options.logger = Logger(label: "bench")
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try SchedulerHTTP(client: client, options: options).application { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "bench")))
        let server = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the server did not start") }

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        configuration.redirectConfiguration = .disallow  // the sign-in's 303 carries the session cookie
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let base = "http://127.0.0.1:\(port)"
        let names = jobs.map(\.name)

        let auth = [("Authorization", "Bearer \(token)")]
        _ = try await load(http, concurrency: concurrency, seconds: min(1, duration), headers: auth) { _ in "\(base)/healthz" }  // warm-up
        let floor = try await load(http, concurrency: concurrency, seconds: duration, headers: auth) { _ in "\(base)/healthz" }
        let runs = try await load(http, concurrency: concurrency, seconds: duration, headers: auth) { _ in "\(base)/api/v1/runs?limit=50" }
        let job = try await load(http, concurrency: concurrency, seconds: duration, headers: auth) { i in
            "\(base)/api/v1/jobs/\(names[i % names.count])"
        }

        // The dashboard's jobs page over `pageJobs` jobs, signed in as a browser is.
        for j in jobCount..<max(jobCount, pageJobs) {
            _ = try await client.addJob(JobSpec(name: "job-\(j)", schedule: .every(seconds: 3600, anchor: now), command: ["true"]))
        }
        let signIn = try await http.execute(HTTPClientRequest(url: "\(base)/login?token=\(token)"), timeout: .seconds(30))
        _ = try await signIn.body.collect(upTo: 1024 * 1024)
        guard let cookie = signIn.headers["set-cookie"].first?.split(separator: ";").first.map(String.init) else {
            throw BenchError("the dashboard sign-in set no cookie (status \(signIn.status.code))")
        }
        let pageRequest = HTTPClientRequest(url: "\(base)/")
        var pageBytes = 0
        do {
            var r = pageRequest
            r.headers.add(name: "Cookie", value: cookie)
            let response = try await http.execute(r, timeout: .seconds(30))
            pageBytes = try await response.body.collect(upTo: 64 * 1024 * 1024).readableBytes
        }
        let page = try await load(http, concurrency: 1, seconds: duration, headers: [("Cookie", cookie)]) { _ in "\(base)/" }
        try await http.shutdown()
        await group.triggerGracefulShutdown()
        try await server.value
        try store.close()

        emit([
            ("rps", round3(runs.rps)), ("p50_ms", round3(runs.p50)), ("p99_ms", round3(runs.p99)),
            ("job_rps", round3(job.rps)), ("job_p50_ms", round3(job.p50)), ("job_p99_ms", round3(job.p99)),
            ("floor_rps", round3(floor.rps)), ("floor_p99_ms", round3(floor.p99)),
            ("runs_vs_floor", round3(runs.rps / max(floor.rps, 1))), ("job_vs_floor", round3(job.rps / max(floor.rps, 1))),
            ("page_p50_ms", round3(page.p50)), ("page_p99_ms", round3(page.p99)), ("page_rps", round3(page.rps)),
            ("page_bytes", .int(pageBytes)), ("page_jobs", .int(max(jobCount, pageJobs))),
            ("errors", .int(floor.errors + runs.errors + job.errors + page.errors)),
            ("jobs", .int(jobCount)), ("runs", .int(runCount)), ("concurrency", .int(concurrency)), ("seconds", round3(duration)),
        ])
    }

    struct Figures {
        var rps: Double
        var p50: Double
        var p99: Double
        var errors: Int
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// `concurrency` loops, each sending one request after another until `seconds` pass.
    static func load(
        _ http: HTTPClient, concurrency: Int, seconds duration: Double, headers: [(String, String)],
        url: @escaping @Sendable (Int) -> String
    ) async throws -> Figures {
        let deadline = ContinuousClock.now + .milliseconds(Int64(duration * 1000))
        let start = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var errors = 0
                    var i = worker
                    while ContinuousClock.now < deadline {
                        var request = HTTPClientRequest(url: url(i))
                        for (name, value) in headers { request.headers.add(name: name, value: value) }
                        let t = ContinuousClock.now
                        let response = try await http.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 16 * 1024 * 1024)
                        latencies.append(seconds(ContinuousClock.now - t) * 1000)
                        if response.status != .ok { errors += 1 }
                        i += concurrency
                    }
                    return (latencies, errors)
                }
            }
            var all: [Double] = []
            var errors = 0
            for try await (l, e) in group {
                all += l
                errors += e
            }
            return (all, errors)
        }
        let elapsed = seconds(ContinuousClock.now - start)
        return Figures(
            rps: Double(results.0.count) / elapsed, p50: percentile(results.0, 50), p99: percentile(results.0, 99), errors: results.1)
    }
}
