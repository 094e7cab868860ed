import ArgumentParser
import Foundation
import SchedulerKit
import SchedulerKitPostgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the database is and how to open it: `--db`, else `$SCHEDCTL_DB`, else the default
/// `$XDG_DATA_HOME/schedctl/schedctl.sqlite` (XDG_DATA_HOME defaulting to `~/.local/share`).
struct DatabaseLocation {
    var path: String
    /// Only the default location gets its missing directories created (mode 0700); an explicit
    /// path in a missing directory is a storage error, so a typo never scatters directories.
    var isDefault: Bool

    static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> DatabaseLocation {
        if let option { return DatabaseLocation(path: option, isDefault: false) }
        if let env = environment["SCHEDCTL_DB"], !env.isEmpty { return DatabaseLocation(path: env, isDefault: false) }
        var dataHome = environment["XDG_DATA_HOME"] ?? ""
        // The XDG spec says a relative value is invalid and must be ignored.
        if !dataHome.hasPrefix("/") {
            dataHome = (homeDirectory(environment) as NSString).appendingPathComponent(".local/share")
        }
        return DatabaseLocation(path: (dataHome as NSString).appendingPathComponent("schedctl/schedctl.sqlite"), isDefault: true)
    }

    /// Seconds to wait for a lock held by another process: `$SCHEDCTL_BUSY_TIMEOUT`, default 5.
    static func busyTimeout(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Double {
        guard let text = environment["SCHEDCTL_BUSY_TIMEOUT"], !text.isEmpty else { return 5 }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
            throw ValidationError("SCHEDCTL_BUSY_TIMEOUT: \"\(text)\": expected a number of seconds such as 5 or 0.5")
        }
        return seconds
    }

    /// A `postgres://` URL rather than a file path.
    var isPostgres: Bool { PostgresURL.isPostgres(path) }

    /// What may be printed of the location: a URL's password is `***`.
    var display: String { isPostgres ? PostgresURL.redact(path) : path }

    /// An open store and how to close it.
    struct Opened {
        var store: any CompleteJobStore
        var close: @Sendable () async -> Void
    }

    /// The notifications schedctl writes: alert emails say `[schedctl]` (SPEC §4).
    static let outbox = NotificationOutbox(subjectPrefix: "[schedctl]")

    /// Opens the database at this location: a SQLite file, or a PostgreSQL database for a
    /// `postgres://` URL (SPEC §10).
    func openStore(readOnly: Bool = false) async throws -> Opened {
        guard isPostgres else {
            let store = try open(readOnly: readOnly)
            return Opened(store: store, close: { try? store.close() })
        }
        let url = try PostgresURL(path)
        var configuration = PostgresJobStore.Configuration()
        configuration.outbox = Self.outbox
        // A command that only looks needs no listener. It does create the schema of an empty
        // database (under the migration lock), so `list` on a new database answers `[]` as on a
        // new file; the SQLite read-only mode exists so a daemon's write lock never holds a
        // command up, which PostgreSQL's row locks never do.
        configuration.listensForChanges = !readOnly
        let store = try await PostgresJobStore.open(url: url, configuration: configuration)
        return Opened(store: store, close: { await store.close() })
    }

    /// Opens (creating and migrating when needed) the database; with `readOnly`, opens an
    /// existing one for reading only, so a mistyped path is an error and a daemon's write lock
    /// never holds the command up.
    func open(readOnly: Bool = false) throws -> SQLiteJobStore {
        var configuration = SQLiteJobStore.Configuration()
        configuration.outbox = Self.outbox
        configuration.busyTimeout = try Self.busyTimeout()
        configuration.readOnly = readOnly
        if isDefault && !readOnly { try createParentDirectories() }
        return try SQLiteJobStore(path: path, configuration: configuration)
    }

    private func createParentDirectories() throws {
        let directory = (path as NSString).deletingLastPathComponent
        var missing: [String] = []
        var current = directory
        while !current.isEmpty, current != "/", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for dir in missing.reversed() {
            guard mkdir(dir, 0o700) == 0 || errno == EEXIST else {
                let reason = String(cString: strerror(errno))
                throw SchedulerError(.storage, "cannot create directory \(dir) for the database: \(reason)", hint: "pass --db PATH")
            }
            chmod(dir, 0o700)  // whatever the umask
        }
    }

    private static func homeDirectory(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return NSHomeDirectory()
    }
}

extension GlobalOptions {
    /// The operator API over the selected database, acting as `cli:<user>`; `readOnly` for
    /// commands that only look.
    func client(readOnly: Bool = false) async throws -> SchedulerClient {
        let store = try await DatabaseLocation.resolve(option: db).openStore(readOnly: readOnly).store
        return SchedulerClient(store: store, actor: Self.actor())
    }

    /// `cli:$USER`, or `cli:<uid>` when USER is not set.
    static func actor(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let user = environment["USER"], !user.isEmpty { return "cli:\(user)" }
        return "cli:\(getuid())"
    }
}
