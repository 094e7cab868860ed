import Hummingbird
import SchedulerKit

/// `/api/v1`: every route needs a token (`/check` only without `openMetrics`); writes need an
/// operator token, which each handler asks of its context.
struct APIController {
    let client: SchedulerClient
    let options: SchedulerHTTP.Options
    let events: EventHub

    func addRoutes(to router: Router<SchedulerRequestContext>) {
        let check = router.group("api/v1/check")
        if !options.openMetrics { check.add(middleware: TokenAuthMiddleware(client: client)) }
        CheckController(client: client).addRoutes(to: check)

        let api = router.group("api/v1").add(middleware: TokenAuthMiddleware(client: client))
        JobsController(client: client).addRoutes(to: api)
        RunsController(client: client).addRoutes(to: api)
        OperationsController(client: client).addRoutes(to: api)
        EventsController(events: events).addRoutes(to: api)
    }
}
