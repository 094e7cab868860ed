import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// The routes outside `/api/v1`: `GET /healthz` (open), `GET /metrics` (a viewer token unless
/// `openMetrics`) and `GET /openapi.json` (open: it describes the API, it reveals no data).
struct OpenRoutesController {
    let client: SchedulerClient
    let options: SchedulerHTTP.Options

    func addRoutes(to router: Router<SchedulerRequestContext>) {
        router.get("healthz") { _, _ in
            JSONResponse(.object([("status", "ok")]))
        }
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: try OpenAPIDocument.bytes())))
        }
        let metrics = router.group("metrics")
        if !options.openMetrics { metrics.add(middleware: TokenAuthMiddleware(client: client)) }
        metrics.get { _, _ in
            let snapshot = try await client.metricsSnapshot()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: PrometheusExport.text(snapshot))))
        }
    }
}
