import Foundation
import Synchronization

/// A time zone's UTC offsets as a sorted table of transitions, so that instant-to-wall-time
/// conversion is a binary search instead of a Foundation call.
///
/// Tables are immutable; when a search runs past `coveredUntil` the registry builds a longer
/// one. Segment `i` covers instants `[starts[i], starts[i + 1])` with `offsets[i]`.
final class ZoneOffsetTable: Sendable {
    let identifier: String
    /// `starts[0]` is `Int64.min`; the others are transition instants (seconds since 1970).
    let starts: [Int64]
    /// UTC offset in seconds for each segment.
    let offsets: [Int64]
    /// Instants before this are exact; `Int64.max` when the zone has no later transitions.
    let coveredUntil: Int64

    init(identifier: String, starts: [Int64], offsets: [Int64], coveredUntil: Int64) {
        self.identifier = identifier
        self.starts = starts
        self.offsets = offsets
        self.coveredUntil = coveredUntil
    }

    /// True when the offset never changes (UTC, fixed-offset zones, zones without history).
    var isFixed: Bool { starts.count == 1 && coveredUntil == Int64.max }

    /// Index of the segment containing `instant` (which must be below `coveredUntil`).
    @inline(__always)
    func segmentIndex(_ instant: Int64) -> Int {
        var low = 0
        var high = starts.count
        // Invariant: starts[low] <= instant < starts[high] (with starts[count] = +inf).
        while high - low > 1 {
            let mid = (low + high) >> 1
            if starts[mid] <= instant { low = mid } else { high = mid }
        }
        return low
    }

    /// End of segment `index` (start of the next, or the coverage limit).
    @inline(__always)
    func segmentEnd(_ index: Int) -> Int64 {
        index + 1 < starts.count ? starts[index + 1] : coveredUntil
    }
}

/// Process-wide cache of offset tables, one per zone identifier, built lazily.
enum ZoneOffsetRegistry {
    /// 1800-01-01T00:00:00Z: every zone is on local mean time or later by then.
    static let tableStart: Int64 = -5_364_662_400
    /// How far past the requested instant a (re)built table reaches.
    static let lookahead: Int64 = 100 * 366 * 86_400

    private static let tables = Mutex<[String: ZoneOffsetTable]>([:])

    static let utc = ZoneOffsetTable(identifier: "UTC", starts: [Int64.min], offsets: [0], coveredUntil: Int64.max)

    /// The table for `timeZone`, covering at least up to `instant`.
    static func table(for timeZone: TimeZone, covering instant: Int64) -> ZoneOffsetTable {
        let identifier = timeZone.identifier
        if identifier == "UTC" || identifier == "GMT" { return utc }
        return tables.withLock { tables in
            if let table = tables[identifier], table.coveredUntil > instant { return table }
            let table = build(timeZone, identifier: identifier, through: max(instant, 4_102_444_800) + lookahead,
                              extending: tables[identifier])
            tables[identifier] = table
            return table
        }
    }

    /// Rebuilds `table` so that it covers `instant`.
    static func extend(_ table: ZoneOffsetTable, covering instant: Int64) -> ZoneOffsetTable {
        guard let timeZone = TimeZone(identifier: table.identifier) else {
            // Cannot happen for a table built from a named zone; keep the last offset.
            return ZoneOffsetTable(identifier: table.identifier, starts: table.starts, offsets: table.offsets,
                                   coveredUntil: Int64.max)
        }
        return self.table(for: timeZone, covering: instant)
    }

    private static func build(_ timeZone: TimeZone, identifier: String, through limit: Int64,
                              extending previous: ZoneOffsetTable?) -> ZoneOffsetTable {
        var starts: [Int64]
        var offsets: [Int64]
        var cursor: Int64
        if let previous {
            starts = previous.starts
            offsets = previous.offsets
            cursor = starts.count > 1 ? starts[starts.count - 1] : tableStart
        } else {
            starts = [Int64.min]
            offsets = [Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(tableStart))))]
            cursor = tableStart
        }
        var coveredUntil = Int64.max
        while true {
            guard let next = timeZone.nextDaylightSavingTimeTransition(
                after: Date(timeIntervalSince1970: Double(cursor))) else { break }
            var instant = Int64(next.timeIntervalSince1970.rounded(.down))
            if instant <= cursor { instant = cursor + 1 }
            if instant > limit {
                coveredUntil = instant
                break
            }
            let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
            // Foundation also reports changes of abbreviation or DST flag only; they split nothing.
            if offset != offsets[offsets.count - 1] {
                starts.append(instant)
                offsets.append(offset)
            }
            cursor = instant
        }
        return ZoneOffsetTable(identifier: identifier, starts: starts, offsets: offsets, coveredUntil: coveredUntil)
    }
}
