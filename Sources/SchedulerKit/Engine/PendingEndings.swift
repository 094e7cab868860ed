/// Every run ending of one scheduler from the moment its handler returns until the store has it:
/// the one owner of pending endings.
///
/// Endings go one of two ways, and this type decides which:
/// - **With the next claim** (``Route/claimLoop``), the usual way while the scheduler runs: the
///   claim loop takes them with ``takeForClaim(max:)`` and records them in the transaction that
///   hands out new runs.
/// - **By the writer** (``Route/writer``): once the claim loop has stopped (shutdown), and for a
///   batch whose claim transaction failed (``giveBackToWriter(_:)``). The writer records them on
///   their own, retrying and then falling back to `system_error`/`store_error`, so that a store
///   that keeps refusing one ending never holds up the claims.
///
/// It has no clock and no store, so its rules are tested by a table (`PendingEndingsTests`).
struct PendingEndings: Sendable {
    enum Route: Equatable, Sendable {
        case claimLoop
        case writer
    }

    /// Where new endings go.
    private(set) var route = Route.writer
    /// Endings for the next claim, oldest first.
    private var forClaim: [CompleteRunParams] = []
    /// Endings for the writer, oldest first.
    private var forWriter: [CompleteRunParams] = []

    /// Endings not yet taken, both ways together.
    var count: Int { forClaim.count + forWriter.count }
    /// Endings the claim loop would take now.
    var claimCount: Int { forClaim.count }
    /// Whether the writer has endings to record.
    var writerHasWork: Bool { !forWriter.isEmpty }

    /// Adds the ending of a run whose handler returned; returns where it went.
    @discardableResult
    mutating func add(_ ending: CompleteRunParams) -> Route {
        switch route {
        case .claimLoop: forClaim.append(ending)
        case .writer: forWriter.append(ending)
        }
        return route
    }

    /// The claim loop starts taking endings.
    mutating func claimLoopStarted() { route = .claimLoop }

    /// The claim loop stops: what it had not taken goes to the writer, and so does every later ending.
    mutating func claimLoopStopped() {
        route = .writer
        forWriter.append(contentsOf: forClaim)
        forClaim = []
    }

    /// The claim loop's batch: the oldest endings waiting for a claim, at most `max`.
    mutating func takeForClaim(max: Int) -> [CompleteRunParams] {
        Self.takeFirst(max, from: &forClaim)
    }

    /// A batch the claim loop took and could not record (its transaction failed): the writer
    /// records it, before anything that arrived later. The claim loop never takes it back.
    mutating func giveBackToWriter(_ batch: [CompleteRunParams]) {
        forWriter.insert(contentsOf: batch, at: 0)
    }

    /// The writer's batch: the oldest endings waiting for it, at most `max`.
    mutating func takeForWriter(max: Int) -> [CompleteRunParams] {
        Self.takeFirst(max, from: &forWriter)
    }

    /// Whether the claim loop should let more endings arrive before it claims: some of its runs
    /// are still going and more than half of its workers are busy, so that runs started together
    /// and ending together are recorded (and their workers refilled) in one transaction instead
    /// of a claim per ending. The loop yields a bounded number of times and stops as soon as a
    /// yield brings nothing.
    static func claimShouldWait(running: Int, waiting: Int, concurrency: Int) -> Bool {
        running > waiting && running - waiting > concurrency / 2
    }

    private static func takeFirst(_ n: Int, from queue: inout [CompleteRunParams]) -> [CompleteRunParams] {
        guard n > 0, !queue.isEmpty else { return [] }
        if n >= queue.count {
            defer { queue = [] }
            return queue
        }
        let batch = Array(queue.prefix(n))
        queue.removeFirst(n)
        return batch
    }
}
