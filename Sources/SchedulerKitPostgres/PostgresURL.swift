import Foundation
import SchedulerKit

/// A `postgres://user:password@host:port/database` address, parsed; ``redacted`` is the form
/// that may be printed (the password as `***`).
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// `sslmode` from the query string: `disable` (default here), `prefer` or `require`.
    public var sslMode: String

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `text`.
    ///
    /// - throws: `.invalidInput` naming what is wrong, without the password.
    public init(_ text: String) throws(SchedulerError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw SchedulerError(
                .invalidInput, "database URL \(Self.redact(text)): expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw SchedulerError(.invalidInput, "database URL \(Self.redact(text)): no host")
        }
        self.host = host
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw SchedulerError(.invalidInput, "database URL \(Self.redact(text)): port \(port) is out of range")
        }
        self.username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var name = components.path
        if name.hasPrefix("/") { name.removeFirst() }
        self.database = name.removingPercentEncoding ?? name
        guard !database.isEmpty else {
            throw SchedulerError(.invalidInput, "database URL \(Self.redact(text)): no database name (…/DATABASE)")
        }
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard ["disable", "prefer", "require"].contains(mode) else {
            throw SchedulerError(.invalidInput, "database URL \(Self.redact(text)): sslmode must be disable, prefer or require")
        }
        self.sslMode = mode
    }

    /// The address with the password shown as `***`.
    public var redacted: String {
        let user = username + (password == nil ? "" : ":***")
        return "postgres://\(user)@\(host):\(port)/\(database)"
    }

    public var description: String { redacted }

    /// `text` with any password between `://user:` and `@` replaced by `***`, for messages
    /// about a URL that did not parse.
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return text }
        let credentials = rest[..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<scheme.upperBound]) + credentials[..<colon] + ":***" + rest[at...]
    }
}
