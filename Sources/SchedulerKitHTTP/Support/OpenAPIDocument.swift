import Foundation

/// The OpenAPI 3.1 document of the API, kept in the repository as
/// `Sources/SchedulerKitHTTP/Resources/openapi.json` and bundled as a resource.
enum OpenAPIDocument {
    /// The document's bytes, read once.
    static func bytes() throws -> [UInt8] {
        try cached.get()
    }

    private static let cached: Result<[UInt8], APIError> = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else {
            return .failure(APIError(.internal, "the OpenAPI document is missing from this build"))
        }
        return .success(Array(data))
    }()
}
