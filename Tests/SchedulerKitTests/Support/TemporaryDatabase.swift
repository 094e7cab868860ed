import Foundation
import GRDB
import SchedulerKit
import SchedulerKitPostgres
import SchedulerKitTestSupport
import Synchronization
import Testing

/// A unique temporary directory holding one database path, for one test.
///
/// For example:
/// ```swift
/// try await TemporaryDatabase.with { db in
///     let store = try SQLiteJobStore(path: db.path)
///     ...
/// }
/// ```
struct TemporaryDatabase: Sendable {
    /// The directory, removed with everything in it when the test ends.
    let directory: URL
    /// `jobs.sqlite` inside `directory`; not created.
    let path: String

    /// Makes a fresh directory under the system temporary directory.
    init() throws {
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        directory = base.appendingPathComponent("SchedulerKitTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("jobs.sqlite").path
    }

    /// Another path in the same directory.
    func sibling(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Removes the directory.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a fresh temporary database path, removing it afterwards whatever happens.
    static func with<T>(_ body: (TemporaryDatabase) async throws -> T) async throws -> T {
        let db = try TemporaryDatabase()
        defer { db.remove() }
        return try await body(db)
    }
}

// MARK: - Store factory

/// The ``JobStore`` implementations the conformance suite runs against.
///
/// A new implementation adds a case here (and its branch in ``StoreFixture``); every test written
/// `@Test(arguments: StoreKind.allCases)` then runs against it.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// ``SQLiteJobStore`` on a file in a temporary directory.
    case sqliteFile
    /// ``PostgresJobStore`` on a fresh database of the test process's PostgreSQL server
    /// (``PostgresTestServer``), with the caller's clock so instants are the test's.
    case postgres

    /// Every store the suite can run here: PostgreSQL only when its server binaries exist,
    /// always under CI=true (where a server that cannot start fails the tests).
    static var allCases: [StoreKind] { PostgresTestServer.enabled ? [.sqliteFile, .postgres] : [.sqliteFile] }

    var testDescription: String {
        switch self {
        case .sqliteFile: "SQLite file"
        case .postgres: "PostgreSQL"
        }
    }
}

/// Settings a test may ask of the stores it opens.
struct StoreOptions: Sendable {
    var outbox: any OutboxPolicy = NoOutbox()
    /// Seconds a write waits for another writer's lock.
    var busyTimeout: Double = 5
}

/// One database for one test, and the stores opened on it.
///
/// `store` is the store under test. ``openAnother(_:)`` opens a second, independent store on the
/// same database, as a second process would see it.
final class StoreFixture: Sendable {
    let kind: StoreKind
    let database: TemporaryDatabase
    /// The PostgreSQL database's URL (kind `.postgres`).
    let postgresURL: String?
    /// The store under test, with every ability: a store kind that lacks one does not compile
    /// here, so no ability test can skip.
    let store: any CompleteJobStore
    private let opened: Mutex<[any CompleteJobStore]>

    private init(kind: StoreKind, database: TemporaryDatabase, postgresURL: String?, first: any CompleteJobStore) {
        self.kind = kind
        self.database = database
        self.postgresURL = postgresURL
        self.store = first
        self.opened = Mutex([first])
    }

    /// Runs `body` with a fresh database of `kind`, closing its stores and removing it afterwards.
    static func with<T>(
        _ kind: StoreKind, _ options: StoreOptions = StoreOptions(), _ body: (StoreFixture) async throws -> T
    ) async throws -> T {
        if kind == .postgres {
            return try await PostgresTestServer.exclusively { try await run(kind, options, body) }
        }
        return try await run(kind, options, body)
    }

    private static func run<T>(
        _ kind: StoreKind, _ options: StoreOptions, _ body: (StoreFixture) async throws -> T
    ) async throws -> T {
        try await TemporaryDatabase.with { database in
            let url = kind == .postgres ? try await PostgresTestServer.shared().makeDatabase() : nil
            let first = try await Self.open(kind, database: database, url: url, options: options)
            let fixture = StoreFixture(kind: kind, database: database, postgresURL: url, first: first)
            do {
                let result = try await body(fixture)
                await fixture.closeAll()
                return result
            } catch {
                await fixture.closeAll()
                throw error
            }
        }
    }

