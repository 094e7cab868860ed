import Foundation
import GRDB
import Testing
@testable import SchedulerKit

/// Runs that end for the platform's reasons, through the whole engine on a real database:
/// `store_error` and `spawn_failed` are `system_error`, and neither counts toward the streak.
@Suite("System-error endings through the engine")
struct SystemErrorEndingTests {
    @Test("a run whose ending cannot be written is recorded as system_error / store_error")
    func storeErrorEndsAsSystemError() async throws {
        let h = try await EngineHarness.start { s in s.register("ok") { _ in } }
        // A real write failure: the database itself refuses to record a success.
        var config = Configuration()
        config.busyMode = .timeout(10)
        let raw = try DatabaseQueue(path: h.db.path, configuration: config)
        try await raw.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_success BEFORE UPDATE OF status ON runs WHEN NEW.status = 'succeeded'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        try raw.close()
        let job = try await h.client.addJob(
            JobSpec(name: "unrecordable", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "ok", maxConsecutiveErrors: 1))
        h.advance(by: 60)
        let run = try await h.events.finished(timeout: 30)[0]
        #expect(run.status == .systemError)
        #expect(run.errorType == .system)
        #expect(run.errorCode == "store_error")
        #expect(run.errorCategory == "storage")
        #expect(run.errorMessage?.hasPrefix("could not record the run's ending (succeeded): ") == true)
        let stored = try await h.client.job(job.id.rawValue)
        #expect(stored.status == .active, "a platform fault does not retire the job")
        #expect(stored.consecutiveErrors == 0)
        #expect(stored.lastRunStatus == .systemError)
        try await h.stop()
    }

    @Test("a command the platform cannot start is system_error / spawn_failed")
    func spawnFailedEndsAsSystemError() async throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("being-written.sh", "#!/bin/sh\necho hi\n", executable: true)
        // execve fails with ETXTBSY while the file is open for writing: a real spawn failure.
        let writer = open(file, O_WRONLY | O_CLOEXEC)
        try #require(writer >= 0)
        defer { close(writer) }
        let h = try await EngineHarness.start()
        var spec = try JobSpec(name: "unstartable", schedule: .every(seconds: 60, anchor: EngineHarness.t0), command: [file])
        spec.maxConsecutiveErrors = 1
        let job = try await h.client.addJob(spec)
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == .systemError)
        #expect(run.errorType == .system)
        #expect(run.errorCode == "spawn_failed")
        #expect(run.errorCategory == "resource")
        #expect(run.errorMessage == "could not start \"\(file)\": Text file busy")
        let stored = try await h.client.job(job.id.rawValue)
        #expect(stored.status == .active, "a platform fault does not retire the job")
        #expect(stored.consecutiveErrors == 0)
        try await h.stop()
    }
}
