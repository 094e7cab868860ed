import Foundation
import Logging
import SchedulerKit
import SchedulerKitPostgres
import SchedulerKitTestSupport
import Synchronization
import Testing

/// What only the PostgreSQL store promises (SPEC §10), beyond the conformance suite: migrating
/// at once from several nodes, refusing a newer schema, the database's clock, cross-process
/// wake-ups.
@Suite("PostgreSQL store", .enabled(if: PostgresTestServer.enabled))
struct PostgresStoreTests {
    static func open(_ url: String, clock: PostgresJobStore.ClockSource = .caller, listens: Bool = false) async throws -> PostgresJobStore {
        var configuration = PostgresJobStore.Configuration()
        configuration.clock = clock
        configuration.listensForChanges = listens
        configuration.maximumConnections = 2
        if ProcessInfo.processInfo.environment["PGDEBUG"] != nil {
            var logger = Logger(label: "pg")
            logger.logLevel = .trace
            configuration.logger = logger
        }
        return try await PostgresJobStore.open(url: try PostgresURL(url), configuration: configuration)
    }

    @Test func threeNodesMigratingAnEmptyDatabaseAtOnceAllSucceed() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await PostgresTestServer.shared()
            let url = try await server.makeDatabase()
            let stores = try await withThrowingTaskGroup(of: PostgresJobStore.self) { group in
                for _ in 0..<3 { group.addTask { try await Self.open(url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(stores.count == 3)
            let name = String(url.split(separator: "/").last!)
            #expect(try await server.psql(name, "SELECT string_agg(name, ',') FROM schedulerkit_migrations") == "v1")
            try await stores[0].insertJob(makeJob("a"), audit: auditLine(.jobCreate))
            #expect(try await stores[2].job(named: "a") != nil)
            for store in stores { await store.close() }
        }
    }

    @Test func aNewerSchemaIsRefusedWithoutAWrite() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await PostgresTestServer.shared()
            let url = try await server.makeDatabase()
            await (try await Self.open(url)).close()
            let name = String(url.split(separator: "/").last!)
            _ = try await server.psql(name, "INSERT INTO schedulerkit_migrations (name) VALUES ('from_the_future')")
            let before = try await server.psql(name, "SELECT count(*) FROM jobs")
            await #expect(throws: SchedulerError.self) { _ = try await Self.open(url) }
            do {
                _ = try await Self.open(url)
            } catch let error as SchedulerError {
                #expect(error.code == .storage && error.message.contains("newer"))
            }
            #expect(try await server.psql(name, "SELECT count(*) FROM jobs") == before)
        }
    }

    /// A node whose clock runs a minute ahead claims beside a correct one: with the database's
    /// clock it neither starts a slot early nor runs it twice.
    @Test func aSkewedNodeNeitherStartsEarlyNorTwice() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await PostgresTestServer.shared()
            let url = try await server.makeDatabase()
            let skewed = try await Self.open(url, clock: .database)
            let correct = try await Self.open(url, clock: .database)
            // Far enough ahead that a loaded machine still claims early before the slot is due.
            let slot = Date().addingTimeInterval(20).millisecondRounded
            var job = makeJob("soon", schedule: .at(slot))
            job.misfire = .runOnce
            try await correct.insertJob(job, audit: auditLine(.jobCreate))

