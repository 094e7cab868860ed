import Foundation
import SchedulerKit
@testable import SchedulerKitPostgres
import SchedulerKitTestSupport
import Testing

/// What every session of the PostgreSQL store is opened with.
@Suite("PostgreSQL sessions", .enabled(if: PostgresTestServer.enabled))
struct PostgresSessionTests {
    /// A node stopped inside a transaction must not hold its row locks for ever: the server ends
    /// a session idle in a transaction after `idleInTransactionTimeout` (10 s by default), so
    /// other nodes can reap the stopped node's runs (the cut-off test in PostgresCommandTests).
    @Test func sessionsEndATransactionLeftIdle() async throws {
        try await PostgresTestServer.exclusively {
            let url = try await PostgresTestServer.shared().makeDatabase()
            let store = try await PostgresStoreTests.open(url)
            let shown = try await store.read { tx in try await tx.rows("SHOW idle_in_transaction_session_timeout").map { try $0.text(0) } }
            await store.close()
            #expect(shown == ["10s"])

            var none = PostgresJobStore.Configuration()
            none.idleInTransactionTimeout = 0
            none.listensForChanges = false
            let plain = try await PostgresJobStore.open(url: try PostgresURL(url), configuration: none)
            let unset = try await plain.read { tx in try await tx.rows("SHOW idle_in_transaction_session_timeout").map { try $0.text(0) } }
            await plain.close()
            #expect(unset == ["0"])
        }
    }
}
