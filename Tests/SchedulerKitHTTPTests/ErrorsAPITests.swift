import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchedulerKit
import SchedulerKitHTTP
import Testing

/// The error body and status mapping of SPEC §9: `busy` 503 with Retry-After, `storage` 500,
/// never a stack trace.
@Suite("API errors")
struct ErrorsAPITests {
    @Test("a database locked by another process is 503 busy with Retry-After, and nothing is written")
    func busy() async throws {
        let h = try await HTTPTestHarness(busyTimeout: 0.2)
        defer { h.remove() }
        let locker = try DatabaseQueue(path: h.path)
        defer { try? locker.close() }
        // Another "process" holds the write lock on a thread of its own until released.
        let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? locker.inTransaction(.immediate) { _ in
                lockedSignal.yield()
                release.wait()
                return .rollback
            }
            lockedSignal.finish()
        }
        var iterator = locked.makeAsyncIterator()
        _ = await iterator.next()
        try await h.app().test(.router) { client in
            let body = #"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"]}"#
            let r = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: body.buffer)
            release.signal()
            #expect(r.status == .serviceUnavailable)
            #expect(r.headers[.retryAfter] == "1")
            #expect(try r.body.json["error"]?["code"] == "busy")
            #expect(try r.body.json["error"]?["hint"] == "try again")
        }
        #expect(try await h.client.jobs().isEmpty)
    }

    @Test("library error codes map to the statuses of §9", arguments: [
        (SchedulerError.Code.invalidInput, 422, "invalid"), (.notFound, 404, "not_found"), (.refused, 409, "refused"),
        (.alreadyExists, 409, "refused"), (.storage, 500, "storage"), (.busy, 503, "busy"),
    ])
    func mapping(_ code: SchedulerError.Code, _ status: Int, _ wire: String) {
        let e = APIError(SchedulerError(code, "what went wrong", hint: "do this"))
        #expect(e.status.code == status)
        #expect(e.code.rawValue == wire)
        #expect(e.body["error"]?["message"] == "what went wrong")
        #expect(e.body["error"]?["hint"] == "do this")
    }

    @Test("an error that is not ours is a plain 500 internal, without its description")
    func foreignError() {
        struct Secretive: Error, CustomStringConvertible { var description: String { "at Foo.swift:12 password=hunter2" } }
        let e = APIError.from(Secretive())
        #expect(e.status == .internalServerError)
        #expect(!e.body.serialized().contains("hunter2"))
        #expect(!e.body.serialized().contains("Foo.swift"))
    }
}
