import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// The GET pages: each needs a session, reads through the plain client, and loads one page.
extension DashboardController {
    func addPages(to group: RouterGroup<SchedulerRequestContext>) {
        group.get("", use: { try await page($0, $1, jobsPage) })
        group.get("jobs/:job", use: { try await page($0, $1, jobPage) })
        group.get("jobs/:job/report", use: { try await page($0, $1, reportPage) })
        group.get("jobs/:job/confirm/:action", use: { try await page($0, $1, confirmPage) })
        group.get("runs", use: { try await page($0, $1, runsPage) })
        group.get("runs/:id", use: { try await page($0, $1, runPage) })
        group.get("runs/:id/artifacts/:name", use: artifact)
        group.get("health", use: { try await page($0, $1, healthPage) })
        group.get("deliveries", use: { try await page($0, $1, deliveriesPage) })
        group.get("audit", use: { try await page($0, $1, auditPage) })
    }

    typealias PageBuilder = @Sendable (Request, SchedulerRequestContext, DashboardSession) async throws -> (String, [String: Any])

    /// Signs the page in (or redirects to `/login`), adds the layout's values, renders, and
    /// turns an error into an HTML error page with the §9 status.
    func page(_ request: Request, _ context: SchedulerRequestContext, _ build: PageBuilder) async throws -> Response {
        guard let session = context.session else { return redirect("/login") }
        var values: [String: Any] = [
            "user": session.identity.tokenName, "role": session.identity.role.rawValue,
            "can_write": session.identity.role.canWrite, "csrf": session.csrfToken,
        ]
        if let flash = sessions.takeFlash(session.id) { values["flash"] = flash }
        do {
            let (template, pageValues) = try await build(request, context, session)
            values.merge(pageValues) { $1 }
            values["nav_\(template)"] = true
            return html(try renderer.render(template, values))
        } catch {
            let e = APIError.from(error)
            values["title"] = "Error"
            values["message"] = e.message
            if let hint = e.hint { values["hint"] = hint }
            return html((try? renderer.render("error", values)) ?? e.message, status: e.status)
        }
    }

    func query(_ request: Request, _ name: String) -> String? {
        guard let v = request.uri.queryParameters[Substring(name)], !v.isEmpty else { return nil }
        return String(v)
    }

    func limit(_ request: Request, default value: Int = DashboardController.pageSize) throws -> Int {
        guard let text = query(request, "limit") else { return value }
        guard let n = Int(text), (1...500).contains(n) else { throw APIError(.invalid, "limit must be a whole number from 1 to 500") }
        return n
    }

    func runStatuses(_ request: Request) throws -> [RunStatus]? {
        guard let text = query(request, "status") else { return nil }
        return try text.split(separator: ",").map { s in
            guard let status = RunStatus(rawValue: String(s)) else {
                throw APIError(.invalid, "unknown run status \"\(s)\"", hint: "one of: \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
    }

    /// `?name=value&…` for a next-page link: values percent-encoded, nil ones left out.
    func pageQuery(_ items: [(String, String?)]) -> String {
        var c = URLComponents()
        c.queryItems = items.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        return "?" + (c.percentEncodedQuery ?? "")
    }

    /// A page of runs and the link to the next (older) one; fetches one extra row to know.
    func runTable(_ request: Request, job: String?) async throws -> [String: Any] {
        let statuses = try runStatuses(request)
        let n = try limit(request)
        let before = query(request, "before").map { RunID(rawValue: $0) }
        var runs = try await client.runs(job: job, statuses: statuses, before: before, limit: n + 1)
        let more = runs.count > n
        if more { runs.removeLast() }
        let now = client.clock.now()
        var values: [String: Any] = [
            "runs": runs.map { DashboardView.run($0, now: now) }, "status_options": DashboardView.runFilter(statuses),
            "status_filter": statuses.map { $0.map(\.rawValue).joined(separator: ",") } ?? "",
        ]
        if more, let last = runs.last {
            values["next_page"] = pageQuery([
                ("before", last.id.rawValue), ("limit", String(n)), ("status", statuses.map { $0.map(\.rawValue).joined(separator: ",") }),
            ])
        }
        return values
    }

    @Sendable func jobsPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        var status: JobStatus?
        if let text = query(request, "status") {
            guard let s = JobStatus(rawValue: text) else {
                throw APIError(.invalid, "unknown job status \"\(text)\"", hint: "one of: \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = s
        }
        let n = try limit(request, default: Self.jobsPageSize)
        let after = query(request, "after")
        var jobs = try await client.jobs(status: status, limit: n + 1, after: after)
        let more = jobs.count > n
        if more { jobs.removeLast() }
        let counts = try await client.abilities.observation?.jobCounts() ?? [:]
        let total = counts.values.reduce(0, +)
        let now = client.clock.now()
        let countRows: [[String: Any]] =
            [["label": "All", "value": "", "count": total, "selected": status == nil]]
            + JobStatus.allCases.map { ["label": DashboardView.label($0), "value": $0.rawValue, "css": "job-\($0.rawValue)", "count": counts[$0] ?? 0, "selected": status == $0] }
        var values: [String: Any] = ["title": "Jobs", "jobs": jobs.map { DashboardView.job($0, now: now) }, "counts": countRows]
        let shown = status.map { counts[$0] ?? 0 } ?? total
        if more || after != nil { values["truncated"] = "Showing \(jobs.count) of \(shown) jobs, by name." }
        if more, let last = jobs.last {
            values["next_page"] = "/" + pageQuery([
                ("after", last.name), ("status", status?.rawValue), ("limit", n == Self.jobsPageSize ? nil : String(n)),
            ])
        }
        return ("jobs", values)
    }

    @Sendable func jobPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        let job = try await client.job(try context.parameters.require("job"))
        var values = try await runTable(request, job: job.id.rawValue)
        values["title"] = job.name
        values["job"] = DashboardView.job(job, now: client.clock.now())
        values["alerts"] = try await client.alerts(job.id.rawValue).map { a -> [String: Any] in
            ["id": a.id, "type": a.type.rawValue, "target": a.target, "on_failure": a.onFailure, "on_timeout": a.onTimeout,
             "on_system_error": a.onSystemError, "has_secret": a.secret != nil]
        }
        return ("job", values)
    }

    @Sendable func confirmPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        let job = try await client.job(try context.parameters.require("job"))
        let action = try context.parameters.require("action")
        let text: String
        switch action {
        case "force-resume": text = "Force resume \(job.name)? It was retired after \(job.consecutiveErrors) failures in a row; its error streak is reset and it is scheduled again."
        case "delete": text = "Delete \(job.name)? Its finished runs stay in the history."
        default: throw APIError(.notFound, "no such action \"\(action)\"")
        }
        return ("confirm", ["title": "Confirm", "job": DashboardView.job(job, now: client.clock.now()), "action": action, "question": text,
                            "button": action == "delete" ? "Delete" : "Force resume",
                            "post_action": action == "delete" ? "delete" : "resume", "is_force": action == "force-resume"])
    }

    @Sendable func reportPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        let ref = try context.parameters.require("job")
        let hours = Double(query(request, "hours") ?? "24") ?? 24
        let r = try await client.report(job: ref, window: hours * 3600, failures: 10)
        let now = client.clock.now()
        let counts = r.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { ["status": DashboardView.badge($0.key), "count": $0.value] as [String: Any] }
        let codes = r.errorCodes.sorted { $0.value > $1.value }.map { ["code": $0.key, "count": $0.value] as [String: Any] }
        var values: [String: Any] = [
            "title": "Report: \(r.jobName)", "job_name": r.jobName, "job_path": DashboardView.path(r.jobName), "hours": hours,
            "from": DashboardView.absolute(r.from), "to": DashboardView.absolute(r.to), "total": r.total,
            "counts": counts, "error_codes": codes, "runs": r.lastFailures.map { DashboardView.run($0, now: now) },
        ]
        if let rate = r.successRate { values["success_rate"] = String(format: "%.1f %%", rate * 100) }
        if let p = r.durationP50 { values["p50"] = String(format: "%.3f s", p) }
        if let p = r.durationP95 { values["p95"] = String(format: "%.3f s", p) }
        return ("report", values)
    }

    @Sendable func runsPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        var values = try await runTable(request, job: query(request, "job"))
        values["title"] = "Runs"
        return ("runs", values)
    }

