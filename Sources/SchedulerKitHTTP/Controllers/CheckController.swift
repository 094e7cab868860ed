import Foundation
import Hummingbird
import SchedulerKit

/// `GET /api/v1/check`: the health checks as `schedctl check --json`, filtered by severity,
/// category and job; always 200, the status is in the body (computed over the findings shown).
struct CheckController {
    let client: SchedulerClient

    func addRoutes(to group: RouterGroup<SchedulerRequestContext>) {
        group.get(use: check)
    }

    @Sendable func check(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let query = try QueryParameters(request, allowed: ["severity", "category", "job"])
        let severities = try query.list("severity", of: HealthFinding.Severity.self)
        let categories = query.string("category").map { Set($0.split(separator: ",").map(String.init)) }
        let job = query.string("job")
        let now = client.clock.now()
        var findings = try await client.healthFindings()
        if let severities { findings = findings.filter { severities.contains($0.severity) } }
        if let categories { findings = findings.filter { categories.contains($0.category) } }
        if let job { findings = findings.filter { $0.job == job || $0.jobId?.rawValue == job } }
        return JSONResponse(WireJSON.health(findings, at: now))
    }
}
