import Foundation

/// Carries a ``JSONValue`` through `Codable` coders, so ``JobsDocument``'s `Codable`
/// conformance and its text forms share one reader and one writer.
enum DocumentTree {
    static func decode(from decoder: any Decoder) throws -> JSONValue {
        if let keyed = try? decoder.container(keyedBy: Key.self) {
            // Coders do not keep key order; sorted, the problems come out the same every time.
            return .object(try keyed.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
                ($0.stringValue, try keyed.decode(Box.self, forKey: $0).value)
            })
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !unkeyed.isAtEnd { items.append(try unkeyed.decode(Box.self).value) }
            return .array(items)
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { return .null }
        if let b = try? single.decode(Bool.self) { return .bool(b) }
        if let n = try? single.decode(Int64.self) { return .int(n) }
        if let d = try? single.decode(Double.self) { return .double(d) }
        return .string(try single.decode(String.self))
    }

    static func encode(_ value: JSONValue, to encoder: any Encoder) throws {
        switch value {
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (key, item) in members { try container.encode(Box(value: item), forKey: Key(key)) }
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(Box(value: item)) }
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let b):
            var container = encoder.singleValueContainer()
            try container.encode(b)
        case .int(let n):
            var container = encoder.singleValueContainer()
            try container.encode(n)
        case .double(let d):
            var container = encoder.singleValueContainer()
            try container.encode(d)
        case .string(let s):
            var container = encoder.singleValueContainer()
            try container.encode(s)
        }
    }

    private struct Box: Codable {
        var value: JSONValue
        init(value: JSONValue) { self.value = value }
        init(from decoder: any Decoder) throws { value = try DocumentTree.decode(from: decoder) }
        func encode(to encoder: any Encoder) throws { try DocumentTree.encode(value, to: encoder) }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
