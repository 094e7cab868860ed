import Hummingbird

/// Finds the dashboard session named by the request's cookie and acts as its identity.
struct DashboardSessionMiddleware: RouterMiddleware {
    typealias Context = SchedulerRequestContext
    static let cookieName = "schedkit_session"
    let sessions: DashboardSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let value = request.cookies[Self.cookieName]?.value, let session = sessions.find(value) {
            context.session = session
            context.identity = session.identity
        }
        return try await next(request, context)
    }
}
