/// Where a job stands in its life cycle (see `Docs/RunLifecycle.md`).
///
/// ```
/// active ──pause──▶ paused ──resume──▶ active
/// active ──streak reaches max──▶ failed ──resume(force: true)──▶ active
/// active ──one-shot ran──▶ completed
/// ```
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    /// Scheduled: `nextRunAt` is set.
    case active
    /// Stopped by an operator; `resumeJob` brings it back.
    case paused
    /// Retired after `maxConsecutiveErrors` failures in a row; only `resumeJob(force: true)` revives it.
    case failed
    /// A one-shot job whose run is over.
    case completed
}
