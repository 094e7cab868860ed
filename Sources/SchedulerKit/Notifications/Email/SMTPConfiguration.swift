import Foundation

/// Where and how to send mail: server, security, credentials and sender.
///
/// Usually parsed from the URL form accepted by `schedctl daemon --smtp`:
/// ```swift
/// let smtp = try SMTPConfiguration.parse(
///     url: "smtp://alice:s%40cret@mail.example.com:587?security=starttls",
///     from: "schedctl@example.com")
/// print(smtp)  // smtp://alice:***@mail.example.com:587?security=starttls (from schedctl@example.com)
/// ```
///
/// URL query parameters:
/// - `security=none|starttls|tls` — when absent: `smtps://` means `tls`; for `smtp://` port 465
///   means `tls`, port 587 means `starttls`, anything else `none`.
/// - `verify=full|none` — certificate verification (default `full`); `none` accepts any
///   certificate and exists for test servers only.
/// - `ca=/path/to/roots.pem` — verify against these PEM trust roots instead of the system's,
///   with full hostname checking (for private CAs and tests).
///
/// Default ports: 25 for `none`, 587 for `starttls`, 465 for `tls`.
public struct SMTPConfiguration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// How the connection is protected.
    public enum Security: String, Sendable, Hashable, CaseIterable {
        /// Plain text for the whole session (port 25 relays, loopback).
        case none
        /// Plain connect, then `STARTTLS` before anything else; never falls back to plain text.
        case startTLS = "starttls"
        /// TLS from the first byte ("implicit TLS", `smtps`, port 465).
        case tls
    }

    /// How the server's certificate is checked when TLS is used.
    public enum TLSVerification: Sendable, Hashable {
        /// System trust roots and hostname verification.
        case full
        /// The PEM file's certificates as the only trust roots, with hostname verification.
        case trustRoots(pemFile: String)
        /// No verification at all. For test servers only.
        case none
    }

    /// Server host name or IP address (IPv6 without brackets).
    public var host: String
    /// Server port.
    public var port: Int
    /// Connection security.
    public var security: Security
    /// AUTH user name; nil means no authentication.
    public var username: String?
    /// AUTH password. Never printed: `description` shows `***`.
    public var password: String?
    /// The sender address used for `MAIL FROM` and the default `From` header.
    public var from: String
    /// Certificate verification for `starttls` and `tls`.
    public var tlsVerification: TLSVerification
    /// The name announced in `EHLO`; nil uses this machine's host name.
    public var heloName: String?
    /// Bound on the TCP connect, DNS included. Default 10 s. (An implicit-TLS handshake is
    /// bounded by `commandTimeout`, as part of waiting for the greeting.)
    public var connectTimeout: Duration
    /// Bound on each command's reply, the greeting and the TLS handshakes. Default 30 s.
    public var commandTimeout: Duration
    /// Bound on the reply to the end of the message data, when servers run their filters.
    /// Default 120 s.
    public var dataTimeout: Duration

    /// Creates a configuration.
    ///
    /// - parameters:
    ///   - host: the server's host name or IP address.
    ///   - port: nil picks the default port of `security`.
    ///   - security: how the connection is protected (default `none`).
    ///   - username: the AUTH user name; nil for no authentication.
    ///   - password: the AUTH password.
    ///   - from: the sender address.
    ///   - tlsVerification: how the server's certificate is checked (default `full`).
    ///   - heloName: the name announced in `EHLO`; nil for this machine's host name.
    ///   - connectTimeout: bound on the TCP connect (default 10 s).
    ///   - commandTimeout: bound on each command's reply (default 30 s).
    ///   - dataTimeout: bound on the reply to the message data (default 120 s).
    public init(
        host: String,
        port: Int? = nil,
        security: Security = .none,
        username: String? = nil,
        password: String? = nil,
        from: String,
        tlsVerification: TLSVerification = .full,
        heloName: String? = nil,
        connectTimeout: Duration = .seconds(10),
        commandTimeout: Duration = .seconds(30),
        dataTimeout: Duration = .seconds(120)
    ) {
        self.host = host
        self.port = port ?? Self.defaultPort(for: security)
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.tlsVerification = tlsVerification
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
    }

    /// The conventional port for a security mode: 25, 587 or 465.
    public static func defaultPort(for security: Security) -> Int {
        switch security {
        case .none: return 25
        case .startTLS: return 587
        case .tls: return 465
        }
    }

    /// Parses `smtp://[user[:password]@]host[:port][?security=…&verify=…&ca=…]` (or `smtps://`).
    ///
    /// User and password are percent-decoded (write `@` as `%40`, `:` as `%3A`).
    ///
    /// - parameters:
    ///   - url: the SMTP URL.
    ///   - from: the sender address; when nil, the user name is used if it is an address.
    /// - throws: ``SMTPConfigurationError`` with a one-line message that never contains the
    ///   password.
    public static func parse(url: String, from: String?) throws -> SMTPConfiguration {
        guard !url.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw SMTPConfigurationError("contains whitespace")
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw SMTPConfigurationError("expected smtp://[user:password@]host[:port][?security=none|starttls|tls]")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "smtp" || scheme == "smtps" else {
            throw SMTPConfigurationError("unsupported scheme \"\(TransportErrorMessage.oneLine(scheme, limit: 20))\"; expected smtp or smtps")
        }
        var rest = url[schemeEnd.upperBound...]

        // The user info ends at the LAST "@": a password may hold unencoded "/", "?" or "#",
        // and cutting it anywhere else could echo part of it in an error message.
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let user: Substring
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                guard let decoded = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                    throw SMTPConfigurationError("password is not valid percent-encoding")
                }
                password = decoded
            } else {
                user = userInfo
            }
            guard let decodedUser = String(user).removingPercentEncoding else {
                throw SMTPConfigurationError("user name is not valid percent-encoding")
            }
            guard !decodedUser.isEmpty else { throw SMTPConfigurationError("empty user name before \"@\"") }
            username = decodedUser
        }

        var queryText: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") && !rest.contains("#") else {
            throw SMTPConfigurationError("unexpected path \"\(clip(rest))\"; expected only host and port")
        }

        let host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw SMTPConfigurationError("unterminated IPv6 address \"\(clip(rest))\"")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw SMTPConfigurationError("unexpected \"\(clip(after))\" after IPv6 address")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw SMTPConfigurationError("missing host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || "-._:%".contains($0) }) else {
            throw SMTPConfigurationError("invalid host \"\(clip(host))\"")
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw SMTPConfigurationError("invalid port \"\(clip(portText))\"; expected 1-65535")
            }
            port = value
        }

        var security: Security?
        var verify: String?
        var caFile: String?
        for item in queryText.split(separator: "&", omittingEmptySubsequences: true) {
            let key: Substring
            let rawValue: Substring
            if let equals = item.firstIndex(of: "=") {
                key = item[..<equals]
                rawValue = item[item.index(after: equals)...]
            } else {
                key = item
                rawValue = ""
            }
            guard let value = String(rawValue).removingPercentEncoding else {
                throw SMTPConfigurationError("query parameter \"\(clip(key))\" is not valid percent-encoding")
            }
            switch key.lowercased() {
            case "security":
                guard let parsed = Security(rawValue: value.lowercased()) else {
                    throw SMTPConfigurationError("security: unknown value \"\(clip(value))\"; expected none, starttls or tls")
                }
                security = parsed
            case "verify":
                guard ["full", "none"].contains(value.lowercased()) else {
                    throw SMTPConfigurationError("verify: unknown value \"\(clip(value))\"; expected full or none")
                }
                verify = value.lowercased()
            case "ca":
                guard !value.isEmpty else { throw SMTPConfigurationError("ca: expected the path of a PEM file") }
                caFile = value
            default:
                throw SMTPConfigurationError("unknown query parameter \"\(clip(key))\"; expected security, verify or ca")
            }
        }

        if scheme == "smtps" {
            if let security, security != .tls {
                throw SMTPConfigurationError("smtps:// conflicts with security=\(security.rawValue)")
            }
            security = .tls
        }
        let resolvedSecurity = security ?? {
            switch port {
            case 465: return .tls
            case 587: return .startTLS
            default: return .none
            }
        }()

        var verification = TLSVerification.full
        if verify == "none" {
            guard caFile == nil else { throw SMTPConfigurationError("verify=none conflicts with ca=") }
            verification = .none
        } else if let caFile {
            verification = .trustRoots(pemFile: caFile)
        }
        if resolvedSecurity == .none && (verify != nil || caFile != nil) {
            throw SMTPConfigurationError("verify and ca need security=starttls or security=tls")
        }

        let sender: String
        if let from, !from.isEmpty {
            sender = from
        } else if let username, username.contains("@") {
            sender = username
        } else {
            throw SMTPConfigurationError("no sender address: give a from address")
        }
        guard EmailAddress.envelopeAddress(of: sender) != nil else {
            throw SMTPConfigurationError("invalid from address \"\(clip(sender))\"")
        }

        return SMTPConfiguration(
            host: host,
            port: port,
            security: resolvedSecurity,
            username: username,
            password: password,
            from: sender,
            tlsVerification: verification
        )
    }

    /// The URL form with the password shown as `***`, followed by the sender.
    public var description: String {
        var text = security == .tls ? "smtps://" : "smtp://"
        if let username {
            text += username
            if password != nil { text += ":***" }
            text += "@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)"
        var query: [String] = []
        if security != .tls { query.append("security=\(security.rawValue)") }
        switch tlsVerification {
        case .full: break
        case .none: query.append("verify=none")
        case .trustRoots(let pemFile): query.append("ca=\(pemFile)")
        }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text + " (from \(from))"
    }

    public var debugDescription: String { "SMTPConfiguration(\(description))" }

    /// Keeps `dump()` and debuggers from showing the password.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "security": security, "username": username as Any,
                "password": password == nil ? "nil" : "***", "from": from, "tlsVerification": tlsVerification,
            ])
    }

    private static func clip<S: StringProtocol>(_ text: S) -> String {
        TransportErrorMessage.oneLine(String(text), limit: 60)
    }
}
