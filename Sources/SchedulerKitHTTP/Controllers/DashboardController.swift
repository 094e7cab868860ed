import Hummingbird
import SchedulerKit

/// The dashboard of SPEC §9: server-rendered HTML pages, sign-in, session cookie and CSRF.
///
/// Its routes live outside `/api/v1` (`/`, `/jobs/…`, `/runs/…`, `/health`, `/deliveries`,
/// `/audit`, `/login`). Not built yet: it adds no route.
struct DashboardController {
    let client: SchedulerClient
    let options: SchedulerHTTP.Options
    let events: EventHub

    func addRoutes(to router: Router<SchedulerRequestContext>) {}
}
