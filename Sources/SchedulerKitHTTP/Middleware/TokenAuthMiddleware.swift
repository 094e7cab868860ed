import Foundation
import Hummingbird
import SchedulerKit

/// Authenticates `Authorization: Bearer <token>` against the store's tokens and sets
/// ``SchedulerRequestContext/identity``; no token or an unknown one is 401.
///
/// A request that already carries an identity (the dashboard set it from its session) passes.
public struct TokenAuthMiddleware: RouterMiddleware {
    public typealias Context = SchedulerRequestContext
    let client: SchedulerClient

    public init(client: SchedulerClient) {
        self.client = client
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if context.identity == nil {
            context.identity = try await Self.identity(of: request, client: client)
        }
        guard context.identity != nil else { throw APIError.unauthorized() }
        return try await next(request, context)
    }

    /// The identity a request's bearer token proves, or nil when it has none or an unknown one.
    public static func identity(of request: Request, client: SchedulerClient) async throws -> APIIdentity? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return try await client.authenticate(token).map(APIIdentity.init)
    }
}
