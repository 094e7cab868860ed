import Foundation

/// Keeps secrets out of everything SchedulerKit prints or serves (the CLI and the HTTP API).
public enum Redaction {
    public static let mask = "***"

    /// A URL with the password of its user info replaced by `***`
    /// (`https://bot:s3cret@hooks.example/x` → `https://bot:***@hooks.example/x`).
    public static func url(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.percentEncodedPassword = mask
        return components.string ?? mask
    }

    /// `***` when a secret is set, nil otherwise.
    public static func secret(_ value: String?) -> String? { value == nil ? nil : mask }
}