    /// A second store on the same database (another process's view of it).
    func openAnother(_ options: StoreOptions = StoreOptions()) async throws -> any CompleteJobStore {
        let store = try await Self.open(kind, database: database, url: postgresURL, options: options)
        opened.withLock { $0.append(store) }
        return store
    }

    private static func open(_ kind: StoreKind, database: TemporaryDatabase, url: String?, options: StoreOptions) async throws -> any CompleteJobStore {
        switch kind {
        case .sqliteFile:
            var configuration = SQLiteJobStore.Configuration()
            configuration.outbox = options.outbox
            configuration.busyTimeout = options.busyTimeout
            return try SQLiteJobStore(path: database.path, configuration: configuration)
        case .postgres:
            var configuration = PostgresJobStore.Configuration()
            configuration.outbox = options.outbox
            configuration.clock = .caller
            configuration.listensForChanges = false
            configuration.maximumConnections = 2
            return try await PostgresJobStore.open(url: try PostgresURL(url ?? ""), configuration: configuration)
        }
    }

    private func closeAll() async {
        for store in opened.withLock({ $0 }) {
            if let sqlite = store as? SQLiteJobStore { try? sqlite.close() }
            if let postgres = store as? PostgresJobStore { await postgres.close() }
        }
    }

    /// Rows of `sql` read with psql beside the store (kind `.postgres`), fields split at `|`.
    private func postgresRows(_ sql: String) throws -> [[String]] {
        guard let url = postgresURL, let name = url.split(separator: "/").last.map(String.init) else { return [] }
        let server = try PostgresTestServer.sharedNow()
        let text = try server.psqlBlocking(name, sql)
        return text.isEmpty ? [] : text.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    // MARK: Reading behind the store's back

    /// The outbox rows of a run, in `sequence` order, read through a separate connection.
    func deliveries(runId: RunID) throws -> [DeliveryRow] {
        switch kind {
        case .postgres:
            return try postgresRows(
                "SELECT id, coalesce(run_id, ''), coalesce(alert_id, ''), event, target, sequence FROM deliveries WHERE run_id = '\(runId.rawValue)' ORDER BY sequence"
            ).map { f in
                DeliveryRow(
                    id: f[0], runId: f[1].isEmpty ? nil : f[1], alertId: f[2].isEmpty ? nil : f[2], event: f[3], target: f[4],
                    sequence: Int(f[5]) ?? -1)
            }
        case .sqliteFile:
            let queue = try rawQueue(readonly: true)
            defer { try? queue.close() }
            return try queue.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT id, run_id, alert_id, event, target, sequence FROM deliveries WHERE run_id = ? ORDER BY sequence",
                    arguments: [runId.rawValue]
                ).map { row in
                    DeliveryRow(
                        id: row["id"], runId: row["run_id"], alertId: row["alert_id"], event: row["event"], target: row["target"],
                        sequence: row["sequence"])
                }
            }
        }
    }

    /// Every outbox row, read through a separate connection.
    func deliveryCount() throws -> Int {
        switch kind {
        case .postgres:
            return Int(try postgresRows("SELECT count(*) FROM deliveries").first?.first ?? "") ?? -1
        case .sqliteFile:
            let queue = try rawQueue(readonly: true)
            defer { try? queue.close() }
            return try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveries") ?? 0 }
        }
    }

    /// A run's stored status, read synchronously through a separate connection (usable from
    /// inside a store transaction, to see what other connections see).
    func runStatusOutsideTheStore(_ id: RunID) throws -> String? {
        switch kind {
        case .postgres:
            return try postgresRows("SELECT status FROM runs WHERE id = '\(id.rawValue)'").first?.first
        case .sqliteFile:
            let queue = try rawQueue(readonly: true)
            defer { try? queue.close() }
            return try queue.read { db in
                try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [id.rawValue])
            }
        }
    }

    /// A plain GRDB connection on the SQLite file, outside any store.
    func rawQueue(readonly: Bool = false) throws -> DatabaseQueue {
        var configuration = GRDB.Configuration()
        configuration.readonly = readonly
        return try DatabaseQueue(path: database.path, configuration: configuration)
    }
}

/// An outbox row as the tests look at it.
struct DeliveryRow: Sendable, Hashable {
    var id: String
    var runId: String?
    var alertId: String?
    var event: String
    var target: String
    var sequence: Int
}
