import Foundation
import SchedulerKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `schedctl check`, `report` and `metrics` against real databases.
@Suite("check, report, metrics")
struct ObservabilityCommandTests {
    /// Records a live scheduler in the sandbox database, as a running daemon would.
    private func liveScheduler(_ s: Sandbox) async throws {
        let store = try s.store()
        defer { try? store.close() }
        try await store.registerScheduler(
            SchedulerInstance(
                id: "live", host: "elsewhere", pid: 1, version: SchedulerKitVersion.string, startedAt: Date(), lastTickAt: Date(),
                // alive for 3 hours of wall time: a busy machine must not make it stale mid-test (3 × 10 s did)
                tickInterval: 3600))
    }

    /// Leaves a run of `job` `running` under a worker that stopped renewing its lease an hour ago.
    private func stuckRun(_ s: Sandbox, job: String) async throws -> String {
        let run = try await s.sk("--json", "run-now", job).jsonObject()
        let id = try #require(run["id"] as? String)
        let store = try s.store()
        defer { try? store.close() }
        // a lease that ran out an hour ago, held by a worker on another host
        let claimed = try await store.claimDueRuns(ClaimParams(now: Date(), owner: "gone-host/1/x", leaseDuration: -3600, maxStart: 10))
        #expect(claimed.started.map(\.run.id.rawValue) == [id])
        return id
    }

