import Foundation
import Synchronization

/// A schedule as every store keeps it: its kind and the columns of that kind (instants in
/// milliseconds since 1970), written and read back the same way by each store.
public struct StoredSchedule: Sendable, Hashable {
    public var kind: String
    public var cronExpression: String?
    public var timeZone: String?
    public var intervalSeconds: Int64?
    public var anchorMilliseconds: Int64?
    public var atMilliseconds: Int64?

    public init(
        kind: String, cronExpression: String? = nil, timeZone: String? = nil, intervalSeconds: Int64? = nil,
        anchorMilliseconds: Int64? = nil, atMilliseconds: Int64? = nil
    ) {
        self.kind = kind
        self.cronExpression = cronExpression
        self.timeZone = timeZone
        self.intervalSeconds = intervalSeconds
        self.anchorMilliseconds = anchorMilliseconds
        self.atMilliseconds = atMilliseconds
    }

    public init(_ schedule: Schedule) {
        self.init(kind: schedule.kind)
        switch schedule {
        case .cron(let e, let z):
            cronExpression = e.text
            timeZone = z.scheduleName
        case .every(let s, let a):
            intervalSeconds = s
            anchorMilliseconds = Self.milliseconds(a)
        case .at(let d):
            atMilliseconds = Self.milliseconds(d)
        }
    }

    /// The schedule; a cron expression and zone are parsed once per distinct pair (listing
    /// 10,000 jobs parses each once).
    ///
    /// - throws: `.storage` naming the job when the stored cron text no longer parses.
    public func schedule(jobName: String) throws(SchedulerError) -> Schedule {
        switch kind {
        case "cron":
            let text = cronExpression ?? ""
            let zone = timeZone ?? "UTC"
            let key = zone + "\u{1}" + text
            if let cached = Self.cache.withLock({ $0[key] }) { return cached }
            let schedule: Schedule
            do {
                schedule = try Schedule.cron(text, timeZone: zone)
            } catch {
                throw SchedulerError(.storage, "job \(jobName) has an unreadable schedule: \(error.message)")
            }
            Self.cache.withLock { cache in
                if cache.count > 10_000 { cache.removeAll() }
                cache[key] = schedule
            }
            return schedule
        case "every":
            return .every(seconds: intervalSeconds ?? 60, anchor: Self.date(anchorMilliseconds ?? 0))
        default:
            return .at(Self.date(atMilliseconds ?? 0))
        }
    }

    private static let cache = Mutex<[String: Schedule]>([:])
    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    private static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
}
