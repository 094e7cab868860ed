import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The scheduling engine: runs due jobs on time with their registered handlers, records every
/// run, enforces timeouts, retires jobs that keep failing, reaps lost runs and shuts down
/// gracefully.
///
/// It is a swift-service-lifecycle `Service`: run it in a `ServiceGroup` beside a server, or
/// call ``run()`` directly and ``shutdown()`` to stop.
///
/// For example:
/// ```swift
/// let store = try SQLiteJobStore(path: "jobs.sqlite")
/// let scheduler = Scheduler(store: store)
/// scheduler.register("send-report") { context in try await sendReport(context.payload()) }
/// try await scheduler.client.addJob(JobSpec(name: "daily-report",
///     schedule: .cron("0 7 * * MON-FRI", timeZone: "Europe/Paris"), kind: "send-report"))
/// try await scheduler.run()
/// ```
public actor Scheduler: Service {
    public nonisolated let store: any JobStore
    public nonisolated let clock: any SchedulerClock
    public nonisolated let configuration: Configuration
    /// The operator API over the same store; changes made through it wake this scheduler at once.
    public nonisolated let client: SchedulerClient
    /// The lease holder name of this scheduler: `host/pid/instance`.
    public nonisolated var owner: String { identity.owner }

    nonisolated let identity: WorkerIdentity
    nonisolated let hub: EventHub<SchedulerEvent>
    /// Wakes the claim loop: a worker freed, another process committed, shutdown requested.
    nonisolated let wake = ChangeSignal()
    /// Wakes the dispatcher: a transition wrote notifications.
    nonisolated let deliveryWake = ChangeSignal()
    /// Tells the dispatcher to finish its attempts in flight, make a last pass and stop.
    nonisolated let dispatcherStop = FirstOf<Bool>()
    /// Settled by the dispatcher's task when it has stopped.
    nonisolated let dispatcherStopped = FirstOf<Bool>()
    private nonisolated let handlers = Mutex<[String: JobHandler]>([:])
    private nonisolated let stopRequested = Mutex(false)
    private let writer: EndingWriter
    private var running: [RunID: FirstOf<StopReason>] = [:]
    /// Every ending not yet recorded: the claim loop records them with its next claim (one
    /// transaction for both), the writer those the claim loop will not take.
    private var endings = PendingEndings()
    /// Whether the writer is recording a batch (one writer pass at a time).
    private var writerBusy = false
    private var phase = Phase.idle
    private let drained = FirstOf<Bool>()

    private enum Phase { case idle, running, stopped }

    public init(store: any JobStore, clock: any SchedulerClock = SystemClock(), configuration: Configuration = Configuration()) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.identity = WorkerIdentity.current()
        self.client = SchedulerClient(store: store, clock: clock, actor: "api")
        let metrics = configuration.metrics
        let hub = EventHub<SchedulerEvent>(tap: { metrics.record($0) })
        self.hub = hub
        self.writer = EndingWriter(store: store, logger: configuration.logger) { hub.emit(.storeError($0)) }
        if configuration.registersShellHandler {
            handlers.withLock { $0[ShellPayload.kind] = ShellHandler.make(configuration: configuration) }
        }
    }

    /// Registers the handler that runs jobs of `kind` (replacing any earlier one).
    public nonisolated func register(_ kind: String, handler: @escaping JobHandler) {
        handlers.withLock { $0[kind] = handler }
    }

    /// A stream of what this scheduler does, for observers in this process.
    ///
    /// A subscriber that falls more than `bufferingNewest` events behind loses the oldest.
    public nonisolated func events(bufferingNewest limit: Int = 10_000) -> AsyncStream<SchedulerEvent> {
        hub.subscribe(buffering: limit)
    }

    /// Asks the scheduler to stop: it stops claiming, lets running runs finish within the
    /// shutdown grace period, cancels the rest (`system_error`/`shutdown`), and ``run()`` returns.
    public nonisolated func shutdown() {
        stopRequested.withLock { $0 = true }
        wake.notify()
    }

    private nonisolated var isStopping: Bool { stopRequested.withLock { $0 } }

    /// Runs until ``shutdown()`` or a graceful shutdown of the service group.
    ///
    /// - throws: `.refused` if this scheduler already ran.
    public func run() async throws {
        guard phase == .idle else {
            throw SchedulerError(.refused, "a Scheduler runs once; make a new one to run again")
        }
        phase = .running
        WorkerIdentity.liveInstances.withLock { _ = $0.insert(identity.instance) }
        defer {
            WorkerIdentity.liveInstances.withLock { _ = $0.remove(identity.instance) }
        }
        await withGracefulShutdownHandler {
            await self.runUntilStopped()
        } onGracefulShutdown: {
            self.shutdown()
        }
        phase = .stopped
        hub.emit(.stopped)
        hub.finish()
    }

    private func runUntilStopped() async {
        let me = identity
        let abilities = client.abilities
        for (ability, consequence) in abilities.missingForScheduler where ability != .pruning || configuration.pruner != nil {
            configuration.logger.notice("\(consequence)")
        }
        let reaper = Reaper(store: store, clock: clock, configuration: configuration.reaper) { WorkerIdentity.isGone(owner: $0, from: me) }
        // Runs left by dead workers on this host are ended before anything else.
        do {
            let reaped = try await reaper.runOnce()
            for r in reaped { hub.emit(.runFinished(r)) }
            if !reaped.isEmpty { configuration.logger.warning("reaped \(reaped.count) run(s) left by dead workers") }
        } catch {
            hub.emit(.storeError(SchedulerError(wrapping: error)))
        }
        let sampler = HealthSampler(
            store: store, clock: clock,
            instance: SchedulerInstance(
                id: me.instance, host: me.host, pid: me.pid, version: SchedulerKitVersion.string, startedAt: clock.now(),
                lastTickAt: clock.now(), tickInterval: configuration.healthSampler.interval),
            configuration: configuration.healthSampler, metrics: configuration.metrics)
        do {
            try await sampler.register(removingGone: { WorkerIdentity.isGone(owner: $0, from: me) })
        } catch {
            hub.emit(.storeError(SchedulerError(wrapping: error)))
        }
        hub.emit(.started(owner: owner))
        configuration.logger.info("scheduler started", metadata: ["owner": "\(owner)", "concurrency": "\(configuration.concurrency)"])

        await withDiscardingTaskGroup { group in
            let hub = self.hub
            let logger = configuration.logger
            group.addTask {
                let deliveryWake = self.deliveryWake
                await reaper.loop(
                    logger: logger,
                    onReaped: { reaped in
                        for r in reaped { hub.emit(.runFinished(r)) }
                        // The runs it ended may have written alerts (run.system_error): send them now.
                        if reaped.contains(where: { $0.deliveries > 0 }) { deliveryWake.notify() }
                    }, onError: { hub.emit(.storeError($0)) })
            }
            if let prunable = abilities.pruning, let settings = configuration.pruner {
                let pruner = Pruner(store: prunable, clock: clock, configuration: settings)
                group.addTask { await pruner.loop(logger: logger, onPruned: { hub.emit(.pruned($0)) }, onError: { hub.emit(.storeError($0)) }) }
            }
            group.addTask { await self.heartbeatLoop() }
            group.addTask { await sampler.loop(logger: logger, onError: { hub.emit(.storeError($0)) }) }
            group.addTask { await self.externalChangeLoop() }
            group.addTask { await self.localChangeLoop() }
            let transports = self.makeTransports()
            if let outbox = abilities.outbox {
                var dispatcher = DeliveryDispatcher(
                    store: outbox, clock: clock, transports: transports, configuration: configuration.dispatcher, logger: logger)
                dispatcher.logger[metadataKey: "component"] = "dispatcher"
                dispatcher.onRecorded = { hub.emit(.deliveryAttempted($0, $1)) }
                dispatcher.onRecordError = { hub.emit(.storeError($0)) }
                dispatcher.owner = owner
                dispatcher.isOwnerGone = { WorkerIdentity.isGone(owner: $0, from: me) }
                let deliveryWake = self.deliveryWake
                let dispatcherStop = self.dispatcherStop
                let dispatchTask = Task {
                    await dispatcher.loop(wake: deliveryWake, stop: dispatcherStop, onError: { hub.emit(.storeError($0)) })
                }
                group.addTask {
                    await withTaskCancellationHandler {
                        await dispatchTask.value
                    } onCancel: {
                        dispatchTask.cancel()
                    }
                    self.dispatcherStopped.settle(true)
                    for t in transports.values { await t.shutdown() }
                }
            }

            await self.claimLoop { claimed, stop in
                group.addTask { await self.execute(claimed, stop: stop) }
            }
            await self.releaseUpcoming()
            await self.drain()
            await self.stopDispatcher()
            group.cancelAll()
        }
        // A clean shutdown leaves no record claiming this scheduler is alive.
        do {
            try await sampler.unregister()
        } catch {
            hub.emit(.storeError(SchedulerError(wrapping: error)))
        }
        configuration.logger.info("scheduler stopped", metadata: ["owner": "\(owner)"])
    }

    // MARK: - Claiming

    /// The first wait before claiming again when due work could not be taken (``ClaimPacing/retry(at:)``).
    static let firstRetry = 0.05

    private func claimLoop(launch: (ClaimedRun, FirstOf<StopReason>) -> Void) async {
        var backoff = 0.25
        var retryAfter = Self.firstRetry
        endings.claimLoopStarted()
        defer {
            // Endings that arrived for a pass that will not come, and every later one: the writer's.
            endings.claimLoopStopped()
            startWriter()
        }
        while !isStopping {
            // Workers of runs started together free up together: let them finish (a bounded
            // number of yields) so that one transaction records many endings and starts many runs.
            await gatherEndings {
                PendingEndings.claimShouldWait(
                    running: $0.running.count, waiting: $0.endings.claimCount, concurrency: $0.configuration.concurrency)
            }
            let batch = endings.takeForClaim(max: .max)
            let free = max(0, configuration.concurrency - (running.count - batch.count))
            let now = clock.now()
            var params = ClaimParams(
                now: now, owner: owner, leaseDuration: configuration.leaseDuration, maxStart: free,
                maxEnqueue: configuration.maxEnqueuePerClaim, misfireGrace: configuration.misfireGrace,
                jitter: { Double.random(in: 0...$0) })
            params.horizon = configuration.lookahead > 0 ? now.addingTimeInterval(configuration.lookahead) : nil
            params.startAhead = configuration.startAhead
            do {
                let (results, result): ([CompletionResult], ClaimResult)
                if batch.isEmpty {
                    (results, result) = ([], try await store.claimDueRuns(params))
                } else {
                    (results, result) = try await store.completeRunsAndClaim(batch, params)
                }
                backoff = 0.25
                var recorded = Set<RunID>()
                for r in results {
                    recorded.insert(r.run.id)
                    finished(r.run.id, r, notify: false)
                }
                for ending in batch where !recorded.contains(ending.runId) { finished(ending.runId, nil, notify: false) }
                for run in result.created { hub.emit(.runCreated(run)) }
                if !result.created.isEmpty || !result.started.isEmpty { deliveryWake.notify() }
                for id in result.cancelRequested { running[id]?.settle(.replaced) }
                for claimed in result.started {
                    let stop = FirstOf<StopReason>()
                    running[claimed.run.id] = stop
                    launch(claimed, stop)
                }
                if isStopping { break }
                let seen = wake.generation
                // More endings, or a full batch (more may be waiting): go again before sleeping.
                if endings.claimCount > 0 { continue }
                let filledWorkers = free > 0 && result.started.count == free
                if result.created.count >= configuration.maxEnqueuePerClaim || (filledWorkers && running.count < configuration.concurrency) {
                    continue
                }
                let instant = try await store.nextWakeTime(now: clock.now(), lookahead: configuration.lookahead)
                let pacing = ClaimPacing.next(
                    claimedAt: now, currentTime: clock.now(), nextInstant: instant, startAhead: configuration.startAhead,
                    running: running.count, concurrency: configuration.concurrency,
                    didWork: !(result.started.isEmpty && result.created.isEmpty), retryAfter: retryAfter)
                switch pacing {
                case .claimAgain:
                    retryAfter = Self.firstRetry
                case .sleep(let deadline):
                    retryAfter = Self.firstRetry
                    await waitForWake(after: seen, until: deadline)
                case .retry(let deadline):
                    retryAfter = min(1, retryAfter * 2)
                    await waitForWake(after: seen, until: deadline)
                }
            } catch {
                // The endings must not be lost: the writer retries them on their own.
                endings.giveBackToWriter(batch)
                startWriter()
                let seen = wake.generation
                let e = SchedulerError(wrapping: error)
                hub.emit(.storeError(e))
                configuration.logger.error("claiming failed; retrying", metadata: ["error": "\(e.message)", "retry_in": "\(backoff)s"])
                await waitForWake(after: seen, until: clock.now().addingTimeInterval(backoff))
                backoff = min(30, backoff * 2)
            }
        }
    }

    /// Lets endings arrive (yielding, 16 times at most) while `wait` holds and each yield brings
    /// more: the one place where endings are gathered into a batch.
    private func gatherEndings(while wait: (isolated Scheduler) -> Bool) async {
        var seen = endings.count
        for _ in 0..<16 where wait(self) {
            await Task.yield()
            if endings.count == seen { break }
            seen = endings.count
        }
    }

    /// Starts a writer pass unless one is going: it records the writer's endings in batches.
    private func startWriter() {
        guard !writerBusy, endings.writerHasWork else { return }
        writerBusy = true
        Task { await self.writerPass() }
    }

    private func writerPass() async {
        // Endings of runs stopped together arrive together: one transaction, not one each.
        await gatherEndings { _ in true }
        while true {
            let batch = endings.takeForWriter(max: writer.configuration.maxBatch)
            if batch.isEmpty { break }
            let results = await writer.write(batch)
            for ending in batch { finished(ending.runId, results[ending.runId]) }
        }
        writerBusy = false
    }

    /// Sleeps until `deadline` (nil: no deadline) by the injected clock, or until woken.
    private nonisolated func waitForWake(after seen: UInt64, until deadline: Date?) async {
        let done = FirstOf<Bool>()
        let signal = Task {
            await wake.wait(after: seen)
            done.settle(true)
        }
        var timer: Task<Void, Never>?
        if let deadline {
            timer = Task {
                try? await clock.sleep(until: deadline)
                done.settle(true)
            }
        }
        _ = await done.wait()
        signal.cancel()
        timer?.cancel()
    }

    // MARK: - Running

    /// Performs a claimed run off the actor (many runs started together start in parallel),
    /// then hands its ending to the actor.
    private nonisolated func execute(_ claimed: ClaimedRun, stop: FirstOf<StopReason>) async {
        await ended(await perform(claimed, stop: stop))
    }

    /// Performs a claimed run with its handler and returns its ending, not yet recorded.
    nonisolated func perform(_ claimed: ClaimedRun, stop: FirstOf<StopReason>) async -> CompleteRunParams {
        let run = claimed.run
        if let start = run.startedAt, start > clock.now() {
            // Leased ahead of its instant (`startAhead`): begin at the instant, not before.
            try? await clock.sleep(until: start)
        }
        hub.emit(.runStarted(run))
        let handler = handlers.withLock { $0[claimed.job.kind] }
        let outcome: RunOutcome
        if let handler {
            var logger = configuration.logger
            logger[metadataKey: "job"] = "\(claimed.job.name)"
            logger[metadataKey: "run"] = "\(run.id)"
            let sink = RunSink(limit: configuration.outputLimit)
            let id = run.id
            var context = JobContext(
                job: claimed.job, run: run, logger: logger, sink: sink,
                heartbeatHook: { [weak self] in await self?.renewLeases(only: [id]) })
            if let artifacts = client.abilities.artifacts {
                let clock = self.clock
                context.artifactHook = { name, contentType, data in
                    try await artifacts.saveArtifact(SaveArtifactParams(runId: id, name: name, contentType: contentType, data: data, now: clock.now()))
                }
            }
            outcome = await RunExecutor.perform(
                handler: handler, context: context, timeout: claimed.job.timeout, clock: clock, stop: stop,
                cancellationGrace: configuration.cancellationGrace)
        } else {
            outcome = .error(.handlerMissing, "no handler is registered for kind \"\(claimed.job.kind)\" in scheduler \(owner)")
        }
        return CompleteRunParams(runId: run.id, outcome: outcome, now: clock.now(), retryJitter: Double.random(in: 0...1))
    }

    private func ended(_ ending: CompleteRunParams) {
        switch endings.add(ending) {
        case .claimLoop:
            // Recorded by the claim loop's next pass, in the transaction that hands out new runs.
            wake.notify()
        case .writer:
            startWriter()
        }
    }

    private func finished(_ id: RunID, _ result: CompletionResult?, notify: Bool = true) {
        running[id] = nil
        if let result {
            if result.recorded { hub.emit(.runFinished(result)) }
            if result.deliveries > 0 || result.retry != nil { deliveryWake.notify() }
            if result.retired, let job = result.job {
                configuration.logger.warning(
                    "job retired after \(job.consecutiveErrors) consecutive errors", metadata: ["job": "\(job.name)"])
                hub.emit(.jobRetired(job))
            }
            if let retry = result.retry { hub.emit(.runCreated(retry)) }
        }
        if running.isEmpty && isStopping { drained.settle(true) }
        if notify { wake.notify() }
    }

    /// Lets the dispatcher finish its attempts in flight and make a last pass, within the
    /// shutdown grace period (real time: transports are bounded by their own timeouts).
    private func stopDispatcher() async {
        guard client.abilities.has(.outbox) else { return }
        dispatcherStop.settle(true)
        deliveryWake.notify()
        let stopped = dispatcherStopped
        let grace = configuration.shutdownGrace
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(max(1, grace) * 1000)))
            stopped.settle(false)
        }
        _ = await stopped.wait()
        timer.cancel()
    }

    /// Gives back the slots this scheduler queued ahead of their instant (lookahead) and will
    /// not start now that it stops.
    private func releaseUpcoming() async {
        guard configuration.lookahead > 0 else { return }
        do {
            let released = try await store.releaseUpcomingRuns(owner: owner, now: clock.now())
            if released > 0 {
                configuration.logger.debug("released \(released) upcoming slot(s) queued ahead of their instant")
            }
        } catch {
            hub.emit(.storeError(SchedulerError(wrapping: error)))
        }
    }

    /// Waits for running runs up to the grace period, then stops the rest and waits for them to be recorded.
    private func drain() async {
        if running.isEmpty { return }
        configuration.logger.info("waiting for \(running.count) running run(s)", metadata: ["grace": "\(configuration.shutdownGrace)s"])
        let graceOver = FirstOf<Bool>()
        let drained = self.drained
        let a = Task {
            _ = await drained.wait()
            graceOver.settle(true)
        }
        let clock = self.clock
        let grace = configuration.shutdownGrace
        let b = Task {
            try? await clock.sleep(seconds: grace)
            graceOver.settle(false)
        }
        let allDone = await graceOver.wait() ?? false
        a.cancel()
        b.cancel()
        if !allDone {
            configuration.logger.warning("grace period over: cancelling \(running.count) run(s)")
            for stop in running.values { stop.settle(.shutdown) }
            writer.stop()
            _ = await drained.wait()
        }
    }

    /// The transports of this scheduler: the configured ones, else the built-in ones.
    private func makeTransports() -> [DeliveryChannel: any NotificationTransport] {
        var transports = configuration.transports
        if transports[.webhook] == nil {
            // As many connections per host as the dispatcher has attempts in flight per host, so
            // no attempt waits in the HTTP client's queue for a connection.
            var webhook = configuration.webhook
            webhook.maximumConnectionsPerHost = max(webhook.maximumConnectionsPerHost, configuration.dispatcher.maxInFlightPerHost)
            transports[.webhook] = WebhookTransport(configuration: webhook, clock: clock, logger: configuration.logger)
        }
        if transports[.email] == nil, let smtp = configuration.smtp {
            transports[.email] = EmailTransport(configuration: smtp, logger: configuration.logger)
        }
        return transports
    }

    // MARK: - Leases and changes

    /// Renews leases of this scheduler's running runs and acts on cancel requests and lost leases.
    func renewLeases(only ids: [RunID]? = nil) async {
        let targets = ids ?? Array(running.keys)
        guard !targets.isEmpty else { return }
        do {
            let result = try await store.recordHeartbeat(
                HeartbeatParams(owner: owner, runIds: targets, now: clock.now(), leaseDuration: configuration.leaseDuration))
            for id in result.lost { running[id]?.settle(.leaseLost) }
            for id in result.cancelRequested {
                guard let stop = running[id] else { continue }
                var jobExists = false
                if let run = try await store.run(id: id) {
                    jobExists = try await store.job(id: run.jobId) != nil
                }
                stop.settle(jobExists ? .replaced : .jobDeleted)
            }
        } catch {
            hub.emit(.storeError(SchedulerError(wrapping: error)))
        }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            do { try await clock.sleep(seconds: configuration.heartbeatInterval) } catch { return }
            await renewLeases()
        }
    }

    /// Polls the store's cheap change token so changes made by other processes wake the loop within a second.
    private nonisolated func externalChangeLoop() async {
        var last = try? await store.externalChangeToken()
        while !Task.isCancelled {
            do { try await clock.sleep(seconds: configuration.externalPollInterval) } catch { return }
            guard let token = try? await store.externalChangeToken() else { continue }
            if token != last {
                last = token
                wake.notify()
                deliveryWake.notify()
                // Another process may have deleted a job whose run we hold, or asked to cancel it.
                await checkCancellations()
            }
        }
    }

    /// Operator writes made in this process wake the loop at once.
    private nonisolated func localChangeLoop() async {
        let signal = store.localChanges
        var seen = signal.generation
        while !Task.isCancelled {
            await signal.wait(after: seen)
            if Task.isCancelled { return }
            seen = signal.generation
            wake.notify()
            await checkCancellations()
        }
    }

    private func checkCancellations() async {
        if !running.isEmpty { await renewLeases() }
    }
}
