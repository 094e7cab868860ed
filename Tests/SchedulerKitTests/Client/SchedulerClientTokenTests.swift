import Foundation
import GRDB
import SchedulerKit
import Testing

/// API tokens (SPEC §9): stored hashed, shown once, roles, the first-start `default` token.
@Suite("SchedulerClient tokens")
struct SchedulerClientTokenTests {
    @Test("a token is shown once and stored only as its SHA-256")
    func storedHashed() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store, actor: "cli:alice")
            let issued = try await client.addToken("ci", role: .viewer)
            #expect(issued.plaintext.hasPrefix("skt_"))
            #expect(issued.plaintext.count >= 40)
            #expect(issued.token.hash == SchedulerClient.tokenHash(issued.plaintext))
            #expect(issued.token.hash.count == 64)

            let raw = try DatabaseQueue(path: db.path)
            defer { try? raw.close() }
            let rows = try raw.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_tokens") }
            #expect(rows.count == 1)
            let stored = rows.map { $0.databaseValues.map(\.description).joined(separator: " ") }.joined()
            #expect(!stored.contains(issued.plaintext))
            #expect((rows[0]["token_hash"] as String?) == issued.token.hash)

            let listed = try await client.tokens()
            #expect(listed.map(\.name) == ["ci"])
            #expect(listed[0].role == .viewer)
        }
    }

    @Test("authenticate finds the token by its plaintext and nothing else")
    func authenticate() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store)
            let ops = try await client.addToken("ops", role: .operator)
            let found = try #require(try await client.authenticate(ops.plaintext))
            #expect(found.name == "ops")
            #expect(found.role == .operator)
            #expect(found.lastUsedAt != nil)
            #expect(try await client.authenticate(ops.plaintext + "x") == nil)
            #expect(try await client.authenticate("") == nil)
            #expect(try await client.authenticate(ops.token.hash) == nil)

            try await client.removeToken("ops")
            #expect(try await client.authenticate(ops.plaintext) == nil)
        }
    }

    @Test("names follow the job-name rule; a taken name is refused; an unknown one is not found")
    func names() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store)
            await #expect(throws: SchedulerError.self) { try await client.addToken("bad name") }
            do {
                _ = try await client.addToken("-x")
                Issue.record("accepted a bad name")
            } catch let e as SchedulerError {
                #expect(e.code == .invalidInput)
                #expect(e.message.hasPrefix("token name:"))
            }
            _ = try await client.addToken("a")
            do {
                _ = try await client.addToken("a", role: .viewer)
                Issue.record("accepted a taken name")
            } catch let e as SchedulerError {
                #expect(e.code == .alreadyExists)
            }
            do {
                try await client.removeToken("nope")
                Issue.record("removed a missing token")
            } catch let e as SchedulerError {
                #expect(e.code == .notFound)
            }
            #expect(try await client.tokens().count == 1)
        }
    }

    @Test("the default token is made only when the store holds none, once")
    func defaultToken() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store)
            let first = try #require(try await client.ensureDefaultToken())
            #expect(first.token.name == "default")
            #expect(first.token.role == .operator)
            #expect(try await client.ensureDefaultToken() == nil)
            try await client.removeToken("default")
            _ = try await client.addToken("mine")
            #expect(try await client.ensureDefaultToken() == nil)
        }
    }

    @Test("token changes are audited with the actor, never with the token")
    func audited() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store, actor: "cli:alice")
            let issued = try await client.addToken("ci", role: .viewer)
            try await client.removeToken("ci")
            let entries = try await client.audit()
            #expect(entries.map(\.action) == ["token.delete", "token.create"])
            #expect(entries.allSatisfy { $0.actor == "cli:alice" && $0.jobId == nil })
            #expect(entries[1].details.contains("\"role\":\"viewer\""))
            #expect(!entries.contains { $0.details.contains(issued.plaintext) || $0.details.contains(issued.token.hash) })
        }
    }
}
