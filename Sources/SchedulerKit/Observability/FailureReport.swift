import Foundation

/// How one job fared over a window: counts by status, error and exit codes, success rate,
/// duration percentiles, and its latest failures with their message and output tail.
///
/// A run belongs to the window when it **finished** at or after its start (`from`); runs still
/// queued or running are counted apart, as they are now.
///
/// For example:
/// ```swift
/// let report = try await client.report(job: "backup", window: 24 * 3600)
/// print(report.successRate ?? 1, report.durationP95 ?? 0)
/// ```
public struct FailureReport: Sendable {
    public var jobId: JobID
    public var jobName: String
    /// The job as it is now; nil when it was deleted (its runs stay as history).
    public var job: Job?
    /// The window: runs that finished at or after `from`, up to `to` (when the report was made).
    public var from: Date
    public var to: Date
    /// Runs that finished in the window, by status (terminal statuses only).
    public var counts: [RunStatus: Int]
    /// Runs that finished in the window.
    public var total: Int
    /// The job's runs queued now.
    public var queued: Int
    /// The job's runs running now.
    public var running: Int
    /// Error codes of the window's runs (skips and cancellations included), by code.
    public var errorCodes: [String: Int]
    /// Exit codes of the window's command runs (0 included), by code.
    public var exitCodes: [Int32: Int]
    /// `succeeded / (succeeded + failed + timed_out + system_error)`; nil when none of those ran.
    public var successRate: Double?
    /// Median seconds from start to finish of the window's runs that started (nearest rank).
    public var durationP50: Double?
    /// 95th percentile of the same.
    public var durationP95: Double?
    /// The longest of the same.
    public var durationMax: Double?
    /// How many runs the duration figures are over.
    public var durationSamples: Int
    /// The latest runs of the window that ended in error (`failed`, `timed_out`, `system_error`), newest first.
    public var lastFailures: [Run]

    /// The figures of `samples` (runs that finished in the window).
    public init(
        jobId: JobID, jobName: String, job: Job?, from: Date, to: Date, samples: [RunSample], queued: Int, running: Int,
        lastFailures: [Run]
    ) {
        self.jobId = jobId
        self.jobName = jobName
        self.job = job
        self.from = from
        self.to = to
        self.queued = queued
        self.running = running
        self.lastFailures = lastFailures
        var counts: [RunStatus: Int] = [:]
        var errorCodes: [String: Int] = [:]
        var exitCodes: [Int32: Int] = [:]
        for s in samples {
            counts[s.status, default: 0] += 1
            if let code = s.errorCode { errorCodes[code, default: 0] += 1 }
            if let exit = s.exitCode { exitCodes[exit, default: 0] += 1 }
        }
        self.counts = counts
        self.total = samples.count
        self.errorCodes = errorCodes
        self.exitCodes = exitCodes
        let ran = (counts[.succeeded] ?? 0) + RunStatus.failures.reduce(0) { $0 + (counts[$1] ?? 0) }
        self.successRate = ran == 0 ? nil : Double(counts[.succeeded] ?? 0) / Double(ran)
        let durations = samples.compactMap(\.duration).map { max(0, $0) }
        self.durationSamples = durations.count
        self.durationP50 = Percentile.of(durations, 0.5)
        self.durationP95 = Percentile.of(durations, 0.95)
        self.durationMax = durations.max()
    }

    /// Builds the report of `job` (a name or an id; the id of a deleted job whose runs remain
    /// works too) over the `window` seconds before `now`.
    ///
    /// - parameters:
    ///   - store: the store to read.
    ///   - ref: the job's name or id.
    ///   - window: seconds before `now` the report covers.
    ///   - now: the end of the window.
    ///   - failures: how many of the latest failures to include (default 5).
    /// - throws: `.notFound` for an unknown job; `.refused` when the store cannot answer
    ///   aggregate questions (it is not an ``ObservationStore``).
    public static func make(
        store: any JobStore, job ref: String, window: Double, now: Date, failures: Int = 5
    ) async throws -> FailureReport {
        let observed = try StoreAbilities.require(StoreAbilities(of: store).observation, .observation)
        let job: Job?
        let jobId: JobID
        var jobName: String
        var found = try await store.job(id: JobID(ref))
        if found == nil { found = try await store.job(named: ref) }
        if let found {
            job = found
            jobId = found.id
            jobName = found.name
        } else {
            // A deleted job's history stays: accept its id as written in its runs.
            guard let last = try await store.runs(RunQuery(jobId: JobID(ref), limit: 1)).first else {
                throw SchedulerError(.notFound, "no job named or with id \"\(ref)\"", remedy: .listJobs)
            }
            job = nil
            jobId = last.jobId
            jobName = last.jobName
        }
        let from = now.addingTimeInterval(-window)
        // No upper bound: a run recorded by a process whose clock runs slightly ahead still counts.
        let samples = try await observed.runSamples(RunSampleQuery(jobId: jobId, finishedSince: from))
        let open = try await store.runs(RunQuery(jobId: jobId, statuses: [.queued, .running], limit: nil))
        let recentFailures = failures <= 0 ? [] : try await store.runs(RunQuery(jobId: jobId, statuses: RunStatus.failures, limit: failures))
        if job == nil, let named = samples.first?.jobName { jobName = named }
        return FailureReport(
            jobId: jobId, jobName: jobName, job: job, from: from, to: now, samples: samples,
            queued: open.filter { $0.status == .queued }.count, running: open.filter { $0.status == .running }.count,
            lastFailures: recentFailures.filter { ($0.finishedAt ?? .distantPast) >= from })
    }

    /// The end of a run's output: its last `lines` lines, at most `maxBytes` bytes (cut at a
    /// character boundary); nil when there is no output.
    ///
    /// For example: `FailureReport.outputTail("a\nb\nc\n", lines: 2)` is `"b\nc\n"`.
    public static func outputTail(_ output: String?, lines: Int = 20, maxBytes: Int = 4096) -> String? {
        guard let output, !output.isEmpty else { return nil }
        var tail = Substring(output)
        var newlines = 0
        var index = tail.endIndex
        // a final newline ends the last line; it does not start another
        if tail.last == "\n" { index = tail.index(before: index) }
        while index > tail.startIndex {
            let before = tail.index(before: index)
            if tail[before] == "\n" {
                newlines += 1
                if newlines == lines { break }
            }
            index = before
        }
        tail = tail[index...]
        guard tail.utf8.count > maxBytes else { return String(tail) }
        var bytes = Array(tail.utf8.suffix(maxBytes))
        // never start inside a multi-byte character
        while let first = bytes.first, first & 0xC0 == 0x80 { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
