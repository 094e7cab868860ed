import Foundation
import SchedulerKit
import Testing

/// The operator semantics of SPEC §1, through ``SchedulerClient`` on every store.
@Suite("SchedulerClient")
struct SchedulerClientTests {
    /// A client on a fresh store, its clock at `t0`.
    struct Harness {
        let fx: StoreFixture
        let clock: ManualClock
        let client: SchedulerClient
        var store: any JobStore { fx.store }

        /// Adds an every-minute job anchored at `t0`.
        @discardableResult
        func addMinutely(_ name: String, _ configure: (inout JobSpec) -> Void = { _ in }) async throws -> Job {
            var spec = JobSpec(name: name, schedule: .every(seconds: 60, anchor: t0), kind: "test")
            configure(&spec)
            return try await client.addJob(spec)
        }

        /// Forces a job into `status` behind the client's back (as the scheduler would).
        func force(_ job: Job, to status: JobStatus, consecutiveErrors: Int = 0) async throws {
            try await store.modifyJob(id: job.id) { job in
                job.status = status
                job.consecutiveErrors = consecutiveErrors
                if status != .active { job.nextRunAt = nil }
                return nil
            }
        }

        /// The audit actions of a job, oldest first.
        func actions(_ job: Job) async throws -> [String] {
            try await store.auditEntries(AuditQuery(jobId: job.id)).map(\.action).reversed()
        }
    }

    static func with(_ kind: StoreKind, _ body: (Harness) async throws -> Void) async throws {
        try await StoreFixture.with(kind) { fx in
            let clock = ManualClock(now: t0)
            try await body(Harness(fx: fx, clock: clock, client: SchedulerClient(store: fx.store, clock: clock, actor: "cli:alice")))
        }
    }

    // MARK: Adding and finding jobs

