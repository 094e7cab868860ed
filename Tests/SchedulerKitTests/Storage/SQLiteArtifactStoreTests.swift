import Crypto
import Foundation
import GRDB
import Synchronization
import Testing
@testable import SchedulerKit

func sha256Hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

/// Every regular file under `directory`, as paths relative to it.
func filesUnder(_ directory: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
    var out: [String] = []
    while let p = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(p), isDirectory: &isDir), !isDir.boolValue {
            out.append(p)
        }
    }
    return out.sorted()
}

@Suite("Artifacts: kept in the database or in files beside it")
struct SQLiteArtifactStoreTests {
    @discardableResult
    func save(_ store: SQLiteJobStore, _ run: Run, _ name: String, _ data: Data, type: String = "application/octet-stream") async throws -> Artifact {
        try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: name, contentType: type, data: data, now: at(1)))
    }

    @Test("a small artifact lives in the database: bytes, size and SHA-256 round-trip; no file is made")
    func inline() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let bytes = Data("hello, artifacts\n".utf8)
            let saved = try await save(store, run, "hello.txt", bytes, type: "text/plain; charset=utf-8")
            #expect(saved.storage == .database)
            #expect(saved.size == bytes.count)
            #expect(saved.sha256 == sha256Hex(bytes))
            #expect(saved.jobId == job.id)
            #expect(saved.createdAt == at(1))
            #expect(saved.contentType == "text/plain; charset=utf-8")

            let read = try #require(try await store.artifact(runId: run.id, name: "hello.txt"))
            #expect(read.data == bytes)
            #expect(read.id == saved.id)
            let listed = try await store.artifacts(runId: run.id)
            #expect(listed.map(\.name) == ["hello.txt"])
            #expect(listed[0].data == nil)
            #expect(!FileManager.default.fileExists(atPath: f.database.path + ".artifacts"))
            #expect(try await store.artifact(runId: run.id, name: "other") == nil)
        }
    }

    @Test("a large artifact goes to a file beside the database, written atomically (no temporary file left), mode 0600")
    func onDisk() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let bytes = pseudoRandomBytes(300 * 1024)
            let saved = try await save(store, run, "dump.bin", bytes)
            #expect(saved.storage == .file(path: "jobs.sqlite.artifacts/\(job.id)/\(run.id)/\(saved.id)"))
            #expect(saved.sha256 == sha256Hex(bytes))
            #expect(saved.size == 300 * 1024)

            let root = f.database.path + ".artifacts"
            #expect(filesUnder(root) == ["\(job.id)/\(run.id)/\(saved.id)"])
            let file = f.database.sibling("jobs.sqlite.artifacts/\(job.id)/\(run.id)/\(saved.id)")
            #expect(FileManager.default.contents(atPath: file) == bytes)
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)

            let read = try #require(try await store.artifact(runId: run.id, name: "dump.bin"))
            #expect(read.data == bytes)
            // The row holds metadata only.
            let queue = try f.rawQueue(readonly: true)
            defer { try? queue.close() }
            let blob = try await queue.read { db in try Data.fetchOne(db, sql: "SELECT data FROM run_artifacts") }
            #expect(blob == nil)
        }
    }

    @Test("the threshold: exactly 256 KiB stays in the database, one byte more goes to a file")
    func threshold() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let a = try await save(store, run, "a", pseudoRandomBytes(256 * 1024))
            let b = try await save(store, run, "b", pseudoRandomBytes(256 * 1024 + 1))
            #expect(a.storage == .database)
            guard case .file = b.storage else {
                Issue.record("expected a file, got \(b.storage)")
                return
            }
            #expect(try await store.artifact(runId: run.id, name: "a")?.data == pseudoRandomBytes(256 * 1024))
            #expect(try await store.artifact(runId: run.id, name: "b")?.data == pseudoRandomBytes(256 * 1024 + 1))
            #expect(try await store.artifacts(runId: run.id).map(\.name) == ["a", "b"])
        }
    }

    @Test("an empty artifact round-trips as empty bytes")
    func empty() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let saved = try await save(store, run, "empty", Data())
            #expect(saved.sha256 == sha256Hex(Data()))
            #expect(try await store.artifact(runId: run.id, name: "empty")?.data == Data())
        }
    }

    @Test("a file whose bytes changed is reported corrupt; a missing file is a storage error")
    func corruptAndMissing() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let saved = try await save(store, run, "big", pseudoRandomBytes(400 * 1024))
            guard case .file(let relative) = saved.storage else { throw FixtureError("expected a file") }
            let file = f.database.sibling(relative)
            var bytes = try #require(FileManager.default.contents(atPath: file))
            bytes[10] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: file))
            let corrupt = await expectSchedulerError(.storage) { _ = try await store.artifact(runId: run.id, name: "big") }
            #expect(corrupt?.message.contains("corrupt") == true)
            try FileManager.default.removeItem(atPath: file)
            let missing = await expectSchedulerError(.storage) { _ = try await store.artifact(runId: run.id, name: "big") }
            #expect(missing?.message.contains("missing") == true)
        }
    }

    @Test("names and content types are checked; a taken name is refused, never replaced")
    func validation() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            for bad in ["", ".hidden", "a/b", "sp ace", "ünï", String(repeating: "x", count: 129)] {
                let e = await expectSchedulerError(.invalidInput) { _ = try await save(store, run, bad, Data("x".utf8)) }
                #expect(e?.message.hasPrefix("artifact name") == true, "\(bad): \(e?.message ?? "")")
            }
            for bad in ["", "text", "text/", "/plain", "text/pl ain", "text/plain\r\nX: y"] {
                await expectSchedulerError(.invalidInput) { _ = try await save(store, run, "ok", Data("x".utf8), type: bad) }
            }
            try await save(store, run, "report.v1_final-2.txt", Data("first".utf8), type: "text/plain")
            let taken = await expectSchedulerError(.alreadyExists) {
                _ = try await save(store, run, "report.v1_final-2.txt", pseudoRandomBytes(300 * 1024))
            }
            #expect(taken?.message.contains("already has an artifact named") == true)
            #expect(try await store.artifact(runId: run.id, name: "report.v1_final-2.txt")?.data == Data("first".utf8))
            // The refused large save left no file.
            #expect(filesUnder(f.database.path + ".artifacts").isEmpty)
        }
    }

    @Test("the size limit is enforced before anything is written")
    func sizeLimit() async throws {
        try await TemporaryDatabase.with { db in
            var c = SQLiteJobStore.Configuration()
            c.artifactSizeLimit = 1000
            c.artifactInlineLimit = 100
            let store = try SQLiteJobStore(path: db.path, configuration: c)
            defer { try? store.close() }
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let e = await expectSchedulerError(.invalidInput) { _ = try await save(store, run, "big", pseudoRandomBytes(1001)) }
            #expect(e?.message.contains("at most 1000") == true)
            let ok = try await save(store, run, "fits", pseudoRandomBytes(1000))
            guard case .file = ok.storage else { throw FixtureError("101..1000 bytes go to a file with this configuration") }
        }
    }

    @Test("only a running run gets artifacts; an unknown run is not found", arguments: [RunStatus.queued, .succeeded, .failed])
    func onlyRunning(status: RunStatus) async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: status)
            await expectSchedulerError(.refused) { _ = try await save(store, run, "x", Data("x".utf8)) }
            await expectSchedulerError(.refused) { _ = try await save(store, run, "y", pseudoRandomBytes(300 * 1024)) }
            var ghost = run
            ghost.id = RunID(ulid(at: t0))
            await expectSchedulerError(.notFound) { _ = try await save(store, ghost, "x", Data("x".utf8)) }
            #expect(filesUnder(f.database.path + ".artifacts").isEmpty)
        }
    }

    @Test("a file whose metadata insert fails is removed")
    func failedInsertRemovesFile() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j"))
            let run = try await store.seedRun(of: job, at: t0, status: .running)
            let queue = try f.rawQueue()
            try await queue.write { db in
                try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON run_artifacts BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
            }
            try queue.close()
            await expectSchedulerError(.storage) { _ = try await save(store, run, "big", pseudoRandomBytes(300 * 1024)) }
            #expect(filesUnder(f.database.path + ".artifacts").isEmpty)
            // Neither the run's nor the job's directory is left behind.
            #expect(!FileManager.default.fileExists(atPath: f.database.path + ".artifacts/\(job.id)"))
            #expect(try await store.artifacts(runId: run.id).isEmpty)
        }
    }

    @Test("a handler attaches artifacts through its context; a taken name throws in the handler")
    func fromHandler() async throws {
        let outcome = Mutex<String>("")
        let h = try await EngineHarness.start { s in
            s.register("report") { ctx in
                try await ctx.attachArtifact(name: "summary.txt", text: "all good\n")
                try await ctx.attachArtifact(name: "dump.bin", data: pseudoRandomBytes(300 * 1024))
                do {
                    try await ctx.attachArtifact(name: "summary.txt", text: "again")
                } catch let e as SchedulerError {
                    outcome.withLock { $0 = e.code.rawValue }
                }
            }
        }
        try await h.client.addJob(JobSpec(name: "report", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "report"))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == .succeeded)
        #expect(outcome.withLock { $0 } == "already_exists")
        let artifacts = try await h.client.artifacts(run: run.id.rawValue)
        #expect(artifacts.map(\.name) == ["summary.txt", "dump.bin"])
        #expect(artifacts[0].contentType == "text/plain; charset=utf-8")
        #expect(try await h.client.artifact(run: run.id.rawValue, name: "summary.txt").data == Data("all good\n".utf8))
        #expect(try await h.client.artifact(run: run.id.rawValue, name: "dump.bin").data == pseudoRandomBytes(300 * 1024))
        await expectSchedulerError(.notFound) { _ = try await h.client.artifact(run: run.id.rawValue, name: "nope") }
        await expectSchedulerError(.notFound) { _ = try await h.client.artifacts(run: "01ARZ3NDEKTSV4RRFFQ69G5FAV") }
        try await h.stop()
    }
}
