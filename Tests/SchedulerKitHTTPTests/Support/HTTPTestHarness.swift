import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SchedulerKit
import SchedulerKitHTTP
import Testing

/// One test's server: a temporary SQLite store, a client, an operator and a viewer token, and
/// the application built by ``SchedulerHTTP``. The directory is removed by ``remove()``.
///
/// For example:
/// ```swift
/// let h = try await HTTPTestHarness()
/// defer { h.remove() }
/// try await h.app().test(.router) { client in
///     try await client.execute(uri: "/api/v1/jobs", method: .get, headers: h.auth(.viewer)) { #expect($0.status == .ok) }
/// }
/// ```
struct HTTPTestHarness: Sendable {
    let directory: URL
    let path: String
    let store: SQLiteJobStore
    let client: SchedulerClient
    let operatorToken: String
    let viewerToken: String

    init(
        busyTimeout: Double = 5, clock: any SchedulerClock = SystemClock(),
        options configure: (inout SchedulerHTTP.Options) -> Void = { _ in }
    ) async throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("SchedulerKitHTTPTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("jobs.sqlite").path
        var configuration = SQLiteJobStore.Configuration()
        configuration.busyTimeout = busyTimeout
        store = try SQLiteJobStore(path: path, configuration: configuration)
        client = SchedulerClient(store: store, clock: clock, actor: "test")
        operatorToken = try await client.addToken("ops", role: .operator).plaintext
        viewerToken = try await client.addToken("watcher", role: .viewer).plaintext
        var options = SchedulerHTTP.Options()
        options.port = 0
        options.eventPollInterval = 0.05
        configure(&options)
        self.options = options
    }

    let options: SchedulerHTTP.Options

    /// The server under test.
    func http() -> SchedulerHTTP { SchedulerHTTP(client: client, options: options) }

    func app() throws -> some ApplicationProtocol { try http().application() }

    /// `Authorization: Bearer …` of the operator or the viewer token.
    func auth(_ role: TokenRole) -> HTTPFields {
        [.authorization: "Bearer \(role == .operator ? operatorToken : viewerToken)"]
    }

    /// The same plus `Content-Type: application/json`.
    func jsonAuth(_ role: TokenRole) -> HTTPFields {
        var h = auth(role)
        h[.contentType] = "application/json"
        return h
    }

    func remove() {
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A shell job that would echo, every hour.
    @discardableResult
    func addJob(_ name: String, cron: String = "0 * * * *") async throws -> Job {
        try await client.addJob(JobSpec(name: name, schedule: .cron(cron), command: ["/bin/echo", name]))
    }
}

extension ByteBuffer {
    /// The body parsed as JSON.
    var json: JSONValue {
        get throws { try JSONValue.parse(String(buffer: self)) }
    }
}

extension JSONValue {
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
}

extension String {
    var buffer: ByteBuffer { ByteBuffer(string: self) }
}
