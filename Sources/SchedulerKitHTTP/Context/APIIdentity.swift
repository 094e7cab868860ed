import SchedulerKit

/// Who a request acts as: the name and role of the API token that authenticated it.
public struct APIIdentity: Sendable, Hashable {
    public var tokenName: String
    public var role: TokenRole

    public init(tokenName: String, role: TokenRole) {
        self.tokenName = tokenName
        self.role = role
    }

    public init(_ token: APIToken) {
        self.init(tokenName: token.name, role: token.role)
    }

    /// The audit actor of what it changes: `token:<name>`.
    public var actor: String { "token:\(tokenName)" }

    /// A client that writes this identity's actor into the audit log.
    public func client(_ base: SchedulerClient) -> SchedulerClient {
        var client = base
        client.actor = actor
        return client
    }
}
