import Crypto
import Foundation

/// Signs webhook bodies and verifies signatures, in the `X-SchedulerKit-Signature` format.
///
/// The header value is `t=<unix seconds>,v1=<hex HMAC-SHA256>` where the MAC is computed with
/// the alert's secret (UTF-8) as key over `"<t>." + raw body bytes`. Binding the timestamp into
/// the MAC lets a receiver reject replays older than its tolerance.
///
/// For example, a receiver checks a request like this:
/// ```swift
/// let header = request.headers["X-SchedulerKit-Signature"] ?? ""
/// guard WebhookSigner.verify(header: header, secret: secret, body: rawBody) else {
///     return .unauthorized
/// }
/// ```
public enum WebhookSigner {
    /// The HTTP header that carries the signature.
    public static let headerName = "X-SchedulerKit-Signature"

    /// Returns the signature header value for `body` at `timestamp`.
    ///
    /// - parameters:
    ///   - secret: the alert's shared secret; its UTF-8 bytes are the HMAC key.
    ///   - timestamp: the signing time in Unix seconds, repeated as `t=` in the header.
    ///   - body: the exact bytes sent as the request body.
    /// - returns: `t=<timestamp>,v1=<64 lowercase hex digits>`.
    public static func signatureHeader(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        let mac = authenticationCode(secret: secret, timestamp: timestamp, body: body)
        return "t=\(timestamp),v1=\(Hex.lowercase(mac))"
    }

    /// Checks a signature header against `body`, in constant time.
    ///
    /// Several `v1=` entries are accepted (any one matching suffices) so that a sender may sign
    /// with an old and a new secret while a secret is rotated.
    ///
    /// - parameters:
    ///   - header: the received `X-SchedulerKit-Signature` value.
    ///   - secret: the shared secret.
    ///   - body: the raw request body exactly as received (before any JSON parsing).
    ///   - now: the receiver's current time.
    ///   - tolerance: how far the signed timestamp may be from `now`, in either direction
    ///     (default five minutes).
    /// - returns: `true` only if the header is well formed, its timestamp lies within
    ///   `tolerance` of `now`, and one of its `v1` MACs matches.
    public static func verify(
        header: String,
        secret: String,
        body: [UInt8],
        now: Date = Date(),
        tolerance: Duration = .seconds(300)
    ) -> Bool {
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "=") else { return false }
            let key = pair[..<equals]
            let value = pair[pair.index(after: equals)...]
            switch key {
            case "t":
                guard timestamp == nil, let parsed = Int64(value) else { return false }
                timestamp = parsed
            case "v1":
                // Malformed entries are ignored rather than fatal, like unknown schemes.
                if let bytes = bytes(fromHex: value), bytes.count == SHA256.byteCount {
                    candidates.append(bytes)
                }
            default:
                continue  // unknown schemes (a future v2) are ignored
            }
        }
        guard let timestamp, !candidates.isEmpty else { return false }

        let toleranceSeconds = Double(tolerance.components.seconds)
            + Double(tolerance.components.attoseconds) / 1e18
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= toleranceSeconds else { return false }

        let key = SymmetricKey(data: Array(secret.utf8))
        let message = signedPayload(timestamp: timestamp, body: body)
        var matched = false
        for candidate in candidates {
            // isValidAuthenticationCode compares in constant time; every candidate is checked
            // so timing does not reveal which one matched.
            if HMAC<SHA256>.isValidAuthenticationCode(candidate, authenticating: message, using: key) {
                matched = true
            }
        }
        return matched
    }

    static func authenticationCode(secret: String, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: Array(secret.utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: signedPayload(timestamp: timestamp, body: body), using: key))
    }

    private static func signedPayload(timestamp: Int64, body: [UInt8]) -> [UInt8] {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        return message
    }

    private static func bytes(fromHex hex: Substring) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var result = [UInt8]()
        result.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }
}
