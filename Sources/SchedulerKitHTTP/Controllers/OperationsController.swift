import Foundation
import Hummingbird
import SchedulerKit

/// `/api/v1/deliveries…` (the outbox and its retry) and `/api/v1/audit`.
struct OperationsController {
    let client: SchedulerClient

    func addRoutes(to group: RouterGroup<SchedulerRequestContext>) {
        group.get("deliveries", use: deliveries)
        group.post("deliveries/:id/retry", use: retry)
        group.get("audit", use: audit)
    }

    @Sendable func deliveries(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let query = try QueryParameters(request, allowed: ["status", "limit"])
        let status = try query.one("status", of: DeliveryStatus.self)
        let limit = try query.int("limit", range: 1...1000) ?? 100
        return JSONResponse(.array(try await client.deliveries(status: status, limit: limit).map(WireJSON.delivery)))
    }

    @Sendable func retry(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let identity = try context.requireOperator()
        _ = try await JSONBody.read(request, allowed: [], emptyIsObject: true)
        return JSONResponse(WireJSON.delivery(try await identity.client(client).retryDelivery(context.parameters.require("id"))))
    }

    @Sendable func audit(_ request: Request, context: SchedulerRequestContext) async throws -> JSONResponse {
        let query = try QueryParameters(request, allowed: ["job", "limit"])
        let limit = try query.int("limit", range: 1...1000) ?? 100
        return JSONResponse(.array(try await client.audit(job: query.string("job"), limit: limit).map(WireJSON.audit)))
    }
}
