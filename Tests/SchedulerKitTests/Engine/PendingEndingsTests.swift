import Foundation
@testable import SchedulerKit
import Testing

/// Which way each pending ending goes (with the next claim, or by the writer), in what order,
/// and when the claim loop waits for more: literal tables, no store and no clock.
@Suite("Pending endings")
struct PendingEndingsTests {
    enum Step: Sendable {
        case add(String, goes: PendingEndings.Route)
        case claimLoopStarts
        case claimLoopStops
        /// The claim loop takes at most `max` and must get exactly these run ids.
        case claimTakes(max: Int, [String])
        /// A claim transaction failed with these endings (taken before): the writer gets them.
        case giveBack([String])
        case writerTakes(max: Int, [String])
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var why: String
        var steps: [Step]
        /// After the steps: endings the claim loop would take, and whether the writer has work.
        var claimLeft: Int
        var writerHasWork: Bool
        var testDescription: String { why }
    }

    static let rows: [Row] = [
        Row(why: "before the claim loop runs, endings are the writer's",
            steps: [.add("a", goes: .writer), .claimTakes(max: 10, []), .writerTakes(max: 10, ["a"])],
            claimLeft: 0, writerHasWork: false),
        Row(why: "while the claim loop runs, endings wait for its next claim, oldest first",
            steps: [.claimLoopStarts, .add("a", goes: .claimLoop), .add("b", goes: .claimLoop), .writerTakes(max: 10, []),
                    .claimTakes(max: .max, ["a", "b"])],
            claimLeft: 0, writerHasWork: false),
        Row(why: "a claim takes at most its maximum; the rest wait for the next",
            steps: [.claimLoopStarts, .add("a", goes: .claimLoop), .add("b", goes: .claimLoop), .add("c", goes: .claimLoop),
                    .claimTakes(max: 2, ["a", "b"])],
            claimLeft: 1, writerHasWork: false),
        Row(why: "a failed claim's batch goes to the writer and never back to a claim",
            steps: [.claimLoopStarts, .add("a", goes: .claimLoop), .add("b", goes: .claimLoop), .claimTakes(max: .max, ["a", "b"]),
                    .add("c", goes: .claimLoop), .giveBack(["a", "b"]), .claimTakes(max: .max, ["c"]),
                    .writerTakes(max: 10, ["a", "b"])],
            claimLeft: 0, writerHasWork: false),
        Row(why: "given back endings go before the writer's later ones",
            steps: [.claimLoopStarts, .add("a", goes: .claimLoop), .claimTakes(max: .max, ["a"]), .claimLoopStops,
                    .add("b", goes: .writer), .giveBack(["a"]), .writerTakes(max: 10, ["a", "b"])],
            claimLeft: 0, writerHasWork: false),
        Row(why: "when the claim loop stops, what it had not taken and every later ending are the writer's",
            steps: [.claimLoopStarts, .add("a", goes: .claimLoop), .claimLoopStops, .add("b", goes: .writer),
                    .claimTakes(max: .max, []), .writerTakes(max: 1, ["a"])],
            claimLeft: 0, writerHasWork: true),
        Row(why: "the writer takes in batches of its maximum",
            steps: [.add("a", goes: .writer), .add("b", goes: .writer), .add("c", goes: .writer),
                    .writerTakes(max: 2, ["a", "b"]), .writerTakes(max: 2, ["c"]), .writerTakes(max: 2, [])],
            claimLeft: 0, writerHasWork: false),
        Row(why: "a maximum of zero takes nothing",
            steps: [.claimLoopStarts, .add("a", goes: .claimLoop), .claimTakes(max: 0, [])],
            claimLeft: 1, writerHasWork: false),
    ]

    @Test(arguments: rows)
    func routes(row: Row) {
        var pending = PendingEndings()
        for step in row.steps {
            switch step {
            case .add(let id, let goes):
                #expect(pending.add(Self.ending(id)) == goes, "\(id)")
            case .claimLoopStarts:
                pending.claimLoopStarted()
            case .claimLoopStops:
                pending.claimLoopStopped()
            case .claimTakes(let max, let ids):
                #expect(pending.takeForClaim(max: max).map(\.runId.rawValue) == ids)
            case .giveBack(let ids):
                pending.giveBackToWriter(ids.map(Self.ending))
            case .writerTakes(let max, let ids):
                #expect(pending.takeForWriter(max: max).map(\.runId.rawValue) == ids)
            }
        }
        #expect(pending.claimCount == row.claimLeft)
        #expect(pending.writerHasWork == row.writerHasWork)
    }

    @Test("count is both ways together")
    func countsBothWays() {
        var pending = PendingEndings()
        pending.add(Self.ending("a"))
        pending.claimLoopStarted()
        pending.add(Self.ending("b"))
        #expect(pending.count == 2)
        #expect(pending.claimCount == 1)
    }

    struct WaitRow: Sendable, CustomTestStringConvertible {
        var why: String
        var running: Int
        var waiting: Int
        var expect: Bool
        var testDescription: String { why }
    }

    /// 8 workers.
    static let waitRows: [WaitRow] = [
        WaitRow(why: "nothing running: claim at once", running: 0, waiting: 0, expect: false),
        WaitRow(why: "every running run has ended: claim at once", running: 6, waiting: 6, expect: false),
        WaitRow(why: "more than half the workers still busy: let them end", running: 8, waiting: 3, expect: true),
        WaitRow(why: "exactly half busy: claim (the free half is worth filling)", running: 8, waiting: 4, expect: false),
        WaitRow(why: "few busy: claim", running: 3, waiting: 1, expect: false),
    ]

    @Test(arguments: waitRows)
    func claimWaits(row: WaitRow) {
        #expect(PendingEndings.claimShouldWait(running: row.running, waiting: row.waiting, concurrency: 8) == row.expect)
    }

    static func ending(_ id: String) -> CompleteRunParams {
        CompleteRunParams(runId: RunID(id), outcome: .succeeded(), now: Date(timeIntervalSince1970: 0))
    }
}
