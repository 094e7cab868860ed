import Foundation
import SchedulerKit
import Testing

/// The JSON writer: string escaping on the fast path (nothing to escape) and the slow one,
/// numbers, structure and the pretty form, all written as bytes.
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
        ("\u{1F}\u{00}x", #""\u001f\u0000x""#),
        ("ends with é\\", #""ends with é\\""#),
    ])
    func escapes(input: String, expected: String) throws {
        let text = JSONValue.string(input).serialized()
        #expect(text == expected)
        #expect(try JSONValue.parse(text) == .string(input))
    }

    @Test(arguments: [
        (JSONValue.int(0), "0"), (.int(-1), "-1"), (.int(1_234_567), "1234567"),
        (.int(Int64.max), "9223372036854775807"), (.int(Int64.min), "-9223372036854775808"),
        (.double(2.0), "2"), (.double(-0.5), "-0.5"), (.double(.infinity), "null"), (.double(1e16), "1e+16"),
        (.null, "null"), (.bool(true), "true"), (.bool(false), "false"),
        (.array([]), "[]"), (.object([]), "{}"),
        (.object([("b", .int(1)), ("a", .array([.null, "x"]))]), #"{"b":1,"a":[null,"x"]}"#),
        (.object(sorting: ["b": 1, "a": "x", "c": nil]), #"{"a":"x","b":1,"c":null}"#),
    ])
    func writes(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
        #expect(value.serializedBytes() == Array(expected.utf8))
    }

    @Test("pretty output indents by two spaces; sorted keys sort every level")
    func prettyAndSorted() {
        let value = JSONValue.object([("z", .array([1, .object([("y", true), ("x", nil)])])), ("a", .object([]))])
        #expect(value.serialized(pretty: true) == "{\n  \"z\": [\n    1,\n    {\n      \"y\": true,\n      \"x\": null\n    }\n  ],\n  \"a\": {}\n}")
        #expect(value.serialized(sortedKeys: true) == #"{"a":{},"z":[1,{"x":null,"y":true}]}"#)
    }

    @Test("random strings round-trip through the writer and the parser, and Foundation reads the same string")
    func randomStringsRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let alphabet: [Unicode.Scalar] = (0..<0x80).compactMap(Unicode.Scalar.init) + ["é", "€", "✓", "🚀", "\u{2028}", "\u{2029}"]
        for _ in 0..<2_000 {
            let length = Int(rng.next() % 24)
            var s = String.UnicodeScalarView()
            for _ in 0..<length { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            let input = String(s)
            let text = JSONValue.string(input).serialized()
            #expect(try JSONValue.parse(text) == .string(input))
            let foundation = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [String]
            #expect(foundation == [input], "\(text)")
        }
    }
}
