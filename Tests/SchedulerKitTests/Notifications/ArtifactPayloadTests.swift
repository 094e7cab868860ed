import Foundation
import Testing
@testable import SchedulerKit

/// Webhook bodies carry the run's artifacts: small ones inline, the others as metadata that
/// `schedctl artifact` fetches.
@Suite("Webhook payloads: the run's artifacts")
struct ArtifactPayloadTests {
    /// A failed run of a job with a webhook alert and a state webhook, with four artifacts; the
    /// parsed bodies of its deliveries by event.
    func failedRunBodies(outbox: NotificationOutbox = NotificationOutbox()) async throws -> (run: Run, bodies: [String: [JSONValue]]) {
        try await StoreFixture.with(.sqliteFile, StoreOptions(outbox: outbox)) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("backup", nextRunAt: day(365)) { $0.stateWebhookURL = "http://127.0.0.1:9/state" })
            try await store.insertAlert(
                Alert(id: "alert-1", jobId: job.id, type: .webhook, target: "http://127.0.0.1:9/hook", createdAt: t0), audit: auditLine(.alertCreate))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            func save(_ name: String, _ type: String, _ data: Data) async throws {
                try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: name, contentType: type, data: data, now: t0))
            }
            try await save("summary.txt", "text/plain; charset=utf-8", Data("3 files, 1 error: disk \"full\"\n".utf8))
            try await save("state.bin", "application/octet-stream", Data([0, 1, 2, 254, 255]))
            try await save("medium.json", "application/json", Data(repeating: 0x20, count: 20 * 1024))
            try await save("dump.tar", "application/x-tar", pseudoRandomBytes(300 * 1024))
            try await store.complete(run, handlerFailed, at: at(5))
            let rows = try await store.deliveries(DeliveryQuery(runId: run.id, limit: nil))
            var bodies: [String: [JSONValue]] = [:]
            for d in rows { bodies[d.event, default: []].append(try JSONValue.parse(d.payload)) }
            return (run, bodies)
        }
    }

    @Test("small artifacts inline (text as content, others base64), larger ones as metadata; in alerts and state webhooks")
    func inlineAndMetadata() async throws {
        let (_, bodies) = try await failedRunBodies()
        let alert = try #require(bodies["run.failed"]?.first)
        let states = try #require(bodies["run.state_changed"])
        let ended = try #require(states.first { $0["run"]?["status"] == "failed" })
        for body in [alert, ended] {
            guard case .array(let items) = try #require(body["run"]?["artifacts"]) else {
                Issue.record("run.artifacts is not an array")
                continue
            }
            #expect(items.map { $0["name"] } == ["summary.txt", "state.bin", "medium.json", "dump.tar"])
            let summary = items[0]
            #expect(summary["content"] == "3 files, 1 error: disk \"full\"\n")
            #expect(summary["content_base64"] == .null)
            #expect(summary["content_type"] == "text/plain; charset=utf-8")
            #expect(summary["size"] == .int(Int64(Data("3 files, 1 error: disk \"full\"\n".utf8).count)))
            #expect(summary["sha256"] == .string(sha256Hex(Data("3 files, 1 error: disk \"full\"\n".utf8))))
            #expect(items[1]["content"] == .null)
            #expect(items[1]["content_base64"] == .string(Data([0, 1, 2, 254, 255]).base64EncodedString()))
            // over the 16 KiB inline limit, though kept in the database
            #expect(items[2]["content"] == .null)
            #expect(items[2]["content_base64"] == .null)
            #expect(items[2]["size"] == .int(20 * 1024))
            // in a file: metadata only
            #expect(items[3]["content"] == .null)
            #expect(items[3]["content_base64"] == .null)
            #expect(items[3]["size"] == .int(300 * 1024))
            #expect(items[3]["sha256"] == .string(sha256Hex(pseudoRandomBytes(300 * 1024))))
            #expect(items[3]["content_type"] == "application/x-tar")
        }
    }

    @Test("transitions before the end carry an empty array")
    func emptyBeforeTheEnd() async throws {
        try await StoreFixture.with(.sqliteFile, StoreOptions(outbox: NotificationOutbox())) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)) { $0.stateWebhookURL = "http://127.0.0.1:9/state" })
            let run = try await store.seedRun(of: job, at: t0, status: .queued)
            let rows = try await store.deliveries(DeliveryQuery(runId: run.id, limit: nil))
            let body = try JSONValue.parse(try #require(rows.first).payload)
            #expect(body["run"]?["artifacts"] == .array([]))
        }
    }

    @Test("the total inline budget: once used up, later artifacts go as metadata")
    func budget() async throws {
        let outbox = NotificationOutbox(artifacts: ArtifactInlining(maxInlineSize: 100_000, maxInlineTotal: 25 * 1024))
        let (_, bodies) = try await failedRunBodies(outbox: outbox)
        let alert = try #require(bodies["run.failed"]?.first)
        guard case .array(let items) = try #require(alert["run"]?["artifacts"]) else { throw FixtureError("no artifacts") }
        #expect(items[0]["content"] != .null)
        #expect(items[1]["content_base64"] != .null)
        #expect(items[2]["content"] == .string(String(repeating: " ", count: 20 * 1024)))
        // the file-backed one is never inline
        #expect(items[3]["content_base64"] == .null)

        let tight = NotificationOutbox(artifacts: ArtifactInlining(maxInlineSize: 16 * 1024, maxInlineTotal: 10))
        let (_, small) = try await failedRunBodies(outbox: tight)
        guard case .array(let few) = try #require(small["run.failed"]?.first?["run"]?["artifacts"]) else { throw FixtureError("no artifacts") }
        // 35 bytes do not fit in 10; 5 bytes do
        #expect(few[0]["content"] == .null)
        #expect(few[1]["content_base64"] == .string(Data([0, 1, 2, 254, 255]).base64EncodedString()))
    }

    @Test("policies that do not ask for artifacts get none")
    func notLoadedUnlessAsked() async throws {
        let recording = RecordingOutbox()
        try await StoreFixture.with(.sqliteFile, StoreOptions(outbox: recording)) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)) { $0.stateWebhookURL = "http://127.0.0.1:9/state" })
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: "a", contentType: "text/plain", data: Data("x".utf8), now: t0))
            try await store.complete(run, .succeeded(), at: at(1))
            #expect(recording.transitions.last?.run.status == .succeeded)
            #expect(recording.transitions.last?.artifacts.isEmpty == true)
        }
    }
}
