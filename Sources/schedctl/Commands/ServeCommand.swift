import ArgumentParser
import Foundation
import Logging
import SchedulerKit
import SchedulerKitHTTP
import ServiceLifecycle

/// `schedctl serve [--listen HOST:PORT] [--tls-cert F --tls-key F] [--insecure-http] [--open-metrics]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API and web dashboard until SIGINT/SIGTERM; a scheduler runs elsewhere.",
        discussion: """
            Every request needs an API token (schedctl tokens add NAME): Authorization: Bearer <token> \
            for the API, a sign-in for the dashboard. GET /healthz is open. When the database holds \
            no token, serve makes the operator token "default" and prints a sign-in URL with it, \
            once. Plain HTTP is refused on an address other than loopback unless --insecure-http. \
            On SIGINT or SIGTERM it stops accepting connections, lets open requests finish, ends \
            event streams and exits 0.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:8787"

    @OptionGroup var http: HTTPOptions

    func run() async throws {
        let logger = LogSetup.bootstrap()
        let options = try http.options(listen: listen, logger: logger)
        let opened = try await DatabaseLocation.resolve(option: global.db).openStore()
        let store = opened.store
        let client = SchedulerClient(store: store)
        let service = try await HTTPServing.service(client: client, options: options)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await opened.close()
    }
}
