import Foundation
@testable import SchedulerKit
import Testing

/// When the claim loop sleeps and until when, as a literal table. Times are seconds after t(0);
/// the claim ran at 100, the clock reads 100.2 after it, 4 workers.
@Suite("Claim pacing")
struct ClaimPacingTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var why: String
        var next: Double?
        var startAhead: Double = 0
        var running: Int = 0
        var didWork = false
        var expect: ClaimPacing
        var testDescription: String { why }
    }

    static let rows: [Row] = [
        Row(why: "nothing scheduled: sleep until woken", next: nil, expect: .sleep(until: nil)),
        Row(why: "next slot in the future: sleep until it", next: 160, expect: .sleep(until: t(160))),
        Row(why: "start-ahead moves the deadline earlier", next: 160, startAhead: 0.05, expect: .sleep(until: t(159.95))),
        Row(why: "a negative start-ahead counts as none", next: 160, startAhead: -3, expect: .sleep(until: t(160))),
        Row(why: "came due while the claim was in flight: claim again", next: 100.1, expect: .claimAgain),
        Row(why: "due, every worker busy: sleep until a run ends", next: 99, running: 4, expect: .sleep(until: nil)),
        Row(why: "due, workers busy beats did-work", next: 99, running: 4, didWork: true, expect: .sleep(until: nil)),
        Row(why: "due and the claim did work: claim again", next: 99, running: 1, didWork: true, expect: .claimAgain),
        Row(why: "within start-ahead of an undecided slot: sleep until its instant", next: 100.3, startAhead: 0.5, expect: .sleep(until: t(100.3))),
        Row(why: "due but unclaimable: retry after the given pause, not a spin", next: 99, running: 0, expect: .retry(at: t(100.45))),
    ]

    @Test(arguments: rows)
    func choice(row: Row) {
        let pacing = ClaimPacing.next(
            claimedAt: t(100), currentTime: t(100.2), nextInstant: row.next.map(t), startAhead: row.startAhead,
            running: row.running, concurrency: 4, didWork: row.didWork, retryAfter: 0.25)
        #expect(pacing == row.expect)
    }
}
