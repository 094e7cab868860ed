import Hummingbird
import SchedulerKit

/// The request context of every SchedulerKit route: the authenticated caller, and the
/// dashboard's session when the request came with its cookie.
///
/// For example, in a handler:
/// ```swift
/// router.get("whoami") { _, context in
///     try context.requireIdentity().tokenName
/// }
/// ```
public struct SchedulerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who made the request: set by ``TokenAuthMiddleware`` (bearer token) or by the dashboard
    /// from its session; nil on open routes.
    public var identity: APIIdentity?
    /// The dashboard session the request carried, if any (the dashboard sets and reads it).
    public var session: DashboardSession?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Bodies over 1 MiB are refused with 413 (SPEC §9).
    public var maxUploadSize: Int { SchedulerHTTP.maxBodySize }

    /// The caller, or 401 when the request was not authenticated.
    public func requireIdentity() throws(APIError) -> APIIdentity {
        guard let identity else { throw .unauthorized() }
        return identity
    }

    /// The caller when it may change things, else 401 (nobody) or 403 (a viewer).
    public func requireOperator() throws(APIError) -> APIIdentity {
        let identity = try requireIdentity()
        guard identity.role.canWrite else {
            throw APIError(.forbidden, "token \"\(identity.tokenName)\" has the viewer role; this request needs an operator token")
        }
        return identity
    }
}
