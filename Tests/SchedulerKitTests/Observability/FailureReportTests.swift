import Foundation
import Testing
@testable import SchedulerKit

@Suite("Failure report")
struct FailureReportTests {
    @Test("counts, codes, success rate, percentiles and the latest failures over the window")
    func figures() async throws {
        try await ObservedStore.with { o in
            let job = try await o.job("backup")
            // outside the window (finished 25h ago)
            try await o.run(job, at: o.rel(-25 * 3600), duration: 100, .error(.exitNonzero, "old", exitCode: 9))
            // in the window: 6 succeeded (1..6 s), 2 failed, 1 timed out, 1 lost, 1 skipped
            for k in 1...6 {
                try await o.run(job, at: o.rel(-20 * 3600 + Double(k) * 600), duration: Double(k), .succeeded(exitCode: 0))
            }
            try await o.run(job, at: o.rel(-5000), duration: 7, .error(.exitNonzero, "exited with status 2", exitCode: 2, output: "a\nb\nboom\n"))
            try await o.run(job, at: o.rel(-4000), duration: 8, .error(.exitNonzero, "exited with status 2", exitCode: 2))
            try await o.run(job, at: o.rel(-3000), duration: 60, .error(.timeout, "timed out after 1m"))
            let lost = try await o.run(job, at: o.rel(-2000), duration: 9, .error(.lost, "worker gone"))
            let skipped = try await o.started(job, at: o.rel(-1000))
            try await o.store.complete(skipped, .error(.overlap, "busy"), at: o.rel(-999))
            // in progress: one queued (not started)
            try await o.store.enqueueRun(manualRun(of: job, at: o.rel(-10)), check: { _ in }, audit: nil)

            let r = try await FailureReport.make(store: o.store, job: "backup", window: 24 * 3600, now: o.now, failures: 3)
            #expect(r.jobName == "backup" && r.job?.id == job.id)
            #expect(r.total == 11)
            #expect(r.counts == [.succeeded: 6, .failed: 2, .timedOut: 1, .systemError: 1, .skipped: 1])
            #expect(r.errorCodes == ["exit_nonzero": 2, "timeout": 1, "lost": 1, "overlap": 1])
            #expect(r.exitCodes == [0: 6, 2: 2])
            #expect(r.successRate == 0.6)
            // durations of runs that started: 1,2,3,4,5,6,7,8,60,9,1 → sorted 1,1,2,3,4,5,6,7,8,9,60
            #expect(r.durationSamples == 11)
            #expect(r.durationP50 == 5)
            #expect(r.durationP95 == 60)
            #expect(r.durationMax == 60)
            #expect(r.queued == 1 && r.running == 0)
            #expect(r.lastFailures.map(\.id) == [lost.id, r.lastFailures[1].id, r.lastFailures[2].id])
            #expect(r.lastFailures.map(\.status) == [.systemError, .timedOut, .failed])
            #expect(r.from == o.rel(-24 * 3600) && r.to == o.now)

            let narrow = try await FailureReport.make(store: o.store, job: job.id.rawValue, window: 1800, now: o.now)
            #expect(narrow.total == 1 && narrow.counts == [.skipped: 1])
            #expect(narrow.successRate == nil)
            #expect(narrow.durationSamples == 1)
            #expect(narrow.lastFailures.isEmpty)
        }
    }

    @Test("an unknown job is not found; a deleted job's history still reports")
    func deletedAndUnknown() async throws {
        try await ObservedStore.with { o in
            let job = try await o.job("gone")
            try await o.run(job, at: o.rel(-100), duration: 2)
            try await o.store.deleteJob(id: job.id, audit: AuditRecord(at: o.rel(-50), actor: "test", action: .jobDelete))
            let r = try await FailureReport.make(store: o.store, job: job.id.rawValue, window: 3600, now: o.now)
            #expect(r.job == nil && r.jobName == "gone" && r.total == 1 && r.successRate == 1)
            await expectSchedulerError(.notFound) {
                _ = try await FailureReport.make(store: o.store, job: "nope", window: 3600, now: o.now)
            }
        }
    }

    @Test("the output tail keeps the last lines, bounded in bytes at a character boundary")
    func outputTail() {
        #expect(FailureReport.outputTail(nil) == nil)
        #expect(FailureReport.outputTail("") == nil)
        #expect(FailureReport.outputTail("a\nb\nc\n", lines: 2) == "b\nc\n")
        #expect(FailureReport.outputTail("a\nb\nc", lines: 2) == "b\nc")
        #expect(FailureReport.outputTail("only", lines: 2) == "only")
        #expect(FailureReport.outputTail("x\n" + String(repeating: "é", count: 10), lines: 5, maxBytes: 5) == "éé")
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        #expect(Percentile.of([Double](), 0.5) == nil)
        #expect(Percentile.of([1, 2, 3, 4], 0.5) == 2)
        #expect(Percentile.of([1, 2, 3, 4], 0.95) == 4)
        #expect(Percentile.of([7], 0.95) == 7)
        #expect(Percentile.of([5, 1, 3], 0) == 1)
    }
}
