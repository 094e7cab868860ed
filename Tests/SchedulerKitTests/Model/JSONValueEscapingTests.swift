import Foundation
import SchedulerKit
import Testing

/// String escaping of the JSON writer, on the fast path (nothing to escape) and the slow one.
@Suite("JSON string escaping")
struct JSONValueEscapingTests {
    @Test(arguments: [
        ("plain-id_01", #""plain-id_01""#),
        ("2026-12-03T08:00:00.000Z", #""2026-12-03T08:00:00.000Z""#),
        ("café ✓ 🚀", "\"café ✓ 🚀\""),
        ("price €5", "\"price €5\""),
        ("say \"hi\"", #""say \"hi\"""#),
        ("back\\slash", #""back\\slash""#),
        ("line\nnext\ttab\rret", #""line\nnext\ttab\rret""#),
        ("bell\u{07}", #""bell\u0007""#),
        ("sep\u{2028}para\u{2029}", #""sep\u2028para\u2029""#),
        ("", #""""#),
    ])
    func escapes(input: String, expected: String) throws {
        let text = JSONValue.string(input).serialized()
        #expect(text == expected)
        #expect(try JSONValue.parse(text) == .string(input))
    }
}
