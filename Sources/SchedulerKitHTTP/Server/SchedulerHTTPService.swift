import Hummingbird
import SchedulerKit
import ServiceLifecycle

/// The HTTP API and dashboard as a swift-service-lifecycle `Service`, to run beside a
/// ``Scheduler`` in one `ServiceGroup`. A graceful shutdown stops accepting connections, lets
/// open requests finish and ends the event streams.
///
/// For example:
/// ```swift
/// let http = SchedulerHTTPService(client: client, options: options) { port in print("listening on \(port)") }
/// try await ServiceGroup(services: [scheduler, http], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
public struct SchedulerHTTPService: Service {
    public let http: SchedulerHTTP
    let onServerRunning: @Sendable (Int) async -> Void

    public init(client: SchedulerClient, options: SchedulerHTTP.Options = .init(), onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.http = SchedulerHTTP(client: client, options: options)
        self.onServerRunning = onServerRunning
    }

    public func run() async throws {
        try await http.application(onServerRunning: onServerRunning).run()
    }
}
