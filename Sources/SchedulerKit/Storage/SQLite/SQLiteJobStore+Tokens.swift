import Foundation
import GRDB

extension SQLiteJobStore: TokenStore {
    public func insertToken(_ token: APIToken, audit: AuditRecord) async throws {
        try await write(notify: false) { db in
            if try Bool.fetchOne(cached: db, sql: "SELECT 1 FROM api_tokens WHERE name = ?", arguments: [token.name]) == true {
                throw SchedulerError(.alreadyExists, "a token named \"\(token.name)\" already exists", remedy: .removeToken(name: token.name))
            }
            try db.execute(
                cached: "INSERT INTO api_tokens (name, role, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [token.name, token.role.rawValue, token.hash, ms(token.createdAt), msOpt(token.lastUsedAt)])
            try Self.insertAudit(db, audit, jobId: nil, jobName: nil)
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await read { db in try db.decodeAll(cached: "SELECT * FROM api_tokens ORDER BY name", Self.decodeToken) }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await read { db in
            try db.decodeOne(cached: "SELECT * FROM api_tokens WHERE token_hash = ?", arguments: [hash], Self.decodeToken)
        }
    }

    @discardableResult
    public func deleteToken(named name: String, audit: AuditRecord) async throws -> APIToken {
        try await write(notify: false) { db in
            guard let token = try db.decodeOne(cached: "SELECT * FROM api_tokens WHERE name = ?", arguments: [name], Self.decodeToken) else {
                throw SchedulerError(.notFound, "no token named \"\(name)\"", remedy: .listTokens)
            }
            try db.execute(cached: "DELETE FROM api_tokens WHERE name = ?", arguments: [name])
            try Self.insertAudit(db, audit, jobId: nil, jobName: nil)
            return token
        }
    }

    public func touchToken(named name: String, at: Date) async throws {
        try await write(notify: false) { db in
            try db.execute(cached: "UPDATE api_tokens SET last_used_at = ? WHERE name = ?", arguments: [ms(at), name])
        }
    }

    static func decodeToken(_ row: Row) throws -> APIToken {
        let roleText: String = row["role"]
        guard let role = TokenRole(rawValue: roleText) else {
            throw SchedulerError(.storage, "api_tokens: unknown role \"\(roleText)\"")
        }
        return APIToken(
            name: row["name"], role: role, hash: row["token_hash"], createdAt: date(ms: row["created_at"]),
            lastUsedAt: dateOpt(ms: row["last_used_at"]))
    }
}
