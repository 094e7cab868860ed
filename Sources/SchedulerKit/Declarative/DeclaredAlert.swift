import Foundation

/// One alert of a ``DeclaredJob``; its webhook secret, if any, is the value of the
/// environment variable `secretEnv` when the document is applied, never the secret itself.
public struct DeclaredAlert: Sendable, Hashable {
    public var alertType: AlertType
    /// An http(s) URL for webhooks, an address for email.
    public var target: String
    public var onFailure: Bool
    public var onTimeout: Bool
    public var onSystemError: Bool
    /// The environment variable holding the webhook's signing secret.
    public var secretEnv: String?

    public init(
        alertType: AlertType, target: String, onFailure: Bool = true, onTimeout: Bool = true, onSystemError: Bool = true,
        secretEnv: String? = nil
    ) {
        self.alertType = alertType
        self.target = target
        self.onFailure = onFailure
        self.onTimeout = onTimeout
        self.onSystemError = onSystemError
        self.secretEnv = secretEnv
    }

    /// The keys an alert may have, in the order they are written.
    static let keys = ["alert_type", "target", "on_failure", "on_timeout", "on_system_error", "secret_env"]

    /// `secret_env` is written only when the alert is signed: it is ours, not in SPEC §11's list.
    var tree: JSONValue {
        var members: [(String, JSONValue)] = [
            ("alert_type", .string(alertType.rawValue)), ("target", .string(target)), ("on_failure", .bool(onFailure)),
            ("on_timeout", .bool(onTimeout)), ("on_system_error", .bool(onSystemError)),
        ]
        if let secretEnv { members.append(("secret_env", .string(secretEnv))) }
        return .object(members)
    }

    /// Whether `name` can be an environment variable: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (48...57).contains($0) }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (65...90).contains(c) || (97...122).contains(c) }
}
