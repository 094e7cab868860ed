import AsyncHTTPClient
import NIOCore
import NIOPosix
import Foundation
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns transport errors (NIO, NIOSSL, AsyncHTTPClient) into short, one-line messages.
///
/// Delivery records and logs keep these messages, so they must stay readable and bounded,
/// and must never carry a URL path or query (webhook URLs often embed tokens) nor a body.
enum TransportErrorMessage {
    /// The longest message this helper returns, in characters.
    static let maximumLength = 160

    /// A short description of `error` suitable for a delivery's `last_error`.
    static func describe(_ error: any Error) -> String {
        oneLine(rawDescription(error))
    }

    /// Collapses whitespace and line breaks and clips to ``maximumLength``.
    static func oneLine(_ text: String, limit: Int = maximumLength) -> String {
        var result = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
            if isSpace {
                if !lastWasSpace && !result.isEmpty { result.append(" ") }
                lastWasSpace = true
            } else {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        while result.hasSuffix(" ") { result.removeLast() }
        if result.count > limit {
            result = String(result.prefix(limit - 1)) + "…"
        }
        return result
    }

    private static func rawDescription(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError:
            return describe(httpClientError: error)
        case let error as NIOConnectionError:
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return "DNS lookup failed for \(error.host)"
            }
            if let first = error.connectionErrors.first {
                return "\(rawDescription(first.error)) (\(error.host):\(error.port))"
            }
            return "could not connect to \(error.host):\(error.port)"
        case let error as IOError:
            return describe(errno: error.errnoCode)
        case let error as ChannelError:
            return describe(channelError: error)
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed:
                return "TLS handshake failed" + boringSSLReason(String(describing: error))
            case .uncleanShutdown:
                return "TLS connection closed without close_notify"
            default:
                return "TLS error" + boringSSLReason(String(describing: error))
            }
        case let error as BoringSSLError:
            return "TLS error" + boringSSLReason(String(describing: error))
        case let error as NIOSSLExtraError:
            return "TLS error: \(error)"
        case is CancellationError:
            return "cancelled"
        default:
            return "\(type(of: error)): \(error)"
        }
    }

    /// BoringSSL errors describe themselves as long dumps with file paths; the useful part is the
    /// reason code (`…:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …`), shown here as
    /// `: certificate verify failed`.
    private static func boringSSLReason(_ text: String) -> String {
        var reasons: [String] = []
        var rest = Substring(text)
        while let marker = rest.range(of: "OPENSSL_internal:") {
            let reason = rest[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !reason.isEmpty {
                let readable = reason.lowercased().replacingOccurrences(of: "_", with: " ")
                if !reasons.contains(readable) { reasons.append(readable) }
            }
            rest = rest[marker.upperBound...]
        }
        return reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")
    }

    private static func describe(httpClientError error: HTTPClientError) -> String {
        switch error {
        case .connectTimeout: return "connect timed out"
        case .readTimeout: return "timed out waiting for the response"
        case .writeTimeout: return "timed out sending the request"
        case .deadlineExceeded: return "request deadline exceeded"
        case .remoteConnectionClosed: return "connection closed by the receiver before a response"
        case .tlsHandshakeTimeout: return "TLS handshake timed out"
        case .cancelled: return "request cancelled"
        default: return error.shortDescription.lowercased()
        }
    }

    private static func describe(channelError error: ChannelError) -> String {
        switch error {
        case .connectTimeout(let amount):
            return "connect timed out after \(Double(amount.nanoseconds) / 1e9) s"
        case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
            return "connection closed"
        default:
            return "channel error: \(error)"
        }
    }

    private static func describe(errno code: CInt) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ECONNRESET: return "connection reset by peer"
        case ETIMEDOUT: return "connection timed out"
        case EHOSTUNREACH: return "host unreachable"
        case ENETUNREACH: return "network unreachable"
        case EPIPE: return "connection closed (broken pipe)"
        default:
            if let text = strerror(code) { return String(cString: text).lowercased() }
            return "I/O error \(code)"
        }
    }
}
