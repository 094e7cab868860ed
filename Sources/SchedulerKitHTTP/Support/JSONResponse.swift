import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// A JSON document as a response: the shapes of ``WireJSON`` go out exactly as the CLI prints them.
public struct JSONResponse: ResponseGenerator, Sendable {
    public var value: JSONValue
    public var status: HTTPResponse.Status

    public init(_ value: JSONValue, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized() + "\n")))
    }
}
