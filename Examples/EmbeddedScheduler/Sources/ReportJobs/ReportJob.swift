// The example program's own job: its payload, its handler and the job it adds. Kept in a
// library of its own so the program's tests (Tests/ReportJobsTests) can exercise it with
// SchedulerKitTesting.
import Foundation
import SchedulerKit

/// What a report job carries in its payload.
public struct ReportRequest: Codable, Sendable {
    public var recipients: [String]
    public var title: String

    public init(recipients: [String], title: String) {
        self.recipients = recipients
        self.title = title
    }
}

/// The report job: its handler kind, the handler, and the job the program schedules.
public enum ReportJob {
    /// The handler kind jobs of this program run with.
    public static let kind = "report"

    /// Builds the report. Throwing fails the run (the job's fault); throwing SystemFailure marks
    /// it as the platform's fault, which does not count toward retiring the job.
    public static let handler: JobHandler = { context in
        let request = try context.payload(as: ReportRequest.self)
        guard !request.recipients.isEmpty else { throw SystemFailure("no recipients configured") }
        guard !request.title.isEmpty else { throw RunFailure(.handlerError, "a report needs a title") }
        context.appendOutput("built \(request.title) for \(request.recipients.joined(separator: ", "))\n")
        await context.heartbeat()
    }

    /// The weekly report job, on `schedule` (the program uses every five seconds, to be seen running).
    public static func spec(name: String = "weekly-report", schedule: Schedule, request: ReportRequest) throws -> JobSpec {
        var spec = JobSpec(name: name, schedule: schedule, kind: kind, payload: try JobPayload(request))
        spec.timeout = 30
        spec.maxConsecutiveErrors = 5
        return spec
    }
}
