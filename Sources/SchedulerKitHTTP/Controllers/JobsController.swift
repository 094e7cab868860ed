import Foundation
import Hummingbird
import SchedulerKit

/// `/api/v1/jobs…`: jobs, their lifecycle actions, their alerts and their failure report.
struct JobsController {
    let client: SchedulerClient

    func addRoutes(to group: RouterGroup<SchedulerRequestContext>) {
        group.get("jobs", use: list)
        group.post("jobs", use: create)
        group.get("jobs/:job", use: show)
        group.delete("jobs/:job", use: delete)
        group.post("jobs/:job/pause", use: pause)
        group.post("jobs/:job/resume", use: resume)
        group.post("jobs/:job/run-now", use: runNow)
        group.get("jobs/:job/alerts", use: alerts)
        group.post("jobs/:job/alerts", use: addAlert)
        group.get("jobs/:job/report", use: report)
        group.delete("alerts/:id", use: deleteAlert)
    }

    @Sendable func list(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let query = try QueryParameters(request, allowed: ["status"])
        let status = try query.one("status", of: JobStatus.self)
        return JSONResponse(.array(try await client.jobs(status: status).map(WireJSON.job)))
    }

    @Sendable func create(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let identity = try context.requireOperator()
        let body = try await JSONBody.read(request, allowed: JobSpecDecoding.keys)
        let spec = try JobSpecDecoding.spec(body, now: client.clock.now())
        let job = try await identity.client(client).addJob(spec)
        return JSONResponse(WireJSON.job(job), status: .created)
    }

    @Sendable func show(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        _ = try QueryParameters(request, allowed: [])
        return JSONResponse(WireJSON.job(try await client.job(context.parameters.require("job"))))
    }

    @Sendable func delete(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        let identity = try context.requireOperator()
        try await identity.client(client).deleteJob(context.parameters.require("job"))
        return Response(status: .noContent)
    }

    @Sendable func pause(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let identity = try context.requireOperator()
        _ = try await JSONBody.read(request, allowed: [], emptyIsObject: true)
        return JSONResponse(WireJSON.job(try await identity.client(client).pauseJob(context.parameters.require("job"))))
    }

    @Sendable func resume(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let identity = try context.requireOperator()
        let body = try await JSONBody.read(request, allowed: ["force"], emptyIsObject: true)
        let force = try body.bool("force") ?? false
        return JSONResponse(WireJSON.job(try await identity.client(client).resumeJob(context.parameters.require("job"), force: force)))
    }

    @Sendable func runNow(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let identity = try context.requireOperator()
        _ = try await JSONBody.read(request, allowed: [], emptyIsObject: true)
        let run = try await identity.client(client).runJobNow(context.parameters.require("job"))
        return JSONResponse(.object([("run", WireJSON.run(run))]), status: .accepted)
    }

    @Sendable func alerts(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        _ = try QueryParameters(request, allowed: [])
        return JSONResponse(.array(try await client.alerts(context.parameters.require("job")).map(WireJSON.alert)))
    }

    @Sendable func addAlert(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let identity = try context.requireOperator()
        let body = try await JSONBody.read(
            request, allowed: ["alert_type", "target", "on_failure", "on_timeout", "on_system_error", "secret"])
        let typeText = try body.required("alert_type", body.string)
        guard let type = AlertType(rawValue: typeText) else {
            throw APIError(.invalid, "alert_type: \"\(typeText)\": expected webhook or email")
        }
        let spec = AlertSpec(
            type: type, target: try body.required("target", body.string), onFailure: try body.bool("on_failure") ?? true,
            onTimeout: try body.bool("on_timeout") ?? true, onSystemError: try body.bool("on_system_error") ?? true,
            secret: try body.string("secret"))
        let alert = try await identity.client(client).addAlert(context.parameters.require("job"), spec)
        return JSONResponse(WireJSON.alert(alert), status: .created)
    }

    @Sendable func deleteAlert(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        let identity = try context.requireOperator()
        try await identity.client(client).deleteAlert(context.parameters.require("id"))
        return Response(status: .noContent)
    }

    @Sendable func report(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let query = try QueryParameters(request, allowed: ["hours", "failures"])
        let hours = try query.double("hours") ?? 24
        guard hours > 0, hours <= 24 * 366 else { throw APIError(.invalid, "hours: \(hours): must be positive, at most a year") }
        let failures = try query.int("failures", range: 0...1000) ?? 5
        let report = try await client.report(job: context.parameters.require("job"), window: hours * 3600, failures: failures)
        return JSONResponse(WireJSON.report(report, hours: hours))
    }
}
