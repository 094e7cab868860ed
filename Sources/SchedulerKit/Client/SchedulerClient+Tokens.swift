import Crypto
import Foundation

extension SchedulerClient {
    /// Makes an API token (audit `token.create`) and returns it with its plaintext, which is
    /// shown this once: the store keeps only its SHA-256.
    ///
    /// For example:
    /// ```swift
    /// let issued = try await client.addToken("ci", role: .viewer)
    /// print(issued.plaintext) // skt_…
    /// ```
    ///
    /// - throws: `.invalidInput` for a bad name, `.alreadyExists` for a taken one, `.refused`
    ///   when the store keeps no tokens.
    public func addToken(_ name: String, role: TokenRole = .operator) async throws -> IssuedToken {
        let store = try tokenStore()
        do {
            try Job.validateName(name)
        } catch {
            throw SchedulerError(.invalidInput, error.message.replacingOccurrences(of: "name:", with: "token name:"), hint: error.hint)
        }
        let plaintext = Self.generateTokenText()
        let now = clock.now().millisecondPrecision
        let token = APIToken(name: name, role: role, hash: Self.tokenHash(plaintext), createdAt: now)
        try await store.insertToken(token, audit: audit(.tokenCreate, ["token": name, "role": role.rawValue], at: now))
        return IssuedToken(token: token, plaintext: plaintext)
    }

    /// Every API token, by name (hashes only).
    public func tokens() async throws -> [APIToken] {
        try await tokenStore().tokens()
    }

    /// Deletes an API token (audit `token.delete`); requests carrying it are refused from then on.
    ///
    /// - throws: `.notFound` when there is no such token.
    @discardableResult
    public func removeToken(_ name: String) async throws -> APIToken {
        let now = clock.now()
        return try await tokenStore().deleteToken(named: name, audit: audit(.tokenDelete, ["token": name], at: now))
    }

    /// The token whose plaintext is `plaintext`, or nil when there is none.
    ///
    /// Looks the token up by its hash (a hash compared in the database, so the time taken says
    /// nothing about how much of a guess was right). Its `lastUsedAt` is refreshed at most once
    /// a minute, so authenticated reads stay cheap.
    public func authenticate(_ plaintext: String) async throws -> APIToken? {
        let store = try tokenStore()
        guard !plaintext.isEmpty, plaintext.utf8.count <= 256 else { return nil }
        guard var token = try await store.token(hash: Self.tokenHash(plaintext)) else { return nil }
        let now = clock.now()
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try? await store.touchToken(named: token.name, at: now)
            token.lastUsedAt = now
        }
        return token
    }

    /// Makes the operator token `default` when the store holds no token at all, so a first
    /// `schedctl serve` can print a login URL; nil when some token exists (SPEC §9).
    ///
    /// Two servers starting at once on an empty store make one `default` between them: the
    /// loser's insert finds the name taken and it returns nil.
    public func ensureDefaultToken() async throws -> IssuedToken? {
        guard try await tokens().isEmpty else { return nil }
        do {
            return try await addToken("default", role: .operator)
        } catch let e as SchedulerError where e.code == .alreadyExists {
            return nil
        }
    }

    /// The lower-case hex SHA-256 of a token's plaintext, as the store keeps it.
    public static func tokenHash(_ plaintext: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(plaintext.utf8)))
    }

    /// `skt_` and 32 random bytes in URL-safe base64 (256 bits from the system's CSPRNG).
    static func generateTokenText() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "skt_" + text
    }

    private func tokenStore() throws -> any TokenStore {
        try StoreAbilities.require(abilities.tokens, .tokens)
    }
}
