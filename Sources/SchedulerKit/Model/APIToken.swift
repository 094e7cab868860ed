import Foundation

/// What an API token may do (SPEC §9): a `viewer` reads everything; an `operator` may also
/// change things.
public enum TokenRole: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case `operator`

    /// Whether this role may make changes.
    public var canWrite: Bool { self == .operator }

    public static func < (a: TokenRole, b: TokenRole) -> Bool { a == .viewer && b == .operator }
}

/// An API token as the store keeps it: the SHA-256 of the secret, never the secret itself.
public struct APIToken: Sendable, Hashable {
    /// Unique, the same rule as job names (`[A-Za-z0-9][A-Za-z0-9._-]{0,127}`).
    public var name: String
    public var role: TokenRole
    /// Lower-case hex SHA-256 of the plaintext token.
    public var hash: String
    public var createdAt: Date
    /// When it last authenticated a request (kept to the minute, so reads stay reads).
    public var lastUsedAt: Date?

    public init(name: String, role: TokenRole, hash: String, createdAt: Date, lastUsedAt: Date? = nil) {
        self.name = name
        self.role = role
        self.hash = hash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// The audit actor of changes made with this token: `token:<name>`.
    public var actor: String { "token:\(name)" }
}

/// A token just made: its record and the plaintext, which is shown this once and never stored.
public struct IssuedToken: Sendable {
    public var token: APIToken
    public var plaintext: String
}
