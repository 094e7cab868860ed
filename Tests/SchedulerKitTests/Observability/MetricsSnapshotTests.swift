import Foundation
import Testing
@testable import SchedulerKit

@Suite("Metrics snapshot and Prometheus export")
struct MetricsSnapshotTests {
    @Test("the Prometheus text of a known database parses back to its figures")
    func knownDatabase() async throws {
        try await ObservedStore.with { o in
            let backup = try await o.job("backup") { $0.nextRunAt = o.rel(300) }
            let flaky = try await o.job("flaky \"quoted\"") { $0.maxConsecutiveErrors = 10 }
            try await o.job("resting") { $0.status = .paused }
            try await o.job("dead") { $0.status = .failed }
            try await o.run(backup, at: o.rel(-600), duration: 2)
            try await o.run(backup, at: o.rel(-500), duration: 2)
            try await o.run(flaky, at: o.rel(-400), handlerFailed)
            try await o.run(flaky, at: o.rel(-300), .error(.lost, "gone"))
            try await o.run(flaky, at: o.rel(-200), handlerFailed)
            _ = try await o.started(backup, at: o.rel(-5))
            try await o.store.enqueueRun(manualRun(of: flaky, at: o.rel(-1)), check: { _ in }, audit: nil)
            try o.delivery(status: .pending, createdAgo: 90)
            try o.delivery(status: .pending, createdAgo: 30, channel: .email)
            try o.delivery(status: .dead, createdAgo: 900)
            try await o.scheduler(id: "live", tickedAgo: 5)
            try await o.scheduler(id: "stale", tickedAgo: 600)

            let snapshot = try await MetricsSnapshot.take(store: o.store, now: o.now)
            let text = PrometheusExport.text(snapshot)
            let p = try PromText(text)

            #expect(p.value("schedulerkit_db_jobs", ["status": "active"]) == 2)
            #expect(p.value("schedulerkit_db_jobs", ["status": "paused"]) == 1)
            #expect(p.value("schedulerkit_db_jobs", ["status": "failed"]) == 1)
            #expect(p.value("schedulerkit_db_jobs", ["status": "completed"]) == 0)
            #expect(p.value("schedulerkit_db_job_status", ["job_name": "dead", "status": "failed"]) == 1)

            #expect(p.value("schedulerkit_db_runs", ["job_name": "backup", "status": "succeeded"]) == 2)
            #expect(p.value("schedulerkit_db_runs", ["job_name": "backup", "status": "running"]) == 1)
            #expect(p.value("schedulerkit_db_runs", ["job_name": "flaky \"quoted\"", "status": "failed"]) == 2)
            #expect(p.value("schedulerkit_db_runs", ["job_name": "flaky \"quoted\"", "status": "system_error"]) == 1)
            #expect(p.value("schedulerkit_db_runs", ["job_name": "flaky \"quoted\"", "status": "queued"]) == 1)
            // every status of every job, zeros included (4 jobs)
            #expect(p.all("schedulerkit_db_runs").count == 4 * RunStatus.allCases.count)
            #expect(p.value("schedulerkit_db_runs", ["job_name": "backup", "status": "system_error"]) == 0)
            #expect(p.value("schedulerkit_db_runs", ["job_name": "resting", "status": "failed"]) == 0)
            #expect(p.value("schedulerkit_db_system_errors", ["error_code": "lost", "category": "lease"]) == 1)
            #expect(p.value("schedulerkit_db_system_errors", ["error_code": "handler_missing", "category": "configuration"]) == 0)
            #expect(p.value("schedulerkit_db_runs_queued") == 1)
            #expect(p.value("schedulerkit_db_runs_running") == 1)

            #expect(p.value("schedulerkit_db_job_consecutive_errors", ["job_name": "flaky \"quoted\""]) == 2)  // system_error leaves the streak alone
            #expect(p.value("schedulerkit_db_job_consecutive_errors", ["job_name": "backup"]) == 0)
            #expect(p.value("schedulerkit_db_job_max_consecutive_errors", ["job_name": "flaky \"quoted\""]) == 10)
            let lastRun = o.rel(-200).timeIntervalSince1970
            #expect(p.value("schedulerkit_db_job_last_run_timestamp_seconds", ["job_name": "flaky \"quoted\"", "status": "failed"]) == lastRun)
            #expect(p.value("schedulerkit_db_job_last_run_success", ["job_name": "flaky \"quoted\""]) == 0)
            #expect(p.value("schedulerkit_db_job_last_run_success", ["job_name": "backup"]) == 1)
            #expect(p.value("schedulerkit_db_job_next_run_timestamp_seconds", ["job_name": "backup"]) == o.rel(300).timeIntervalSince1970)

            #expect(p.value("schedulerkit_db_deliveries", ["channel": "webhook", "status": "pending"]) == 1)
            #expect(p.value("schedulerkit_db_deliveries", ["channel": "email", "status": "pending"]) == 1)
            #expect(p.value("schedulerkit_db_deliveries", ["channel": "webhook", "status": "dead"]) == 1)
            #expect(p.value("schedulerkit_db_deliveries", ["channel": "email", "status": "delivered"]) == 0)
            #expect(p.value("schedulerkit_db_oldest_pending_delivery_age_seconds") == 90)

            #expect(p.value("schedulerkit_db_schedulers_live") == 1)
            let live = try #require(p.all("schedulerkit_db_scheduler_live").first { $0.labels["instance"] == "live" })
            #expect(live.value == 1 && live.labels["host"] == "other-host" && live.labels["version"] == SchedulerKitVersion.string)
            #expect(p.all("schedulerkit_db_scheduler_live").first { $0.labels["instance"] == "stale" }?.value == 0)

            // every family is a gauge with help, and every sample belongs to a declared family
            for name in Set(p.samples.map(\.name)) {
                #expect(p.types[name] == "gauge", "\(name)")
                #expect(p.helps[name]?.isEmpty == false, "\(name)")
            }
            #expect(p.samples.count == snapshot.samples.count)
        }
    }

