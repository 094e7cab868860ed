import Hummingbird
import SchedulerKit

/// Query parameters read strictly: an unknown parameter or one that is not a number where a
/// number is expected is 400; a value outside its choices is 422.
struct QueryParameters {
    let request: Request

    init(_ request: Request, allowed: Set<String>) throws(APIError) {
        self.request = request
        var seen: Set<Substring> = []
        for (key, _) in request.uri.queryParameters {
            guard allowed.contains(String(key)) else {
                throw APIError(.badRequest, "unknown query parameter \"\(key)\"", hint: "allowed: " + allowed.sorted().joined(separator: ", "))
            }
            guard seen.insert(key).inserted else { throw APIError(.badRequest, "query parameter \"\(key)\" given twice") }
        }
    }

    /// The value as given (an empty value is a value: `status=` is not a status).
    func string(_ key: String) -> String? {
        request.uri.queryParameters[key[...]].map(String.init)
    }

    func int(_ key: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = string(key) else { return nil }
        guard let v = Int(text) else { throw APIError(.badRequest, "\(key): \"\(text)\": expected an integer") }
        guard range.contains(v) else { throw APIError(.invalid, "\(key): \(v): expected \(range.lowerBound) to \(range.upperBound)") }
        return v
    }

    func double(_ key: String) throws(APIError) -> Double? {
        guard let text = string(key) else { return nil }
        guard let v = Double(text), v.isFinite else { throw APIError(.badRequest, "\(key): \"\(text)\": expected a number") }
        return v
    }

    /// A comma-separated list of raw values of `T` (`status=failed,system_error`).
    func list<T: RawRepresentable & CaseIterable>(_ key: String, of: T.Type) throws(APIError) -> [T]? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        var out: [T] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            out.append(try choice(String(part), key: key, of: T.self))
        }
        return out
    }

    func one<T: RawRepresentable & CaseIterable>(_ key: String, of: T.Type) throws(APIError) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        return try choice(text, key: key, of: T.self)
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ text: String, key: String, of: T.Type) throws(APIError) -> T where T.RawValue == String {
        guard let v = T(rawValue: text) else {
            throw APIError(.invalid, "\(key): \"\(text)\": expected one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return v
    }
}
