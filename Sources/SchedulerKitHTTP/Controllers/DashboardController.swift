import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// The dashboard of SPEC §9: server-rendered HTML pages, sign-in, session cookie and CSRF.
///
/// Its routes live outside `/api/v1` (`/`, `/jobs/…`, `/runs/…`, `/health`, `/deliveries`,
/// `/audit`, `/login`, `/events`, `/assets/…`). Pages need a session (else a redirect to
/// `/login`); every change is a POST carrying the session's CSRF token, made by an operator
/// through `identity.client(client)`, and answered by a 303 back to a page.
struct DashboardController {
    let client: SchedulerClient
    let options: SchedulerHTTP.Options
    let events: EventHub
    let sessions = DashboardSessions()
    let renderer = DashboardRenderer()

    /// Rows per page of runs, deliveries and audit entries unless `limit` says otherwise.
    static let pageSize = 50
    /// Jobs per page of `/` unless `limit` says otherwise (paged by name with `after`; the counts
    /// cover all jobs).
    static let jobsPageSize = 100

    func addRoutes(to router: Router<SchedulerRequestContext>) {
        let group = router.group().add(middleware: DashboardSessionMiddleware(sessions: sessions))
        group.get("assets/:name", use: asset)
        group.get("login", use: loginPage)
        group.post("login", use: login)
        group.post("logout", use: logout)
        group.get("events", use: stream)
        addPages(to: group)
        addActions(to: group)
    }

    // MARK: - Sign-in

    @Sendable func loginPage(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        if let token = request.uri.queryParameters["token"].map(String.init) {
            return try await signIn(token)
        }
        return html(try renderer.render("login", ["title": "Sign in"]))
    }

    @Sendable func login(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        let form = try await DashboardForm.read(request, context: context)
        return try await signIn(form["token"] ?? "")
    }

    private func signIn(_ plaintext: String) async throws -> Response {
        guard !plaintext.isEmpty, let token = try await client.authenticate(plaintext) else {
            let page = try renderer.render("login", ["title": "Sign in", "error": "That token is not known. Check it, or make one with `schedctl tokens add NAME`."])
            return html(page, status: .unauthorized)
        }
        let session = sessions.create(for: APIIdentity(token))
        var response = redirect("/")
        response.headers[.setCookie] = cookie(session.id, maxAge: Int(DashboardSessions.lifetime))
        return response
    }

    @Sendable func logout(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        let form = try await DashboardForm.read(request, context: context)
        guard let session = context.session else { return redirect("/login") }
        guard form["csrf"] == session.csrfToken else { return forbidden("the form's CSRF token is missing or wrong; reload the page and try again") }
        sessions.end(session.id)
        var response = redirect("/login")
        response.headers[.setCookie] = cookie("", maxAge: 0)
        return response
    }

    /// `schedkit_session=…; Path=/; HttpOnly; SameSite=Strict` (and `Secure` over TLS).
    func cookie(_ value: String, maxAge: Int) -> String {
        var c = "\(DashboardSessionMiddleware.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
        if options.usesTLS { c += "; Secure" }
        return c
    }

    // MARK: - Assets and live events

    @Sendable func asset(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        guard let (data, type) = renderer.asset(try context.parameters.require("name")) else {
            return Response(status: .notFound, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "no such asset\n")))
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The session's own event stream (the same events as `GET /api/v1/events`), for live.js.
    @Sendable func stream(_ request: Request, context: SchedulerRequestContext) async throws -> Response {
        guard context.session != nil else { return html("signed out", status: .unauthorized) }
        return try await EventsController(events: events).stream(request, context: context)
    }

    // MARK: - Responses

    func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 303 See Other: after a POST the browser GETs the page, so a reload never repeats it.
    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func forbidden(_ message: String) -> Response {
        let page = (try? renderer.render("error", ["title": "Forbidden", "message": message])) ?? message
        return html(page, status: .forbidden)
    }
}
