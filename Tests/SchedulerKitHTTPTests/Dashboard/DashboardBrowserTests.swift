import Foundation
import SchedulerKit
import SchedulerKitHTTP
import SchedulerKitTestSupport
import Testing

/// The dashboard in a real browser: Debian's headless `chromium`, driven through
/// `chromedriver` by selenium (`Tests/Peers/dashboard_browser.py`, `.venv`), against a live
/// server on 127.0.0.1 over a real SQLite file. The script signs in, force-resumes a retired job
/// through its confirmation, adds an alert with the form, filters the runs to System Error and
/// sees a new run appear without a reload; this test then checks the store saw the same.
///
/// Without a browser on the machine the test is skipped, except under `CI=true`, where it fails
/// (CI installs one with Scripts/bootstrap.sh). `SCHEDULERKIT_SCREENSHOTS=DIR` saves the pages'
/// screenshots there (how `Docs/images/` was made).
@Suite("Dashboard in a real browser (chromium + selenium)")
struct DashboardBrowserTests {
    static let script = TestPeers.peersDirectory.appendingPathComponent("dashboard_browser.py")

    static func executable(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in names where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }

    static var browserPresent: Bool {
        executable(["chromium", "chromium-browser"]) != nil && executable(["chromedriver"]) != nil
    }
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    @Test(
        "sign in, force resume, add an alert, filter System Error, live run",
        .enabled(if: browserPresent || required, "no chromium / chromedriver on this machine (Scripts/bootstrap.sh installs them)"),
        .timeLimit(.minutes(5)))
    func operatorWalkthrough() async throws {
        guard Self.browserPresent else {
            throw TestHTTPClient.Failure(
                description: "CI=true but chromium or chromedriver is missing: run Scripts/bootstrap.sh (it installs chromium and chromium-driver)")
        }
        let python = try TestPeers.requirePython()
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly-backup")
        let retired = try await h.addJob("report-mailer", cron: "30 6 * * *")
        try await h.store.modifyJob(id: retired.id) { j in
            j.status = .failed
            j.consecutiveErrors = 10
            j.nextRunAt = nil
            return nil
        }
        let now = Date()
        try h.insertRun(job, status: .succeeded, at: now.addingTimeInterval(-300), output: "backed up 12 files\n")
        try h.insertRun(job, status: .failed, at: now.addingTimeInterval(-240), output: "tar: disk full\n")
        try h.insertRun(job, status: .systemError, at: now.addingTimeInterval(-180))
        try h.insertRun(retired, status: .failed, at: now.addingTimeInterval(-120))
        try h.insertRun(retired, status: .systemError, at: now.addingTimeInterval(-60), errorCode: "spawn_failed")
        let systemErrors = 2

        let log = h.directory.appendingPathComponent("browser.log").path
        var arguments = [
            Self.script.path, "--token", h.operatorToken, "--retired", retired.name, "--job", job.name,
            "--system-errors", String(systemErrors),
        ]
        if let dir = ProcessInfo.processInfo.environment["SCHEDULERKIT_SCREENSHOTS"], !dir.isEmpty {
            arguments += ["--screenshots", dir]
        }
        let runsBefore = try await h.client.runs(job: job.name).count
        let scriptArguments = arguments
        let (status, output) = try await h.withLiveServer { port, _ in
            try await TestPeers.runLogged(
                python.path, scriptArguments + ["--url", "http://127.0.0.1:\(port)"], environment: ["PYTHONUNBUFFERED": "1"],
                log: log, timeout: .seconds(180))
        }
        #expect(status == 0, "dashboard_browser.py exited \(status):\n\(output.suffix(4000))")
        #expect(output.contains("PASS"))

        // What the browser did, as the store recorded it.
        let resumed = try await h.client.job(retired.name)
        #expect(resumed.status == .active)
        #expect(resumed.consecutiveErrors == 0)
        let alerts = try await h.client.alerts(job.name)
        #expect(alerts.count == 1)
        #expect(alerts.first?.target.hasPrefix("https://hooks.example.com/schedulerkit/") == true)
        #expect(alerts.first?.onTimeout == false)
        #expect(alerts.first?.secret == "browser-secret")
        #expect(try await h.client.runs(job: job.name).count == runsBefore + 1)
        let audit = try await h.client.audit(limit: 50)
        #expect(audit.contains { $0.action == AuditAction.jobResumeForce.rawValue && $0.actor == "token:ops" && $0.jobName == retired.name })
        #expect(audit.contains { $0.action == AuditAction.alertCreate.rawValue && $0.actor == "token:ops" })
        #expect(audit.contains { $0.action == AuditAction.jobRunNow.rawValue && $0.actor == "token:ops" })
    }
}
