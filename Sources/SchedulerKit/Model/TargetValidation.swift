import Foundation

/// Checks of notification targets, shared by the operator API and the CLI.
public enum TargetValidation {
    /// Accepts only absolute `http` and `https` URLs with a host.
    ///
    /// - throws: `SchedulerError.invalidInput` naming the URL and the problem.
    public static func validateWebhookURL(_ text: String, field: String = "url") throws(SchedulerError) {
        guard let comps = URLComponents(string: text), let scheme = comps.scheme?.lowercased() else {
            throw .invalid("\(field): \"\(text)\": not a URL; expected http:// or https://")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalid("\(field): \"\(text)\": scheme \"\(scheme)\" not allowed; expected http or https")
        }
        guard let host = comps.host, !host.isEmpty else {
            throw .invalid("\(field): \"\(text)\": no host; expected http://host[:port]/path")
        }
        if let port = comps.port, !(1...65535).contains(port) {
            throw .invalid("\(field): \"\(text)\": port \(port) out of range")
        }
    }

    /// Accepts `local@domain` addresses without spaces or angle brackets.
    public static func validateEmail(_ text: String, field: String = "email") throws(SchedulerError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let bad = text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == "\"" })
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !bad else {
            throw .invalid("\(field): \"\(text)\": not an email address; expected name@example.com")
        }
    }
}
