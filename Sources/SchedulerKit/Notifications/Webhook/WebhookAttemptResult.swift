/// The outcome of one webhook POST, already classified for the outbox dispatcher.
///
/// For example:
/// ```swift
/// switch await sender.post(url: target, headers: headers, body: body) {
/// case .delivered:
///     markDelivered()
/// case .retryable(_, let message, let retryAfter):
///     scheduleRetry(after: max(backoff, retryAfter ?? .zero), lastError: message)
/// case .permanent(_, let message):
///     markDead(lastError: message)
/// }
/// ```
public enum WebhookAttemptResult: Sendable, Hashable {
    /// The receiver answered 2xx.
    case delivered(status: Int)
    /// The attempt failed in a way that may pass later: HTTP 408, 429, 5xx, 3xx other than
    /// 301/308, a refused or reset connection, a DNS failure or a timeout. `status` is nil when
    /// no HTTP response was received. `retryAfter` is the receiver's `Retry-After` on 429/503,
    /// when it sent one.
    case retryable(status: Int?, message: String, retryAfter: Duration? = nil)
    /// The attempt failed and repeating it cannot help: HTTP 4xx other than 408/429, 301/308,
    /// or a target URL that is not `http`/`https`. `status` is nil when no request was made.
    case permanent(status: Int?, message: String)

    /// The HTTP status received, if any.
    public var status: Int? {
        switch self {
        case .delivered(let status): return status
        case .retryable(let status, _, _), .permanent(let status, _): return status
        }
    }

    /// `true` for `.delivered`.
    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }

    /// The failure's kind, or nil when delivered.
    public var failureKind: DeliveryFailureKind? {
        switch self {
        case .delivered: return nil
        case .retryable: return .retryable
        case .permanent: return .permanent
        }
    }

    /// A short one-line message for the delivery's `last_error` (nil when delivered).
    public var message: String? {
        switch self {
        case .delivered: return nil
        case .retryable(_, let message, _), .permanent(_, let message): return message
        }
    }

    /// The `Retry-After` delay the receiver asked for, if any.
    public var retryAfter: Duration? {
        if case .retryable(_, _, let delay) = self { return delay }
        return nil
    }
}
