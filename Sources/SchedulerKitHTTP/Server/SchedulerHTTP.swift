import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import SchedulerKit

/// Builds the HTTP API and dashboard of SPEC §9 over a ``SchedulerClient``: a router to mount
/// in one's own Hummingbird application, or a ready application to run as a `Service`.
///
/// For example:
/// ```swift
/// let http = SchedulerHTTP(client: SchedulerClient(store: store))
/// let app = try http.application()            // or: http.router() to mount it yourself
/// try await ServiceGroup(services: [scheduler, app], logger: logger).run()
/// ```
public struct SchedulerHTTP: Sendable {
    /// Request bodies over this many bytes are refused with 413 (1 MiB).
    public static let maxBodySize = 1024 * 1024

    /// How the server listens and what it leaves open.
    public struct Options: Sendable {
        /// Host and port to listen on (default 127.0.0.1:8787).
        public var host = "127.0.0.1"
        public var port = 8787
        /// PEM certificate chain and private key; both or neither.
        public var tlsCertificatePath: String?
        public var tlsKeyPath: String?
        /// `GET /metrics` and `GET /api/v1/check` without a token.
        public var openMetrics = false
        /// How often the event stream looks for changes made by other processes (default 0.25 s).
        public var eventPollInterval: Double = 0.25
        /// Events a slow event-stream client may fall behind before it is told to resync (default 256).
        public var eventBufferSize = 256
        public var logger = Logger(label: "SchedulerKitHTTP")

        public init() {}

        /// Whether the host is a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
        public var isLoopback: Bool { SchedulerHTTP.isLoopback(host) }
        /// Whether TLS is configured.
        public var usesTLS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

        /// The server's TLS settings read from the certificate and key files; nil without TLS.
        /// Call it before starting anything: a bad file is then one line, not a failed start.
        ///
        /// - throws: `.invalidInput` with one line naming the file: it cannot be read, holds no
        ///   PEM certificate (or key), or the key does not belong to the certificate.
        public func tlsConfiguration() throws(SchedulerError) -> TLSConfiguration? {
            guard let cert = tlsCertificatePath, let key = tlsKeyPath else { return nil }
            for (what, path) in [("certificate", cert), ("key", key)] where !FileManager.default.isReadableFile(atPath: path) {
                let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
                throw SchedulerError(.invalidInput, "cannot read the TLS \(what) \(path): \(reason)")
            }
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(cert)
            } catch {
                throw SchedulerError(.invalidInput, "TLS certificate \(cert): not a PEM certificate chain", hint: "give the PEM file that starts with -----BEGIN CERTIFICATE-----")
            }
            guard !chain.isEmpty else {
                throw SchedulerError(.invalidInput, "TLS certificate \(cert): no certificate in the file", hint: "give the PEM file that starts with -----BEGIN CERTIFICATE-----")
            }
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw SchedulerError(.invalidInput, "TLS key \(key): not a PEM private key (or it is encrypted)", hint: "give the unencrypted PEM private key of the certificate")
            }
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
            do {
                _ = try NIOSSLContext(configuration: tls)
            } catch {
                throw SchedulerError(.invalidInput, "TLS key \(key) does not belong to the certificate \(cert)")
            }
            return tls
        }
    }

    public let client: SchedulerClient
    public let options: Options
    /// The change feed behind `GET /api/v1/events`, shared by every stream of this server.
    public let events: EventHub

    public init(client: SchedulerClient, options: Options = Options()) {
        self.client = client
        self.options = options
        self.events = EventHub(client: client, pollInterval: options.eventPollInterval, bufferSize: options.eventBufferSize)
    }

    /// The router: `/healthz`, `/metrics`, `/openapi.json`, `/api/v1/…` and the dashboard.
    public func router() -> Router<SchedulerRequestContext> {
        let router = Router(context: SchedulerRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        addRoutes(to: router)
        return router
    }

    /// Adds every route to `router` (for programs that mount SchedulerKit in their own router;
    /// add ``APIErrorMiddleware`` first to get the §9 error bodies).
    public func addRoutes(to router: Router<SchedulerRequestContext>) {
        OpenRoutesController(client: client, options: options).addRoutes(to: router)
        APIController(client: client, options: options, events: events).addRoutes(to: router)
        // The dashboard's HTML pages (SPEC §9 "Dashboard"): its controller adds its own routes.
        DashboardController(client: client, options: options, events: events).addRoutes(to: router)
    }

    /// A Hummingbird application serving ``router()`` on the configured address, with TLS when
    /// certificate and key are given. It is a `Service`: run it in a `ServiceGroup`, whose
    /// graceful shutdown drains open requests and ends event streams.
    ///
    /// - parameters:
    ///   - onServerRunning: called with the bound port once the server listens (port 0 picks one).
    /// - throws: when the certificate or key cannot be read.
    public func application(
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls = try options.tlsConfiguration() {
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        return Application(
            router: router(), server: server,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "SchedulerKit"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: options.logger)
    }

    /// Whether `host` names this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
}
