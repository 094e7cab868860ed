import Foundation

/// What the claim loop does after a claim: claim again at once, or sleep until a deadline (or
/// until woken by a change). The choice, with no clock and no store, so that it is tested by a
/// table (`ClaimPacingTests`).
enum ClaimPacing: Equatable, Sendable {
    /// Claim again without sleeping.
    case claimAgain
    /// Sleep until the instant (nil: until woken — a run's end, a change, a shutdown).
    case sleep(until: Date?)
    /// Something is due that this claim could not take: sleep until the instant and claim
    /// again, backing off while it stays so. On a shared database another scheduler holds the
    /// due job's row while it enqueues the slot, and its commit wakes no one, so the first
    /// retry comes soon (the loop starts at 50 ms and doubles to 1 s).
    case retry(at: Date)

    /// Chooses after a claim that ran at `claimedAt` and found nothing more to do at once.
    ///
    /// - Parameters:
    ///   - claimedAt: the `now` the claim used.
    ///   - currentTime: the clock now, after the claim and the wake-time query.
    ///   - nextInstant: the store's next wake time (a due slot or a run's `not_before`), nil when none.
    ///   - startAhead: seconds before an instant at which a run may be started.
    ///   - running: runs in progress in this scheduler; `concurrency`: its worker limit.
    ///   - didWork: the claim created or started runs.
    ///   - retryAfter: seconds until a claim that found due work it could not take tries again.
    static func next(
        claimedAt: Date, currentTime: Date, nextInstant: Date?, startAhead: Double, running: Int, concurrency: Int,
        didWork: Bool, retryAfter: Double = 1
    ) -> ClaimPacing {
        let next = nextInstant.map { $0.addingTimeInterval(-max(0, startAhead)) }
        guard let n = next, n <= currentTime else { return .sleep(until: next) }
        // Came due while the claim was in flight: claim again at once.
        if n > claimedAt { return .claimAgain }
        // Due work waits for a worker: the next one to finish wakes the loop.
        if running >= concurrency { return .sleep(until: nil) }
        // The claim did something: more may be claimable now.
        if didWork { return .claimAgain }
        // Within `startAhead` of a slot that is decided only at its instant.
        if let instant = nextInstant, instant > currentTime { return .sleep(until: instant) }
        // Due but unclaimable (nothing can start it now): retry shortly rather than spin.
        return .retry(at: currentTime.addingTimeInterval(retryAfter))
    }
}
