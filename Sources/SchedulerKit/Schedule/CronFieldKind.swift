/// The six cron fields with their names, bounds and the wording of "what is allowed".
enum CronFieldKind: Int, Sendable {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    var lowerBound: Int {
        switch self {
        case .dayOfMonth, .month: 1
        default: 0
        }
    }

    /// Largest accepted number; 7 for day-of-week because 7 is also Sunday.
    var upperBound: Int {
        switch self {
        case .second, .minute: 59
        case .hour: 23
        case .dayOfMonth: 31
        case .month: 12
        case .dayOfWeek: 7
        }
    }

    var expected: String {
        switch self {
        case .second, .minute: "0-59"
        case .hour: "0-23"
        case .dayOfMonth: "1-31, L, LW or nW"
        case .month: "JAN-DEC or 1-12"
        case .dayOfWeek: "SUN-SAT or 0-7"
        }
    }
}
