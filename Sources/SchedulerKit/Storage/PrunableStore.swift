import Foundation

/// A store whose history can be pruned: an optional ability of a ``JobStore``, used by the
/// ``Pruner``.
///
/// Every verb is one short write transaction that touches at most `limit` rows, so a caller can
/// prune millions of rows in batches without holding the write lock for long. Runs that are
/// `queued` or `running` and deliveries that are `pending` are never deleted.
public protocol PrunableStore: Sendable {
    /// Deletes up to `limit` finished runs created before `cutoff` (oldest first), with their
    /// artifacts; artifact files are removed after the transaction commits.
    func pruneRuns(before cutoff: Date, limit: Int) async throws -> RunPruneResult
    /// Deletes up to `limit` finished runs that are not among the newest `keep` runs of their
    /// job (queued and running ones count toward `keep`), with their artifacts.
    ///
    /// Jobs are visited in id order, from `fromJob` (nil: the first); runs of deleted jobs
    /// included. Call again with the result's ``RunPruneResult/nextJob`` until it is nil.
    ///
    /// For example:
    /// ```swift
    /// var next: JobID? = nil
    /// repeat {
    ///     let batch = try await store.pruneRunsBeyond(keep: 1000, limit: 500, fromJob: next)
    ///     next = batch.nextJob
    /// } while next != nil
    /// ```
    func pruneRunsBeyond(keep: Int, limit: Int, fromJob: JobID?) async throws -> RunPruneResult
    /// Deletes up to `limit` `delivered`, `failed` or `dead` deliveries created before `cutoff`.
    ///
    /// - returns: how many were deleted.
    func pruneDeliveries(before cutoff: Date, limit: Int) async throws -> Int
    /// Deletes up to `limit` audit entries written before `cutoff`.
    ///
    /// - returns: how many were deleted.
    func pruneAudit(before cutoff: Date, limit: Int) async throws -> Int
    /// Removes artifact files that no artifact refers to and that were made before `cutoff`:
    /// left by a crash between a file's rename and its metadata insert, or between a prune's
    /// commit and its file removal.
    ///
    /// - returns: how many files were removed.
    func pruneOrphanArtifactFiles(before cutoff: Date) async throws -> Int
    /// Gives up to `pages` free pages back to the file system (SQLite `incremental_vacuum`).
    ///
    /// - returns: how many pages the database shrank by.
    func reclaimSpace(pages: Int) async throws -> Int
    /// How big the database is and how much of it is free.
    func storageSize() async throws -> StorageSize
}

/// What one run-pruning batch did.
public struct RunPruneResult: Sendable, Hashable {
    /// Runs deleted.
    public var runs = 0
    /// Artifacts deleted with them.
    public var artifacts = 0
    /// Artifact files removed from disk.
    public var artifactFiles = 0
    /// ``PrunableStore/pruneRunsBeyond(keep:limit:fromJob:)`` only: the job to continue from,
    /// nil when every job has been visited.
    public var nextJob: JobID?

    public init(runs: Int = 0, artifacts: Int = 0, artifactFiles: Int = 0, nextJob: JobID? = nil) {
        self.runs = runs
        self.artifacts = artifacts
        self.artifactFiles = artifactFiles
        self.nextJob = nextJob
    }
}

/// The size of a database in pages.
public struct StorageSize: Sendable, Hashable {
    /// Bytes per page.
    public var pageSize: Int
    /// Pages in the database.
    public var pages: Int
    /// Pages on the free list (reusable, or reclaimable with ``PrunableStore/reclaimSpace(pages:)``).
    public var freePages: Int

    public init(pageSize: Int, pages: Int, freePages: Int) {
        self.pageSize = pageSize
        self.pages = pages
        self.freePages = freePages
    }

    /// `pages × pageSize`: the size of the database file once its write-ahead log is checkpointed.
    public var bytes: Int64 { Int64(pages) * Int64(pageSize) }
}
