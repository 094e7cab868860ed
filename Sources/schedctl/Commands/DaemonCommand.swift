import ArgumentParser
import Foundation
import Logging
import SchedulerKit
import SchedulerKitHTTP
import ServiceLifecycle

/// `schedctl daemon [--concurrency N] [--for DUR] [--smtp URL] [--smtp-from ADDR] [--http HOST:PORT ...]`
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the scheduler in the foreground until SIGINT/SIGTERM (or for DUR), then shut down gracefully.",
        discussion: """
            Runs due jobs of the database with the built-in shell handler, reaps runs left by dead \
            workers, delivers alerts, and notices changes made by other schedctl processes within a \
            second. On SIGINT or SIGTERM (or after --for) it stops claiming, lets running runs finish \
            within --grace, cancels the rest (system_error/shutdown) and exits 0.

            SMTP settings for email alerts: --smtp / $SCHEDCTL_SMTP_URL, of the form \
            smtp://user:pass@host:port?security=none|starttls|tls, and --smtp-from / $SCHEDCTL_SMTP_FROM. \
            Logs go to stderr; $SCHEDCTL_LOG_LEVEL sets their level (default info).

            With --http HOST:PORT it also serves the HTTP API and web dashboard, as schedctl serve \
            does (the same --tls-cert, --tls-key, --insecure-http and --open-metrics).
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Runs performed at the same time at most.")
    var concurrency: Int = 10

    @Option(name: .customLong("for"), help: ArgumentHelp("Stop after this long (90s, 15m, 1h30m).", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Time running runs get to finish at shutdown (default 30s).", valueName: "duration"))
    var grace: String?

    @Option(help: ArgumentHelp("SMTP server for email alerts (default $SCHEDCTL_SMTP_URL).", valueName: "url"))
    var smtp: String?

    @Option(name: .customLong("smtp-from"), help: ArgumentHelp("Sender address of alert emails (default $SCHEDCTL_SMTP_FROM).", valueName: "address"))
    var smtpFrom: String?

    @Option(help: ArgumentHelp("Also serve the HTTP API and dashboard on this address (e.g. 127.0.0.1:8787).", valueName: "host:port"))
    var http: String?

    @Option(help: ArgumentHelp("How long a started run's lease lasts without a heartbeat before any scheduler reaps it as lost (default 30s).", valueName: "duration"))
    var lease: String?

    @OptionGroup var httpOptions: HTTPOptions

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        if http == nil, httpOptions.tlsCert != nil || httpOptions.tlsKey != nil || httpOptions.insecureHTTP || httpOptions.openMetrics {
            throw ValidationError("--tls-cert, --tls-key, --insecure-http and --open-metrics apply with --http HOST:PORT only")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let stopAfter = try duration.map { Double(try parseDuration($0, field: "for")) }
        let shutdownGrace = try grace.map { Double(try parseDuration($0, field: "grace", allowZero: true)) } ?? 30
        var smtpConfiguration: SMTPConfiguration?
        if let url = smtp ?? environment["SCHEDCTL_SMTP_URL"], !url.isEmpty {
            do {
                smtpConfiguration = try SMTPConfiguration.parse(url: url, from: smtpFrom ?? environment["SCHEDCTL_SMTP_FROM"])
            } catch {
                throw SchedulerError(.invalidInput, "smtp: \(error)")
            }
        }
        let logger = LogSetup.bootstrap()
        let httpServerOptions = try http.map { try httpOptions.options(listen: $0, logger: logger) }

        let location = DatabaseLocation.resolve(option: global.db)
        let opened = try await location.openStore()
        let store = opened.store
        var configuration = Scheduler.Configuration()
        if let lease {
            configuration.leaseDuration = Double(try parseDuration(lease, field: "lease"))
            // Renewed three times per lease, so one late heartbeat never loses a run.
            configuration.heartbeatInterval = min(configuration.heartbeatInterval, configuration.leaseDuration / 3)
            // A dead node's runs are reaped soon after their lease expires, by whichever node looks first.
            configuration.reaper.interval = min(configuration.reaper.interval, max(0.5, configuration.leaseDuration / 2))
        }
        configuration.concurrency = concurrency
        configuration.shutdownGrace = shutdownGrace
        configuration.smtp = smtpConfiguration
        configuration.dispatcher.withoutSMTPServer = "no SMTP server configured (schedctl daemon --smtp URL, or SCHEDCTL_SMTP_URL)"
        configuration.logger = logger
        let scheduler = Scheduler(store: store, configuration: configuration)
        logger.info(
            "schedctl daemon on \(location.display)",
            metadata: ["smtp": "\(smtpConfiguration.map { String(describing: $0) } ?? "none")"])

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: scheduler, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let httpServerOptions {
            let service = try await HTTPServing.service(client: SchedulerClient(store: store), options: httpServerOptions)
            // Last in the group, so it shuts down first: requests drain while the scheduler still runs.
            services.append(.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let timer = stopAfter.map { seconds in
            Task {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                logger.info("--for \(DurationText.format(seconds: Int64(seconds))) elapsed: shutting down")
                await group.triggerGracefulShutdown()
            }
        }
        try await group.run()
        timer?.cancel()
        await opened.close()
    }
}
