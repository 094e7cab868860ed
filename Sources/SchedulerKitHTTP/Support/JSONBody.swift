import Foundation
import Hummingbird
import NIOCore
import SchedulerKit

/// A JSON object read strictly from a request: malformed JSON, an unknown key or a value of the
/// wrong type is 400 `bad_request`; a missing required key is 400 too. Values that have the
/// right type but a bad content (a cron expression, a zone) are the client's to check: 422.
///
/// For example:
/// ```swift
/// let body = try await JSONBody.read(request, allowed: ["force"], emptyIsObject: true)
/// let force = try body.bool("force") ?? false
/// ```
struct JSONBody {
    let members: [String: JSONValue]
    /// `schedule.` for a nested object, so messages name the full key.
    let path: String

    /// Reads the request's body (at most 1 MiB) as one JSON object with only `allowed` keys.
    ///
    /// - parameters:
    ///   - emptyIsObject: an empty body counts as `{}` (for actions whose body is optional).
    static func read(_ request: Request, allowed: Set<String>, emptyIsObject: Bool = false) async throws -> JSONBody {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > SchedulerHTTP.maxBodySize {
            throw APIError(.payloadTooLarge, "request body of \(length) bytes is over 1 MiB")
        }
        var buffer = try await request.body.collect(upTo: SchedulerHTTP.maxBodySize)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        if text.allSatisfy(\.isWhitespace) {
            if emptyIsObject { return JSONBody(members: [:], path: "") }
            throw APIError(.badRequest, "missing JSON body", hint: "send a JSON object with Content-Type: application/json")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw APIError(.badRequest, "malformed JSON: \(error.message)")
        }
        return try JSONBody(value, path: "", allowed: allowed)
    }

    init(members: [String: JSONValue], path: String) {
        self.members = members
        self.path = path
    }

    init(_ value: JSONValue, path: String, allowed: Set<String>) throws(APIError) {
        guard case .object(let list) = value else {
            throw APIError(.badRequest, path.isEmpty ? "the body must be a JSON object" : "\(path.dropLast()): must be an object")
        }
        var members: [String: JSONValue] = [:]
        for (key, value) in list {
            guard allowed.contains(key) else {
                throw APIError(.badRequest, "unknown key \"\(path)\(key)\"", hint: "allowed: " + allowed.sorted().joined(separator: ", "))
            }
            guard members[key] == nil else { throw APIError(.badRequest, "key \"\(path)\(key)\" given twice") }
            members[key] = value
        }
        self.members = members
        self.path = path
    }

    /// The value of `key`, nil when absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let v = members[key], v != .null else { return nil }
        return v
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    func wrongType(_ key: String, _ expected: String) -> APIError {
        APIError(.badRequest, "\(path)\(key): expected \(expected)")
    }

    func required<T>(_ key: String, _ get: (String) throws(APIError) -> T?) throws(APIError) -> T {
        guard let v = try get(key) else { throw APIError(.badRequest, "missing key \"\(path)\(key)\"") }
        return v
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw wrongType(key, "a string") }
        return s
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else { throw wrongType(key, "true or false") }
        return b
    }

    func int(_ key: String) throws(APIError) -> Int64? {
        guard let v = value(key) else { return nil }
        switch v {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: return Int64(d)
        default: throw wrongType(key, "an integer")
        }
    }

    func number(_ key: String) throws(APIError) -> Double? {
        guard let v = value(key) else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw wrongType(key, "a number")
        }
    }

    func strings(_ key: String) throws(APIError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw wrongType(key, "an array of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw wrongType(key, "an array of strings") }
            out.append(s)
        }
        return out
    }

    func object(_ key: String, allowed: Set<String>) throws(APIError) -> JSONBody? {
        guard let v = value(key) else { return nil }
        guard case .object = v else { throw wrongType(key, "an object") }
        return try JSONBody(v, path: "\(path)\(key).", allowed: allowed)
    }
}
