import Foundation
import Testing
@testable import SchedulerKit

/// DST behaviour (Schedules.md): fixed minute and hour follow the wall clock, a wildcard
/// minute or hour follows the real timeline.
@Suite("Cron daylight saving time")
struct CronDaylightSavingTests {
    @Test("wall-clock rule (fixed minute and hour)", arguments: [
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        ("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        ("0 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
        // Two times in the same gap fire once.
        ("0,30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        // A gap time and a real time at the gap end fire once.
        ("0 2,3 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
        // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 fires once, first pass.
        ("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
         ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        // Starting in the second pass of the repeated hour: 01:30 already fired.
        ("30 1 * * *", "America/New_York", "2026-11-01T06:10:00Z", ["2026-11-02T01:30:00-05:00"]),
        // London, 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
        ("30 1 * * *", "Europe/London", "2026-03-28T12:00:00Z",
         ["2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"]),
        ("30 1 * * *", "Europe/London", "2026-10-24T12:00:00Z",
         ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]),
        // Lord Howe shifts by 30 minutes: 2026-10-04 02:00 -> 02:30 (+10:30 -> +11:00).
        ("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z",
         ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]),
        // 2027-04-04 02:00 +11:00 -> 01:30 +10:30: 01:45 happens twice, fires once.
        ("45 1 * * *", "Australia/Lord_Howe", "2027-04-03T00:00:00Z",
         ["2027-04-04T01:45:00+11:00", "2027-04-05T01:45:00+10:30"]),
        // Southern hemisphere: Sydney 2026-10-04 02:00 -> 03:00, 2026-04-05 03:00 -> 02:00.
        ("30 2 * * *", "Australia/Sydney", "2026-10-03T00:00:00Z",
         ["2026-10-04T03:00:00+11:00", "2026-10-05T02:30:00+11:00"]),
        ("30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z",
         ["2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"]),
        // Santiago's spring gap is midnight itself (2026-09-06 00:00 -> 01:00).
        ("0 0 * * *", "America/Santiago", "2026-09-05T12:00:00Z",
         ["2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"]),
        // Non-hour offsets: St John's (-03:30/-02:30) and Kathmandu (+05:45).
        ("30 2 * * *", "America/St_Johns", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:00-02:30", "2026-03-09T02:30:00-02:30"]),
        ("0 9 * * *", "Asia/Kathmandu", "2026-01-01T00:00:00Z",
         ["2026-01-01T09:00:00+05:45", "2026-01-02T09:00:00+05:45"]),
        ("@daily", "America/New_York", "2026-03-01T00:00:00Z",
         ["2026-03-01T00:00:00-05:00", "2026-03-02T00:00:00-05:00"]),
        // Far future: the offset table is extended on demand.
        ("30 2 * * *", "America/New_York", "2300-03-11T00:00:00Z",
         ["2300-03-11T03:00:00-04:00", "2300-03-12T02:30:00-04:00"]),
    ] as [(String, String, String, [String])])
    func wallClock(expression: String, zoneName: String, from: String, expected: [String]) throws {
        #expect(try fires(expression, zoneName, from: from, count: expected.count) == expected)
    }

    @Test("real-timeline rule (wildcard minute or hour)", arguments: [
        // Both 01:00s fire on the fall-back night.
        ("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z",
         ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"]),
        ("*/30 * * * *", "America/New_York", "2026-03-08T06:15:00Z",
         ["2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"]),
        ("* 2 * * *", "America/New_York", "2026-03-07T12:00:00Z", ["2026-03-09T02:00:00-04:00"]),
        ("*/15 1 * * *", "Australia/Lord_Howe", "2027-04-03T00:00:00Z",
         ["2027-04-04T01:00:00+11:00", "2027-04-04T01:15:00+11:00", "2027-04-04T01:30:00+11:00",
          "2027-04-04T01:45:00+11:00", "2027-04-04T01:30:00+10:30", "2027-04-04T01:45:00+10:30",
          "2027-04-05T01:00:00+10:30"]),
        // cronsim skips 03:00 here (documented difference); 03:00 +11:00 is a real instant.
        ("0 */3 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00Z",
         ["2026-10-04T00:00:00+10:30", "2026-10-04T03:00:00+11:00", "2026-10-04T06:00:00+11:00"]),
        // No 00:xx exists in Santiago on 2026-09-06, so nothing fires that day.
        ("*/30 0 * * *", "America/Santiago", "2026-09-05T12:00:00Z",
         ["2026-09-07T00:00:00-03:00", "2026-09-07T00:30:00-03:00"]),
        ("@hourly", "Europe/London", "2026-10-24T23:30:00Z",
         ["2026-10-25T01:00:00+01:00", "2026-10-25T01:00:00+00:00", "2026-10-25T02:00:00+00:00"]),
    ] as [(String, String, String, [String])])
    func realTimeline(expression: String, zoneName: String, from: String, expected: [String]) throws {
        #expect(try fires(expression, zoneName, from: from, count: expected.count) == expected)
    }

    @Test("6-field expressions use the same rule as 5-field ones", arguments: [
        // Fixed minute and hour: wall clock, the repeated 01:30 fires in the first pass only.
        ("*/20 30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z",
         ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:20-04:00", "2026-11-01T01:30:40-04:00",
          "2026-11-02T01:30:00-05:00"]),
        // A gap time keeps its second and moves forward by whole minutes past the gap.
        ("30 30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:30-04:00", "2026-03-09T02:30:30-04:00"]),
        // All gap times of one day fire once, at the first of them moved past the gap.
        ("0,30 30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
         ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-09T02:30:30-04:00"]),
        ("15 15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z",
         ["2026-10-04T02:30:15+11:00", "2026-10-05T02:15:15+11:00"]),
        // Wildcard hour: real timeline, both 01:00:00s fire.
        ("0 0 * * * *", "America/New_York", "2026-11-01T04:30:00Z",
         ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"]),
        ("*/30 59 * * * *", "America/New_York", "2026-03-08T06:58:00Z",
         ["2026-03-08T01:59:00-05:00", "2026-03-08T01:59:30-05:00", "2026-03-08T03:59:00-04:00"]),
    ] as [(String, String, String, [String])])
    func sixField(expression: String, zoneName: String, from: String, expected: [String]) throws {
        #expect(try fires(expression, zoneName, from: from, count: expected.count) == expected)
    }

    @Test("offset table agrees with Foundation", arguments: [
        "America/New_York", "Europe/London", "Australia/Lord_Howe", "Australia/Sydney", "America/Santiago",
        "Asia/Kathmandu", "America/St_Johns", "Pacific/Apia", "America/Caracas", "UTC", "Etc/GMT-14",
    ])
    func offsetTable(zoneName: String) {
        let tz = zone(zoneName)
        let table = ZoneOffsetRegistry.table(for: tz, covering: 0)
        // Every 5 hours from 1900 to 2100, plus one second either side of each transition.
        var t: Int64 = -2_208_988_800
        while t < 4_102_444_800 {
            let index = table.segmentIndex(t)
            #expect(table.offsets[index] == Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))))
            t += 5 * 3600
        }
        for start in table.starts.dropFirst() where start < 4_102_444_800 {
            for probe in [start - 1, start] {
                #expect(table.offsets[table.segmentIndex(probe)]
                        == Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: Double(probe)))))
            }
        }
    }

    @Test("fixed-offset zones take the trivial path")
    func fixedOffset() throws {
        let tz = TimeZone(secondsFromGMT: 5 * 3600 + 1800)!
        #expect(ZoneOffsetRegistry.table(for: tz, covering: 0).isFixed)
        let cron = try CronExpression("0 9 * * *")
        #expect(cron.nextFire(after: instant("2026-01-01T00:00:00Z"), in: tz) == instant("2026-01-01T03:30:00Z"))
        #expect(ZoneOffsetRegistry.table(for: zone("UTC"), covering: 0).isFixed)
    }
}
