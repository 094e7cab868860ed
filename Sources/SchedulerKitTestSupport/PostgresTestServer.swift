import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for the tests of one test process: Debian's `postgresql`
/// binaries, `initdb` in a temporary directory, listening on 127.0.0.1 at a free port, started
/// on first use and stopped when the process exits (a detached watchdog also stops it if the
/// process is killed). Each test takes a fresh database of its own with ``makeDatabase()``.
///
/// As root (CI), every server program runs as the `postgres` OS user, since PostgreSQL refuses
/// to run as root. The superuser `postgres` connects without a password (trust); the role
/// ``passwordUser`` needs ``password`` (SCRAM), for the tests of credentials.
///
/// Without binaries the tests that need it skip (``unavailableReason``), except under
/// `CI=true`, where ``shared()`` throws so they fail.
package final class PostgresTestServer: Sendable {
    package static let passwordUser = "sk_app"
    package static let password = "Sk-pw-7d3f-never-printed"

    package let port: Int
    package let directory: URL
    private let bin: String
    private let counter = Atomic<Int>(0)

    package struct Unavailable: Error, CustomStringConvertible {
        package var description: String
    }

    /// Whether the suites must fail rather than skip without a server.
    package static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Why no server can be started here, or nil when one can.
    package static var unavailableReason: String? {
        binDirectory() == nil ? "no PostgreSQL server binaries (install Debian's postgresql, or set PG_BIN)" : nil
    }

    /// Whether a test needing PostgreSQL runs (false: it is skipped; never under CI=true).
    package static var enabled: Bool { required || unavailableReason == nil }

    private static let startup = Mutex<Task<PostgresTestServer, any Error>?>(nil)

    /// The server of this test process, started on first use.
    package static func shared() async throws -> PostgresTestServer {
        let task = startup.withLock { task -> Task<PostgresTestServer, any Error> in
            if let task { return task }
            let started = Task { try await PostgresTestServer.start() }
            task = started
            return started
        }
        return try await task.value
    }

    private static let started = Mutex<PostgresTestServer?>(nil)

    /// Runs `body` while no other test of this process holds the server: the PostgreSQL tests
    /// take turns, so their server processes add one test's load at a time to the suite that
    /// runs beside them on two cores (timing-sensitive tests elsewhere stay within bounds).
    package static func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        await turns.acquire()
        do {
            let result = try await body()
            await turns.release()
            return result
        } catch {
            await turns.release()
            throw error
        }
    }

    private static let turns = Turns()

    private actor Turns {
        private var busy = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            if !busy {
                busy = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
    }

    /// The server ``shared()`` started, for callers that cannot await.
    package static func sharedNow() throws -> PostgresTestServer {
        guard let server = started.withLock({ $0 }) else { throw Unavailable(description: "the PostgreSQL test server is not started") }
        return server
    }

    /// `postgres://postgres@127.0.0.1:PORT/NAME` of a new, empty database.
    package func makeDatabase() async throws -> String {
        let name = "sk_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)"
        try await runAsServerUser(bin + "/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-O", Self.passwordUser, name])
        return url(database: name)
    }

    /// The URL of `database` for `user` (with `password` when given).
    package func url(database: String, user: String = "postgres", password: String? = nil) -> String {
        let credentials = password.map { "\(user):\($0)" } ?? user
        return "postgres://\(credentials)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs SQL as the superuser on `database` through `psql` (for tests that look behind the
    /// store's back); returns what it printed, unaligned, tuples only.
    package func psql(_ database: String, _ sql: String) async throws -> String {
        let out = directory.appendingPathComponent("psql-\(UUID().uuidString.prefix(8)).out").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try await runAsServerUser(
            bin + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql],
            stdout: out)
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// ``psql(_:_:)`` for a caller that cannot await (it blocks the calling thread).
    package func psqlBlocking(_ database: String, _ sql: String) throws -> String {
        let out = directory.appendingPathComponent("psql-\(UUID().uuidString.prefix(8)).out").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let args = ["-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql]
        let (exe, all) = getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--", bin + "/psql"] + args) : (bin + "/psql", args)
        let child = try ChildProcess(executable: exe, arguments: all, workingDirectory: "/tmp", stdout: out)
        guard child.waitBlocking(timeout: 30) == 0 else { throw Unavailable(description: "psql failed: \(sql)") }
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Starting and stopping

    private init(port: Int, directory: URL, bin: String) {
        self.port = port
        self.directory = directory
        self.bin = bin
    }

    private static func start() async throws -> PostgresTestServer {
        guard let bin = binDirectory() else {
            throw Unavailable(description: unavailableReason ?? "no PostgreSQL")
        }
        let directory = URL(fileURLWithPath: "/tmp/schedulerkit-pg-\(getpid())-\(UUID().uuidString.prefix(6))", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data").path
        if getuid() == 0 {
            chmod(directory.path, 0o755)
            try await TestPeers.run("/bin/chown", ["-R", "postgres:postgres", directory.path], in: directory)
        }
        let port = try freePort()
        let server = PostgresTestServer(port: port, directory: directory, bin: bin)
        try await server.runAsServerUser(bin + "/initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        let hba = """
            local all postgres trust
            host all postgres 127.0.0.1/32 trust
            host all all 127.0.0.1/32 scram-sha-256

            """
        try hba.write(toFile: data + "/pg_hba.conf", atomically: true, encoding: .utf8)
        if getuid() == 0 { try await TestPeers.run("/bin/chown", ["postgres:postgres", data + "/pg_hba.conf"], in: directory) }
        let options = "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(directory.path) -c fsync=off "
            + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB"
        try await server.runAsServerUser(
            bin + "/pg_ctl", ["-D", data, "-l", directory.appendingPathComponent("server.log").path, "-o", options, "-w", "-t", "60", "start"],
            timeout: .seconds(90))
        server.armStop()
        _ = try await server.psql("postgres", "CREATE ROLE \(passwordUser) LOGIN CREATEDB PASSWORD '\(password)'")
        started.withLock { $0 = server }
        return server
    }

    /// Stops the server when this process exits, and (a detached watchdog) when it is killed.
    private func armStop() {
        let stop = "\(bin)/pg_ctl -D \(directory.path)/data -m immediate stop >/dev/null 2>&1; rm -rf \(directory.path)"
        let asServer = getuid() == 0 ? "runuser -u postgres -- sh -c '\(bin)/pg_ctl -D \(directory.path)/data -m immediate stop' >/dev/null 2>&1; rm -rf \(directory.path)" : stop
        let watchdog = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(asServer)"
        _ = try? ChildProcess(executable: "/usr/bin/setsid", arguments: ["/bin/sh", "-c", watchdog])
        PostgresTestServer.stopCommand.withLock { $0 = asServer }
        atexit {
            if let command = PostgresTestServer.stopCommand.withLock({ $0 }) {
                _ = (try? ChildProcess(executable: "/bin/sh", arguments: ["-c", command]))?.waitBlocking(timeout: 20)
            }
        }
    }

    private static let stopCommand = Mutex<String?>(nil)

    private func runAsServerUser(_ executable: String, _ arguments: [String], stdout: String? = nil, timeout: Duration = .seconds(60)) async throws {
        let errors = directory.appendingPathComponent("cmd-\(UUID().uuidString.prefix(8)).err").path
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let (exe, args) = getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
        let child = try ChildProcess(executable: exe, arguments: args, workingDirectory: "/tmp", stdout: stdout, stderr: errors)
        guard let status = await child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = await child.wait()
            throw Unavailable(description: "\((executable as NSString).lastPathComponent) ran past \(timeout)")
        }
        guard status == 0 else {
            let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw Unavailable(description: "\((executable as NSString).lastPathComponent) exited \(status): \(text.prefix(500))")
        }
    }

    private static func binDirectory() -> String? {
        if let env = ProcessInfo.processInfo.environment["PG_BIN"], FileManager.default.isExecutableFile(atPath: env + "/initdb") {
            return env
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for v in versions where FileManager.default.isExecutableFile(atPath: "\(base)/\(v)/bin/initdb") {
            return "\(base)/\(v)/bin"
        }
        return nil
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw Unavailable(description: "bind: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
