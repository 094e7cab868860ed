import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit
import ServiceLifecycle

/// `GET /api/v1/events`: Server-Sent Events of run and job changes from every process using the
/// store. A comment line every 15 s keeps proxies from closing an idle stream; a graceful
/// shutdown ends the stream, so the server can drain.
struct EventsController {
    let events: EventHub
    /// Seconds between keep-alive comments.
    static let keepAlive: Double = 15

    func addRoutes(to group: RouterGroup<SchedulerRequestContext>) {
        group.get("events", use: stream)
    }

    @Sendable func stream(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let subscription = await events.subscribe()
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { subscription.finish() }
            // Keep-alive: an empty-named event every 15 s, written as a comment.
            let keepAlive = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(Self.keepAlive))
                    subscription.push(ServerEvent(name: "", data: .null))
                }
            }
            defer { keepAlive.cancel() }
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            try await withGracefulShutdownHandler {
                var sequence: UInt64 = 0
                while let event = await subscription.next() {
                    if event.name.isEmpty {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        continue
                    }
                    sequence += 1
                    try await writer.write(ByteBuffer(string: event.encoded(id: sequence)))
                }
            } onGracefulShutdown: {
                subscription.finish()
            }
            try await writer.finish(nil)
        })
    }
}
