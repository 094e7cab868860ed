import Foundation

extension WireJSON {
    /// An API token as listed: `name, role, created_at, last_used_at` (never the hash or the token).
    public static func token(_ token: APIToken) -> JSONValue {
        .object(sorting: [
            "name": .string(token.name), "role": .string(token.role.rawValue), "created_at": .date(token.createdAt),
            "last_used_at": .date(token.lastUsedAt),
        ])
    }

    /// A token just made, the only time its plaintext is shown: `name, role, token`.
    public static func issuedToken(_ issued: IssuedToken) -> JSONValue {
        .object(sorting: ["name": .string(issued.token.name), "role": .string(issued.token.role.rawValue), "token": .string(issued.plaintext)])
    }
}
