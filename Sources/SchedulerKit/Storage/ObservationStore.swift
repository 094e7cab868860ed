import Foundation

/// A store that answers the aggregate questions of metrics, health checks and reports: an
/// optional ability of a ``JobStore``.
///
/// Every verb only reads. Time windows are on the instant a run **finished**; runs still queued
/// or running count only in queries without a window.
///
/// For example:
/// ```swift
/// let lastHour = try await store.runCounts(RunCountQuery(finishedSince: now.addingTimeInterval(-3600)))
/// let failed = lastHour.filter { $0.status.isFailure }.reduce(0) { $0 + $1.count }
/// ```
public protocol ObservationStore: Sendable {
    /// How many jobs have each status (statuses without jobs are absent).
    func jobCounts() async throws -> [JobStatus: Int]
    /// Runs counted by job, status and error code.
    func runCounts(_ query: RunCountQuery) async throws -> [RunCount]
    /// Light records of runs (no output), newest first.
    func runSamples(_ query: RunSampleQuery) async throws -> [RunSample]
    /// Deliveries counted by channel and status, with the oldest creation instant of each group.
    func deliveryCounts(_ query: DeliveryCountQuery) async throws -> [DeliveryCount]
}

/// Filters for ``ObservationStore/runCounts(_:)``.
public struct RunCountQuery: Sendable, Hashable {
    /// Only runs of this job.
    public var jobId: JobID?
    /// Only runs that finished at or after this instant.
    public var finishedSince: Date?
    /// Only runs that finished before this instant.
    public var finishedBefore: Date?

    /// Without a window every run counts, queued and running ones included.
    public init(jobId: JobID? = nil, finishedSince: Date? = nil, finishedBefore: Date? = nil) {
        self.jobId = jobId
        self.finishedSince = finishedSince
        self.finishedBefore = finishedBefore
    }
}

/// One group of ``ObservationStore/runCounts(_:)``.
public struct RunCount: Sendable, Hashable {
    public var jobId: JobID
    /// The job's name as written on its runs (kept after the job is deleted).
    public var jobName: String
    public var status: RunStatus
    /// The runs' error code; nil for runs without one (successes, runs in progress).
    public var errorCode: String?
    public var count: Int

    public init(jobId: JobID, jobName: String, status: RunStatus, errorCode: String?, count: Int) {
        self.jobId = jobId
        self.jobName = jobName
        self.status = status
        self.errorCode = errorCode
        self.count = count
    }
}

/// Filters for ``ObservationStore/runSamples(_:)``.
public struct RunSampleQuery: Sendable, Hashable {
    /// Only runs of this job.
    public var jobId: JobID?
    /// Only runs with one of these statuses.
    public var statuses: [RunStatus]?
    /// Only runs that finished at or after this instant.
    public var finishedSince: Date?
    /// Only runs that finished before this instant.
    public var finishedBefore: Date?
    /// At most this many runs per job, the newest.
    public var limitPerJob: Int?

    public init(
        jobId: JobID? = nil, statuses: [RunStatus]? = nil, finishedSince: Date? = nil, finishedBefore: Date? = nil,
        limitPerJob: Int? = nil
    ) {
        self.jobId = jobId
        self.statuses = statuses
        self.finishedSince = finishedSince
        self.finishedBefore = finishedBefore
        self.limitPerJob = limitPerJob
    }
}

/// What health checks and reports need of a run: its times, status and error, without its output.
public struct RunSample: Sendable, Hashable, Identifiable {
    public var id: RunID
    public var jobId: JobID
    public var jobName: String
    public var status: RunStatus
    public var scheduledFor: Date
    public var notBefore: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var exitCode: Int32?
    public var errorCode: String?

    public init(
        id: RunID, jobId: JobID, jobName: String, status: RunStatus, scheduledFor: Date, notBefore: Date,
        startedAt: Date?, finishedAt: Date?, exitCode: Int32?, errorCode: String?
    ) {
        self.id = id
        self.jobId = jobId
        self.jobName = jobName
        self.status = status
        self.scheduledFor = scheduledFor
        self.notBefore = notBefore
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.errorCode = errorCode
    }

    /// Seconds between start and finish, when both are known.
    public var duration: Double? {
        guard let s = startedAt, let f = finishedAt else { return nil }
        return f.timeIntervalSince(s)
    }
}

/// Filters for ``ObservationStore/deliveryCounts(_:)``.
public struct DeliveryCountQuery: Sendable, Hashable {
    /// Only deliveries created before this instant.
    public var createdBefore: Date?
    /// Only deliveries whose record changed (an attempt, a claim) at or after this instant.
    public var updatedSince: Date?

    public init(createdBefore: Date? = nil, updatedSince: Date? = nil) {
        self.createdBefore = createdBefore
        self.updatedSince = updatedSince
    }
}

/// One group of ``ObservationStore/deliveryCounts(_:)``.
public struct DeliveryCount: Sendable, Hashable {
    public var channel: DeliveryChannel
    public var status: DeliveryStatus
    public var count: Int
    /// When the oldest delivery of the group was created.
    public var oldestCreatedAt: Date

    public init(channel: DeliveryChannel, status: DeliveryStatus, count: Int, oldestCreatedAt: Date) {
        self.channel = channel
        self.status = status
        self.count = count
        self.oldestCreatedAt = oldestCreatedAt
    }
}
