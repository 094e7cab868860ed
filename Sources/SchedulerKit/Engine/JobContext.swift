import Foundation
import Logging
import Synchronization

/// A handler: the code that runs a job of one `kind`.
///
/// Return normally for success; throw for a user failure (`failed`), ``SystemFailure`` for the
/// platform's fault (`system_error`), or ``RunFailure`` to give an exact error code.
public typealias JobHandler = @Sendable (JobContext) async throws -> Void

/// What a handler gets to know and do about the run it performs.
///
/// For example:
/// ```swift
/// scheduler.register("send-report") { context in
///     let request = try context.payload(as: ReportRequest.self)
///     context.logger.info("sending", metadata: ["slot": "\(context.scheduledFor)"])
///     try await send(request)
///     await context.heartbeat()
/// }
/// ```
public struct JobContext: Sendable {
    /// The job as it was when the run was claimed.
    public let job: Job
    /// The run being performed (status `running`).
    public let run: Run
    public let logger: Logger
    let sink: RunSink
    let heartbeatHook: @Sendable () async -> Void
    /// Saves an artifact of this run; nil when the store keeps none.
    var artifactHook: (@Sendable (_ name: String, _ contentType: String, _ data: Data) async throws -> Artifact)?

    public var runId: RunID { run.id }
    public var attempt: Int { run.attempt }
    /// The slot this run serves.
    public var scheduledFor: Date { run.scheduledFor }
    public var trigger: RunTrigger { run.trigger }

    /// Decodes the job's payload.
    public func payload<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try job.payload.decode(T.self)
    }

    /// Renews the run's lease now (the scheduler also renews it periodically while the handler runs).
    public func heartbeat() async { await heartbeatHook() }

    /// Appends text to the run's recorded output (only the last `outputLimit` bytes are kept).
    public func appendOutput(_ text: String) { sink.append(text) }

    /// Attaches a named artifact to this run, durably, before returning.
    ///
    /// Artifacts up to 256 KiB are kept in the database, larger ones in files beside it; they
    /// are listed by `schedctl artifacts RUN`, fetched by `schedctl artifact RUN NAME`, carried
    /// by webhook notifications of the run's end (small ones inline), and pruned with the run.
    ///
    /// For example:
    /// ```swift
    /// let csv = try await export()
    /// try await context.attachArtifact(name: "export.csv", contentType: "text/csv", data: csv)
    /// ```
    ///
    /// - parameters:
    ///   - name: unique within the run: `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`.
    ///   - contentType: a MIME type (default `application/octet-stream`).
    ///   - data: the bytes (at most 256 MiB by default).
    /// - returns: the stored artifact's metadata.
    /// - throws: `SchedulerError`: `.invalidInput` for a bad name, content type or size;
    ///   `.alreadyExists` when this run already has an artifact of that name (names are never
    ///   replaced); `.refused` when the run is over or the store keeps no artifacts; `.storage`.
    @discardableResult
    public func attachArtifact(name: String, contentType: String = "application/octet-stream", data: Data) async throws -> Artifact {
        guard let artifactHook else {
            throw SchedulerError(.refused, "this scheduler's store does not keep artifacts")
        }
        return try await artifactHook(name, contentType, data)
    }

    /// Attaches `text` as a UTF-8 artifact; see ``attachArtifact(name:contentType:data:)``.
    @discardableResult
    public func attachArtifact(name: String, text: String, contentType: String = "text/plain; charset=utf-8") async throws -> Artifact {
        try await attachArtifact(name: name, contentType: contentType, data: Data(text.utf8))
    }
}

/// Throw from a handler to say the failure is the platform's fault, not the job's: the run
/// becomes `system_error` and the job's failure streak does not grow.
public struct SystemFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Throw from a handler to end the run with an exact error code (its status follows from the code).
public struct RunFailure: Error, Sendable, CustomStringConvertible {
    public var code: RunErrorCode
    public var message: String
    public var exitCode: Int32?
    public init(_ code: RunErrorCode, _ message: String, exitCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.exitCode = exitCode
    }
    public var description: String { message }
}

/// Collects a run's output tail and exit code while its handler works.
final class RunSink: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var dropped = 0
        var exitCode: Int32?
        /// Output produced and bounded elsewhere (a command's tail, with its own marker).
        var verbatim: String??
    }
    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func append(_ text: String) {
        state.withLock { s in
            s.bytes.append(contentsOf: text.utf8)
            // Trim in chunks so appending stays amortised O(1).
            if s.bytes.count > 2 * limit {
                let drop = s.bytes.count - limit
                s.bytes.removeFirst(drop)
                s.dropped += drop
            }
        }
    }

    /// Replaces the output with a tail bounded elsewhere (a command's), kept as it is.
    func set(verbatimOutput: String?) {
        state.withLock { $0.verbatim = .some(verbatimOutput) }
    }

    func set(exitCode: Int32?) { state.withLock { $0.exitCode = exitCode } }

    var exitCode: Int32? { state.withLock { $0.exitCode } }

    /// The recorded output (the last `limit` bytes, cut at a character boundary), nil when empty.
    var output: String? {
        state.withLock { s in
            if let verbatim = s.verbatim { return verbatim }
            var start = max(0, s.bytes.count - limit)
            var dropped = s.dropped + start
            // Do not start inside a UTF-8 sequence.
            while start < s.bytes.count, s.bytes[start] & 0xC0 == 0x80 {
                start += 1
                dropped += 1
            }
            if s.bytes.isEmpty && dropped == 0 { return nil }
            let text = String(decoding: s.bytes[start...], as: UTF8.self)
            return dropped > 0 && !text.hasPrefix("…[truncated") ? "…[truncated \(dropped) bytes]\n" + text : text
        }
    }
}
