import Foundation
@testable import SchedulerKit
import Synchronization
import Testing

/// The shared glue of Base: the deadline race and the periodic loop.
@Suite struct BaseTests {
    @Test func aValueWithinTheDeadlineWins() async {
        #expect(await value(of: { 42 }, within: .seconds(30)) == 42)
    }

    @Test func theDeadlineWinsAndCancelsTheOperation() async {
        let cancelled = Mutex(false)
        let got = await value(of: { () async -> Int in
            do { try await Task.sleep(for: .seconds(600)) } catch { cancelled.withLock { $0 = true } }
            return 1
        }, within: .milliseconds(20))
        #expect(got == nil)
        // structured: the loser has ended (and seen its cancellation) by the time the race returns
        #expect(cancelled.withLock { $0 })
    }

    @Test func aThrowingOperationsErrorIsRethrown() async {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            _ = try await value(of: { () async throws -> Int in throw Boom() }, within: .seconds(30))
        }
    }

    /// An operation that cancellation does not stop (as a NIO future) ends through `onTimeout`:
    /// without it the race would wait for it forever (the SMTP session's command timeout).
    @Test func onTimeoutEndsAnOperationThatIgnoresCancellation() async throws {
        // closed before the operation waits, or while it waits: either way it ends
        enum State { case open, waiting(CheckedContinuation<Int, any Error>), closed }
        let state = Mutex(State.open)
        struct Closed: Error {}
        let got = try await value(of: {
            try await withCheckedThrowingContinuation { c in
                let closed = state.withLock { s -> Bool in
                    if case .closed = s { return true }
                    s = .waiting(c)
                    return false
                }
                if closed { c.resume(throwing: Closed()) }
            }
        }, within: .milliseconds(20), onTimeout: {
            let waiting = state.withLock { s -> CheckedContinuation<Int, any Error>? in
                defer { s = .closed }
                if case .waiting(let c) = s { return c }
                return nil
            }
            waiting?.resume(throwing: Closed())
        })
        #expect(got == nil)
    }

    /// A service on a manual clock: passes at its first delay, then at each interval; a failing
    /// pass is reported and the next one still happens; cancelling ends the loop.
    @Test func thePeriodicLoopPassesOnTimeAndSurvivesAFailure() async throws {
        final class Service: PeriodicService {
            let clock: any SchedulerClock
            init(clock: any SchedulerClock) { self.clock = clock }
            let passes = Mutex(0)
            var firstDelay: Double { 5 }
            var interval: Double { 10 }
            func runOnce() async throws -> Int {
                let n = passes.withLock { $0 += 1; return $0 }
                if n == 2 { throw SchedulerError(.storage, "disk full") }
                return n
            }
        }
        let start = Date(timeIntervalSince1970: 1_000_000)
        let clock = ManualClock(now: start)
        let service = Service(clock: clock)
        let reports = Mutex<[Int]>([])
        let errors = Mutex<[String]>([])
        let loop = Task {
            await service.runPeriodically(
                onPass: { r in reports.withLock { $0.append(r) } },
                onError: { e in errors.withLock { $0.append(SchedulerError(wrapping: e).message) } })
        }
        // each step: wait (with a deadline) for the loop to be asleep, check its deadline, move past it
        for (i, expected) in [5.0, 15, 25].enumerated() {
            let deadline = ContinuousClock.now + .seconds(10)
            while clock.deadlines.isEmpty || service.passes.withLock({ $0 }) != i {
                try #require(ContinuousClock.now < deadline, "the loop never slept before pass \(i + 1)")
                await Task.yield()
            }
            #expect(clock.deadlines == [start.addingTimeInterval(expected)])
            clock.advance(to: start.addingTimeInterval(expected))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while clock.deadlines.isEmpty {
            try #require(ContinuousClock.now < deadline)
            await Task.yield()
        }
        loop.cancel()
        await loop.value
        #expect(reports.withLock { $0 } == [1, 3])
        #expect(errors.withLock { $0 } == ["disk full"])
    }
}
