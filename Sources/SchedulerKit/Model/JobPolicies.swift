/// What a due slot does while a run of the same job is still in progress
/// (Kubernetes `concurrencyPolicy`).
public enum OverlapPolicy: String, Sendable, Codable, CaseIterable {
    /// Record a `skipped` run for the slot (the default).
    case skip
    /// Start another run beside the one in progress.
    case allow
    /// Cancel the run in progress and start the new one.
    case replace
}

/// What happens to slots missed while no scheduler was running.
public enum MisfirePolicy: String, Sendable, Codable, CaseIterable {
    /// One `catchup` run stands for everything missed (the default).
    case runOnce
    /// Missed slots are recorded as one `skipped` run and the schedule moves on.
    case skip
}

/// How a slot whose run failed is tried again.
///
/// Attempt `n + 1` starts `min(maxDelay, initialDelay · multiplier^(n-1))` after attempt `n` ended.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// Attempts per slot, the first included (1 means no retry).
    public var maxAttempts: Int
    /// Delay before the second attempt, in seconds.
    public var initialDelay: Double
    /// Growth of the delay per attempt.
    public var multiplier: Double
    /// Upper bound of the delay, in seconds.
    public var maxDelay: Double

    public init(maxAttempts: Int, initialDelay: Double = 10, multiplier: Double = 2, maxDelay: Double = 3600) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
    }

    /// The delay before `attempt + 1`, after `attempt` failed.
    public func delay(after attempt: Int) -> Double {
        let raw = initialDelay * pow(multiplier, Double(max(0, attempt - 1)))
        return min(maxDelay, raw)
    }
}

import Foundation