    @Test("a retired job and a stuck run: exit 2 (CRITICAL), both named, Nagios first line")
    func critical() async throws {
        let s = try Sandbox()
        try await liveScheduler(s)
        let broken = try await s.addJob("broken-backup")
        try await Fixtures.markFailed(s, id: try #require(broken["id"] as? String))
        try await s.addJob("hung-sync")
        let runId = try await stuckRun(s, job: "hung-sync")

        let r = try await s.sk("check")
        #expect(r.status == 2, "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "CRITICAL - 2 critical | critical=2 warning=0 info=0")
        #expect(lines.count == 3)
        #expect(lines.contains { $0.hasPrefix("CRITICAL job_retired: ") && $0.contains("broken-backup") })
        #expect(lines.contains { $0.hasPrefix("CRITICAL stuck_run: ") && $0.contains("hung-sync") && $0.contains(runId) })
        #expect(r.stderr.isEmpty)

        let j = try await s.sk("--json", "check")
        #expect(j.status == 2)
        let doc = try j.jsonObject()
        #expect(doc["status"] as? String == "critical")
        #expect((doc["summary"] as? [String: Any])?["critical"] as? Int == 2)
        let findings = try #require(doc["findings"] as? [[String: Any]])
        for f in findings { expectKeys(f, required: ["id", "severity", "category", "job", "message", "details"]) }
        #expect(Set(findings.compactMap { $0["id"] as? String }) == ["job_retired", "stuck_run"])
        #expect(Set(findings.compactMap { $0["job"] as? String }) == ["broken-backup", "hung-sync"])
        let stuck = try #require(findings.first { $0["id"] as? String == "stuck_run" })
        #expect((stuck["details"] as? [String: Any])?["run_id"] as? String == runId)
    }

    @Test("a live scheduler and jobs running fine: exit 0 (OK); a streak near the limit: exit 1 (WARNING)")
    func okAndWarning() async throws {
        let s = try Sandbox()
        try await liveScheduler(s)
        try await s.addJob("nightly", ["--every", "1h"])
        let run = try await s.sk("--json", "run-now", "nightly").jsonObject()
        try await Fixtures.finish(s, runId: try #require(run["id"] as? String), outcome: .succeeded(exitCode: 0))

        let ok = try await s.sk("check")
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout == "OK - all checks passed | critical=0 warning=0 info=0\n")
        let okJSON = try await s.sk("--json", "check")
        #expect(okJSON.status == 0)
        #expect(try okJSON.jsonObject()["status"] as? String == "ok")
        #expect((try okJSON.jsonObject()["findings"] as? [Any])?.isEmpty == true)

        let flaky = try await s.addJob("flaky", ["--every", "1h"])
        let store = try s.store()
        try await store.modifyJob(id: JobID(try #require(flaky["id"] as? String))) { job in
            job.consecutiveErrors = 6
            job.lastRunAt = Date()
            return nil
        }
        try store.close()
        let warn = try await s.sk("check")
        #expect(warn.status == 1, "\(warn)")
        #expect(warn.stdout.hasPrefix("WARNING - 1 warning | critical=0 warning=1 info=0\nWARNING  failure_streak: job \"flaky\" failed 6 time(s)"))
    }

    @Test("no scheduler registered while a job waits for its first slot: WARNING")
    func noScheduler() async throws {
        let s = try Sandbox()
        try await s.addJob("soon", ["--every", "1h"])
        let r = try await s.sk("check")
        #expect(r.status == 1, "\(r)")  // nothing is overdue yet
        #expect(r.stdout.contains("WARNING  no_live_scheduler: no scheduler is running: 1 active job(s)\n"))
    }

    @Test("a daemon registers while it runs (check OK), and removes its record when it stops")
    func daemonLiveness() async throws {
        let s = try Sandbox()
        try await s.addJob("hourly", ["--every", "1h"])
        let daemon = try DaemonTests.Daemon(s)
        try await DaemonTests.waitUntil("the daemon registers") {
            let store = try s.store()
            defer { try? store.close() }
            return try await store.schedulers().count == 1
        }
        let store = try s.store()
        let me = try #require(try await store.schedulers().first)
        try store.close()
        #expect(me.pid == daemon.pid)
        #expect(me.version == SchedulerKitVersion.string)
        let check = try await s.sk("check")
        #expect(check.status == 0, "\(check)")
        let metrics = try PromLines(try await s.sk("metrics").stdout)
        #expect(metrics.value("schedulerkit_db_schedulers_live") == 1)

        #expect(try await daemon.stop() == 0, "\(daemon.output)")
        #expect(try s.count("scheduler_instances") == 0)
    }

    @Test("kill -9 while a run is in flight and a job was retired: check names both at once and exits 2")
    func afterKillNine() async throws {
        let s = try Sandbox()
        let marker = s.path("pids")
        try await s.sk("add", "doomed", "--every", "1s", "--max-errors", "1", "--", "false")
        try await s.sk("add", "long", "--every", "1h", "--", "sh", "-c", "echo $$ >> \(marker); sleep 60")
        try await s.sk("run-now", "long")
        let daemon = try DaemonTests.Daemon(s)
        defer {
            for line in ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n") {
                if let pid = Int32(line) {
                    kill(-pid, SIGKILL)  // its process group (sleep included), when it leads one
                    kill(pid, SIGKILL)
                }
            }
        }
        try await DaemonTests.waitUntil("doomed is retired and long is running") {
            let doomed = try await s.sk("--json", "show", "doomed").jsonObject()
            let long = try await s.sk("--json", "runs", "long", "--status", "running").jsonArray()
            return doomed["status"] as? String == "failed" && !long.isEmpty
        }
        await daemon.kill9()
        let r = try await s.sk("check")
        #expect(r.status == 2, "\(r)")
        #expect(r.stdout.contains("job_retired: job \"doomed\""))
        #expect(r.stdout.contains("stuck_run: run "))
        #expect(r.stdout.contains("of job \"long\""))
        #expect(r.stdout.contains("is gone"))
        #expect(r.stdout.contains("no_live_scheduler"))
    }

    @Test("report: human and JSON shapes, the window, unknown jobs and bad --hours")
    func report() async throws {
        let s = try Sandbox()
        try await s.addJob("etl")
        for outcome in [RunOutcome.succeeded(exitCode: 0), .succeeded(exitCode: 0), .error(.exitNonzero, "exited with status 4", exitCode: 4, output: "step 1\nstep 2 failed\n")] {
            let run = try await s.sk("--json", "run-now", "etl").jsonObject()
            try await Fixtures.finish(s, runId: try #require(run["id"] as? String), outcome: outcome)
        }
        let j = try await s.sk("--json", "report", "etl")
        #expect(j.status == 0, "\(j)")
        let doc = try j.jsonObject()
        expectKeys(doc, required: [
            "job", "window", "total", "counts", "in_progress", "success_rate", "error_codes", "exit_codes", "duration_seconds",
            "last_failures",
        ])
        #expect(doc["total"] as? Int == 3)
        let counts = try #require(doc["counts"] as? [String: Int])
        #expect(counts["succeeded"] == 2 && counts["failed"] == 1 && counts["system_error"] == 0 && counts["timed_out"] == 0)
        #expect(abs((doc["success_rate"] as? Double ?? 0) - 0.6667) < 0.001)
        #expect(doc["error_codes"] as? [String: Int] == ["exit_nonzero": 1])
        #expect(doc["exit_codes"] as? [String: Int] == ["0": 2, "4": 1])
        #expect((doc["window"] as? [String: Any])?["hours"] as? Int == 24)
        let duration = try #require(doc["duration_seconds"] as? [String: Any])
        expectKeys(duration, required: ["p50", "p95", "max", "samples"])
        #expect(duration["samples"] as? Int == 3)
        let failures = try #require(doc["last_failures"] as? [[String: Any]])
        #expect(failures.count == 1)
        expectKeys(failures[0], required: Shapes.run + ["output_tail"])
        #expect(failures[0]["output_tail"] as? String == "step 1\nstep 2 failed\n")
        #expect(failures[0]["error_message"] as? String == "exited with status 4")

        let h = try await s.sk("report", "etl", "--hours", "2")
        #expect(h.status == 0, "\(h)")
        #expect(h.stdout.hasPrefix("Job etl (active, 1 consecutive error(s) of 10) — last 2h"))
        #expect(h.stdout.contains("runs:          3: succeeded 2, failed 1"))
        #expect(h.stdout.contains("success rate:  66.7%"))
        #expect(h.stdout.contains("exit_nonzero: exited with status 4"))
        #expect(h.stdout.contains("    | step 2 failed\n"))

        #expect(try await s.sk("report", "nope").status == 3)
        for bad in [["report", "etl", "--hours", "0"], ["report", "etl", "--hours", "soon"], ["report"]] {
            let r = try await s.run(["--db", s.db] + bad)
            #expect(r.status == 64, "\(bad): \(r)")
            expectOneErrorLine(r)
        }
    }

    @Test("metrics: Prometheus text of the database's state, and --json samples")
    func metrics() async throws {
        let s = try Sandbox()
        try await s.addJob("a")
        try await s.addJob("b")
        let run = try await s.sk("--json", "run-now", "a").jsonObject()
        try await Fixtures.finish(s, runId: try #require(run["id"] as? String), outcome: .error(.lost, "gone"))
        try await s.sk("run-now", "b")
        let r = try await s.sk("metrics")
        #expect(r.status == 0, "\(r)")
        let p = try PromLines(r.stdout)
        #expect(p.value("schedulerkit_db_jobs", ["status": "active"]) == 2)
        #expect(p.value("schedulerkit_db_runs", ["job_name": "a", "status": "system_error"]) == 1)
        #expect(p.value("schedulerkit_db_runs", ["job_name": "b", "status": "queued"]) == 1)
        #expect(p.value("schedulerkit_db_runs", ["job_name": "b", "status": "system_error"]) == 0, "zero series are printed")
        #expect(p.value("schedulerkit_db_runs", ["job_name": "a", "status": "failed"]) == 0)
        #expect(p.value("schedulerkit_db_system_errors", ["error_code": "lost", "category": "lease"]) == 1)
        #expect(p.value("schedulerkit_db_system_errors", ["error_code": "spawn_failed", "category": "resource"]) == 0)
        #expect(p.value("schedulerkit_db_runs_queued") == 1)
        #expect(p.value("schedulerkit_db_schedulers_live") == 0)
        #expect(r.stdout.contains("# TYPE schedulerkit_db_runs gauge\n"))

        let j = try await s.sk("--json", "metrics")
        let samples = try j.jsonArray()
        for sample in samples { expectKeys(sample, required: ["name", "labels", "value"]) }
        #expect(samples.count == p.samples.count)
    }
}

/// Reads `name{label="value",...} number` lines back (enough for what `schedctl metrics` prints).
struct PromLines {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }
    var samples: [Sample] = []

    init(_ text: String) throws {
        let pattern = try NSRegularExpression(pattern: #"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$"#)
        let labelPattern = try NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)""#)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let l = String(line)
            guard let m = pattern.firstMatch(in: l, range: NSRange(l.startIndex..., in: l)),
                let nameRange = Range(m.range(at: 1), in: l), let valueRange = Range(m.range(at: 3), in: l),
                let value = Double(l[valueRange])
            else { throw CLIParseError(line: l) }
            var labels: [String: String] = [:]
            if let labelRange = Range(m.range(at: 2), in: l) {
                let body = String(l[labelRange])
                for lm in labelPattern.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
                    guard let k = Range(lm.range(at: 1), in: body), let v = Range(lm.range(at: 2), in: body) else { continue }
                    labels[String(body[k])] = String(body[v]).replacingOccurrences(of: #"\""#, with: "\"")
                        .replacingOccurrences(of: #"\n"#, with: "\n").replacingOccurrences(of: #"\\"#, with: "\\")
                }
            }
            samples.append(Sample(name: String(l[nameRange]), labels: labels, value: value))
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let m = samples.filter { $0.name == name && $0.labels == labels }
        return m.count == 1 ? m[0].value : nil
    }

    struct CLIParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not a Prometheus sample line: \(line)" }
    }
}
