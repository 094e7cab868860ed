import Foundation
import Metrics
import Prometheus
import Testing
@testable import SchedulerKit

@Suite("Scheduler: liveness record and metrics")
struct SchedulerObservabilityTests {
    /// Polls `condition` until it holds; fails the test after `timeout` real seconds.
    private func eventually(
        timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while try await !condition() {
            if ContinuousClock.now >= deadline {
                Issue.record("condition not met within \(timeout)s", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops the harness's scheduler like `EngineHarness.stop()` but keeps the database open.
    private func shutDown(_ h: EngineHarness) async throws {
        h.scheduler.shutdown()
        let nudger = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                h.clock.advance(by: 1)
            }
        }
        _ = try await h.task.value
        nudger.cancel()
    }

    @Test("a scheduler registers at start, ticks every interval, and removes its record on a clean shutdown")
    func instanceLifecycle() async throws {
        let h = try await EngineHarness.start(configure: { c in c.healthSampler.interval = 5 })
        defer {
            try? h.store.close()
            h.db.remove()
        }
        let records = try await h.store.schedulers()
        #expect(records.count == 1)
        let me = try #require(records.first)
        #expect(me.owner == h.scheduler.owner)
        #expect(me.pid == getpid())
        #expect(me.version == SchedulerKitVersion.string)
        #expect(me.startedAt == EngineHarness.t0 && me.lastTickAt == EngineHarness.t0)
        #expect(me.tickInterval == 5)
        #expect(me.isLive(at: EngineHarness.t0.addingTimeInterval(15)))
        #expect(!me.isLive(at: EngineHarness.t0.addingTimeInterval(15.001)))

        // The sampler sleeps by the manual clock: move time until it ticks (twice).
        var lastTick = EngineHarness.t0
        for _ in 0..<2 {
            let before = lastTick
            try await eventually {
                h.advance(by: 1)
                lastTick = try await h.store.schedulers().first?.lastTickAt ?? before
                return lastTick > before
            }
        }
        #expect(lastTick >= EngineHarness.t0.addingTimeInterval(10))

        // health checks see it alive
        let findings = try await HealthChecks(store: h.store, clock: h.clock).run()
        #expect(findings.filter { $0.category == "scheduler" }.isEmpty)

        try await shutDown(h)
        #expect(try await h.store.schedulers().isEmpty)
    }

    @Test("the sampler writes its record again when it is gone, and a start removes records of dead processes on this host")
    func samplerAndCleanup() async throws {
        try await ObservedStore.with { o in
            let host = WorkerIdentity.hostName()
            // a process that is certainly gone on this host, and one on another host
            try await o.scheduler(id: "crashed", tickedAgo: 600, host: host)
            try await o.scheduler(id: "elsewhere", tickedAgo: 600, host: "other-host")
            let me = SchedulerInstance(
                id: "me", host: host, pid: getpid(), version: "1", startedAt: o.now, lastTickAt: o.now, tickInterval: 10)
            let sampler = HealthSampler(store: o.store, clock: o.clock, instance: me, metrics: .disabled)
            let removed = try await sampler.register(removingGone: { $0.hasPrefix("\(host)/4242/") })
            #expect(removed.map(\.id) == ["crashed"])
            #expect(Set(try await o.store.schedulers().map(\.id)) == ["elsewhere", "me"])

            o.clock.advance(by: 10)
            var sample = try await sampler.runOnce()
            #expect(sample.ticked && !sample.reregistered && sample.jobCounts == nil)
            #expect(try await o.store.schedulers().first { $0.id == "me" }?.lastTickAt == o.now)

            try await o.store.removeScheduler(id: "me")
            sample = try await sampler.runOnce()
            #expect(sample.reregistered)
            #expect(try await o.store.schedulers().contains { $0.id == "me" })

            try await sampler.unregister()
            #expect(try await o.store.schedulers().map(\.id) == ["elsewhere"])
        }
    }

    @Test("runs by job and status (system_error included), durations, lateness, jobs by status and store errors reach swift-metrics")
    func engineMetrics() async throws {
        let registry = PrometheusCollectorRegistry()
        let h = try await EngineHarness.start(register: { s in
            s.register("ok") { _ in }
            s.register("boom") { _ in throw RunFailure(.exitNonzero, "exit 2", exitCode: 2) }
        }) { c in
            c.metrics = SchedulerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        }
        let every = Schedule.every(seconds: 60, anchor: EngineHarness.t0)
        try await h.client.addJob(JobSpec(name: "good", schedule: every, kind: "ok"))
        try await h.client.addJob(JobSpec(name: "bad", schedule: every, kind: "boom"))
        try await h.client.addJob(JobSpec(name: "orphan", schedule: every, kind: "nobody-handles-this"))
        h.advance(by: 60)
        try await h.events.finished(count: 3)

        var p = try PromText(registry.emitToString())
        #expect(p.value("schedulerkit_runs_total", ["job_name": "good", "status": "succeeded"]) == 1)
        #expect(p.value("schedulerkit_runs_total", ["job_name": "bad", "status": "failed"]) == 1)
        #expect(p.value("schedulerkit_runs_total", ["job_name": "orphan", "status": "system_error"]) == 1)
        #expect(p.value("schedulerkit_run_errors_total", ["job_name": "bad", "error_type": "user", "error_code": "exit_nonzero"]) == 1)
        #expect(p.value("schedulerkit_run_errors_total", ["job_name": "orphan", "error_type": "system", "error_code": "handler_missing"]) == 1)
        // zero series: every terminal status of a job seen, every system error code with its category
        #expect(p.value("schedulerkit_runs_total", ["job_name": "bad", "status": "system_error"]) == 0)
        #expect(p.value("schedulerkit_runs_total", ["job_name": "good", "status": "failed"]) == 0)
        #expect(p.all("schedulerkit_runs_total").count == 3 * RunStatus.terminal.count)
        #expect(p.value("schedulerkit_system_errors_total", ["error_code": "handler_missing", "category": "configuration"]) == 1)
        #expect(p.value("schedulerkit_system_errors_total", ["error_code": "lost", "category": "lease"]) == 0)
        #expect(p.all("schedulerkit_system_errors_total").count == RunErrorCode.allCases.filter { $0.errorType == .system }.count)
        #expect(p.types["schedulerkit_run_duration_seconds"] == "histogram")
        #expect(p.value("schedulerkit_run_duration_seconds_count", ["job_name": "good", "status": "succeeded"]) == 1)
        #expect(p.value("schedulerkit_run_start_lateness_seconds_count", ["job_name": "good"]) == 1)
        #expect(p.value("schedulerkit_run_start_lateness_seconds_sum", ["job_name": "good"]) == 0)

        // the sampler sets the jobs gauge at its next tick
        try await eventually {
            h.advance(by: 1)
            p = try PromText(registry.emitToString())
            return p.value("schedulerkit_jobs", ["status": "active"]) == 3
        }
        #expect(p.value("schedulerkit_jobs", ["status": "failed"]) == 0)
        try await h.stop()
    }

    @Test("delivery attempts and retirements are counted; without a metrics backend nothing is recorded")
    func eventCounters() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = SchedulerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let d = Delivery(
            id: "d1", runId: nil, jobId: nil, jobName: "j", alertId: nil, channel: .email, event: "run.failed", target: "a@b.c",
            secret: nil, payload: "", nextAttemptAt: nil, createdAt: t0, updatedAt: t0)
        for status in [DeliveryStatus.pending, .pending, .dead, .delivered] {
            metrics.record(.deliveryAttempted(d, DeliveryAttemptRecord(
                deliveryId: "d1", status: status, attempts: 1, nextAttemptAt: nil, error: nil, statusCode: nil, at: t0)))
        }
        metrics.record(.jobRetired(makeJob("worn")))
        metrics.record(.storeError(SchedulerError(.storage, "disk full")))
        var skipped = manualRun(of: makeJob("busy"), at: t0)
        skipped.apply(.error(.overlap, "busy"), at: t0)
        metrics.record(.runCreated(skipped))
        metrics.record(.runCreated(manualRun(of: makeJob("busy"), at: t0)))  // queued: counted when it ends
        let p = try PromText(registry.emitToString())
        #expect(p.value("schedulerkit_deliveries_total", ["channel": "email", "outcome": "retried"]) == 2)
        #expect(p.value("schedulerkit_deliveries_total", ["channel": "email", "outcome": "dead"]) == 1)
        #expect(p.value("schedulerkit_deliveries_total", ["channel": "email", "outcome": "delivered"]) == 1)
        #expect(p.value("schedulerkit_jobs_retired_total", ["job_name": "worn"]) == 1)
        #expect(p.value("schedulerkit_store_errors_total") == 1)
        #expect(p.value("schedulerkit_runs_total", ["job_name": "busy", "status": "skipped"]) == 1)
        #expect(p.value("schedulerkit_runs_total", ["job_name": "busy", "status": "failed"]) == 0)
        #expect(p.all("schedulerkit_runs_total").count == RunStatus.terminal.count, "one job seen: each terminal status once")

        #expect(metrics.isEnabled)
        #expect(!SchedulerMetrics.disabled.isEnabled)
        #expect(!SchedulerMetrics().isEnabled)  // no MetricsSystem bootstrapped in the tests
    }
}
