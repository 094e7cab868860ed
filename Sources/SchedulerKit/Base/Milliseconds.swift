import Foundation

/// Instants are stored as integer milliseconds since 1970 (UTC): compact, exact, and ordered.
@inline(__always) func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
@inline(__always) func msOpt(_ date: Date?) -> Int64? { date.map { ms($0) } }
@inline(__always) func date(ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
@inline(__always) func dateOpt(ms: Int64?) -> Date? { ms.map { date(ms: $0) } }

extension Date {
    /// The same instant rounded to the millisecond, as the store keeps it.
    var millisecondPrecision: Date { date(ms: ms(self)) }
}
