import Foundation
import SchedulerKit
#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var values: [String: String] = [:]
    init(_ args: [String]) {
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--") {
                let key = String(a.dropFirst(2))
                if let eq = key.firstIndex(of: "=") {
                    values[String(key[..<eq])] = String(key[key.index(after: eq)...])
                } else if i + 1 < args.count, !args[i + 1].hasPrefix("--") {
                    values[key] = args[i + 1]
                    i += 1
                } else {
                    values[key] = "true"
                }
            }
            i += 1
        }
    }
    func int(_ key: String, _ fallback: Int) -> Int { values[key].flatMap { Int($0.replacingOccurrences(of: "_", with: "")) } ?? fallback }
    func double(_ key: String, _ fallback: Double) -> Double { values[key].flatMap(Double.init) ?? fallback }
    func string(_ key: String) -> String? { values[key] }
}

/// A fresh directory for a benchmark's database, on the same filesystem as the project.
func scratchDirectory(_ options: Options) throws -> URL {
    let base = options.string("dir").map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
    let dir = base.appendingPathComponent("schedbench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let s = values.sorted()
    let k = min(s.count - 1, max(0, Int((p / 100 * Double(s.count - 1)).rounded())))
    return s[k]
}

func round3(_ x: Double) -> JSONValue { .double((x * 1000).rounded() / 1000) }

/// Process CPU time (user + system) in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    // RUSAGE_SELF (0 on Linux and macOS) imports as an enum or as an Int32 depending on which C
    // modules the target loads (GRDB's SQLite headers change it), so it is written as its value.
    getrusage(0, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Adds `count` jobs through the operator API; returns the seconds it took.
@discardableResult
func addJobs(_ client: SchedulerClient, count: Int, schedule: (Int) -> Schedule, kind: String = "noop", prefix: String = "job") async throws -> Double {
    let start = ContinuousClock.now
    for i in 0..<count {
        try await client.addJob(JobSpec(name: "\(prefix)-\(i)", schedule: schedule(i), kind: kind))
    }
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// Prints the benchmark's one JSON line: `{"bench": <name>, ...fields}`.
func emit(_ fields: [(String, JSONValue)]) {
    let name = CommandLine.arguments.dropFirst().first ?? "?"
    print(JSONValue.object([("bench", .string(name))] + fields).serialized())
}
