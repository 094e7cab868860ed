import Metrics
import Foundation

/// The engine's events turned into metric updates: the engine knows its events, the metrics
/// only their series.
extension SchedulerMetrics {
    /// Records what an event says happened.
    public func record(_ event: SchedulerEvent) {
        guard let f = active else { return }
        switch event {
        case .runCreated(let run):
            prepareJobSeries(run.jobName, factory: f)
            // skips and replaced runs are born terminal; queued ones are counted when they end
            if run.status.isTerminal { runEnded(run, factory: f) }
        case .runStarted(let run):
            prepareJobSeries(run.jobName, factory: f)
            guard let started = run.startedAt else { return }
            let late = max(0, started.timeIntervalSince(run.notBefore))
            CoreMetrics.Timer(label: Name.startLateness, dimensions: [("job_name", run.jobName)], factory: f).recordSeconds(late)
        case .runFinished(let result):
            prepareJobSeries(result.run.jobName, factory: f)
            if result.recorded { runEnded(result.run, factory: f) }
        case .jobRetired(let job):
            Counter(label: Name.jobsRetired, dimensions: [("job_name", job.name)], factory: f).increment()
        case .deliveryAttempted(let delivery, let record):
            let outcome: String
            switch record.status {
            case .delivered: outcome = "delivered"
            case .pending: outcome = "retried"
            case .failed: outcome = "failed"
            case .dead: outcome = "dead"
            }
            Counter(label: Name.deliveries, dimensions: [("channel", delivery.channel.rawValue), ("outcome", outcome)], factory: f)
                .increment()
        case .storeError:
            Counter(label: Name.storeErrors, factory: f).increment()
        case .pruned(let report):
            for (kind, count) in [("runs", report.runs), ("deliveries", report.deliveries), ("audit", report.auditEntries), ("artifacts", report.artifacts)]
            where count > 0 {
                Counter(label: Name.pruned, dimensions: [("kind", kind)], factory: f).increment(by: count)
            }
        case .started:
            prepareSeries()
        case .stopped:
            break
        }
    }
}