    @Test("an empty database still exports its fixed series as zeros")
    func emptyDatabase() async throws {
        try await ObservedStore.with { o in
            let text = PrometheusExport.text(try await MetricsSnapshot.take(store: o.store, now: o.now))
            // metrics in the snapshot's order, each with its HELP and TYPE lines first
            #expect(text.hasPrefix("# HELP schedulerkit_db_jobs Jobs by status.\n# TYPE schedulerkit_db_jobs gauge\n"))
            #expect(text.hasSuffix("# TYPE schedulerkit_db_schedulers_live gauge\nschedulerkit_db_schedulers_live 0.0\n"))
            let p = try PromText(text)
            #expect(p.all("schedulerkit_db_jobs").count == JobStatus.allCases.count)
            #expect(p.all("schedulerkit_db_deliveries").count == DeliveryChannel.allCases.count * DeliveryStatus.allCases.count)
            #expect(p.value("schedulerkit_db_schedulers_live") == 0)
            #expect(p.value("schedulerkit_db_oldest_pending_delivery_age_seconds") == 0)
            #expect(p.all("schedulerkit_db_runs").isEmpty)
            #expect(p.all("schedulerkit_db_system_errors").count == RunErrorCode.allCases.filter { $0.errorType == .system }.count)
            #expect(p.all("schedulerkit_db_system_errors").allSatisfy { $0.value == 0 })
        }
    }

    @Test("failures without system errors: every status is a series (system_error at 0), and every system error code with its category")
    func zeroSeries() async throws {
        try await ObservedStore.with { o in
            let flaky = try await o.job("flaky")
            try await o.job("idle")
            try await o.run(flaky, at: o.rel(-400), handlerFailed)
            try await o.run(flaky, at: o.rel(-300), handlerFailed)
            let p = try PromText(PrometheusExport.text(try await MetricsSnapshot.take(store: o.store, now: o.now)))

            #expect(p.value("schedulerkit_db_runs", ["job_name": "flaky", "status": "failed"]) == 2)
            for job in ["flaky", "idle"] {
                for status in RunStatus.allCases where !(job == "flaky" && status == .failed) {
                    #expect(p.value("schedulerkit_db_runs", ["job_name": job, "status": status.rawValue]) == 0, "\(job) \(status)")
                }
            }
            let systemErrors = p.all("schedulerkit_db_system_errors")
            #expect(Set(systemErrors.compactMap { $0.labels["error_code"] })
                == ["lost", "handler_missing", "store_error", "shutdown", "spawn_failed", "system_failure"])
            for code in RunErrorCode.allCases where code.errorType == .system {
                #expect(p.value("schedulerkit_db_system_errors", ["error_code": code.rawValue, "category": code.category]) == 0, "\(code)")
            }
        }
    }
}