    @Test(arguments: StoreKind.allCases)
    func addJobSchedulesItAndAuditsIt(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            h.clock.advance(by: 30)
            let job = try await h.addMinutely("report")
            #expect(job.status == .active)
            #expect(job.nextRunAt == at(60))
            #expect(job.createdAt == at(30))
            #expect(try await h.store.job(id: job.id) == job)

            let entry = try #require(try await h.client.audit(job: "report").first)
            #expect(entry.action == "job.create")
            #expect(entry.actor == "cli:alice")
            #expect(entry.at == at(30))

            let past = try await h.client.addJob(JobSpec(name: "past", schedule: .at(at(-3600)), kind: "test"))
            #expect(past.nextRunAt == at(-3600), "a past instant is accepted and runs once")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func jobsAreFoundByIdOrName(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("lookup")
            #expect(try await h.client.job("lookup") == job)
            #expect(try await h.client.job(job.id.rawValue) == job)
            await expectSchedulerError(.notFound) { _ = try await h.client.job("nobody") }
            await expectSchedulerError(.notFound) { _ = try await h.client.pauseJob("nobody") }
        }
    }

    @Test(arguments: StoreKind.allCases, [
        "", "-dash-first", ".dot-first", "_under-first", "has space", "slash/name", "ünï", "semi;colon",
        String(repeating: "a", count: 129),
    ])
    func invalidNamesAreInvalidInputAndWriteNothing(kind: StoreKind, name: String) async throws {
        try await Self.with(kind) { h async throws in
            await expectSchedulerError(.invalidInput) { try await h.addMinutely(name) }
            #expect(try await h.store.jobs(JobQuery()).isEmpty)
            #expect(try await h.store.auditEntries(AuditQuery()).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases, ["a", "0", "A.b_c-9", "x--..__", String(repeating: "z", count: 128)])
    func validNamesAreAccepted(kind: StoreKind, name: String) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely(name)
            #expect(try await h.client.job(name) == job)
        }
    }

    /// Each case breaks one option of an otherwise valid job.
    static let invalidOptions: [(String, @Sendable (inout JobSpec) -> Void)] = [
        ("max errors 0", { $0.maxConsecutiveErrors = 0 }),
        ("timeout 0", { $0.timeout = 0 }),
        ("negative jitter", { $0.jitter = -1 }),
        ("retry with no attempts", { $0.retry = RetryPolicy(maxAttempts: 0) }),
        ("retry shrinking", { $0.retry = RetryPolicy(maxAttempts: 2, multiplier: 0.5) }),
        ("empty kind", { $0.kind = "" }),
        ("zero interval", { $0.schedule = .every(seconds: 0, anchor: t0) }),
        ("delete-after-run on an interval", { $0.deleteAfterRun = true }),
        ("state webhook not http", { $0.stateWebhookURL = "ftp://example.com/state" }),
        ("state webhook with credentials", { $0.stateWebhookURL = "https://u:pw@example.com/state" }),
        ("state webhook secret without a state webhook", { $0.stateWebhookSecret = "s3cret" }),
        ("shell job without command", { $0.kind = "shell" }),
        ("shell job with empty command", { spec in
            spec.kind = "shell"
            spec.payload = try! JobPayload(ShellPayload(command: []))
        }),
    ]

    @Test(arguments: StoreKind.allCases, invalidOptions.indices)
    func invalidOptionsAreInvalidInputAndWriteNothing(kind: StoreKind, index: Int) async throws {
        let (label, breakIt) = Self.invalidOptions[index]
        try await Self.with(kind) { h async throws in
            let error = await expectSchedulerError(.invalidInput) { try await h.addMinutely("opt", breakIt) }
            #expect(error?.message.isEmpty == false, "\(label)")
            #expect(try await h.store.jobs(JobQuery()).isEmpty, "\(label)")
            #expect(try await h.store.auditEntries(AuditQuery()).isEmpty, "\(label)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateNamesAreRefused(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            try await h.addMinutely("twin")
            await expectSchedulerError(.alreadyExists) { try await h.addMinutely("twin") }
            #expect(try await h.store.jobs(JobQuery()).count == 1)
        }
    }

    // MARK: Updating

    @Test(arguments: StoreKind.allCases)
    func updateJobRearmsANewScheduleFromNowAndAudits(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("changing")
            h.clock.advance(to: at(1000))
            var update = JobUpdate()
            update.schedule = .every(seconds: 300, anchor: t0)
            update.timeout = .some(5)
            let updated = try await h.client.updateJob("changing", update)
            #expect(updated.nextRunAt == at(1200))
            #expect(updated.timeout == 5)
            #expect(updated.updatedAt == at(1000))
            #expect(try await h.store.reload(job) == updated)
            #expect(try await h.actions(job) == ["job.create", "job.update"])
        }
    }

    /// Instants finer than the store keeps (a real clock's) come back as stored, for a new job
    /// and for an updated one.
    @Test(arguments: StoreKind.allCases)
    func addAndUpdateReturnTheJobAsStored(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fx in
            let clock = ManualClock(now: t0.addingTimeInterval(0.0004))
            let client = SchedulerClient(store: fx.store, clock: clock)
            let added = try await client.addJob(
                JobSpec(name: "fine", schedule: .every(seconds: 60, anchor: t0.addingTimeInterval(0.0006)), kind: "test"))
            #expect(try await fx.store.reload(added) == added)

            clock.advance(by: 1.0003)
            var toInterval = JobUpdate()
            toInterval.schedule = .every(seconds: 90, anchor: t0.addingTimeInterval(0.0007))
            let interval = try await client.updateJob("fine", toInterval)
            #expect(try await fx.store.reload(added) == interval)

            var toInstant = JobUpdate()
            toInstant.schedule = .at(t0.addingTimeInterval(3600.0004))
            let instant = try await client.updateJob("fine", toInstant)
            #expect(try await fx.store.reload(added) == instant)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func invalidUpdatesWriteNothing(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("steady")
            try await h.addMinutely("other")
            var badTimeout = JobUpdate()
            badTimeout.timeout = .some(-1)
            await expectSchedulerError(.invalidInput) { try await h.client.updateJob("steady", badTimeout) }
            var badName = JobUpdate()
            badName.name = "no spaces"
            await expectSchedulerError(.invalidInput) { try await h.client.updateJob("steady", badName) }
            var taken = JobUpdate()
            taken.name = "other"
            await expectSchedulerError(.alreadyExists) { try await h.client.updateJob("steady", taken) }
            #expect(try await h.store.reload(job) == job)
            #expect(try await h.actions(job) == ["job.create"])
        }
    }

    // MARK: Pause and resume

    @Test(arguments: StoreKind.allCases)
    func pauseAcceptsOnlyActiveJobs(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("pausable")
            h.clock.advance(by: 5)
            let paused = try await h.client.pauseJob("pausable")
            #expect(paused.status == .paused)
            #expect(paused.nextRunAt == nil)
            #expect(try await h.store.reload(job) == paused)
            #expect(try await h.actions(job) == ["job.create", "job.pause"])

            for status in [JobStatus.paused, .failed, .completed] {
                try await h.force(job, to: status)
                let error = await expectSchedulerError(.refused) { try await h.client.pauseJob("pausable") }
                #expect(error?.jobStatus == status)
            }
            #expect(try await h.actions(job) == ["job.create", "job.pause"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func resumeWithoutForceAcceptsOnlyPaused(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("resumable")
            try await h.client.pauseJob("resumable")
            h.clock.advance(to: at(630))
            let resumed = try await h.client.resumeJob("resumable")
            #expect(resumed.status == .active)
            #expect(resumed.nextRunAt == at(660), "recomputed from now, not from the old slot")
            #expect(try await h.store.reload(job) == resumed)
            #expect(try await h.actions(job) == ["job.create", "job.pause", "job.resume"])

            for status in [JobStatus.active, .failed, .completed] {
                try await h.force(job, to: status, consecutiveErrors: status == .failed ? 10 : 0)
                let before = try await h.store.reload(job)
                let error = await expectSchedulerError(.refused) { try await h.client.resumeJob("resumable") }
                #expect(error?.jobStatus == status)
                #expect(try await h.store.reload(job) == before)
            }
            #expect(try await h.actions(job) == ["job.create", "job.pause", "job.resume"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func forcedResumeRevivesAFailedJob(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("revived")
            try await h.force(job, to: .failed, consecutiveErrors: 10)
            h.clock.advance(to: at(630))
            let revived = try await h.client.resumeJob("revived", force: true)
            #expect(revived.status == .active)
            #expect(revived.consecutiveErrors == 0)
            #expect(revived.nextRunAt == at(660))
            #expect(try await h.store.reload(job) == revived)

            let entry = try #require(try await h.store.auditEntries(AuditQuery(jobId: job.id)).first)
            #expect(entry.action == "job.resume:force")
            #expect(entry.actor == "cli:alice")
            #expect(entry.details.contains("failed"))

            // it is scheduled again: the next slot is claimed
            let claimed = try await h.store.claimDueRuns(claim(at: at(660)))
            #expect(claimed.started.map(\.run.scheduledFor) == [at(660)])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func forcedResumeAcceptsPausedAndRefusesActiveAndCompleted(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("forced")
            try await h.client.pauseJob("forced")
            let resumed = try await h.client.resumeJob("forced", force: true)
            #expect(resumed.status == .active)
            #expect(try await h.actions(job).last == "job.resume:force")

            let active = await expectSchedulerError(.refused) { try await h.client.resumeJob("forced", force: true) }
            #expect(active?.jobStatus == .active)
            try await h.force(job, to: .completed)
            let completed = await expectSchedulerError(.refused) { try await h.client.resumeJob("forced", force: true) }
            #expect(completed?.jobStatus == .completed)
            #expect(try await h.store.reload(job).status == .completed)
        }
    }

    @Test(arguments: StoreKind.allCases, [false, true])
    func resumingAOneShotWhoseInstantPassedIsRefused(kind: StoreKind, force: Bool) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.client.addJob(JobSpec(name: "once", schedule: .at(at(120)), kind: "test"))
            try await h.client.pauseJob("once")
            h.clock.advance(to: at(600))
            let error = await expectSchedulerError(.refused) { try await h.client.resumeJob("once", force: force) }
            let text = error?.description ?? ""
            #expect(text.contains("reschedule"), "\(text)")
            #expect(text.contains("run-now"), "\(text)")
            #expect(try await h.store.reload(job).status == .paused)
        }
    }

    // MARK: Run now

    @Test(arguments: StoreKind.allCases)
    func runNowQueuesAManualRunWithoutMovingTheSchedule(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("urgent")
            h.clock.advance(by: 7)
            let run = try await h.client.runJobNow("urgent")
            #expect(run.trigger == .manual)
            #expect(run.status == .queued)
            #expect(run.queuedAt == at(7))
            #expect(try await h.store.reload(run) == run)
            #expect(try await h.store.reload(job) == job)

            let entry = try #require(try await h.store.auditEntries(AuditQuery(jobId: job.id)).first)
            #expect(entry.action == "job.run_now")
            #expect(entry.details.contains(run.id.rawValue))

            let started = try await h.store.claimDueRuns(claim(at: at(7)))
            #expect(started.started.map(\.run.id) == [run.id])
            #expect(try await h.store.reload(job).nextRunAt == at(60))
        }
    }

    @Test(arguments: StoreKind.allCases, [JobStatus.paused, .failed, .completed])
    func runNowRefusesJobsThatAreNotActive(kind: StoreKind, status: JobStatus) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("idle")
            try await h.force(job, to: status)
            let error = await expectSchedulerError(.refused) { try await h.client.runJobNow("idle") }
            #expect(error?.jobStatus == status)
            #expect(try await h.store.allRuns(of: job).isEmpty)
            #expect(try await h.actions(job) == ["job.create"])
        }
    }

    // MARK: Alerts

    @Test(arguments: StoreKind.allCases)
    func alertsAreAddedListedAndDeleted(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("watched")
            let hook = try await h.client.addAlert("watched", .webhook("https://hooks.example.com/x", secret: "s3cret"))
            let mail = try await h.client.addAlert(job.id.rawValue, .email("ops@example.com"))
            #expect(try await h.client.alerts("watched") == [hook, mail])
            #expect(hook.secret == "s3cret")
            try await h.client.deleteAlert(hook.id)
            #expect(try await h.client.alerts("watched") == [mail])
            await expectSchedulerError(.notFound) { try await h.client.deleteAlert(hook.id) }
            #expect(try await h.actions(job) == ["job.create", "alert.create", "alert.create", "alert.delete"])
        }
    }

    static let invalidAlerts: [AlertSpec] = [
        .webhook("ftp://example.com/x"),
        .webhook("not a url"),
        .webhook("http://"),
        .webhook("mailto:ops@example.com"),
        .email("ops"),
        .email("ops@localhost"),
        .email("two words@example.com"),
        .email("<ops@example.com>"),
        AlertSpec(type: .email, target: "ops@example.com", secret: "only-for-webhooks"),
        AlertSpec(type: .webhook, target: "https://example.com/x", onFailure: false, onTimeout: false, onSystemError: false),
    ]

    @Test(arguments: StoreKind.allCases, invalidAlerts.indices)
    func invalidAlertsAreInvalidInputAndWriteNothing(kind: StoreKind, index: Int) async throws {
        let spec = Self.invalidAlerts[index]
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("watched")
            await expectSchedulerError(.invalidInput) { try await h.client.addAlert("watched", spec) }
            #expect(try await h.client.alerts("watched").isEmpty, "\(spec.target)")
            #expect(try await h.actions(job) == ["job.create"])
        }
    }

    // MARK: Delete and the audit trail

    @Test(arguments: StoreKind.allCases)
    func everyOperatorActionIsAudited(kind: StoreKind) async throws {
        try await Self.with(kind) { h async throws in
            let job = try await h.addMinutely("lifecycle")
            var update = JobUpdate()
            update.maxConsecutiveErrors = 3
            try await h.client.updateJob("lifecycle", update)
            try await h.client.pauseJob("lifecycle")
            try await h.client.resumeJob("lifecycle")
            try await h.client.pauseJob("lifecycle")
            try await h.client.resumeJob("lifecycle", force: true)
            try await h.client.runJobNow("lifecycle")
            let alert = try await h.client.addAlert("lifecycle", .webhook("https://example.com/a"))
            try await h.client.deleteAlert(alert.id)
            h.clock.advance(by: 1)
            try await h.client.deleteJob("lifecycle")

            let entries = try await h.store.auditEntries(AuditQuery(jobId: job.id)).reversed()
            #expect(entries.map(\.action) == [
                "job.create", "job.update", "job.pause", "job.resume", "job.pause", "job.resume:force", "job.run_now",
                "alert.create", "alert.delete", "job.delete",
            ])
            #expect(entries.allSatisfy { $0.actor == "cli:alice" && $0.jobName == "lifecycle" })
            #expect(try await h.store.job(id: job.id) == nil)
            await expectSchedulerError(.notFound) { try await h.client.deleteJob("lifecycle") }

            // the history of a deleted job stays reachable by its id
            #expect(try await h.client.runs(job: job.id.rawValue).map(\.status) == [.cancelled])
        }
    }
}
