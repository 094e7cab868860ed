import Foundation
import SchedulerKit
import Testing

/// A run queued ahead by a scheduler that stopped, found past the grace: the table, by hand.
@Suite("Abandoned upcoming run decision")
struct AbandonedRunDecisionTests {
    /// (misfire policy, the job's next slot, expected: catch-up or skipped, the message's ending)
    static let rows: [(MisfirePolicy, Date?, Bool, String)] = [
        (.runOnce, t(260), true, ""),  // its next slot is still ahead: run it once, late
        (.runOnce, nil, true, ""),  // a one-shot whose slot it was
        (.runOnce, t(120), false, "replaces it (misfire policy runOnce)"),  // later slots missed too
        (.runOnce, t(200), false, "replaces it (misfire policy runOnce)"),  // next slot exactly now
        (.skip, t(260), false, "; misfire policy skip"),
        (.skip, t(120), false, "; misfire policy skip"),
    ]

    @Test(arguments: rows.indices)
    func decision(row: Int) {
        let (misfire, next, catchup, ending) = Self.rows[row]
        var run = ruleRun(status: .queued, slot: t(60))
        run.leaseOwner = "host/1/gone"
        let decision = AbandonedRunDecision.decide(run: run, job: ruleJob(next: next, misfire: misfire), now: t(200))
        if catchup {
            #expect(decision == .runAsCatchup)
        } else if case .skip(let message) = decision {
            #expect(message.hasPrefix("queued ahead by host/1/gone, which stopped before starting it; found 140s after its slot"))
            #expect(message.hasSuffix(ending))
        } else {
            Issue.record("row \(row): expected a skip, got \(decision)")
        }
    }

    @Test func lostRunReasons() {
        let run = ruleRun(status: .running, slot: t(60))
        #expect(LostRunReason.message(for: run, ownerGone: true) == "worker worker-a is gone (process no longer exists)")
        #expect(
            LostRunReason.message(for: run, ownerGone: false)
                == "lease expired at \(ISO8601.string(t(90))) (worker worker-a stopped renewing it)")
    }
}
