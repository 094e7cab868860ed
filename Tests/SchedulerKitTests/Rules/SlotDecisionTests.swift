import Foundation
import SchedulerKit
import Testing

/// The rules of a due slot, as literal tables: overlap × misfire × how late the scheduler is,
/// and the one-shot job's single slot. No store: `SlotDecision` is what every store executes.
@Suite("Slot decision")
struct SlotDecisionTests {
    static func decide(_ job: Job, open: [Run] = [], now: Date, grace: Double = 1) -> SlotDecision? {
        SlotDecision.decide(job: job, openRuns: open, now: now, misfireGrace: grace, owner: "worker-a", jitter: { $0 })
    }

    enum Open: String, Sendable, CaseIterable { case none, queued, running }

    enum Expect: Sendable, Equatable {
        /// A queued run for the slot with this trigger.
        case queued(RunTrigger)
        /// A run for the slot that is already `skipped` with code `overlap`.
        case skippedOverlap
        /// Nothing now: decided at the slot's instant.
        case waits
    }

    struct OverlapRow: Sendable, CustomTestStringConvertible {
        var overlap: OverlapPolicy
        var open: Open
        /// Seconds from the slot (t(60)) to now: negative is a slot within the lookahead.
        var lateBy: Double
        var expect: Expect
        var replaces: Bool = false
        var cancels: Bool = false
        var testDescription: String { "\(overlap.rawValue) with \(open.rawValue) open run, late by \(lateBy)" }
    }

    /// Overlap policy against the job's open run, on time and within the lookahead.
    static let overlaps: [OverlapRow] = [
        OverlapRow(overlap: .skip, open: .none, lateBy: 0, expect: .queued(.schedule)),
        OverlapRow(overlap: .skip, open: .running, lateBy: 0, expect: .skippedOverlap),
        OverlapRow(overlap: .skip, open: .queued, lateBy: 0, expect: .skippedOverlap),
        OverlapRow(overlap: .allow, open: .none, lateBy: 0, expect: .queued(.schedule)),
        OverlapRow(overlap: .allow, open: .running, lateBy: 0, expect: .queued(.schedule)),
        OverlapRow(overlap: .allow, open: .queued, lateBy: 0, expect: .queued(.schedule)),
        OverlapRow(overlap: .replace, open: .none, lateBy: 0, expect: .queued(.schedule)),
        OverlapRow(overlap: .replace, open: .queued, lateBy: 0, expect: .queued(.schedule), replaces: true),
        OverlapRow(overlap: .replace, open: .running, lateBy: 0, expect: .queued(.schedule), cancels: true),
        // within the lookahead (0.4 s early)
        OverlapRow(overlap: .skip, open: .none, lateBy: -0.4, expect: .queued(.schedule)),
        OverlapRow(overlap: .skip, open: .running, lateBy: -0.4, expect: .waits),
        OverlapRow(overlap: .replace, open: .running, lateBy: -0.4, expect: .waits),
        OverlapRow(overlap: .allow, open: .running, lateBy: -0.4, expect: .queued(.schedule)),
    ]

    @Test(arguments: overlaps)
    func overlapPolicy(row: OverlapRow) throws {
        let open: [Run] =
            switch row.open {
            case .none: []
            case .queued: [ruleRun("run-0", status: .queued, slot: t(0))]
            case .running: [ruleRun("run-0", status: .running, slot: t(0))]
            }
        let now = t(60 + row.lateBy)
        let d = try #require(Self.decide(ruleJob(overlap: row.overlap), open: open, now: now))
        #expect(d.skipped == nil)
        #expect(!d.deletesJob)
        switch row.expect {
        case .waits:
            #expect(d.waits)
            #expect(d.run == nil)
            #expect(d.job.nextRunAt == t(60), "the slot stays due")
        case .queued(let trigger):
            #expect(!d.waits)
            let run = try #require(d.run)
            #expect(run.status == .queued)
            #expect(run.trigger == trigger)
            #expect(run.scheduledFor == t(60))
            #expect(run.notBefore == t(60))
            #expect(run.leaseOwner == (row.lateBy < 0 ? "worker-a" : nil), "a run queued ahead is marked by its scheduler")
            #expect(d.job.nextRunAt == t(120))
        case .skippedOverlap:
            let run = try #require(d.run)
            #expect(run.status == .skipped)
            #expect(run.errorCode == "overlap")
            #expect(run.errorMessage?.contains("run-0") == true)
            #expect(d.job.nextRunAt == t(120))
        }
        if row.replaces {
            #expect(d.replaced.map(\.id) == ["run-0"])
            #expect(d.replaced.first?.status == .cancelled)
            #expect(d.replaced.first?.errorCode == "replaced")
        } else {
            #expect(d.replaced.isEmpty)
        }
        #expect(d.cancelRequested == (row.cancels ? ["run-0"] : []))
    }

    struct MisfireRow: Sendable, CustomTestStringConvertible {
        var misfire: MisfirePolicy
        /// now, as seconds after t(0); the first due slot is t(60), slots every 60 s, grace 1 s.
        var now: Double
        /// The run created: its slot and trigger (nil: none).
        var run: (slot: Double, trigger: RunTrigger)?
        /// The skipped record: its slot and the count in its message (nil: none).
        var skipped: (slot: Double, count: Int)?
        var next: Double
        var testDescription: String { "\(misfire.rawValue) at \(now)" }
    }

