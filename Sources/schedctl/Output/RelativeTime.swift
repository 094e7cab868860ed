import Foundation
import SchedulerKit

/// Human times: "in 4m", "2h ago", "just now", with the absolute UTC instant beside them.
enum RelativeTime {
    /// `in 4m`, `2h ago`, or `just now` within a second.
    static func describe(_ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        if abs(delta) < 1 { return "just now" }
        let span = span(abs(delta))
        return delta > 0 ? "in \(span)" : "\(span) ago"
    }

    /// The largest whole unit of a span: `45s`, `4m`, `2h`, `3d`.
    static func span(_ seconds: Double) -> String {
        let s = Int64(seconds.rounded(.down))
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m"
        case ..<86400: return "\(s / 3600)h"
        default: return "\(s / 86400)d"
        }
    }

    /// A run's duration: `850ms`, `12.3s`, `4m5s`, `2h10m`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int64(seconds.rounded())
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\(s % 3600 / 60)m"
    }

    /// `09:30:00Z` when `date` falls on the same UTC day as `now`, else `2026-11-24T09:30:00Z`.
    static func absolute(_ date: Date, now: Date) -> String {
        let full = ISO8601.string(date, milliseconds: false)
        let day = { (d: Date) in (d.timeIntervalSince1970 / 86400).rounded(.down) }
        if day(date) == day(now) { return String(full.dropFirst(11)) }
        return full
    }

    /// `in 4m (09:30:00Z)`, or `-` for no date.
    static func both(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return "\(describe(date, now: now)) (\(absolute(date, now: now)))"
    }
}
