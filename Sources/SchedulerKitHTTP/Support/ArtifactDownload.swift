import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SchedulerKit

/// The response that downloads one run artifact, shared by the API and the dashboard: its
/// bytes with its content type, as an attachment, never sniffed as another type by a browser.
enum ArtifactDownload {
    static func response(_ artifact: Artifact) -> Response {
        var headers: HTTPFields = [.contentType: artifact.contentType]
        headers[.contentDisposition] = "attachment; filename=\"\(artifact.name.replacingOccurrences(of: "\"", with: "_"))\""
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: artifact.data ?? Data())))
    }
}
