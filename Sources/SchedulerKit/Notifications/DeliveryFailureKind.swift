/// Whether a failed notification attempt is worth trying again.
///
/// Every transport maps its failures onto these two kinds so that the outbox dispatcher
/// has one rule: retry `.retryable` with backoff until the attempt budget is spent, and
/// mark `.permanent` failures `dead` at once.
///
/// For example:
/// ```swift
/// switch error.kind {
/// case .retryable: scheduleRetry(after: backoff)
/// case .permanent: markDead(reason: error.message)
/// }
/// ```
public enum DeliveryFailureKind: String, Sendable, Hashable, CustomStringConvertible {
    /// The same attempt may succeed later (timeouts, refused connections, 4xx SMTP replies,
    /// HTTP 408/429/5xx).
    case retryable
    /// Trying again cannot help without a change of configuration (HTTP 4xx, SMTP 5xx,
    /// an unsupported URL).
    case permanent

    public var description: String { rawValue }
}
