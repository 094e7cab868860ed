import Foundation

/// Checks of notification targets: the one rule, applied when an alert or a state webhook is
/// added (CLI, API) and again by the sender before every attempt, so a target that is accepted
/// can be sent to.
///
/// For example:
/// ```swift
/// try TargetValidation.validateWebhookURL("https://user:pw@hooks.example.com/x", field: "webhook")
/// // throws .invalidInput: webhook: "https://user:***@hooks.example.com/x": credentials in the URL are not supported; …
/// ```
public enum TargetValidation {
    /// Accepts only absolute `http` and `https` URLs with a host, no whitespace, no credentials
    /// and a port in 1–65535.
    ///
    /// - parameters:
    ///   - text: the URL to check.
    ///   - field: the option or key named in the message (`webhook`, `state-webhook`).
    /// - throws: `SchedulerError.invalidInput` naming the field, the URL (any password as
    ///   `***`) and the problem.
    public static func validateWebhookURL(_ text: String, field: String = "url") throws(SchedulerError) {
        do {
            try checkWebhookURL(text)
        } catch {
            throw .invalid("\(field): \"\(error.displayURL)\": \(error.problem)")
        }
    }

    /// The rule itself, with the problem as a typed reason.
    ///
    /// - throws: ``WebhookURLError`` whose `description` is one line naming the problem.
    public static func checkWebhookURL(_ url: String) throws(WebhookURLError) {
        guard !url.isEmpty else { throw WebhookURLError(.empty, url: url) }
        guard !url.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw WebhookURLError(.containsWhitespace, url: url)
        }
        guard let schemeEnd = url.range(of: ":") else { throw WebhookURLError(.missingScheme, url: url) }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }) else {
            throw WebhookURLError(.missingScheme, url: url)
        }
        guard scheme == "http" || scheme == "https" else {
            throw WebhookURLError(.unsupportedScheme(scheme), url: url)
        }
        guard let components = URLComponents(string: url) else { throw WebhookURLError(.notAURL, url: url) }
        guard url[schemeEnd.upperBound...].hasPrefix("//"), let host = components.host, !host.isEmpty else {
            throw WebhookURLError(.missingHost, url: url)
        }
        if components.user != nil || components.password != nil {
            throw WebhookURLError(.credentialsNotSupported, url: url)
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw WebhookURLError(.invalidPort, url: url)
        }
        guard URL(string: url) != nil else { throw WebhookURLError(.notAURL, url: url) }
    }

    /// The host a target is sent to, for bounds and logs: `host:port` of a webhook URL
    /// (lowercased, the scheme's default port filled in), the domain of an email address; never
    /// a path, query or credentials. Nil when `target` has no host.
    public static func host(of target: String, channel: DeliveryChannel) -> String? {
        switch channel {
        case .webhook:
            guard let components = URLComponents(string: target),
                let host = components.host?.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty
            else { return nil }
            let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .email:
            guard let at = target.lastIndex(of: "@") else { return nil }
            let domain = target[target.index(after: at)...].trimmingCharacters(in: CharacterSet(charactersIn: "> ")).lowercased()
            return domain.isEmpty ? nil : domain
        }
    }

    /// Accepts `local@domain` addresses without spaces, control characters or angle brackets.
    public static func validateEmail(_ text: String, field: String = "email") throws(SchedulerError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let bad = text.unicodeScalars.contains(where: {
            $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F || "<>,\"".unicodeScalars.contains($0)
        })
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !bad else {
            throw .invalid("\(field): \"\(text)\": not an email address; expected name@example.com")
        }
    }
}
