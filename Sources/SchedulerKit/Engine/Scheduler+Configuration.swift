import Foundation
import Logging

extension Scheduler {
    /// Settings of a scheduler, with their defaults.
    public struct Configuration: Sendable {
        /// Runs performed at the same time at most (default 10).
        public var concurrency = 10
        /// Seconds a run's lease lasts without a heartbeat (default 30). A worker that vanishes
        /// is noticed by schedulers on other hosts after this long.
        public var leaseDuration: Double = 30
        /// Seconds between lease renewals (default 10; keep well below `leaseDuration`).
        public var heartbeatInterval: Double = 10
        /// The reaper's settings.
        public var reaper = Reaper.Configuration()
        /// Retention: the pruner's settings (30 days, 1,000 runs per job, hourly); nil turns
        /// periodic pruning off. Runs when the store is a ``PrunableStore``.
        public var pruner: Pruner.Configuration? = Pruner.Configuration()
        /// Seconds running runs get to finish at shutdown before they are cancelled (default 30).
        public var shutdownGrace: Double = 30
        /// A slot later than this many seconds counts as missed and the misfire policy applies (default 60).
        public var misfireGrace: Double = 60
        /// Seconds before its instant a scheduled slot is turned into a queued run (default 0.5),
        /// so that many jobs due at the same instant start together at it rather than one claim
        /// transaction after another. A slot whose job has a run in progress (and an overlap
        /// policy other than `allow`) is still decided at its instant. 0 turns lookahead off.
        public var lookahead: Double = 0.5
        /// Seconds before its instant a queued run is leased and prepared (default 0.05); its
        /// handler is launched at the instant and `startedAt` is the instant. The bookkeeping
        /// of starting (a write transaction, which for a thousand runs takes milliseconds) is
        /// then done when the run begins. 0 starts runs only once they are due.
        public var startAhead: Double = 0.05
        /// Seconds between checks for changes made by other processes (default 1).
        public var externalPollInterval: Double = 1
        /// Due jobs turned into runs per claim transaction at most (default 1000).
        public var maxEnqueuePerClaim = 1000
        /// Bytes of output kept per run (default 64 KiB).
        public var outputLimit = 64 * 1024
        /// Registers the built-in `shell` handler for command jobs (default true).
        public var registersShellHandler = true
        /// Seconds a command gets between SIGTERM and SIGKILL when its run is cancelled (default 5).
        public var shellTerminationGrace: Double = 5
        /// Real seconds a cancelled handler gets to return before the run is recorded without it (default 10).
        public var cancellationGrace: Double = 10
        /// The notification dispatcher's settings.
        public var dispatcher = DeliveryDispatcher.Configuration()
        /// How often the scheduler records that it is alive and samples gauges (default every 10 s).
        public var healthSampler = HealthSampler.Configuration()
        /// Where run, job and delivery metrics go (default: `MetricsSystem.factory`; nothing when
        /// no metrics backend is bootstrapped).
        public var metrics = SchedulerMetrics()
        /// Timeouts and pool of the built-in webhook transport.
        public var webhook = WebhookSender.Configuration()
        /// The SMTP server for email alerts; without it email deliveries wait (and eventually die).
        public var smtp: SMTPConfiguration?
        /// Transports by channel, replacing the built-in ones (webhooks over HTTP, email when
        /// `smtp` is set). The dispatcher runs when the store keeps an outbox (``DeliveryStore``).
        public var transports: [DeliveryChannel: any NotificationTransport] = [:]
        public var logger = Logger(label: "SchedulerKit")

        public init() {}
    }
}
