import Foundation

/// Keeps secrets out of everything schedctl prints.
enum Redaction {
    static let mask = "***"

    /// A URL with the password of its user info replaced by `***`
    /// (`https://bot:s3cret@hooks.example/x` → `https://bot:***@hooks.example/x`).
    static func url(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.percentEncodedPassword = mask
        return components.string ?? mask
    }

    /// `***` when a secret is set, nil otherwise.
    static func secret(_ value: String?) -> String? { value == nil ? nil : mask }
}
