/// Why a run exists.
public enum RunTrigger: String, Sendable, Codable, CaseIterable {
    /// The job's schedule reached a slot.
    case schedule
    /// An operator asked for it (`runJobNow`).
    case manual
    /// A new attempt of a failed slot, under the job's retry policy.
    case retry
    /// One run standing for slots missed while no scheduler was running (misfire `runOnce`).
    case catchup
}
