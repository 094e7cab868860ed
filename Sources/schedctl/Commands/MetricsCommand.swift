import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl metrics` — the database's state in the Prometheus text format.
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print gauges of the database's current state in the Prometheus text format.",
        discussion: """
            Suitable for a node_exporter textfile collector: \
            schedctl metrics > DIR/schedulerkit.prom.$$ && mv DIR/schedulerkit.prom.$$ DIR/schedulerkit.prom. \
            Metric names start with schedulerkit_db_; the job label is job_name. With --json: an \
            array of {"name", "labels", "value"}.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try await DatabaseLocation.resolve(option: global.db).openStore(readOnly: true).store
        let snapshot = try await MetricsSnapshot.take(store: store, now: Date())
        if global.json { return JSONOutput.print(.array(snapshot.samples.map(WireJSON.sample))) }
        Console.out(PrometheusExport.text(snapshot))
    }
}
