import Foundation
import Testing

@testable import SchedulerKit

@Suite struct ISO8601Tests {
    /// The byte-at-a-time writer against Foundation's own formatter, over instants spread across
    /// four centuries and at the edges of days, months and leap years.
    @Test func formatsLikeFoundation() {
        let reference = ISO8601DateFormatter()
        reference.timeZone = TimeZone(identifier: "UTC")
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.timeZone = TimeZone(identifier: "UTC")
        plain.formatOptions = [.withInternetDateTime]
        var generator = SplitMix64(seed: 20261203)
        var instants: [Int64] = [0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_399_999, 1_764_547_200_000, 253_402_300_799_000]
        for _ in 0..<5_000 { instants.append(Int64(generator.next() % 13_000_000_000_000) - 2_000_000_000_000) }
        for millis in instants {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            #expect(ISO8601.string(date) == reference.string(from: date), "\(millis)")
            #expect(ISO8601.string(date, milliseconds: false) == plain.string(from: date), "\(millis)")
            let back = ISO8601.parse(ISO8601.string(date)).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
            #expect(back == millis, "\(millis)")
        }
    }
}
