import Foundation

/// A JSON document with ordered object keys and explicit nulls: what every wire format and
/// `--json` output of SchedulerKit is written with, so keys are present even when null.
public enum JSONValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    public static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    public static func int<I: BinaryInteger>(_ i: I?) -> JSONValue { i.map { .int(Int64($0)) } ?? .null }
    public static func double(_ d: Double?) -> JSONValue { d.map { .double($0) } ?? .null }
    /// An ISO-8601 UTC timestamp with milliseconds, or null.
    public static func date(_ d: Date?) -> JSONValue { d.map { .string(ISO8601.string($0)) } ?? .null }

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }
    public func hash(into hasher: inout Hasher) { hasher.combine(serialized()) }

    /// The member `key` of an object, nil otherwise.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    /// An object from a dictionary, its keys sorted (deterministic output).
    public static func members(_ dictionary: [String: JSONValue]) -> JSONValue {
        .object(dictionary.keys.sorted().map { ($0, dictionary[$0]!) })
    }

    /// An object from literal members, sorted by key (the output of ``members(_:)`` without
    /// building a dictionary first). Keys must be distinct.
    public static func object(sorting members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        var pairs = members.map { ($0.key, $0.value) }
        // Hot call sites list their keys in order already: then this is one pass, no sort.
        if !zip(pairs, pairs.dropFirst()).allSatisfy({ $0.0 < $1.0 }) { pairs.sort { $0.0 < $1.0 } }
        return .object(pairs)
    }

    /// A number of seconds: whole numbers as integers, others as decimals, nil as null.
    public static func seconds(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 9e15 { return .int(Int64(value)) }
        return .double(value)
    }

    /// The members of an object (nil for other values).
    public var objectMembers: [(String, JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    /// Compact (or pretty, two-space indented) JSON text; object keys in the order given, or
    /// sorted with `sortedKeys`.
    public func serialized(pretty: Bool = false, sortedKeys: Bool = false) -> String {
        String(decoding: serializedBytes(pretty: pretty, sortedKeys: sortedKeys), as: UTF8.self)
    }

    /// The UTF-8 bytes of ``serialized(pretty:sortedKeys:)``, for writing to a socket or a file
    /// without making a `String` first.
    public func serializedBytes(pretty: Bool = false, sortedKeys: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, pretty: pretty, sorted: sortedKeys, indent: 0)
        return out
    }

    private func write(into out: inout [UInt8], pretty: Bool, sorted: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): Self.writeInteger(i, into: &out)
        case .double(let d):
            if !d.isFinite {
                out.append(contentsOf: "null".utf8)
            } else if d == d.rounded() && abs(d) < 1e15 {
                Self.writeInteger(Int64(d), into: &out)
            } else {
                out.append(contentsOf: String(d).utf8)
            }
        case .string(let s): Self.escape(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(indent + 1, into: &out) }
                item.write(into: &out, pretty: pretty, sorted: sorted, indent: indent + 1)
            }
            if pretty { Self.newline(indent, into: &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let unordered):
            if unordered.isEmpty { out.append(contentsOf: "{}".utf8); return }
            let members = sorted ? unordered.sorted { $0.0 < $1.0 } : unordered
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(indent + 1, into: &out) }
                Self.escape(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                v.write(into: &out, pretty: pretty, sorted: sorted, indent: indent + 1)
            }
            if pretty { Self.newline(indent, into: &out) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ indent: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    /// Decimal digits of `value`, written without an intermediate `String`.
    private static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var n = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string: quotes, backslashes and control characters escaped, and U+2028 / U+2029
    /// (which end a line in JavaScript); the runs between escapes are copied whole.
    private static func escape(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Most strings (ids, names, timestamps) need no escape: append them whole. 0xE2
            // starts U+2028 and U+2029.
            if !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) {
                out.append(contentsOf: bytes)
                return
            }
            var copied = 0
            var i = 0
            func flush(upTo end: Int) {
                if end > copied { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<end])) }
            }
            while i < bytes.count {
                let b = bytes[i]
                var width = 1
                let escaped: [UInt8]?
                switch b {
                case UInt8(ascii: "\""): escaped = Array("\\\"".utf8)
                case UInt8(ascii: "\\"): escaped = Array("\\\\".utf8)
                case UInt8(ascii: "\n"): escaped = Array("\\n".utf8)
                case UInt8(ascii: "\r"): escaped = Array("\\r".utf8)
                case UInt8(ascii: "\t"): escaped = Array("\\t".utf8)
                case 0..<0x20:
                    escaped = Array("\\u00".utf8) + [hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]]
                case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    width = 3
                    escaped = Array((bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                default:
                    escaped = nil
                }
                if let escaped {
                    flush(upTo: i)
                    out.append(contentsOf: escaped)
                    i += width
                    copied = i
                } else {
                    i += 1
                }
            }
            flush(upTo: bytes.count)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses JSON text (objects keep their key order).
    ///
    /// - throws: `SchedulerError.invalidInput` with the byte offset of the problem.
    public static func parse(_ text: String) throws(SchedulerError) -> JSONValue {
        var p = Parser(bytes: Array(text.utf8))
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.fail("trailing characters") }
        return v
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func fail(_ what: String) -> SchedulerError { SchedulerError(.invalidInput, "JSON: \(what) at offset \(i)") }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
        }

        mutating func literal(_ word: String, _ v: JSONValue) throws(SchedulerError) -> JSONValue {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("unexpected token") }
            i += w.count
            return v
        }

        mutating func value() throws(SchedulerError) -> JSONValue {
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, JSONValue)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    members.append((key, try value()))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: return try number()
            }
        }

        mutating func number() throws(SchedulerError) -> JSONValue {
            let start = i
            var isInt = true
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < bytes.count {
                let c = bytes[i]
                if c >= 48 && c <= 57 { i += 1; continue }
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    isInt = false
                    i += 1
                    continue
                }
                break
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if isInt, let v = Int64(text) { return .int(v) }
            guard let d = Double(text) else { throw fail("bad number") }
            return .double(d)
        }

        mutating func string() throws(SchedulerError) -> String {
            i += 1  // opening quote
            var out = [UInt8]()
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.count else { break }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "b"): out.append(8)
                    case UInt8(ascii: "f"): out.append(12)
                    case UInt8(ascii: "u"):
                        guard i + 4 <= bytes.count, var code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
                            throw fail("bad escape")
                        }
                        i += 4
                        if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                            let low = UInt32(String(decoding: bytes[i + 2..<i + 6], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(low)
                        {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        out.append(contentsOf: Array(String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8))
                    default: out.append(e)
                    }
                    continue
                }
                out.append(c)
                i += 1
            }
            throw fail("unterminated string")
        }
    }
}
