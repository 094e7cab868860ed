import ArgumentParser
import Foundation
import Logging
import SchedulerKit
import SchedulerKitHTTP

/// The options of `serve` and `daemon --http`: where to listen, TLS, and what stays open.
struct HTTPOptions: ParsableArguments {
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate chain for HTTPS (with --tls-key).", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key for HTTPS (with --tls-cert).", valueName: "file"))
    var tlsKey: String?

    @Flag(name: .customLong("insecure-http"), help: "Allow plain HTTP on an address other than loopback (tokens travel in clear text).")
    var insecureHTTP = false

    @Flag(name: .customLong("open-metrics"), help: "Serve GET /metrics and GET /api/v1/check without a token.")
    var openMetrics = false

    /// The server's options for `address` (`HOST:PORT`, `[::1]:PORT` or `:PORT`), or a usage
    /// error (exit 64) for a bad address, half a TLS pair, or plain HTTP beyond loopback.
    func options(listen address: String, logger: Logger) throws -> SchedulerHTTP.Options {
        var options = SchedulerHTTP.Options()
        (options.host, options.port) = try Self.parse(address)
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both or neither")
        }
        options.tlsCertificatePath = tlsCert
        options.tlsKeyPath = tlsKey
        // Read them now: a bad file is one line (exit 65) before anything is opened or written.
        _ = try options.tlsConfiguration()
        options.openMetrics = openMetrics
        options.logger = logger
        if !options.isLoopback, !options.usesTLS, !insecureHTTP {
            ExitCodes.fail(
                "refusing to serve plain HTTP on \(address), beyond this machine: API tokens would travel in clear text",
                hint: "give --tls-cert FILE --tls-key FILE, listen on 127.0.0.1, or pass --insecure-http", code: ExitCodes.usage)
        }
        return options
    }

    static func parse(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":") else {
            throw ValidationError("--listen \(address): expected HOST:PORT, e.g. 127.0.0.1:8787")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        guard let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen \(address): the port must be a number from 0 to 65535")
        }
        return (host, port)
    }
}

/// Starts the HTTP API and dashboard for `serve` and `daemon --http`: makes the first-start
/// `default` token and prints where to sign in.
enum HTTPServing {
    static func service(client: SchedulerClient, options: SchedulerHTTP.Options) async throws -> SchedulerHTTPService {
        var apiClient = client
        apiClient.actor = "api"
        let issued = try await client.ensureDefaultToken()
        let scheme = options.usesTLS ? "https" : "http"
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        return SchedulerHTTPService(client: apiClient, options: options) { port in
            let base = "\(scheme)://\(host):\(port)"
            Console.line("schedctl: serving \(base) (API \(base)/api/v1, dashboard \(base)/)")
            if let issued {
                Console.line("schedctl: no API token existed: made the operator token \"default\" (shown only now)")
                Console.line("schedctl: sign in at \(base)/login?token=\(issued.plaintext)")
            }
        }
    }
}
