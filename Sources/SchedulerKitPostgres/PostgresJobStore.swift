import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SchedulerKit
import Synchronization

/// A ``JobStore`` in a PostgreSQL database, shared by any number of schedulers on any number of
/// hosts (SPEC §10), on postgres-nio's `PostgresClient`.
///
/// For example:
/// ```swift
/// let store = try await PostgresJobStore.open(url: try PostgresURL("postgres://app@db:5432/jobs"))
/// defer { Task { await store.close() } }
/// ```
///
/// Claims lock due jobs and queued runs with `FOR UPDATE SKIP LOCKED`, so schedulers never wait
/// for each other; a unique `(job, slot, attempt)` index makes a second run of a slot impossible.
/// With ``Configuration/clock`` `.database` (the default), every instant of an engine transition
/// (due checks, leases, heartbeats, reaping) is the database's clock, whatever the caller's
/// clock says (decision 0029).
public final class PostgresJobStore: JobStore, Sendable {
    /// Whose clock the engine's transitions use.
    public enum ClockSource: Sendable, Hashable {
        /// The database server's clock (`clock_timestamp()`): nodes whose clocks disagree still
        /// agree on what is due and whose lease expired.
        case database
        /// The instants the caller passes (the conformance suite and tests with an injected clock).
        case caller
    }

    public struct Configuration: Sendable {
        /// Connections in the pool at most (default 8).
        public var maximumConnections = 8
        /// How long connecting may take before the store gives up (seconds, default 10).
        public var connectTimeout: Double = 10
        /// Writes the notifications of run transitions in the same transactions (default: the
        /// alerts and state webhooks of SPEC §4, as the SQLite store; ``NoOutbox`` for none).
        public var outbox: any OutboxPolicy = NotificationOutbox()
        /// The largest artifact accepted, in bytes (default 256 MiB); all are kept in the database.
        public var artifactSizeLimit = 256 * 1024 * 1024
        /// Whose clock the engine's transitions use (default `.database`).
        public var clock: ClockSource = .database
        /// Listens for other processes' changes (`LISTEN`) on a connection of its own, so a
        /// scheduler wakes within milliseconds of a `run-now` elsewhere (default true). Without
        /// it, or behind a pooler that drops notifications, the 1 s poll of
        /// ``JobStore/externalChangeToken()`` still wakes it.
        public var listensForChanges = true
        /// Opens without migrating: a database without the current schema is refused.
        public var readOnly = false
        /// Seconds a connection of this store may sit idle inside a transaction before the server
        /// ends its session (`idle_in_transaction_session_timeout`, default 10; 0 sends nothing).
        /// The store never waits on anything but the database inside a transaction, so only a
        /// process that stopped mid-transaction (cut off, frozen, `SIGSTOP`) reaches it, and its
        /// row locks would otherwise keep every other node from reaping its runs until it came
        /// back. Poolers that refuse unknown startup parameters need 0 here.
        public var idleInTransactionTimeout: Double = 10
        public var logger = Logger(label: "SchedulerKit.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        public init() {}
    }

    public let url: PostgresURL
    public let localChanges = ChangeSignal()
    let client: PostgresClient
    let outbox: any OutboxPolicy
    let artifactSizeLimit: Int
    let clockSource: ClockSource
    let readOnly: Bool
    let logger: Logger
    private let runner: Mutex<Task<Void, Never>?>
    let listener: Mutex<Task<Void, Never>?>
    /// Bumps of the change counter made by this store object (``externalChangeToken()``
    /// subtracts them, so only other processes' writes move it).
    let ownChanges = Atomic<Int64>(0)
    /// Sent as the payload of this store's notifications, so its own listener ignores them.
    let instance = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    private init(url: PostgresURL, configuration: Configuration, client: PostgresClient) {
        self.url = url
        self.client = client
        self.outbox = configuration.outbox
        self.artifactSizeLimit = configuration.artifactSizeLimit
        self.clockSource = configuration.clock
        self.readOnly = configuration.readOnly
        self.logger = configuration.logger
        self.runner = Mutex(nil)
        self.listener = Mutex(nil)
    }

