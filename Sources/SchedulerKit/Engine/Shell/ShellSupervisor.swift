import Logging
import Subprocess

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the supervisor saw while a child ran: its output tail and, if the run was cancelled,
/// what the teardown did.
struct ShellSupervision: Sendable {
    var tail: ShellOutputTail
    var teardown: ShellTeardownReport?
}

/// What a cancellation-driven teardown did to the child's process group.
struct ShellTeardownReport: Sendable, Equatable {
    /// The leader was still running when the teardown began, so the run ended because of us.
    var signalledLeader: Bool
    /// The leader outlived the grace period after `SIGTERM` and was sent `SIGKILL`.
    var escalatedToKill: Bool
}

/// Watches one spawned child until it has exited: drains its output, notices its exit, and on
/// cancellation tears its process group down.
///
/// It runs as the body of `Subprocess.run`, which is the window in which the child is guaranteed
/// not to have been reaped: the leader's pid — which is also its process group id, since the child
/// leads a new session — cannot be reused by another process while we signal it, even after the
/// leader has exited (a zombie still owns its ids). Subprocess reaps the child only after this
/// body returns, and this body returns only after the leader has exited.
///
/// For example (inside the `run` body):
///
/// ```swift
/// let supervision = await ShellSupervisor(
///     outputLimit: 64 * 1024, grace: .seconds(5), control: control, logger: logger
/// ).supervise(execution)
/// ```
struct ShellSupervisor: Sendable {
    typealias ShellExecution = Subprocess.Execution<NoInput, SequenceOutput, CombinedErrorOutput>

    /// Bytes still read after the leader exited before reading stops. The leader's own last
    /// output fits in the pipe (at most `/proc/sys/fs/pipe-max-size`, 1 MiB by default); this
    /// bound only stops a background process that keeps writing from holding the run open.
    static let readLimitAfterExit = 4 * 1024 * 1024

    var outputLimit: Int
    var grace: Duration
    var control: ShellRunControl
    var logger: Logger

    private enum Event: Sendable {
        case drained(ShellOutputTail)
        case exited
        case teardown(ShellTeardownReport?)
    }

    /// Supervises `execution` until its leader has exited and its output is drained.
    ///
    /// - parameters:
    ///   - execution: The running child, as handed to the `Subprocess.run` body.
    /// - returns: The output tail and, if cancellation was requested before the child exited,
    ///   the teardown report.
    func supervise(_ execution: ShellExecution) async -> ShellSupervision {
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                .drained(await drain(execution.standardOutput))
            }
            group.addTask {
                await Self.waitForExit(of: execution)
                control.markExited()
                return .exited
            }
            group.addTask {
                guard await control.waitForCancellation() else { return .teardown(nil) }
                return .teardown(await terminate(execution))
            }
            var tail: ShellOutputTail?
            var exited = false
            var report: ShellTeardownReport?
            for await event in group {
                switch event {
                case .drained(let drained): tail = drained
                case .exited: exited = true
                case .teardown(let teardown): report = teardown
                }
                if tail != nil && exited {
                    // Nothing left to tear down; a teardown already under way still finishes
                    // (it sweeps the group) before the group — and so this body — returns.
                    control.dismiss()
                }
            }
            return ShellSupervision(tail: tail ?? ShellOutputTail(limit: 0), teardown: report)
        }
    }

    /// Reads the combined output into a bounded tail until end-of-file, or until Subprocess ends
    /// the stream because the leader exited (a grandchild may hold the pipe open forever).
    private func drain(_ output: SubprocessOutputSequence) async -> ShellOutputTail {
        var tail = ShellOutputTail(limit: outputLimit)
        var readAfterExit = 0
        do {
            for try await buffer in output {
                buffer.withUnsafeBytes { tail.append($0) }
                if control.hasExited {
                    readAfterExit += buffer.count
                    if readAfterExit > Self.readLimitAfterExit { break }
                }
            }
        } catch {
            // A read error ends the capture, not the run: the exit status is still reported.
            logger.warning(
                "reading the command's output failed; the output tail may be incomplete",
                metadata: ["error": "\(error)"]
            )
        }
        return tail
    }

    /// Waits, without polling and without reaping, until the leader has exited.
    ///
    /// Subprocess 1.0.2 has no public "wait for exit" for use inside the body; the one public API
    /// that awaits the child's exit (through its pidfd, on Subprocess's epoll monitor thread) is
    /// `Execution.teardown(using:)`. A step that sends signal 0 — which by POSIX delivers nothing
    /// and only checks that the process exists — and allows a decade before its next step makes
    /// it a pure wait: it returns as soon as the child exits, and its final `SIGKILL` would only
    /// come after ten years. It never reaps, so the pid stays reserved until the body returns.
    private static func waitForExit(of execution: ShellExecution) async {
        await execution.teardown(using: [
            .send(
                signal: Subprocess.Signal(rawValue: 0),
                toProcessGroup: false,
                allowedDurationToNextStep: .seconds(10 * 365 * 24 * 3600)
            )
        ])
    }

    /// Ends the child's process group: `SIGTERM` (and `SIGCONT`, so stopped members can act on
    /// it), then `SIGKILL` if the leader has not exited within the grace period, then a final
    /// `SIGKILL` to sweep group members that outlived the leader.
    ///
    /// Waits for the leader's exit; it cannot survive `SIGKILL`, so this returns promptly after
    /// the grace at worst (a process in uninterruptible sleep dies when it wakes).
    private func terminate(_ execution: ShellExecution) async -> ShellTeardownReport {
        let pid = execution.processIdentifier.value
        if control.hasExited || Self.leaderHasExited(pid) {
            // It finished on its own before the cancellation reached it: report its own outcome,
            // but do not leave anything it started behind.
            try? execution.send(signal: .kill, toProcessGroup: true)
            return ShellTeardownReport(signalledLeader: false, escalatedToKill: false)
        }
        logger.debug("cancelling command: SIGTERM to its process group", metadata: ["pid": "\(pid)"])
        try? execution.send(signal: .terminate, toProcessGroup: true)
        try? execution.send(signal: .resume, toProcessGroup: true)
        var escalated = false
        if await !control.waitForExit(timeout: grace) {
            escalated = true
            logger.notice(
                "command ignored SIGTERM for the grace period; sending SIGKILL to its process group",
                metadata: ["pid": "\(pid)", "grace": "\(grace)"]
            )
            try? execution.send(signal: .kill, toProcessGroup: true)
            await control.waitForExit()
        }
        // The leader is gone (unreaped, so the group id is still ours); kill what it left behind.
        try? execution.send(signal: .kill, toProcessGroup: true)
        return ShellTeardownReport(signalledLeader: true, escalatedToKill: escalated)
    }

    /// Whether the child `pid` has exited, checked without reaping it (`WNOWAIT`).
    static func leaderHasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        // With WNOHANG and nothing to report, Linux leaves si_signo zero.
        return rc == 0 && info.si_signo == SIGCHLD
    }
}
