import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// `/api/v1/runs…`: run history (newest first, paged by `before`), the poll path of one run,
/// and artifact downloads.
struct RunsController {
    let client: SchedulerClient

    func addRoutes(to group: RouterGroup<SchedulerRequestContext>) {
        group.get("runs", use: list)
        group.get("runs/:id", use: show)
        group.get("runs/:id/artifacts/:name", use: artifact)
    }

    @Sendable func list(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let query = try QueryParameters(request, allowed: ["job", "status", "before", "limit"])
        let statuses = try query.list("status", of: RunStatus.self)
        let limit = try query.int("limit", range: 1...1000) ?? 50
        let before = query.string("before").map { RunID($0) }
        let runs = try await client.runs(job: query.string("job"), statuses: statuses, before: before, limit: limit)
        return JSONResponse(.array(runs.map(WireJSON.run)))
    }

    @Sendable func show(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        _ = try QueryParameters(request, allowed: [])
        let run = try await client.run(context.parameters.require("id"))
        // A store that keeps no artifacts has none to list; any other error is the answer.
        let artifacts: [Artifact]
        do {
            artifacts = try await client.artifacts(run: run.id.rawValue)
        } catch let error as SchedulerError where error.code == .refused {
            artifacts = []
        }
        var members = WireJSON.run(run).objectMembers ?? []
        members.append(("output", .string(run.output)))
        members.append(("artifacts", .array(artifacts.map { a in
            .object([
                ("name", .string(a.name)), ("size", .int(a.size)), ("content_type", .string(a.contentType)),
                ("sha256", .string(a.sha256)), ("created_at", .date(a.createdAt)),
            ])
        })))
        return JSONResponse(.object(members))
    }

    @Sendable func artifact(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        ArtifactDownload.response(try await client.artifact(run: context.parameters.require("id"), name: context.parameters.require("name")))
    }
}
