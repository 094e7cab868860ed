import SchedulerKit

/// One message of `GET /api/v1/events`: an event name and its JSON data.
///
/// Names: `run.queued`, `run.started`, `run.finished` (data: run JSON), `job.changed` (data: job
/// JSON), `job.deleted` (data: `{"id", "name"}`), and `resync` (data: `{"reason"}`) when the
/// stream fell behind or the feed lost track, so the client should reload what it shows.
public struct ServerEvent: Sendable, Equatable {
    public var name: String
    public var data: JSONValue

    public init(name: String, data: JSONValue) {
        self.name = name
        self.data = data
    }

    /// The text/event-stream framing: `event:` and one `data:` line (the JSON has no newline).
    public func encoded(id: UInt64) -> String {
        "id: \(id)\nevent: \(name)\ndata: \(data.serialized())\n\n"
    }

    static func resync(_ reason: String) -> ServerEvent {
        ServerEvent(name: "resync", data: .object([("reason", .string(reason))]))
    }
}