    /// Misfire policy by how late the scheduler is.
    static let misfires: [MisfireRow] = [
        // on time, within grace
        MisfireRow(misfire: .runOnce, now: 60.5, run: (60, .schedule), skipped: nil, next: 120),
        MisfireRow(misfire: .skip, now: 60.5, run: (60, .schedule), skipped: nil, next: 120),
        // one slot, past grace
        MisfireRow(misfire: .runOnce, now: 70, run: (60, .catchup), skipped: nil, next: 120),
        MisfireRow(misfire: .skip, now: 70, run: nil, skipped: (60, 1), next: 120),
        // six slots missed (60…360), the latest past grace
        MisfireRow(misfire: .runOnce, now: 370, run: (360, .catchup), skipped: nil, next: 420),
        MisfireRow(misfire: .skip, now: 370, run: nil, skipped: (360, 6), next: 420),
        // six slots due, the latest (360) on time: skip runs it and records the five before
        MisfireRow(misfire: .runOnce, now: 360.5, run: (360, .catchup), skipped: nil, next: 420),
        MisfireRow(misfire: .skip, now: 360.5, run: (360, .schedule), skipped: (300, 5), next: 420),
    ]

    @Test(arguments: misfires)
    func misfirePolicy(row: MisfireRow) throws {
        let d = try #require(Self.decide(ruleJob(misfire: row.misfire), now: t(row.now)))
        #expect(!d.waits)
        if let expected = row.run {
            let run = try #require(d.run)
            #expect(run.scheduledFor == t(expected.slot))
            #expect(run.trigger == expected.trigger)
            #expect(run.status == .queued)
            #expect(run.leaseOwner == nil)
        } else {
            #expect(d.run == nil)
        }
        if let expected = row.skipped {
            let skip = try #require(d.skipped)
            #expect(skip.scheduledFor == t(expected.slot))
            #expect(skip.status == .skipped)
            #expect(skip.errorCode == "misfire")
            #expect(skip.errorMessage?.hasPrefix("\(expected.count) slot(s) missed") == true)
        } else {
            #expect(d.skipped == nil)
        }
        #expect(d.job.nextRunAt == t(row.next))
        #expect(d.job.status == .active)
    }

    @Test func aLongOutageOfACronScheduleFindsTheLatestSlot() throws {
        // every second for a day: more slots than the walk's bound
        let job = ruleJob(schedule: try .cron("* * * * * *"), next: t(60), misfire: .skip)
        let d = try #require(Self.decide(job, now: t(86_400 + 0.5)))
        #expect(d.run?.scheduledFor == t(86_400))
        #expect(d.skipped?.scheduledFor == t(86_399))
        #expect(d.job.nextRunAt == t(86_401))
    }

    struct OneShotRow: Sendable, CustomTestStringConvertible {
        var misfire: MisfirePolicy
        var overlap: OverlapPolicy
        var open: Bool
        var deleteAfterRun: Bool
        var now: Double
        var run: RunTrigger?
        var skipped: Bool
        var status: JobStatus
        var deletes: Bool
        var testDescription: String {
            "\(misfire.rawValue) \(overlap.rawValue) open=\(open) delete=\(deleteAfterRun) at \(now)"
        }
    }

    /// The one-shot job (`at t(60)`): one slot, which waits behind a run in progress.
    static let oneShots: [OneShotRow] = [
        OneShotRow(misfire: .runOnce, overlap: .skip, open: false, deleteAfterRun: false, now: 60, run: .schedule, skipped: false, status: .active, deletes: false),
        OneShotRow(misfire: .runOnce, overlap: .skip, open: true, deleteAfterRun: false, now: 60, run: .schedule, skipped: false, status: .active, deletes: false),
        OneShotRow(misfire: .runOnce, overlap: .skip, open: true, deleteAfterRun: false, now: 59.6, run: .schedule, skipped: false, status: .active, deletes: false),
        OneShotRow(misfire: .runOnce, overlap: .skip, open: false, deleteAfterRun: false, now: 200, run: .catchup, skipped: false, status: .active, deletes: false),
        OneShotRow(misfire: .skip, overlap: .skip, open: false, deleteAfterRun: false, now: 200, run: nil, skipped: true, status: .completed, deletes: false),
        OneShotRow(misfire: .skip, overlap: .skip, open: false, deleteAfterRun: true, now: 200, run: nil, skipped: true, status: .active, deletes: true),
        OneShotRow(misfire: .skip, overlap: .replace, open: false, deleteAfterRun: false, now: 60.2, run: .schedule, skipped: false, status: .active, deletes: false),
    ]

    @Test(arguments: oneShots)
    func oneShotSlot(row: OneShotRow) throws {
        let job = ruleJob(
            schedule: .at(t(60)), next: t(60), overlap: row.overlap, misfire: row.misfire, deleteAfterRun: row.deleteAfterRun)
        let open = row.open ? [ruleRun("run-0", status: .running, slot: t(0), trigger: .manual)] : []
        let d = try #require(Self.decide(job, open: open, now: t(row.now)))
        #expect(!d.waits)
        #expect(d.run?.trigger == row.run)
        if row.run != nil { #expect(d.run?.status == .queued) }
        #expect((d.skipped != nil) == row.skipped)
        #expect(d.job.nextRunAt == nil)
        #expect(d.job.status == row.status)
        #expect(d.deletesJob == row.deletes)
        #expect(d.replaced.isEmpty && d.cancelRequested.isEmpty)
    }

    @Test func jitterDelaysTheStartNotTheSlot() throws {
        var job = ruleJob()
        job.jitter = 5
        let d = try #require(
            SlotDecision.decide(job: job, openRuns: [], now: t(60), misfireGrace: 1, owner: "w", jitter: { $0 / 2 }))
        #expect(d.run?.scheduledFor == t(60))
        #expect(d.run?.notBefore == t(62.5))
    }

    @Test func aJobWithoutANextSlotHasNoDecision() {
        #expect(Self.decide(ruleJob(next: nil), now: t(60)) == nil)
    }
}
