import Foundation

/// A named blob a handler attached to its run: a report, a dump, a screenshot.
///
/// Small artifacts (up to 256 KiB by default) are kept in the database; larger ones in a file
/// beside it, with their metadata in the database. Either way they go when their run is pruned.
/// Listings carry metadata only; ``data`` is set by reads that load the bytes.
public struct Artifact: Sendable, Hashable, Identifiable {
    /// Where an artifact's bytes are kept.
    public enum Storage: Sendable, Hashable {
        /// In the database row.
        case database
        /// In a file; the path is relative to the database's directory
        /// (`<db file>.artifacts/<job id>/<run id>/<artifact id>`).
        case file(path: String)
    }

    /// A ULID.
    public var id: String
    public var runId: RunID
    public var jobId: JobID
    /// Unique within its run; see ``validateName(_:)``.
    public var name: String
    /// A MIME type such as `text/plain; charset=utf-8` or `application/octet-stream`.
    public var contentType: String
    /// Bytes.
    public var size: Int
    /// Lowercase hex SHA-256 of the bytes.
    public var sha256: String
    public var storage: Storage
    public var createdAt: Date
    /// The bytes; nil in listings.
    public var data: Data?

    public init(
        id: String, runId: RunID, jobId: JobID, name: String, contentType: String, size: Int, sha256: String,
        storage: Storage, createdAt: Date, data: Data? = nil
    ) {
        self.id = id
        self.runId = runId
        self.jobId = jobId
        self.name = name
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.storage = storage
        self.createdAt = createdAt
        self.data = data
    }

    /// Whether the content type names text (`text/*`, JSON, XML, YAML, CSV), which webhook
    /// payloads may carry as a UTF-8 string rather than base64.
    public var isTextual: Bool {
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if type.hasPrefix("text/") { return true }
        if type.hasSuffix("+json") || type.hasSuffix("+xml") { return true }
        return ["application/json", "application/xml", "application/yaml", "application/x-yaml", "application/x-ndjson"].contains(type)
    }

    /// Checks an artifact name: `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`, like job names (safe in
    /// file names, URLs, headers and shells).
    ///
    /// - throws: `.invalidInput` naming the offending character.
    public static func validateName(_ name: String) throws(SchedulerError) {
        do {
            try Job.validateName(name)
        } catch {
            throw SchedulerError(.invalidInput, "artifact " + error.message, hint: error.hint)
        }
    }

    /// Checks a content type: `type/subtype` with optional parameters, printable ASCII, at most
    /// 255 characters.
    ///
    /// - throws: `.invalidInput`.
    public static func validateContentType(_ contentType: String) throws(SchedulerError) {
        let bytes = Array(contentType.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, bytes.allSatisfy({ (32...126).contains($0) }) else {
            throw SchedulerError(
                .invalidInput, "artifact content type: \"\(contentType.prefix(60))\": expected printable ASCII, 1 to 255 characters")
        }
        let type = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces)
        let parts = type.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !type.contains(" ") else {
            throw SchedulerError(
                .invalidInput, "artifact content type: \"\(contentType)\": expected type/subtype such as text/plain or application/octet-stream")
        }
    }
}