    /// Connects, checks the database and brings its schema up to date (several processes may
    /// do this at once: an advisory lock serialises them).
    ///
    /// - throws: `.storage` with one line (server unreachable, authentication failed, no such
    ///   database, another application's database, a newer schema); the password never appears.
    public static func open(url: PostgresURL, configuration: Configuration = Configuration()) async throws(SchedulerError) -> PostgresJobStore {
        let connectionConfig = Self.connectionConfiguration(url, configuration)
        // One direct connection first: a wrong address or password fails at once with its real
        // reason, where a pool would keep retrying.
        do {
            let connection = try await PostgresConnection.connect(
                configuration: connectionConfig, id: 1, logger: configuration.logger)
            defer { Task { try? await connection.close() } }
            try await PostgresSchema.prepare(connection, url: url, readOnly: configuration.readOnly, logger: configuration.logger)
        } catch {
            throw mapError(error, url: url)
        }
        var clientConfig = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: url.sslMode == "disable" ? .disable : (url.sslMode == "require" ? .require(.makeClientConfiguration()) : .prefer(.makeClientConfiguration())))
        clientConfig.options.maximumConnections = max(1, configuration.maximumConnections)
        clientConfig.options.connectTimeout = .milliseconds(Int64(configuration.connectTimeout * 1000))
        if configuration.idleInTransactionTimeout > 0 {
            let ms = Int((configuration.idleInTransactionTimeout * 1000).rounded())
            clientConfig.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "\(ms)")]
        }
        let client = PostgresClient(configuration: clientConfig, backgroundLogger: configuration.logger)
        let store = PostgresJobStore(url: url, configuration: configuration, client: client)
        store.runner.withLock { $0 = Task { await client.run() } }
        if configuration.listensForChanges && !configuration.readOnly {
            store.startListening(connectionConfig)
        }
        return store
    }

    /// Stops listening and closes the pool's connections. Further calls fail.
    public func close() async {
        listener.withLock { $0?.cancel() }
        let task = runner.withLock { t -> Task<Void, Never>? in
            let task = t
            t = nil
            return task
        }
        task?.cancel()
        await task?.value
    }

    static func connectionConfiguration(_ url: PostgresURL, _ configuration: Configuration) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch url.sslMode {
        case "require": tls = (try? .require(.init(configuration: .makeClientConfiguration()))) ?? .disable
        case "prefer": tls = (try? .prefer(.init(configuration: .makeClientConfiguration()))) ?? .disable
        default: tls = .disable
        }
        var config = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: tls)
        config.options.connectTimeout = .milliseconds(Int64(configuration.connectTimeout * 1000))
        return config
    }

    // MARK: - Transactions

    /// Runs `body` in one transaction (READ COMMITTED; rows the verbs change are locked with
    /// `FOR UPDATE`), trying again after a deadlock or serialisation failure, and mapping every
    /// failure to ``SchedulerError``. With `notify`, the write also bumps the change counter and
    /// sends `NOTIFY`, so schedulers in other processes wake.
    func transaction<T: Sendable>(notify: Bool = false, _ body: @Sendable (Tx) async throws -> T) async throws(SchedulerError) -> T {
        if readOnly { throw SchedulerError(.storage, "database \(url.redacted) is opened read-only") }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let result = try await client.withConnection { connection in
                    let tx = Tx(connection: connection, logger: logger)
                    try await tx.execute("BEGIN")
                    do {
                        let result = try await body(tx)
                        if notify {
                            // nextval is not undone by a rollback: counted at once, committed or not.
                            try await tx.execute("SELECT nextval('schedulerkit_changes')")
                            ownChanges.add(1, ordering: .relaxed)
                            try await tx.execute("SELECT pg_notify('schedulerkit_changes', ?)", [.text(instance)])
                        }
                        try await tx.execute("COMMIT")
                        return result
                    } catch {
                        try? await tx.execute("ROLLBACK")
                        throw error
                    }
                }
                if notify { localChanges.notify() }
                return result
            } catch {
                let state = (error as? PSQLError)?.serverInfo?[.sqlState]
                if attempt < 8, state == "40P01" || state == "40001" {
                    try? await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
                    continue
                }
                throw Self.mapError(error, url: url)
            }
        }
    }

    /// Runs `body` on a pooled connection outside a transaction (single reads).
    func read<T: Sendable>(_ body: @Sendable (Tx) async throws -> T) async throws(SchedulerError) -> T {
        do {
            return try await client.withConnection { connection in
                try await body(Tx(connection: connection, logger: logger))
            }
        } catch {
            throw Self.mapError(error, url: url)
        }
    }

    /// The instant an engine transition runs at: the database's clock, or the caller's.
    func transitionNow(_ tx: Tx, _ callerNow: Date) async throws -> Date {
        switch clockSource {
        case .caller: return callerNow.millisecondPrecision
        case .database:
            let rows = try await tx.rows("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
            return date(ms: try rows.first?[0].decode(Int64.self) ?? ms(callerNow))
        }
    }

    // MARK: - Errors

    /// One line for the user, never the password.
    static func mapError(_ error: any Error, url: PostgresURL) -> SchedulerError {
        if let e = error as? SchedulerError { return e }
        if let e = error as? PostgresTransactionError {
            return mapError(e.closureError ?? e.beginError ?? e.commitError ?? error, url: url)
        }
        let place = url.redacted
        guard let e = error as? PSQLError else {
            if "\(error)".contains("Connection refused") {
                return SchedulerError(.storage, "cannot reach PostgreSQL at \(url.host):\(url.port) (connection refused)", hint: "is the server running?")
            }
            if let channel = error as? ChannelError {
                return SchedulerError(.storage, "cannot reach PostgreSQL at \(url.host):\(url.port) (\(channel))")
            }
            return SchedulerError(.storage, "database \(place): \(error)")
        }
        if let state = e.serverInfo?[.sqlState] {
            let message = e.serverInfo?[.message] ?? "error \(state)"
            switch state {
            case "28P01", "28000":
                return SchedulerError(.storage, "database \(place): authentication failed for user \"\(url.username)\"", hint: "check the user and password")
            case "3D000":
                return SchedulerError(.storage, "database \(place): database \"\(url.database)\" does not exist", hint: "create it first (createdb \(url.database))")
            case "53300":
                return SchedulerError(.busy, "database \(place): too many connections", hint: "try again")
            case "55P03", "57014":
                return SchedulerError(.busy, "database \(place): \(message)", hint: "try again")
            default:
                return SchedulerError(.storage, "database \(place): \(message) (\(state))")
            }
        }
        switch e.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            var reason = e.underlying.map { "\($0)" } ?? "connection failed"
            if reason.contains("Connection refused") { reason = "connection refused" }
            if reason.contains("timed out") || reason.contains("Timeout") { reason = "timed out" }
            return SchedulerError(.storage, "cannot reach PostgreSQL at \(url.host):\(url.port) (\(Self.short(reason)))")
        case .sslUnsupported:
            return SchedulerError(.storage, "database \(place): the server does not support TLS", hint: "use sslmode=disable or prefer")
        case .poolClosed, .clientClosedConnection:
            return SchedulerError(.storage, "database \(place): the store is closed")
        case .authMechanismRequiresPassword:
            return SchedulerError(.storage, "database \(place): the server asks for a password", hint: "put it in the URL: postgres://user:PASSWORD@…")
        default:
            return SchedulerError(.storage, "database \(place): \(e.code)")
        }
    }

    private static func short(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        return line.count > 160 ? String(line.prefix(160)) + "…" : line
    }
}
