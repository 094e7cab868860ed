import Foundation
import SchedulerKitTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `schedctl` on a PostgreSQL database (SPEC §10), against the test process's own server:
/// bad addresses, the password kept out of every output, and several daemons on one database
/// with one killed -9 mid-run.
@Suite("schedctl on PostgreSQL", .enabled(if: PostgresTestServer.enabled))
struct PostgresCommandTests {
    typealias Server = PostgresTestServer

    @Test func badAddressesAreOneLineExit74AndThePasswordIsNeverPrinted() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await Server.shared()
            let url = try await server.makeDatabase()
            let name = String(url.split(separator: "/").last!)
            let sandbox = try Sandbox()
            let wrong = server.url(database: name, user: Server.passwordUser, password: "Wrong-\(Server.password)")
            let cases: [(String, String)] = [
                (wrong, "authentication failed"),
                ("postgres://\(Server.passwordUser):\(Server.password)@127.0.0.1:1/\(name)", "cannot reach PostgreSQL"),
                (server.url(database: "no_such_db", user: Server.passwordUser, password: Server.password), "does not exist"),
            ]
            for (address, expected) in cases {
                let result = try await sandbox.run(["--db", address, "list"])
                #expect(result.status == 74, "\(result)")
                #expect(result.stderr.contains(expected), "\(result)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(result)")
                #expect(!result.stderr.contains(Server.password) && !result.stdout.contains(Server.password), "\(result)")
                // A message naming the database shows the password as ***.
                if address.contains("@127.0.0.1:\(server.port)/") { #expect(result.stderr.contains("***"), "\(result)") }
            }
            // The right password, from SCHEDCTL_DB: every command works, nothing prints it.
            let good = server.url(database: name, user: Server.passwordUser, password: Server.password)
            let env = ["SCHEDCTL_DB": good]
            let add = try await sandbox.run(["add", "nightly", "--cron", "0 3 * * *", "--", "true"], env: env)
            #expect(add.status == 0, "\(add)")
            let list = try await sandbox.run(["--json", "list"], env: env)
            #expect(list.status == 0, "\(list)")
            #expect(try list.jsonArray().map { $0["name"] as? String } == ["nightly"])
            let daemon = try await sandbox.run(["daemon", "--for", "1s"], env: env)
            #expect(daemon.status == 0, "\(daemon)")
            for result in [add, list, daemon] {
                #expect(!result.stdout.contains(Server.password) && !result.stderr.contains(Server.password), "\(result)")
            }
            // The same name twice is refused by the database's unique index, exit 1 or 65 as on SQLite.
            let again = try await sandbox.run(["add", "nightly", "--every", "1h", "--", "true"], env: env)
            #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again)")
        }
    }

    /// A foreign database (tables of another application) is refused without a write.
    @Test func aForeignDatabaseIsRefusedUntouched() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await Server.shared()
            let url = try await server.makeDatabase()
            let name = String(url.split(separator: "/").last!)
            _ = try await server.psql(name, "CREATE TABLE invoices (id int)")
            let result = try await Sandbox().run(["--db", url, "add", "x", "--every", "1h", "--", "true"])
            #expect(result.status == 74 && result.stderr.contains("not a SchedulerKit database"), "\(result)")
            #expect(try await server.psql(name, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "1")
        }
    }

    /// Three daemons on one database; the one running a long run is killed with -9. Its run
    /// ends `system_error`/`lost`, reaped by a live node; a job due every second goes on being
    /// run by the others, and no (job, slot, attempt) ever runs twice.
    @Test func threeDaemonsOneKilledMidRun() async throws {
        try await Self.withLongRunOnOneOf(3) { c in
            let (server, name, daemons, victim) = (c.server, c.name, c.daemons, c.victim)
            let ticksBefore = try await Self.succeededTicks(server, name)
            victim.signal(SIGKILL)
            _ = await victim.wait()

            try await DaemonTests.waitUntil(timeout: 40, "the dead node's run is reaped as lost") {
                try await server.psql(name, "SELECT status || '/' || coalesce(error_code, '') FROM runs WHERE job_name = 'long'") == "system_error/lost"
            }
            try await DaemonTests.waitUntil(timeout: 40, "the live nodes go on running the tick job") {
                try await Self.succeededTicks(server, name) >= ticksBefore + 3
            }
            #expect(try await Self.slotsRunTwice(server, name) == 0)
            // Both survivors stop cleanly.
            for d in daemons where d.pid != victim.pid {
                d.signal(SIGTERM)
                #expect(await d.wait(timeout: .seconds(30)) == 0)
            }
        }
    }

    /// A node that took an alert's delivery and died before it was answered: another node on
    /// the same database sends it (SPEC §10, issue 10 item 4). The receiver never answers the
    /// first attempt; the node holding that delivery is killed with -9.
    @Test func aDeadNodesAlertIsDeliveredByAnother() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await Server.shared()
            let url = try await server.makeDatabase()
            let name = String(url.split(separator: "/").last!)
            let receiver = try await TestHTTPReceiver.start(script: [.hang])
            let sandbox = try Sandbox()
            #expect(try await sandbox.run(["--db", url, "add", "fails", "--every", "1h", "--", "sh", "-c", "exit 3"]).status == 0)
            #expect(try await sandbox.run(["--db", url, "alerts", "add", "fails", "--webhook", receiver.url("/hook")]).status == 0)
            // Every node claims every second, so a live node's dispatcher looks again often.
            #expect(try await sandbox.run(["--db", url, "add", "tick", "--every", "1s", "--", "true"]).status == 0)
            let daemons = try Self.startDaemons(2, url: url, sandbox: sandbox)
            defer {
                for d in daemons { d.signal(SIGKILL) }
            }
            #expect(try await sandbox.run(["--db", url, "run-now", "fails"]).status == 0)
            let first = try await receiver.request(1, timeout: .seconds(30))
            let deliveryId = try #require(first.header("X-SchedulerKit-Delivery"))
            var owner = ""
            try await DaemonTests.waitUntil(timeout: 30, "the hanging delivery is leased to a node") {
                owner = try await server.psql(name, "SELECT coalesce(max(lease_owner), '') FROM deliveries WHERE id = '\(deliveryId)'")
                return !owner.isEmpty
            }
            let victim = try Self.node(owning: owner, among: daemons)
            victim.signal(SIGKILL)
            _ = await victim.wait()

            let second = try await receiver.request(2, timeout: .seconds(60))
            #expect(second.header("X-SchedulerKit-Delivery") == deliveryId)
            #expect(second.header("X-SchedulerKit-Event") == "run.failed")
            try await DaemonTests.waitUntil(timeout: 30, "the delivery is recorded as delivered") {
                try await server.psql(name, "SELECT status FROM deliveries WHERE id = '\(deliveryId)'") == "delivered"
            }
            let survivor = try #require(daemons.first { $0.pid != victim.pid })
            survivor.signal(SIGTERM)
            #expect(await survivor.wait(timeout: .seconds(30)) == 0)
            await receiver.shutdown()
        }
    }

    /// A node cut off mid-run (stopped with SIGSTOP: no heartbeats, no claims): once its lease
    /// expires another node ends its run `system_error`/`lost`; when it comes back it finds the
    /// lease gone, stops its child and leaves the record as it is (SPEC §10, issue 10 item 4).
    @Test func aCutOffNodeComesBackToALostRun() async throws {
        try await Self.withLongRunOnOneOf(2) { c in
            let (server, name, daemons, victim, childPid) = (c.server, c.name, c.daemons, c.victim, c.childPid)
            victim.signal(SIGSTOP)

            try await DaemonTests.waitUntil(timeout: 40, "the cut-off node's run is reaped as lost by the other") {
                try await server.psql(name, "SELECT status || '/' || coalesce(error_code, '') FROM runs WHERE job_name = 'long'") == "system_error/lost"
            }
            victim.signal(SIGCONT)
            // Back, it learns from its next heartbeat that the lease is gone and stops the child.
            try await DaemonTests.waitUntil(timeout: 30, "the returning node stops its orphaned child") {
                kill(childPid, 0) != 0 && errno == ESRCH
            }
            let ticks = try await Self.succeededTicks(server, name)
            try await DaemonTests.waitUntil(timeout: 40, "both nodes go on running the tick job") {
                try await Self.succeededTicks(server, name) >= ticks + 3
            }
            // The record stays as the live node wrote it: one run, lost, never overwritten.
            #expect(try await server.psql(name, "SELECT count(*) || ' ' || min(status) || '/' || min(coalesce(error_code, '')) FROM runs WHERE job_name = 'long'") == "1 system_error/lost")
            #expect(try await Self.slotsRunTwice(server, name) == 0)
            for d in daemons {
                d.signal(SIGTERM)
                #expect(await d.wait(timeout: .seconds(30)) == 0)
            }
        }
    }

    // MARK: - Several daemons on one database

    /// A fresh database with `long` and `tick` (``addLongAndTick(url:sandbox:pidFile:)``),
    /// `count` daemons on it, and `long` started on one of them.
    struct LongRunCluster {
        let server: Server
        let name: String
        let daemons: [ChildProcess]
        /// The daemon running `long`.
        let victim: ChildProcess
        /// The pid of `long`'s child.
        let childPid: Int32
    }

    /// Runs `body` with a ``LongRunCluster``; afterwards every daemon (stopped ones too) and the
    /// long run's child are killed.
    static func withLongRunOnOneOf(_ count: Int, _ body: (LongRunCluster) async throws -> Void) async throws {
        try await PostgresTestServer.exclusively {
            let server = try await Server.shared()
            let url = try await server.makeDatabase()
            let name = String(url.split(separator: "/").last!)
            let sandbox = try Sandbox()
            let pidFile = sandbox.path("long.pid")
            try await addLongAndTick(url: url, sandbox: sandbox, pidFile: pidFile)
            let daemons = try startDaemons(count, url: url, sandbox: sandbox)
            defer {
                for d in daemons {
                    d.signal(SIGCONT)
                    d.signal(SIGKILL)
                }
                if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    kill(pid, SIGKILL)
                }
            }
            #expect(try await sandbox.run(["--db", url, "run-now", "long"]).status == 0)
            var owner = ""
            try await DaemonTests.waitUntil(timeout: 30, "the long run is running on some node") {
                owner = try await server.psql(name, "SELECT coalesce(max(lease_owner), '') FROM runs WHERE job_name = 'long' AND status = 'running'")
                // the child has written its whole pid line
                return !owner.isEmpty && ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").hasSuffix("\n")
            }
            let childPid = Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            let victim = try node(owning: owner, among: daemons)
            try await body(LongRunCluster(server: server, name: name, daemons: daemons, victim: victim, childPid: childPid))
        }
    }

    /// `count` daemons on `url` with a 2 s lease, each logging to `daemon-N.log` in the sandbox.
    static func startDaemons(_ count: Int, url: String, sandbox: Sandbox) throws -> [ChildProcess] {
        try (0..<count).map { i in
            let log = sandbox.path("daemon-\(i).log")
            return try ChildProcess(
                executable: try Sandbox.binary(), arguments: ["daemon", "--db", url, "--lease", "2s", "--grace", "1s"], stdout: log, stderr: log)
        }
    }

    /// A manual job `long` whose child writes its pid to `pidFile` and sleeps a minute, and a
    /// job `tick` due every second.
    static func addLongAndTick(url: String, sandbox: Sandbox, pidFile: String) async throws {
        #expect(try await sandbox.run(["--db", url, "add", "long", "--every", "1h", "--", "sh", "-c", "echo $$ > \(pidFile); exec sleep 60"]).status == 0)
        #expect(try await sandbox.run(["--db", url, "add", "tick", "--every", "1s", "--", "true"]).status == 0)
    }

    /// The daemon whose worker identity (`host/pid/instance`) is `owner`.
    static func node(owning owner: String, among daemons: [ChildProcess]) throws -> ChildProcess {
        let parts = owner.split(separator: "/")
        return try #require(daemons.first { parts.count >= 2 && String($0.pid) == parts[1] }, "owner \(owner)")
    }

    static func succeededTicks(_ server: Server, _ database: String) async throws -> Int {
        Int(try await server.psql(database, "SELECT count(*) FROM runs WHERE job_name = 'tick' AND status = 'succeeded'")) ?? 0
    }

    /// Scheduled (job, slot, attempt) triples that have more than one run.
    static func slotsRunTwice(_ server: Server, _ database: String) async throws -> Int {
        Int(try await server.psql(
            database, "SELECT count(*) FROM (SELECT 1 FROM runs WHERE trigger <> 'manual' GROUP BY job_id, scheduled_for, attempt HAVING count(*) > 1) d"
        )) ?? -1
    }
}
