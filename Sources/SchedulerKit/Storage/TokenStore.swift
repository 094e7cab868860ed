import Foundation

/// A store that keeps API tokens (SPEC §9): an optional ability of a ``JobStore``, used by
/// ``SchedulerClient``'s token verbs and the HTTP layer.
///
/// Tokens are kept as SHA-256 hashes; the plaintext never reaches the store.
public protocol TokenStore: Sendable {
    /// Stores a new token and writes `audit` in the same transaction.
    ///
    /// - throws: `.alreadyExists` when the name is taken.
    func insertToken(_ token: APIToken, audit: AuditRecord) async throws
    /// Every token, by name.
    func tokens() async throws -> [APIToken]
    /// The token whose hash is `hash`, if any.
    func token(hash: String) async throws -> APIToken?
    /// Deletes the token named `name` and writes `audit` in the same transaction.
    ///
    /// - throws: `.notFound` when there is no such token.
    @discardableResult
    func deleteToken(named name: String, audit: AuditRecord) async throws -> APIToken
    /// Records that the token was used at `at` (best effort; no audit, no change signal).
    func touchToken(named name: String, at: Date) async throws
}
