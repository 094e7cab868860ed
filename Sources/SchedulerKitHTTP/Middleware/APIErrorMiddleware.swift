import Hummingbird
import Logging

/// Turns every error a route throws into the §9 error body, so no caller ever sees a stack
/// trace or an empty 500. Errors that are not ours are logged (they are bugs or store faults).
public struct APIErrorMiddleware: RouterMiddleware {
    public typealias Context = SchedulerRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.code == .internal || apiError.code == .storage {
                context.logger.error("\(request.method) \(request.uri.path): \(error)")
            }
            return try apiError.response(from: request, context: context)
        }
    }
}