    @Sendable func runPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        let run = try await client.run(try context.parameters.require("id"))
        var values: [String: Any] = ["title": "Run \(run.id.rawValue)", "run": DashboardView.run(run, now: client.clock.now())]
        if let output = run.output, !output.isEmpty { values["output"] = output }
        values["artifacts"] = try await client.artifacts(run: run.id.rawValue).map { a -> [String: Any] in
            ["name": a.name, "path": DashboardView.path(a.name), "size": a.size, "content_type": a.contentType, "sha256": a.sha256]
        }
        return ("run", values)
    }

    @Sendable func artifact(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        guard context.session != nil else { return redirect("/login") }
        return ArtifactDownload.response(try await client.artifact(run: context.parameters.require("id"), name: context.parameters.require("name")))
    }

    @Sendable func healthPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        let findings = try await client.healthFindings()
        let groups: [[String: Any]] = HealthFinding.Severity.allCases.reversed().map { severity in
            let rows = findings.filter { $0.severity == severity }.map { f -> [String: Any] in
                ["category": f.category, "job": f.job ?? "", "job_path": DashboardView.path(f.job ?? ""), "message": f.message]
            }
            return ["severity": severity.rawValue, "count": rows.count, "findings": rows]
        }
        return ("health", ["title": "Health", "groups": groups, "healthy": findings.isEmpty])
    }

    @Sendable func deliveriesPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        var status: DeliveryStatus?
        if let text = query(request, "status") {
            guard let s = DeliveryStatus(rawValue: text) else { throw APIError(.invalid, "unknown delivery status \"\(text)\"") }
            status = s
        }
        let rows = try await client.deliveries(status: status, limit: try limit(request)).map { d -> [String: Any] in
            ["id": d.id, "job": d.jobName ?? "", "channel": d.channel.rawValue, "event": d.event, "target": d.target,
             "status": d.status.rawValue, "attempts": d.attempts, "last_error": d.lastError ?? "",
             "updated": DashboardView.absolute(d.updatedAt), "can_retry": d.status == .dead || d.status == .failed]
        }
        let options: [[String: Any]] = [["value": "", "label": "All", "selected": status == nil]]
            + DeliveryStatus.allCases.map { ["value": $0.rawValue, "label": $0.rawValue, "selected": status == $0] }
        return ("deliveries", ["title": "Deliveries", "deliveries": rows, "status_options": options])
    }

    @Sendable func auditPage(_ request: Request, _ context: SchedulerRequestContext, _ session: DashboardSession) async throws -> (String, [String: Any]) {
        let rows = try await client.audit(job: query(request, "job"), limit: try limit(request, default: 100)).map { e -> [String: Any] in
            ["at": DashboardView.absolute(e.at), "actor": e.actor, "action": e.action, "job": e.jobName ?? "", "details": e.details]
        }
        return ("audit", ["title": "Audit", "entries": rows])
    }
}