            // A minute ahead, the slot looks 40 s late to the skewed node; by the database it is not due.
            let early = try await skewed.claimDueRuns(claim(at: Date().addingTimeInterval(60), owner: workerB))
            #expect(early.started.isEmpty && early.created.isEmpty)
            // Once due by the database's clock, both claim at once: exactly one run, started once.
            let deadline = Date().addingTimeInterval(60)
            var started: [ClaimedRun] = []
            while started.isEmpty && Date() < deadline {
                async let a = skewed.claimDueRuns(claim(at: Date().addingTimeInterval(60), owner: workerB))
                async let b = correct.claimDueRuns(claim(at: Date(), owner: workerA))
                started += try await a.started + b.started
                if started.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(started.count == 1)
            let run = try #require(started.first?.run)
            #expect(run.startedAt.map { $0 >= slot.addingTimeInterval(-0.1) } ?? false)
            #expect(try await correct.runs(RunQuery(jobId: job.id, limit: nil)).count == 1)
            await skewed.close()
            await correct.close()
        }
    }

    /// A due job whose row another node holds (it is enqueuing the slot) is retried after
    /// 50 ms, not after a second: that node's commit wakes no one, and with a flat 1 s every
    /// node of three slept past runs already queued (decision 0030).
    @Test func dueWorkAnotherNodeHoldsIsRetriedSoon() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await PostgresTestServer.shared()
            let url = try await server.makeDatabase()
            let name = String(url.split(separator: "/").last!)
            let store = try await Self.open(url)
            try await store.insert(makeJob("held", schedule: .at(t0)) { $0.misfire = .runOnce })
            // Another session holds the job's row for a few seconds.
            let hold = Task {
                try await server.psql(name, "BEGIN; SELECT 1 FROM jobs WHERE name = 'held' FOR UPDATE; SELECT pg_sleep(3); COMMIT;")
            }
            let locked = Date().addingTimeInterval(20)
            var held = false
            while !held && Date() < locked {
                held = try await server.psql(
                    name, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()"
                ) == "1"
                if !held { try await Task.sleep(for: .milliseconds(20)) }
            }
            try #require(held, "the row lock was never taken")

            let now = t0.addingTimeInterval(1)
            let clock = ManualClock(now: now)
            let scheduler = Scheduler(store: store, clock: clock)
            let ran = Mutex(0)
            scheduler.register("test") { _ in ran.withLock { $0 += 1 } }
            let task = Task { try await scheduler.run() }
            // The claim skipped the held job; the loop sleeps 50 ms of its clock before trying again.
            let retry = now.addingTimeInterval(0.05)
            let asleep = Date().addingTimeInterval(20)
            while !clock.deadlines.contains(where: { abs($0.timeIntervalSince(retry)) < 0.001 }) && Date() < asleep {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(clock.deadlines.contains(where: { abs($0.timeIntervalSince(retry)) < 0.001 }), "no retry at +50 ms: \(clock.deadlines)")
            #expect(ran.withLock { $0 } == 0)
            _ = try await hold.value
            clock.advance(to: retry)
            let started = Date().addingTimeInterval(20)
            while ran.withLock({ $0 }) == 0 && Date() < started { try await Task.sleep(for: .milliseconds(10)) }
            #expect(ran.withLock { $0 } == 1)
            scheduler.shutdown()
            _ = try await task.value
            await store.close()
        }
    }

    /// An operator write in one store wakes an engine on another within milliseconds
    /// (`LISTEN/NOTIFY`), and moves the other's change token but not its own.
    @Test func aWriteInOneProcessSignalsTheOthers() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await PostgresTestServer.shared()
            let url = try await server.makeDatabase()
            let listener = try await Self.open(url, listens: true)
            let writer = try await Self.open(url)
            // The listener is up once a notification sent from psql reaches it.
            let name = String(url.split(separator: "/").last!)
            let up = Date().addingTimeInterval(20)
            var heard = false
            while !heard && Date() < up {
                let before = listener.localChanges.generation
                _ = try await server.psql(name, "NOTIFY schedulerkit_changes, 'psql'")
                heard = await Self.signalled(listener.localChanges, after: before, within: 0.5)
            }
            #expect(heard, "the listener never heard a NOTIFY")
            try await Task.sleep(for: .milliseconds(300))  // let stray signals of the warm-up pass
            let seen = listener.localChanges.generation
            let token = try await listener.externalChangeToken()
            let start = Date()
            try await writer.insertJob(makeJob("wake"), audit: auditLine(.jobCreate))
            #expect(await Self.signalled(listener.localChanges, after: seen, within: 10))
            #expect(Date().timeIntervalSince(start) < 5)
            #expect(try await listener.externalChangeToken() != token)
            await listener.close()
            await writer.close()
        }
    }

    /// Without notifications (a transaction-mode pooler drops `LISTEN`), a scheduler still
    /// starts a run queued by another process: its 1 s poll of the change counter wakes it.
    @Test func withoutNotificationsThePollStartsAnotherProcesssRunNow() async throws {
        try await PostgresTestServer.exclusively {
            let server = try await PostgresTestServer.shared()
            let url = try await server.makeDatabase()
            let node = try await Self.open(url, clock: .database, listens: false)
            let operatorStore = try await Self.open(url, listens: false)
            let client = SchedulerClient(store: operatorStore)
            try await client.addJob(JobSpec(name: "manual", schedule: try Schedule.cron("0 0 1 1 *"), kind: "probe"))
            let scheduler = Scheduler(store: node)
            let ran = Mutex<[RunID]>([])
            scheduler.register("probe") { ctx in ran.withLock { $0.append(ctx.runId) } }
            let task = Task { try await scheduler.run() }
            // A first run-now, then a second once the first is recorded: by then the scheduler
            // has gone back to sleep (nothing is due until January), and only the poll wakes it.
            var expected: [RunID] = []
            for _ in 0..<2 {
                let run = try await client.runJobNow("manual")
                expected.append(run.id)
                let deadline = Date().addingTimeInterval(15)
                while Date() < deadline, try await operatorStore.run(id: run.id)?.status != .succeeded {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(ran.withLock { $0 } == expected)
            scheduler.shutdown()
            _ = try await task.value
            await node.close()
            await operatorStore.close()
        }
    }

    /// Whether `signal` moves past `seen` within `seconds`.
    static func signalled(_ signal: ChangeSignal, after seen: UInt64, within seconds: Double) async -> Bool {
        let done = Task { await signal.wait(after: seen) }
        let timeout = Task { try? await Task.sleep(for: .seconds(seconds)); done.cancel() }
        await done.value
        timeout.cancel()
        return signal.generation != seen
    }
}

extension Date {
    fileprivate var millisecondRounded: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
