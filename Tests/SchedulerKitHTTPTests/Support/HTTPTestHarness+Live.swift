import Foundation
import Logging
import SchedulerKit
import SchedulerKitHTTP
import SchedulerKitTestSupport
import ServiceLifecycle

extension HTTPTestHarness {
    /// Runs the server on a free port of 127.0.0.1 while `body` runs, then shuts it down
    /// gracefully and waits (bounded) for it to stop.
    ///
    /// - returns: what `body` returned, and how long the shutdown took.
    func withLiveServer<T: Sendable>(_ body: @Sendable (Int, ServiceGroup) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try http().application { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test")))
        let server = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestHTTPClient.Failure(description: "the server did not start") }
        do {
            let result = try await body(port, group)
            await group.triggerGracefulShutdown()
            try await server.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await server.value
            throw error
        }
    }
}
