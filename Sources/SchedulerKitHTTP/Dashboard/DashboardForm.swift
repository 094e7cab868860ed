import Foundation
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body (what a plain HTML form posts).
struct DashboardForm: Sendable {
    var fields: [String: String] = [:]

    init(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if fields[key] == nil { fields[key] = value }
        }
    }

    /// Reads the request's body (at most 1 MiB) as a form.
    static func read(_ request: Request, context: SchedulerRequestContext) async throws -> DashboardForm {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        return DashboardForm(String(buffer: body))
    }

    subscript(_ key: String) -> String? { fields[key] }

    /// A checkbox: present and not "off"/"false".
    func flag(_ key: String) -> Bool {
        guard let v = fields[key] else { return false }
        return !["", "0", "off", "false"].contains(v.lowercased())
    }

    private static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
    }
}
