import Foundation
import SchedulerKit
import Testing

/// Durations too long to store are refused as bad input instead of trapping when they are
/// converted to milliseconds (found by schemathesis through `POST /api/v1/jobs`).
@Suite("SchedulerClient duration bounds")
struct SchedulerClientBoundsTests {
    static let cases: [(String, @Sendable (inout JobSpec) -> Void)] = [
        ("timeout", { $0.timeout = 5.9624481560860584e16 }),
        ("jitter", { $0.jitter = 5.9624481560860584e16 }),
        ("every", { $0.schedule = .every(seconds: 9_000_000_000_000_000, anchor: Date()) }),
        ("retry", { $0.retry = RetryPolicy(maxAttempts: 2, initialDelay: 1e300) }),
    ]

    @Test("a duration past 100 years is invalid input, and nothing is written", arguments: 0..<4)
    func tooLong(_ index: Int) async throws {
        let (field, change) = Self.cases[index]
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store)
            var spec = try JobSpec(name: "huge", schedule: .every(seconds: 60, anchor: Date()), command: ["true"])
            change(&spec)
            do {
                try await client.addJob(spec)
                Issue.record("accepted a \(field) past 100 years")
            } catch let e as SchedulerError {
                #expect(e.code == .invalidInput)
                #expect(e.message.hasPrefix(field))
            }
            #expect(try await client.jobs().isEmpty)
        }
    }
}
