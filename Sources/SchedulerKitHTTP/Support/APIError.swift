import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// An error answered with the body of SPEC §9, `{"error": {"code", "message", "hint"}}`.
///
/// For example:
/// ```swift
/// throw APIError(.badRequest, "unknown key \"nmae\"", hint: "see /openapi.json")
/// ```
public struct APIError: Error, Sendable, HTTPResponseError {
    /// The codes of §9, each with its status.
    public enum Code: String, Sendable {
        case badRequest = "bad_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case refused
        case payloadTooLarge = "payload_too_large"
        case invalid
        case busy
        case storage
        case `internal`

        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .refused: .conflict
            case .payloadTooLarge: .contentTooLarge
            case .invalid: .unprocessableContent
            case .busy: .serviceUnavailable
            case .storage, .internal: .internalServerError
            }
        }
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// 401 with the hint every client needs.
    public static func unauthorized(_ message: String = "missing or unknown API token") -> APIError {
        APIError(.unauthorized, message, hint: "send Authorization: Bearer <token>; make one with schedctl tokens add NAME")
    }

    /// The §9 error for a library error: the same message and hint as the CLI.
    public init(_ error: SchedulerError) {
        let code: Code =
            switch error.code {
            case .invalidInput: .invalid
            case .notFound: .notFound
            case .refused, .alreadyExists: .refused
            case .storage: .storage
            case .busy: .busy
            }
        self.init(code, error.message, hint: error.hint)
    }

    /// The §9 error for anything thrown by a handler, Hummingbird or the store; never a stack trace.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as SchedulerError: return APIError(e)
        case is NIOTooManyBytesError:
            return APIError(.payloadTooLarge, "request body over \(SchedulerHTTP.maxBodySize) bytes (1 MiB)")
        case let e as HTTPError:
            switch e.status {
            case .notFound: return APIError(.notFound, "no such route")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method not allowed on this route")
            case .contentTooLarge: return APIError(.payloadTooLarge, "request body over \(SchedulerHTTP.maxBodySize) bytes (1 MiB)")
            case .unauthorized: return .unauthorized()
            case .forbidden: return APIError(.forbidden, e.body ?? "forbidden")
            case .badRequest: return APIError(.badRequest, e.body ?? "bad request")
            default:
                return APIError(e.status.code >= 500 ? .internal : .badRequest, e.body ?? e.status.reasonPhrase)
            }
        case let e as any HTTPResponseError where e.status == .contentTooLarge:
            return APIError(.payloadTooLarge, "request body over \(SchedulerHTTP.maxBodySize) bytes (1 MiB)")
        default:
            return APIError(.internal, "internal error", hint: "see the server's log")
        }
    }

    public var status: HTTPResponse.Status { code.status }

    /// The JSON body: `{"error": {"code", "message", "hint"}}`.
    public var body: JSONValue {
        .object([("error", .object([("code", .string(code.rawValue)), ("message", .string(message)), ("hint", .string(hint))]))])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if code == .busy { headers[.retryAfter] = "1" }
        if code == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"schedulerkit\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body.serialized() + "\n")))
    }
}
