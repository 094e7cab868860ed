import Testing
@testable import SchedulerKit

@Suite("Duration text")
struct DurationTextTests {
    @Test("valid durations", arguments: [
        ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), ("1d2h3m4s", 93_784),
        ("0m30s", 30), ("1m0s", 60), ("100000s", 100_000), (" 5m ", 300), ("007s", 7), ("2d12h", 216_000),
    ] as [(String, Int64)])
    func valid(text: String, seconds: Int64) throws {
        #expect(try DurationText.parse(text) == seconds)
    }

    @Test("zero only when allowed")
    func zero() throws {
        #expect(try DurationText.parse("0s", allowZero: true) == 0)
        #expect(try DurationText.parse("0h0m", allowZero: true) == 0)
        #expect(throws: DurationParseError.self) { try DurationText.parse("0s") }
    }

    @Test("error messages", arguments: [
        ("", "duration: \"\": empty duration; expected a number and unit such as 90s, 15m, 2h, 1d or 1h30m"),
        ("0s", "duration: \"0s\": must be greater than zero; expected a positive duration such as 30s"),
        ("1x", "duration: \"1x\": unknown unit \"x\"; expected s, m, h or d"),
        ("5ms", "duration: \"5ms\": unknown unit \"ms\"; expected s, m, h or d"),
        ("1H", "duration: \"1H\": unknown unit \"H\"; expected s, m, h or d"),
        ("90", "duration: \"90\": missing unit after \"90\"; expected s, m, h or d"),
        ("1h30", "duration: \"1h30\": missing unit after \"30\"; expected s, m, h or d"),
        ("-5m", "duration: \"-5m\": negative durations are not allowed; expected a positive duration such as 15m"),
        ("1.5h", "duration: \"1.5h\": fractions are not supported; expected whole numbers such as 1h30m"),
        ("1h 30m", "duration: \"1h 30m\": spaces are not allowed; expected parts written together such as 1h30m"),
        ("h", "duration: \"h\": no number before \"h\"; expected a number and unit such as 90s, 15m, 2h or 1d"),
        ("30m1h", "duration: \"30m1h\": unit \"h\" is repeated or out of order; expected each of d, h, m, s at most once, largest first, e.g. 1d2h3m4s"),
        ("1m1m", "duration: \"1m1m\": unit \"m\" is repeated or out of order; expected each of d, h, m, s at most once, largest first, e.g. 1d2h3m4s"),
        ("99999999999999999999s", "duration: \"99999999999999999999s\": too large; expected at most 106751991167300d"),
        ("106751991167301d", "duration: \"106751991167301d\": too large; expected at most 106751991167300d"),
    ])
    func errors(text: String, message: String) {
        do {
            _ = try DurationText.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.message == message)
            #expect(error.description == message)
        }
    }

    @Test("canonical format", arguments: [
        (90, "1m30s"), (5400, "1h30m"), (86_400, "1d"), (0, "0s"), (59, "59s"), (93_784, "1d2h3m4s"),
        (3600, "1h"), (-90, "-1m30s"), (Int64.min, "-106751991167300d15h30m8s"),
    ] as [(Int64, String)])
    func format(seconds: Int64, text: String) {
        #expect(DurationText.format(seconds: seconds) == text)
    }

    @Test("format and parse round-trip", arguments: [1, 59, 60, 61, 3599, 3600, 86_399, 86_400, 90_061, 31_536_000] as [Int64])
    func roundTrip(seconds: Int64) throws {
        #expect(try DurationText.parse(DurationText.format(seconds: seconds)) == seconds)
    }
}
