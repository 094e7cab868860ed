import Foundation
import Hummingbird
import SchedulerKit

/// The POST actions: session, CSRF token and operator role checked first (403 otherwise), the
/// change made with the identity's client (audit actor `token:<name>`), then 303 to a page,
/// with a flash message when the change was refused.
extension DashboardController {
    func addActions(to group: RouterGroup<SchedulerRequestContext>) {
        group.post("jobs/:job/pause", use: { try await action($0, $1) { c, ctx, _ in
            let job = try await c.pauseJob(try ctx.parameters.require("job"))
            return (jobURL(job.name), "Paused \(job.name).")
        } })
        group.post("jobs/:job/resume", use: { try await action($0, $1) { c, ctx, form in
            let force = form.flag("force")
            if force && !form.flag("confirm") {
                return (jobURL(try ctx.parameters.require("job")) + "/confirm/force-resume", nil)
            }
            let job = try await c.resumeJob(try ctx.parameters.require("job"), force: force)
            return (jobURL(job.name), force ? "Force-resumed \(job.name)." : "Resumed \(job.name).")
        } })
        group.post("jobs/:job/run-now", use: { try await action($0, $1) { c, ctx, _ in
            let run = try await c.runJobNow(try ctx.parameters.require("job"))
            return (jobURL(run.jobName), "Queued run \(run.id.rawValue).")
        } })
        group.post("jobs/:job/delete", use: { try await action($0, $1) { c, ctx, form in
            let ref = try ctx.parameters.require("job")
            guard form.flag("confirm") else { return (jobURL(ref) + "/confirm/delete", nil) }
            let job = try await c.deleteJob(ref)
            return ("/", "Deleted \(job.name).")
        } })
        group.post("jobs/:job/alerts", use: { try await action($0, $1) { c, ctx, form in
            let ref = try ctx.parameters.require("job")
            guard let type = AlertType(rawValue: form["alert_type"] ?? "") else {
                throw APIError(.invalid, "alert_type must be webhook or email")
            }
            let secret = form["secret"].flatMap { $0.isEmpty ? nil : $0 }
            let spec = AlertSpec(type: type, target: form["target"] ?? "", onFailure: form.flag("on_failure"),
                                 onTimeout: form.flag("on_timeout"), onSystemError: form.flag("on_system_error"), secret: secret)
            let alert = try await c.addAlert(ref, spec)
            return (jobURL(ref), "Added \(alert.type.rawValue) alert \(alert.id).")
        } })
        group.post("alerts/:id/delete", use: { try await action($0, $1) { c, ctx, form in
            let alert = try await c.deleteAlert(try ctx.parameters.require("id"))
            return (form["back"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/", "Deleted alert \(alert.id).")
        } })
        group.post("deliveries/:id/retry", use: { try await action($0, $1) { c, ctx, _ in
            let d = try await c.retryDelivery(try ctx.parameters.require("id"))
            return ("/deliveries", "Delivery \(d.id) queued again.")
        } })
    }

    typealias Change = @Sendable (SchedulerClient, SchedulerRequestContext, DashboardForm) async throws -> (String, String?)

    /// Checks session, CSRF and role, runs `change`, and redirects to where it says (or back to
    /// the page the form was on, with the refusal as a flash message).
    func action(_ request: Request, _ context: SchedulerRequestContext, _ change: Change) async throws -> Response {
        let form = try await DashboardForm.read(request, context: context)
        guard let session = context.session else { return redirect("/login") }
        guard let csrf = form["csrf"], csrf == session.csrfToken else {
            return forbidden("the form's CSRF token is missing or wrong; reload the page and try again")
        }
        guard session.identity.role.canWrite else {
            return forbidden("token \"\(session.identity.tokenName)\" has the viewer role; changes need an operator token")
        }
        let back = form["back"].flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil }
        do {
            let (location, message) = try await change(session.identity.client(client), context, form)
            if let message { sessions.setFlash(session.id, message) }
            return redirect(location)
        } catch {
            let e = APIError.from(error)
            sessions.setFlash(session.id, "Refused: \(e.message)" + (e.hint.map { " (\($0))" } ?? ""))
            return redirect(back ?? "/")
        }
    }

    func jobURL(_ name: String) -> String { "/jobs/" + DashboardView.path(name) }
}
