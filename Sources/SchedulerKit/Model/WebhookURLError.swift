/// Why a webhook target URL was refused.
///
/// Raised by ``TargetValidation/checkWebhookURL(_:)`` — at `alerts add` and `add --state-webhook`
/// time and by the sender before every attempt — with a one-line `description` that names the
/// problem, for example
/// `webhook URL "ftp://hooks.example.com/x": unsupported scheme "ftp"; expected http or https`.
public struct WebhookURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The family of problem found.
    public enum Reason: Sendable, Hashable {
        case empty
        case containsWhitespace
        case notAURL
        case missingScheme
        case unsupportedScheme(String)
        case missingHost
        case invalidPort
        case credentialsNotSupported
    }

    /// The problem found.
    public let reason: Reason
    /// The URL as given, with any password replaced by `***` and clipped for display.
    public let displayURL: String

    init(_ reason: Reason, url: String) {
        self.reason = reason
        self.displayURL = Self.redacted(url)
    }

    /// What is wrong, without the `webhook URL "…":` prefix.
    public var problem: String {
        switch reason {
        case .empty: return "is empty"
        case .containsWhitespace: return "contains whitespace; percent-encode it as %20"
        case .notAURL: return "is not a valid URL"
        case .missingScheme: return "has no scheme; expected http:// or https://"
        case .unsupportedScheme(let scheme): return "unsupported scheme \"\(scheme)\"; expected http or https"
        case .missingHost: return "has no host"
        case .invalidPort: return "has an invalid port; expected 1-65535"
        case .credentialsNotSupported:
            return "credentials in the URL are not supported (they would be stored and sent in clear); sign requests with a secret instead"
        }
    }

    public var description: String {
        "webhook URL \"\(displayURL)\": \(problem)"
    }

    /// Replaces `user:password@` with `user:***@` and clips to 120 characters, so that an error
    /// message never echoes a password typed into a URL.
    static func redacted(_ url: String) -> String {
        var text = url
        if let schemeEnd = text.range(of: "://") {
            let authorityStart = schemeEnd.upperBound
            let authorityEnd = text[authorityStart...].firstIndex(where: { "/?#".contains($0) }) ?? text.endIndex
            if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@"),
               let colon = text[authorityStart..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        // One line, clipped: the URL was already refused, so only its start helps a reader.
        text = String(text.map { $0.isNewline || $0.isWhitespace ? " " : $0 })
        return text.count > 120 ? String(text.prefix(119)) + "…" : text
    }
}
