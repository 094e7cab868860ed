import Prometheus

/// Renders a ``MetricsSnapshot`` in the Prometheus text exposition format (version 0.0.4),
/// through swift-prometheus.
///
/// For example, for a node_exporter textfile collector (written atomically):
/// ```swift
/// let text = PrometheusExport.text(try await MetricsSnapshot.take(store: store, now: Date()))
/// try text.write(toFile: "/var/lib/node_exporter/schedulerkit.prom.tmp", atomically: false, encoding: .utf8)
/// // then rename the .tmp file over schedulerkit.prom
/// ```
public enum PrometheusExport {
    /// A fresh registry holding the snapshot's samples as gauges.
    public static func registry(for snapshot: MetricsSnapshot) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        for sample in snapshot.samples {
            let descriptor = MetricNameDescriptor(metricName: sample.name, unitName: "", helpText: sample.help)
            let gauge = sample.labels.isEmpty
                ? registry.makeGauge(descriptor: descriptor)
                : registry.makeGauge(descriptor: descriptor, labels: sample.labels)
            gauge.set(to: sample.value)
        }
        return registry
    }

    /// The snapshot as Prometheus text: per metric, `# HELP` and `# TYPE` lines, then one line
    /// per sample. Metrics come in the snapshot's order (a registry per metric, since one
    /// registry emits its metrics in no particular order), which keeps the output diffable.
    public static func text(_ snapshot: MetricsSnapshot) -> String {
        var buffer: [UInt8] = []
        var families: [String: [MetricsSnapshot.Sample]] = [:]
        var order: [String] = []
        for sample in snapshot.samples {
            if families[sample.name] == nil { order.append(sample.name) }
            families[sample.name, default: []].append(sample)
        }
        for name in order {
            let family = MetricsSnapshot(takenAt: snapshot.takenAt, samples: families[name] ?? [])
            registry(for: family).emit(into: &buffer)
        }
        return String(decoding: buffer, as: UTF8.self)
    }
}
