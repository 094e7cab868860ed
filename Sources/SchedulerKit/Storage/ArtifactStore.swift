import Foundation

/// A store that keeps run artifacts: an optional ability of a ``JobStore``.
///
/// For example:
/// ```swift
/// if let artifacts = store as? any ArtifactStore {
///     for a in try await artifacts.artifacts(runId: run.id) { print(a.name, a.size) }
/// }
/// ```
public protocol ArtifactStore: Sendable {
    /// Attaches an artifact to a `running` run.
    ///
    /// Small artifacts go in the database; larger ones are written to a file first (atomically:
    /// temporary file, fsync, rename), then their metadata is inserted. A file whose metadata
    /// cannot be inserted is removed.
    ///
    /// - returns: the artifact's metadata (without its bytes).
    /// - throws: `.invalidInput` for a bad name or content type, or bytes over the size limit;
    ///   `.notFound` when the run does not exist; `.refused` when the run is not running;
    ///   `.alreadyExists` when the run already has an artifact of that name; `.storage`.
    @discardableResult
    func saveArtifact(_ params: SaveArtifactParams) async throws -> Artifact
    /// The artifacts of a run, oldest first, without their bytes; empty for an unknown run.
    func artifacts(runId: RunID) async throws -> [Artifact]
    /// One artifact of a run with its bytes, or nil.
    ///
    /// - throws: `.storage` when the artifact's file is missing or its bytes no longer match
    ///   their SHA-256.
    func artifact(runId: RunID, name: String) async throws -> Artifact?
}

/// Parameters of ``ArtifactStore/saveArtifact(_:)``.
public struct SaveArtifactParams: Sendable {
    public var runId: RunID
    public var name: String
    public var contentType: String
    public var data: Data
    public var now: Date

    public init(runId: RunID, name: String, contentType: String, data: Data, now: Date) {
        self.runId = runId
        self.name = name
        self.contentType = contentType
        self.data = data
        self.now = now
    }
}

extension SaveArtifactParams {
    /// Checks the name, the content type and the size against `sizeLimit` bytes, as every
    /// store does before it writes; `setting` names where the limit is raised.
    ///
    /// - throws: `.invalidInput`.
    public func validate(sizeLimit: Int, setting: String) throws(SchedulerError) {
        try Artifact.validateName(name)
        try Artifact.validateContentType(contentType)
        guard data.count <= sizeLimit else {
            throw SchedulerError(
                .invalidInput, "artifact \(name): \(data.count) bytes; at most \(sizeLimit) allowed", hint: "raise \(setting)")
        }
    }
}
