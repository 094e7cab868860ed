import Foundation
import SchedulerKit

/// Reads `--at` and `--from` times: ISO-8601 with a zone; anything else is bad input (65).
enum TimeArgument {
    static func parse(_ text: String, option: String) throws(SchedulerError) -> Date {
        guard let date = ISO8601.parse(text.trimmingCharacters(in: .whitespaces)) else {
            throw SchedulerError(
                .invalidInput,
                "\(option): \"\(text)\": not an ISO-8601 time with a zone; expected 2026-11-23T09:30:00Z or 2026-11-23T09:30:00+01:00")
        }
        return date
    }
}
