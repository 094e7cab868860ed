import Foundation

extension SchedulerClient {
    /// The artifacts of a run, oldest first, without their bytes.
    ///
    /// For example:
    /// ```swift
    /// for a in try await client.artifacts(run: runId) { print(a.name, a.size, a.sha256) }
    /// ```
    ///
    /// - throws: `.notFound` when there is no such run; `.refused` when the store keeps no artifacts.
    public func artifacts(run id: String) async throws -> [Artifact] {
        let store = try artifactStore()
        let run = try await run(id)
        return try await store.artifacts(runId: run.id)
    }

    /// One artifact of a run, with its bytes (checked against their SHA-256).
    ///
    /// - throws: `.notFound` when there is no such run or artifact; `.storage` when its file is
    ///   missing or corrupt; `.refused` when the store keeps no artifacts.
    public func artifact(run id: String, name: String) async throws -> Artifact {
        let store = try artifactStore()
        let run = try await run(id)
        guard let artifact = try await store.artifact(runId: run.id, name: name) else {
            throw SchedulerError(.notFound, "run \(run.id) has no artifact named \"\(name)\"", remedy: .listArtifacts(run: run.id))
        }
        return artifact
    }

    private func artifactStore() throws -> any ArtifactStore {
        try StoreAbilities.require(abilities.artifacts, .artifacts)
    }
}
