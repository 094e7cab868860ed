import Crypto
import Foundation
import SchedulerKit
import Synchronization

/// The dashboard's signed-in browsers, in this server's memory (decision 0027): a session
/// lives for ``lifetime`` seconds after sign-in and ends at sign-out or restart.
final class DashboardSessions: Sendable {
    private struct Entry {
        var session: DashboardSession
        var expiresAt: Date
        var flash: String?
    }

    /// Seconds a session stays valid after sign-in (8 hours).
    static let lifetime: Double = 8 * 3600
    /// Sessions kept at most; the oldest go first when a sign-in would exceed it.
    static let capacity = 10_000

    private let entries = Mutex([String: Entry]())

    /// A new session for `identity`, with fresh random cookie and CSRF values.
    func create(for identity: APIIdentity, now: Date = Date()) -> DashboardSession {
        let session = DashboardSession(id: Self.randomToken(), identity: identity, csrfToken: Self.randomToken())
        entries.withLock { e in
            e = e.filter { $0.value.expiresAt > now }
            if e.count >= Self.capacity, let oldest = e.min(by: { $0.value.expiresAt < $1.value.expiresAt })?.key {
                e[oldest] = nil
            }
            e[session.id] = Entry(session: session, expiresAt: now.addingTimeInterval(Self.lifetime))
        }
        return session
    }

    /// The live session with this cookie value, if any.
    func find(_ id: String, now: Date = Date()) -> DashboardSession? {
        entries.withLock { e in
            guard let entry = e[id] else { return nil }
            guard entry.expiresAt > now else {
                e[id] = nil
                return nil
            }
            return entry.session
        }
    }

    func end(_ id: String) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// Leaves a message for the next page this session sees (after a redirect).
    func setFlash(_ id: String, _ message: String) {
        entries.withLock { $0[id]?.flash = message }
    }

    /// The waiting message, removed.
    func takeFlash(_ id: String) -> String? {
        entries.withLock { e in
            defer { e[id]?.flash = nil }
            return e[id]?.flash
        }
    }

    /// 32 random bytes, hex.
    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Hex.lowercase($0) }
    }
}
