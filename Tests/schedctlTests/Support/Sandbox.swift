import Foundation
import GRDB
import SchedulerKit
import SchedulerKitTestSupport
import Testing

/// What one run of the binary produced.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutData: Data
    var seconds: Double

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }

    /// stdout parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: stdoutData, options: [.fragmentsAllowed])
    }

    func jsonObject() throws -> [String: Any] {
        try #require(try json() as? [String: Any], "stdout is not a JSON object: \(stdout)")
    }

    func jsonArray() throws -> [[String: Any]] {
        try #require(try json() as? [[String: Any]], "stdout is not a JSON array of objects: \(stdout)")
    }
}

/// A temporary directory with a database path, removed when the sandbox goes away; runs the
/// real `schedctl` binary with `HOME` pointing inside it.
final class Sandbox: @unchecked Sendable {
    let dir: String
    let db: String
    private let counter = Counter()

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        dir = (base as NSString).appendingPathComponent("schedctl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        db = (dir as NSString).appendingPathComponent("db.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

    /// Runs `schedctl --db <sandbox db> <arguments>`.
    @discardableResult
    func sk(_ arguments: String..., env: [String: String] = [:]) async throws -> CLIResult {
        try await run(["--db", db] + arguments, env: env)
    }

    /// Runs `schedctl <arguments>` as given.
    @discardableResult
    func run(
        _ arguments: [String], env: [String: String] = [:], unset: [String] = [], timeout: Double = 120, executable: String? = nil
    ) async throws -> CLIResult {
        let n = counter.next()
        let outPath = path(".out-\(n)")
        let errPath = path(".err-\(n)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try #require(FileHandle(forWritingAtPath: outPath))
        let err = try #require(FileHandle(forWritingAtPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }

        var environment = ProcessInfo.processInfo.environment
        for key in ["SCHEDCTL_DB", "XDG_DATA_HOME", "NO_COLOR", "SCHEDCTL_BUSY_TIMEOUT"] { environment[key] = nil }
        environment["HOME"] = dir
        environment["USER"] = "tester"
        environment.merge(env) { _, new in new }
        for key in unset { environment[key] = nil }

        let start = Date()
        // Not Foundation's Process: its run() crashes intermittently on Linux with Swift 6.3.1
        // (see ChildProcess).
        let process = try ChildProcess(
            executable: try executable ?? Self.binary(), arguments: arguments, environment: environment,
            workingDirectory: dir, stdout: outPath, stderr: errPath)
        var status = await process.wait(timeout: .milliseconds(Int64(timeout * 1000)))
        if status == nil {
            process.signal(SIGKILL)
            status = await process.wait()
            Issue.record("schedctl \(arguments) did not finish within \(timeout)s")
        }
        let seconds = Date().timeIntervalSince(start)
        let stdoutData = FileManager.default.contents(atPath: outPath) ?? Data()
        let stderrData = FileManager.default.contents(atPath: errPath) ?? Data()
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return CLIResult(
            status: status ?? -1, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self), stdoutData: stdoutData, seconds: seconds)
    }

    /// Adds a job through the CLI and returns its JSON object.
    @discardableResult
    func addJob(_ name: String, _ schedule: [String] = ["--every", "1h"], command: [String] = ["true"]) async throws -> [String: Any] {
        let args = ["--db", db, "--json", "add", name] + schedule + ["--"] + command
        let result = try await run(args)
        #expect(result.status == 0, "\(result)")
        return try result.jsonObject()
    }

    /// The store of the sandbox database, opened in this process.
    func store() throws -> SQLiteJobStore { try SQLiteJobStore(path: db) }

    /// The number of rows of `table`, read without going through schedctl.
    func count(_ table: String) throws -> Int {
        let queue = try DatabaseQueue(path: db)
        defer { try? queue.close() }
        let read: (Database) throws -> Int = { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
        return try queue.read(read)
    }

    /// The bytes of a file, nil when it does not exist.
    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// The `schedctl` binary built beside this test bundle (or `$SCHEDCTL_BIN`).
    static func binary() throws -> String {
        if let env = ProcessInfo.processInfo.environment["SCHEDCTL_BIN"] { return env }
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("schedctl"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/schedctl").path)
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw BinaryNotFound(candidates: candidates)
    }

    struct BinaryNotFound: Error, CustomStringConvertible {
        var candidates: [String]
        var description: String { "schedctl binary not found at \(candidates); run swift build first" }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
