import Foundation

/// Walks fire instants of one expression in one zone; the engine behind `nextFire` and
/// `CronSequence`.
///
/// Two rules (see Schedules.md): with a wildcard minute or hour every instant whose local
/// wall time matches fires ("real timeline"); with fixed minute and hour the matching wall
/// times fire once each, a time in a spring-forward gap moved past the gap and a time in a
/// fall-back overlap at its first occurrence ("wall clock").
struct FireTimeCursor {
    let fields: CronFields
    private var zone: ZoneOffsetTable
    /// Results are strictly after this instant (seconds since 1970).
    private(set) var last: Int64
    private var monthCache = MonthMaskCache()
    // The offset segment of the previous lookup: [segmentStart, segmentEnd) at segmentOffset.
    private var segmentStart: Int64 = 1
    private var segmentEnd: Int64 = 0
    private var segmentOffset: Int64 = 0
    /// Wall time at which the previous segment ended; wall times below it may be ambiguous.
    private var segmentWallFloor: Int64 = 0

    init(fields: CronFields, timeZone: TimeZone, after date: Date) {
        self.fields = fields
        let seconds = date.timeIntervalSince1970.rounded(.down)
        if seconds.isNaN || seconds < Double(CivilTime.firstSecond) {
            last = CivilTime.firstSecond - 1
        } else if seconds >= Double(CivilTime.endSecond) {
            last = CivilTime.endSecond
        } else {
            last = Int64(seconds)
        }
        zone = ZoneOffsetRegistry.table(for: timeZone, covering: last)
    }

    /// The next fire instant, or nil past year 9999.
    mutating func next() -> Date? {
        guard last < CivilTime.endSecond else { return nil }
        let found = fields.wallClock && !zone.isFixed ? nextWallClock() : nextOnTimeline()
        guard let found else {
            last = CivilTime.endSecond
            return nil
        }
        last = found
        return Date(timeIntervalSince1970: Double(found))
    }

    /// First instant after `last` whose wall time matches.
    private mutating func nextOnTimeline() -> Int64? {
        var instant = last + 1
        while true {
            let offset = offset(at: instant)
            guard let wall = fields.nextWallMatch(from: instant + offset, cache: &monthCache) else { return nil }
            let candidate = wall - offset
            if candidate < segmentEnd { return candidate }
            // The match lies past the next offset change: search again under the new offset.
            instant = segmentEnd
        }
    }

    /// First matching wall time after the wall time of `last`, resolved to an instant.
    private mutating func nextWallClock() -> Int64? {
        var from = last + offset(at: last) + 1
        while true {
            guard let wall = fields.nextWallMatch(from: from, cache: &monthCache) else { return nil }
            let instant = resolve(wall)
            // Only when `last` lies in the second pass of a fall-back overlap: the first
            // occurrence of this wall time is behind us and it already fired.
            if instant > last { return instant }
            from = wall + 1
        }
    }

    /// The first instant showing `wall`; for a wall time in a gap, the same time pushed
    /// forward by whole minutes until it exists (cronsim's rule).
    private mutating func resolve(_ wall: Int64) -> Int64 {
        let guess = wall - segmentOffset
        if guess >= segmentStart && guess < segmentEnd && wall >= segmentWallFloor {
            return guess
        }
        // Offsets lie within -26 h ... +26 h, so the instants that can show `wall` are near it.
        let window: Int64 = 26 * 3600
        ensureCovered(wall + window)
        var index = zone.segmentIndex(max(wall, Int64.min + window) - window)
        var best = Int64.max
        while index < zone.starts.count && zone.starts[index] <= wall + window {
            let instant = wall - zone.offsets[index]
            if instant >= zone.starts[index] && instant < zone.segmentEnd(index) {
                best = min(best, instant)
            }
            index += 1
        }
        if best != Int64.max {
            _ = offset(at: best)
            return best
        }
        // In a gap: find the transition whose wall-time jump skips over `wall`.
        index = zone.segmentIndex(max(wall, Int64.min + window) - window)
        while index + 1 < zone.starts.count {
            let transition = zone.starts[index + 1]
            let before = zone.offsets[index]
            let after = zone.offsets[index + 1]
            if transition + before <= wall && wall < transition + after {
                let gapEnd = transition + after
                let pushed = wall + (gapEnd - wall + 59) / 60 * 60
                let instant = pushed - after
                _ = offset(at: instant)
                return instant
            }
            index += 1
        }
        // Unreachable with consistent tables; read the wall time with the offset at `wall`.
        return wall - zone.offsets[zone.segmentIndex(wall)]
    }

    private mutating func ensureCovered(_ instant: Int64) {
        if instant >= zone.coveredUntil {
            zone = ZoneOffsetRegistry.extend(zone, covering: instant)
            segmentStart = 1
            segmentEnd = 0
        }
    }

    /// UTC offset at `instant`, caching its segment.
    @inline(__always)
    private mutating func offset(at instant: Int64) -> Int64 {
        if instant >= segmentStart && instant < segmentEnd { return segmentOffset }
        ensureCovered(instant)
        let index = zone.segmentIndex(instant)
        segmentStart = zone.starts[index]
        segmentEnd = zone.segmentEnd(index)
        segmentOffset = zone.offsets[index]
        segmentWallFloor = index > 0 ? segmentStart + zone.offsets[index - 1] : Int64.min
        return segmentOffset
    }
}
