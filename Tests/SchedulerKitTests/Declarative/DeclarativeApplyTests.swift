import Foundation
import GRDB
import SchedulerKit
import Testing

/// `SchedulerClient.apply` and `export` on real stores (SPEC §11): the plan, idempotence down
/// to `updated_at`, prune, dry run, secrets by `secret_env`, and the round trip between stores.
@Suite("Declarative apply and export")
struct DeclarativeApplyTests {
    typealias Harness = SchedulerClientTests.Harness

    static func with(_ kind: StoreKind, _ body: (Harness) async throws -> Void) async throws {
        try await SchedulerClientTests.with(kind, body)
    }

    static let twoJobs = """
        jobs:
          - name: backup
            schedule: {kind: cron, expression: "0 3 * * *", timezone: Europe/Paris}
            command: [/usr/local/bin/backup, --full]
            timeout_seconds: 600
            alerts:
              - {alert_type: webhook, target: "http://127.0.0.1:9/hook", on_timeout: false}
              - {alert_type: email, target: ops@example.com}
          - name: tick
            schedule: {kind: every, seconds: 15m}
            command: ["true"]
        """

    @Test(arguments: StoreKind.allCases)
    func createsWhatIsMissingWithAuditLines(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            let plan = try await h.apply(Self.twoJobs)
            #expect(plan.applied && !plan.dryRun)
            #expect(plan.entries.map(\.action) == [.create, .create])
            let backup = try await h.client.job("backup")
            #expect(plan.entries[0].jobId == backup.id)
            #expect(backup.kind == "shell" && backup.timeout == 600 && backup.status == .active)
            #expect(try backup.payload.decode(ShellPayload.self).command == ["/usr/local/bin/backup", "--full"])
            #expect(backup.schedule.summary == "0 3 * * * (Europe/Paris)")
            let alerts = try await h.client.alerts("backup")
            #expect(alerts.map(\.type) == [.webhook, .email])
            #expect(alerts[0].onTimeout == false && alerts[0].onFailure && alerts[1].onTimeout)
            #expect(try await h.actions(named: "backup") == ["job.create", "alert.create", "alert.create"])
            let tick = try await h.client.job("tick")
            // no anchor in the file: a new job is anchored at the time of apply
            #expect(tick.schedule == .every(seconds: 900, anchor: t0))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func applyingTheSameFileTwiceChangesNothing(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            try await h.apply(Self.twoJobs)
            // the streak and the next slot are the scheduler's: set them as a run would
            let tick = try await h.client.job("tick")
            try await h.store.modifyJob(id: tick.id) { job in
                job.consecutiveErrors = 2
                job.nextRunAt = at(3600)
                return nil
            }
            let before = try await h.snapshot()
            h.clock.advance(by: 3600)
            let again = try await h.apply(Self.twoJobs)
            #expect(again.entries.map(\.action) == [.unchanged, .unchanged])
            #expect(again.entries.allSatisfy { $0.differences.isEmpty })
            #expect(!again.changesSomething)
            let after = try await h.snapshot()
            #expect(after.0 == before.0, "updated_at, next_run_at and the streak stay")
            #expect(after.1 == before.1, "no audit line")
            #expect(after.0.first { $0.name == "tick" }?.consecutiveErrors == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func updatesWhatDiffersAndSaysWhat(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            try await h.apply(Self.twoJobs)
            let oldBackup = try await h.client.job("backup")
            let oldTick = try await h.client.job("tick")
            let oldAlerts = try await h.client.alerts("backup")
            h.clock.advance(by: 60)
            let changed = """
                jobs:
                  - name: backup
                    schedule: {kind: cron, expression: "0 4 * * *", timezone: Europe/Paris}
                    command: [/usr/local/bin/backup, --full]
                    timeout_seconds: 600
                    overlap: allow
                    alerts:
                      - {alert_type: webhook, target: "http://127.0.0.1:9/hook"}
                      - {alert_type: email, target: ops@example.com}
                  - name: tick
                    schedule: {kind: every, seconds: 15m}
                    command: ["true"]
                    alerts: [{alert_type: email, target: dev@example.com, on_system_error: false}]
                """
            let plan = try await h.apply(changed)
            #expect(plan.entries.map(\.action) == [.update, .update])
            #expect(plan.entries[0].differences == [
                .init(field: "schedule", from: "cron \"0 3 * * *\" (Europe/Paris)", to: "cron \"0 4 * * *\" (Europe/Paris)"),
                .init(field: "overlap", from: "skip", to: "allow"),
                .init(field: "alerts", from: "webhook http://127.0.0.1:9/hook on failure,system_error", to: nil),
                .init(field: "alerts", from: nil, to: "webhook http://127.0.0.1:9/hook on failure,timeout,system_error"),
            ])
            #expect(plan.entries[1].differences == [.init(field: "alerts", from: nil, to: "email dev@example.com on failure,timeout")])

            let backup = try await h.client.job("backup")
            #expect(backup.overlap == .allow && backup.updatedAt == at(60))
            #expect(backup.nextRunAt != oldBackup.nextRunAt, "a new schedule re-arms the job")
            let alerts = try await h.client.alerts("backup")
            #expect(alerts.count == 2)
            #expect(alerts.contains { $0.id == oldAlerts[1].id }, "the unchanged alert is kept")
            #expect(!alerts.contains { $0.id == oldAlerts[0].id }, "the changed one is replaced")
            #expect(try await h.actions(named: "backup").suffix(3) == ["job.update", "alert.delete", "alert.create"])
            // only alerts differ: the job row itself is not written
            let tick = try await h.client.job("tick")
            #expect(tick == oldTick)
            #expect(try await h.actions(named: "tick") == ["job.create", "alert.create"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pruneDeletesShellJobsNotInTheFileOnly(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            try await h.apply(Self.twoJobs)
            try await h.client.addJob(JobSpec(name: "program-job", schedule: .every(seconds: 60, anchor: t0), kind: "report"))
            let onlyTick = """
                jobs:
                  - {name: tick, schedule: {kind: every, seconds: 900}, command: ["true"]}
                """
            let kept = try await h.apply(onlyTick)
            #expect(kept.entries.map(\.action) == [.unchanged], "without --prune nothing is deleted")
            #expect(try await h.client.jobs().count == 3)

            let dry = try await h.apply(onlyTick, dryRun: true, prune: true)
            #expect(dry.entries.map { "\($0.action) \($0.name)" } == ["unchanged tick", "delete backup"])
            #expect(!dry.applied)
            #expect(try await h.client.jobs().count == 3)

            let pruned = try await h.apply(onlyTick, prune: true)
            #expect(pruned.entries.map(\.action) == [.unchanged, .delete])
            #expect(try await h.client.jobs().map(\.name) == ["program-job", "tick"])
            let audit = try await h.client.audit(limit: 1)
            #expect(audit.first?.action == "job.delete" && audit.first?.jobName == "backup")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDryRunWritesNothing(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            let create = try await h.apply(Self.twoJobs, dryRun: true)
            #expect(create.entries.map(\.action) == [.create, .create] && create.entries.allSatisfy { $0.jobId == nil })
            #expect(try await h.snapshot().0.isEmpty)
            #expect(try await h.snapshot().1 == 0)
            try await h.apply(Self.twoJobs)
            let before = try await h.snapshot()
            let update = try await h.apply(Self.twoJobs.replacingOccurrences(of: "timeout_seconds: 600", with: "timeout_seconds: 5m"), dryRun: true, prune: true)
            #expect(update.entries.map(\.action) == [.update, .unchanged])
            #expect(update.entries[0].differences == [.init(field: "timeout_seconds", from: "600", to: "300")])
            let after = try await h.snapshot()
            #expect(after.0 == before.0 && after.1 == before.1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anInvalidDocumentWritesNothingAndListsEveryProblem(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            try await h.client.addJob(JobSpec(name: "taken", schedule: .every(seconds: 60, anchor: t0), kind: "report"))
            let before = try await h.snapshot()
            // built in code, so the reader never saw it: apply checks it all again
            let document = JobsDocument(jobs: [
                DeclaredJob(name: "fine", schedule: .every(seconds: 60, anchor: nil), command: ["true"]),
                DeclaredJob(name: "taken", schedule: .every(seconds: 60, anchor: nil), command: ["true"]),
                DeclaredJob(
                    name: "bad", schedule: .cron(expression: "0 0 30 2 *", timezone: "UTC"), command: ["true"],
                    alerts: [DeclaredAlert(alertType: .webhook, target: "http://127.0.0.1:9/h", secretEnv: "MISSING")]),
                DeclaredJob(name: "fine", schedule: .at(t0), command: [""]),
            ])
            let error = await #expect(throws: JobsDocumentError.self) {
                try await h.client.apply(document, options: ApplyOptions(prune: true, environment: [:]))
            }
            let lines = error?.problems.map(\.description) ?? []
            #expect(lines.count == 5, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("job \"bad\" (jobs[2]): schedule.expression: \"0 0 30 2 *\":") })
            #expect(lines.contains("job \"bad\" (jobs[2]): alerts[0].secret_env: \"MISSING\": not set in the environment; export it with the webhook's secret"))
            #expect(lines.contains("job \"fine\" (jobs[3]): command[0]: empty; expected the program to run"))
            #expect(lines.contains { $0.hasPrefix("job \"fine\" (jobs[3]): name: \"fine\": duplicate") })
            #expect(lines.contains("job \"taken\" (jobs[1]): name: \"taken\": a job of kind \"report\" has this name; apply manages shell jobs only"))
            let after = try await h.snapshot()
            #expect(after.0 == before.0 && after.1 == before.1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func secretsComeFromTheEnvironmentAndAreNeverExported(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            let yaml = """
                jobs:
                  - name: signed
                    schedule: {kind: every, seconds: 60}
                    command: ["true"]
                    alerts: [{alert_type: webhook, target: "http://127.0.0.1:9/h", secret_env: HOOK_SECRET}]
                """
            try await h.apply(yaml, environment: ["HOOK_SECRET": "first-secret"])
            #expect(try await h.client.alerts("signed").map(\.secret) == ["first-secret"])
            #expect(try await h.apply(yaml, environment: ["HOOK_SECRET": "first-secret"]).entries.map(\.action) == [.unchanged])

            let rotated = try await h.apply(yaml, environment: ["HOOK_SECRET": "second-secret"])
            #expect(rotated.entries[0].differences == [
                .init(field: "alerts", from: "webhook http://127.0.0.1:9/h on failure,timeout,system_error, signed", to: nil),
                .init(field: "alerts", from: nil, to: "webhook http://127.0.0.1:9/h on failure,timeout,system_error, signed (new secret)"),
            ])
            #expect(try await h.client.alerts("signed").map(\.secret) == ["second-secret"])

            let export = try await h.client.export()
            let text = try export.document.text(.yaml) + export.document.text(.json) + export.notes.joined()
            #expect(!text.contains("second-secret"))
            #expect(export.secretVariables == ["SCHEDCTL_SECRET_SIGNED_ALERT1"])
            #expect(export.document.jobs[0].alerts[0].secretEnv == "SCHEDCTL_SECRET_SIGNED_ALERT1")
            // the exported name is what apply reads
            let reapplied = try await h.client.apply(
                export.document, options: ApplyOptions(environment: ["SCHEDCTL_SECRET_SIGNED_ALERT1": "second-secret"]))
            #expect(reapplied.entries.map(\.action) == [.unchanged])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theStateWebhookSecretComesFromTheEnvironmentAndIsNeverExported(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            let yaml = """
                jobs:
                  - name: stateful
                    schedule: {kind: every, seconds: 60}
                    command: ["true"]
                    state_webhook_url: "http://127.0.0.1:9/state"
                    state_webhook_secret_env: STATE_SECRET
                """
            try await h.apply(yaml, environment: ["STATE_SECRET": "state-one"])
            #expect(try await h.client.job("stateful").stateWebhookSecret == "state-one")
            #expect(try await h.apply(yaml, environment: ["STATE_SECRET": "state-one"]).entries.map(\.action) == [.unchanged])

            let rotated = try await h.apply(yaml, environment: ["STATE_SECRET": "state-two"])
            #expect(rotated.entries[0].differences == [
                .init(field: "state_webhook_secret_env", from: "signed", to: "signed (new secret)")
            ])
            #expect(try await h.client.job("stateful").stateWebhookSecret == "state-two")

            let export = try await h.client.export()
            let text = try export.document.text(.yaml) + export.document.text(.json) + export.notes.joined()
            #expect(!text.contains("state-two"))
            #expect(export.secretVariables == ["SCHEDCTL_SECRET_STATEFUL_STATE_WEBHOOK"])
            #expect(export.document.jobs[0].stateWebhookSecretEnv == "SCHEDCTL_SECRET_STATEFUL_STATE_WEBHOOK")
            let reapplied = try await h.client.apply(
                export.document, options: ApplyOptions(environment: ["SCHEDCTL_SECRET_STATEFUL_STATE_WEBHOOK": "state-two"]))
            #expect(reapplied.entries.map(\.action) == [.unchanged])

            // dropping the key unsigns the state webhook
            let unsigned = try await h.apply(yaml.replacingOccurrences(of: "\n    state_webhook_secret_env: STATE_SECRET", with: ""))
            #expect(unsigned.entries[0].differences == [.init(field: "state_webhook_secret_env", from: "signed", to: "unsigned")])
            #expect(try await h.client.job("stateful").stateWebhookSecret == nil)

            // a variable that is not set, or a secret without a webhook: every problem, nothing written
            let before = try await h.snapshot()
            let document = JobsDocument(jobs: [
                DeclaredJob(
                    name: "stateful", schedule: .every(seconds: 60, anchor: nil), command: ["true"],
                    stateWebhookURL: "http://127.0.0.1:9/state", stateWebhookSecretEnv: "MISSING"),
                DeclaredJob(name: "nourl", schedule: .every(seconds: 60, anchor: nil), command: ["true"], stateWebhookSecretEnv: "X"),
            ])
            let error = await #expect(throws: JobsDocumentError.self) {
                try await h.client.apply(document, options: ApplyOptions(environment: ["X": "x"]))
            }
            #expect(error?.problems.map(\.description) == [
                "job \"stateful\" (jobs[0]): state_webhook_secret_env: \"MISSING\": not set in the environment; export it with the state webhook's secret",
                "job \"nourl\" (jobs[1]): state_webhook_secret_env: a secret signs the state webhook; set state_webhook_url too",
            ])
            let after = try await h.snapshot()
            #expect(after.0 == before.0 && after.1 == before.1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func exportThenApplyIntoAnEmptyStoreReproducesTheJobs(kind: StoreKind) async throws {
        try await Self.with(kind) { h in
            try await h.apply(Self.twoJobs)
            try await h.client.addJob(JobSpec(
                name: "once", schedule: .at(at(7200)), kind: "shell", payload: try JobPayload(ShellPayload(command: ["echo", "hi"])),
                maxConsecutiveErrors: 3, misfire: .skip, jitter: 2.5, stateWebhookURL: "http://127.0.0.1:9/state"))
            try await h.client.addJob(JobSpec(name: "program-job", schedule: .every(seconds: 60, anchor: t0), kind: "report"))
            try await h.client.addJob(try JobSpec(name: "paused", schedule: .cron("*/5 * * * *"), command: ["true"]))
            try await h.client.pauseJob("paused")
            try await h.client.addAlert("tick", .webhook("http://127.0.0.1:9/t", secret: "tick-secret"))

            let export = try await h.client.export()
            #expect(export.document.jobs.map(\.name) == ["backup", "once", "paused", "tick"])
            #expect(export.notes.contains("job \"program-job\": kind \"report\" is not shell; not exported"))
            #expect(export.notes.contains("job \"paused\": paused; apply creates it active"))

            try await TemporaryDatabase.with { other in
                let store = try SQLiteJobStore(path: other.path)
                defer { try? store.close() }
                let target = SchedulerClient(store: store, clock: ManualClock(now: at(30)), actor: "cli:bob")
                let environment = ["SCHEDCTL_SECRET_TICK_ALERT1": "tick-secret"]
                // through the text form, as export | apply does
                let document = try JobsDocument.decode(Data(try export.document.text(.yaml).utf8), format: .yaml)
                let plan = try await target.apply(document, options: ApplyOptions(environment: environment))
                #expect(plan.entries.map(\.action) == [.create, .create, .create, .create])
                for name in ["backup", "once", "tick"] {
                    let a = try await h.client.job(name)
                    let b = try await target.job(name)
                    #expect(a.schedule == b.schedule && a.payload == b.payload && a.timeout == b.timeout)
                    #expect(a.maxConsecutiveErrors == b.maxConsecutiveErrors && a.overlap == b.overlap && a.misfire == b.misfire)
                    #expect(a.jitter == b.jitter && a.stateWebhookURL == b.stateWebhookURL && a.nextRunAt == b.nextRunAt)
                    let alertsA = try await h.client.alerts(name).map { [$0.type.rawValue, $0.target, "\($0.onFailure)\($0.onTimeout)\($0.onSystemError)", $0.secret ?? "-"] }
                    let alertsB = try await target.alerts(name).map { [$0.type.rawValue, $0.target, "\($0.onFailure)\($0.onTimeout)\($0.onSystemError)", $0.secret ?? "-"] }
                    #expect(alertsA == alertsB)
                }
                #expect(try await target.export().document == export.document)
            }
        }
    }

    /// Decision 0026: a store failure midway keeps what was written before it, writes nothing
    /// after it, says where it stopped, and the same file applied again finishes the work.
    @Test func aStorageFailureMidwayIsFinishedByApplyingAgain() async throws {
        try await Self.with(.sqliteFile) { h in
            try await h.apply(Self.twoJobs)
            let yaml = Self.twoJobs.replacingOccurrences(of: "timeout_seconds: 600", with: "timeout_seconds: 900") + """

                  - {name: cannot, schedule: {kind: every, seconds: 60}, command: ["true"]}
                  - {name: after, schedule: {kind: every, seconds: 60}, command: ["true"]}
                """
            // the database refuses one row, as a full disk would refuse a page
            let raw = try h.fx.rawQueue()
            try await raw.write { db in
                try db.execute(sql: """
                    CREATE TRIGGER refuse BEFORE INSERT ON jobs WHEN NEW.name = 'cannot'
                    BEGIN SELECT RAISE(ABORT, 'no space left'); END
                    """)
            }
            let error = await #expect(throws: SchedulerError.self) { try await h.apply(yaml) }
            #expect(error?.code == .storage)
            #expect(error?.message.hasPrefix("apply stopped at job \"cannot\" (1 job before it applied): ") == true, "\(String(describing: error))")
            #expect(error?.hint == "apply the file again to finish")
            #expect(try await h.client.job("backup").timeout == 900, "the change before it stays")
            #expect(try await h.store.job(named: "after") == nil, "nothing after it is written")

            try await raw.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
            try raw.close()
            let finished = try await h.apply(yaml)
            #expect(finished.entries.map(\.action) == [.unchanged, .unchanged, .create, .create])
        }
    }
}

extension SchedulerClientTests.Harness {
    /// Every job, and the audit log's length: what "nothing was written" is checked against.
    func snapshot() async throws -> ([Job], Int) {
        (try await store.jobs(JobQuery()), try await store.auditEntries(AuditQuery(limit: nil)).count)
    }

    /// Reads `yaml` as `schedctl apply` does and applies it.
    @discardableResult
    func apply(_ yaml: String, dryRun: Bool = false, prune: Bool = false, environment: [String: String] = [:]) async throws
        -> ApplyPlan
    {
        let document = try JobsDocument.decode(Data(yaml.utf8), format: .yaml, environment: environment)
        return try await client.apply(document, options: ApplyOptions(dryRun: dryRun, prune: prune, environment: environment))
    }

    /// The audit actions of the job named `name`, oldest first.
    func actions(named name: String) async throws -> [String] {
        try await actions(client.job(name))
    }
}
