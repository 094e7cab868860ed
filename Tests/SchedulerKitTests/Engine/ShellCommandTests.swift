import Foundation
import Testing

@testable import SchedulerKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Real child processes throughout. Synchronisation never sleeps: a child announces a state by
// writing a line to a FIFO the test reads with a deadline, and every wait is bounded so a bug
// fails the test instead of hanging it. Deadlines are generous for 2 busy cores.

@Suite("ShellCommand", .timeLimit(.minutes(2)))
struct ShellCommandTests {

    // MARK: Exit status and signals

    @Test func exitZero() async {
        let result = await ShellCommand(argv: ["true"]).run()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.output == "")
        #expect(result.outputTruncatedBytes == 0)
        #expect(result.pid != nil)
    }

    @Test(arguments: [1, 3, 42, 255] as [Int32])
    func exitNonZero(code: Int32) async {
        let result = await ShellCommand(argv: ["sh", "-c", "echo failing; exit \(code)"]).run()
        #expect(result.outcome == .exited(code: code))
        #expect(result.output == "failing\n")
    }

    @Test func killedBySignalItDidNotGetFromUs() async {
        let segv = await ShellCommand(argv: ["sh", "-c", "kill -SEGV $$"]).run()
        #expect(segv.outcome == .signaled(signal: SIGSEGV))
        let kill = await ShellCommand(argv: ["sh", "-c", "kill -KILL $$"]).run()
        #expect(kill.outcome == .signaled(signal: SIGKILL))
    }

    // MARK: Not found / cannot execute

    @Test func bareNameNotInPath() async {
        let result = await ShellCommand(argv: ["schedulerkit-no-such-command-7f3a"]).run()
        guard case .notFound(let message) = result.outcome else {
            Issue.record("expected notFound, got \(result.outcome)")
            return
        }
        #expect(message.contains("command not found"))
        #expect(message.contains("schedulerkit-no-such-command-7f3a"))
        #expect(result.pid == nil)
    }

    @Test func pathThatDoesNotExist() async {
        let result = await ShellCommand(argv: ["/nonexistent/schedulerkit/tool", "-x"]).run()
        #expect(result.outcome == .notFound("cannot execute \"/nonexistent/schedulerkit/tool\": no such file"))
    }

    @Test func pathThatIsADirectory() async {
        let result = await ShellCommand(argv: ["/tmp"]).run()
        #expect(result.outcome == .notFound("cannot execute \"/tmp\": is a directory"))
    }

    @Test func pathThatIsNotExecutable() async throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("data.txt", "not a program\n", executable: false)
        let result = await ShellCommand(argv: [file]).run()
        // Even root gets EACCES here: X_OK needs at least one execute bit, and none is set.
        #expect(result.outcome == .notFound("cannot execute \"\(file)\": permission denied (not executable)"))
    }

    @Test func executableFileTheKernelCannotRun() async throws {
        // Executable bit set, but neither ELF nor `#!`: posix_spawn fails with ENOEXEC.
        let dir = try TemporaryDirectory()
        let file = try dir.write("garbage", "\u{01}\u{02}\u{03} not a program\n", executable: true)
        let result = await ShellCommand(argv: [file]).run()
        guard case .notFound(let message) = result.outcome else {
            Issue.record("expected notFound, got \(result.outcome)")
            return
        }
        #expect(message.contains("Exec format error"))
    }

    @Test func emptyCommand() async {
        #expect(await ShellCommand(argv: []).run().outcome == .notFound("empty command: argv has no program"))
        #expect(await ShellCommand(argv: [""]).run().outcome == .notFound("empty command: argv[0] is an empty string"))
    }

    @Test func invalidEnvironmentName() async {
        let result = await ShellCommand(argv: ["true"], environment: ["A=B": "x"]).run()
        #expect(result.outcome == .notFound("invalid environment variable name \"A=B\": contains \"=\""))
    }

    // MARK: spawnFailed

    @Test func executableOpenForWritingIsSpawnFailed() async throws {
        // execve fails with ETXTBSY while someone holds the file open for writing — a real,
        // cheap and transient spawn failure that is not the command's fault.
        let dir = try TemporaryDirectory()
        let file = try dir.write("being-written.sh", "#!/bin/sh\necho hi\n", executable: true)
        let writer = open(file, O_WRONLY | O_CLOEXEC)
        try #require(writer >= 0)
        defer { close(writer) }
        let result = await ShellCommand(argv: [file]).run()
        guard case .spawnFailed(let code, let message) = result.outcome else {
            Issue.record("expected spawnFailed, got \(result.outcome)")
            return
        }
        #expect(code == ETXTBSY)
        #expect(message == "could not start \"\(file)\": Text file busy")
        #expect(result.pid == nil)
    }

    /// Provoking EAGAIN/EMFILE for real means lowering RLIMIT_NPROC or RLIMIT_NOFILE, which are
    /// process-wide and would break the other tests running in parallel in this process; the
    /// errno classification is tested directly instead.
    @Test(arguments: [EAGAIN, ENOMEM, EMFILE, ENFILE, ETXTBSY, EIO])
    func resourceErrorsAreSpawnFailed(code: Int32) {
        let outcome = ShellCommand.classifySpawnFailure(errno: code, program: "backup")
        guard case .spawnFailed(let errno, let message) = outcome else {
            Issue.record("expected spawnFailed for errno \(code), got \(outcome)")
            return
        }
        #expect(errno == code)
        #expect(message.hasPrefix("could not start \"backup\": "))
    }

    @Test(arguments: [ENOENT, EACCES, ENOEXEC, ENOTDIR, E2BIG])
    func commandErrorsAreNotFound(code: Int32) {
        let outcome = ShellCommand.classifySpawnFailure(errno: code, program: "backup")
        guard case .notFound(let message) = outcome else {
            Issue.record("expected notFound for errno \(code), got \(outcome)")
            return
        }
        #expect(message.hasPrefix("cannot execute \"backup\": "))
    }

    // MARK: Environment, working directory, argv[0], stdin

    @Test func environmentIsInheritedExtendedAndOverridden() async {
        let inheritedPath = String(cString: getenv("PATH"))
        let result = await ShellCommand(
            argv: ["sh", "-c", #"printf '%s|%s|%s' "$SK_ADDED" "$HOME" "$PATH""#],
            environment: ["SK_ADDED": "added value", "HOME": "/overridden/home"]
        ).run()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.output == "added value|/overridden/home|\(inheritedPath)")
    }

    @Test func pathOverrideIsUsedForLookup() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("sk-hello", "#!/bin/sh\necho hello from PATH\n", executable: true)
        let result = await ShellCommand(argv: ["sk-hello"], environment: ["PATH": dir.path + ":/usr/bin:/bin"]).run()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.output == "hello from PATH\n")
    }

    @Test func workingDirectoryIsHonoured() async throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write("local.sh", "#!/bin/sh\necho local script\n", executable: true)
        let pwd = await ShellCommand(argv: ["pwd"], workingDirectory: dir.path).run()
        #expect(pwd.outcome == .exited(code: 0))
        #expect(pwd.output == dir.realPath + "\n")
        // A relative program path is resolved in the working directory, as exec does after chdir.
        let local = await ShellCommand(argv: ["./local.sh"], workingDirectory: dir.path).run()
        #expect(local.outcome == .exited(code: 0))
        #expect(local.output == "local script\n")
    }

    @Test func missingWorkingDirectoryIsNotFound() async {
        let result = await ShellCommand(argv: ["true"], workingDirectory: "/nonexistent/schedulerkit-dir").run()
        #expect(result.outcome == .notFound(
            "working directory \"/nonexistent/schedulerkit-dir\" is not usable: No such file or directory"))
        #expect(result.pid == nil)
        let file = await ShellCommand(argv: ["true"], workingDirectory: "/etc/hostname").run()
        #expect(file.outcome == .notFound("working directory \"/etc/hostname\" is not usable: not a directory"))
    }

    @Test func argv0IsPassedAsWrittenAndStdinIsDevNull() async {
        let result = await ShellCommand(argv: ["sh", "-c", #"tr '\0' ' ' < /proc/$$/cmdline; readlink /proc/$$/fd/0; cat"#]).run()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.output == "sh -c \(#"tr '\0' ' ' < /proc/$$/cmdline; readlink /proc/$$/fd/0; cat"#) /dev/null\n")
    }

    @Test func childLeadsItsOwnSessionAndProcessGroup() async throws {
        // Fields 5 and 6 of /proc/PID/stat are the process group and the session.
        let result = await ShellCommand(argv: ["sh", "-c", "echo $$ $(cut -d' ' -f5,6 /proc/$$/stat)"]).run()
        let pid = try #require(result.pid)
        #expect(result.output == "\(pid) \(pid) \(pid)\n")
    }

    // MARK: Output

    @Test func stdoutAndStderrShareOnePipeInOrder() async {
        let result = await ShellCommand(argv: ["sh", "-c", "echo one; echo two >&2; echo three; echo four >&2"]).run()
        #expect(result.output == "one\ntwo\nthree\nfour\n")
    }

    @Test func outputTailIsBoundedWithMarker() async {
        let result = await ShellCommand(
            argv: ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a; printf END"],
            outputLimit: 1000
        ).run()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.outputTruncatedBytes == 100_003 - 1000)
        #expect(result.output == "…[truncated 99003 bytes]\n" + String(repeating: "a", count: 997) + "END")
    }

    @Test func tailCutMidCharacterStartsAtACharacterBoundary() async throws {
        // 1000 × "é" (2 bytes each) + "!" = 2001 bytes; keeping 1000 starts inside an "é".
        let dir = try TemporaryDirectory()
        let file = try dir.write("accents.txt", String(repeating: "é", count: 1000) + "!", executable: false)
        let result = await ShellCommand(argv: ["cat", file], outputLimit: 1000).run()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.outputTruncatedBytes == 1002)
        #expect(result.output == "…[truncated 1002 bytes]\n" + String(repeating: "é", count: 499) + "!")
        #expect(result.output.unicodeScalars.allSatisfy { $0 != "\u{FFFD}" })
    }

    @Test func invalidUTF8IsDecodedLossily() async {
        let result = await ShellCommand(argv: ["sh", "-c", #"printf 'ok \377\376 end'"#]).run()
        #expect(result.output == "ok \u{FFFD}\u{FFFD} end")
    }

    @Test func hugeOutputKeepsMemoryBoundedAndNeverBlocksTheChild() async throws {
        let before = try peakResidentBytes()
        let total = 200_000_000
        let result = await ShellCommand(argv: ["sh", "-c", "yes | head -c \(total)"]).run()
        let after = try peakResidentBytes()
        #expect(result.outcome == .exited(code: 0))
        #expect(result.outputTruncatedBytes == total - 64 * 1024)
        #expect(result.output.hasSuffix("y\ny\ny\n"))
        #expect(result.output.utf8.count == "…[truncated \(total - 64 * 1024) bytes]\n".utf8.count + 64 * 1024)
        // 200 MB went through. Peak RSS is process-wide and other suites run in parallel, so the
        // bound is loose (half the volume: parallel suites reached 101 MiB once), but keeping the
        // output would have grown it by at least 200 MB.
        #expect(after - before < 150 * 1024 * 1024, "peak RSS grew by \(after - before) bytes")
    }

    @Test func backgroundProcessHoldingThePipeDoesNotHoldTheRun() async throws {
        // The child exits at once; the sleep it leaves behind keeps the pipe's write end open.
        let result = await ShellCommand(argv: ["sh", "-c", "sleep 60 & echo $!"]).run()
        #expect(result.outcome == .exited(code: 0))
        let background = try #require(Int32(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(isAlive(background), "a normal exit leaves background processes alone, like cron")
        kill(background, SIGKILL)
    }

    @Test func backgroundWriterDoesNotHoldTheRun() async throws {
        // The child exits at once, leaving `yes` writing into the pipe as fast as it can.
        let result = await ShellCommand(argv: ["sh", "-c", "yes & echo \"pid=$!\""], outputLimit: 256).run()
        #expect(result.outcome == .exited(code: 0))
        // Once the run has closed its end of the pipe, `yes` dies of SIGPIPE.
        let started = try #require(result.pid)
        try await waitUntil(timeout: .seconds(10), "the background writer died of SIGPIPE") {
            !isAlive(started) && !descendantsAlive(ofSession: started)
        }
    }

    // MARK: Cancellation

    @Test func cancellationSendsSigtermToTheGroup() async throws {
        let fifo = try ReadyFIFO()
        let command = ShellCommand(
            argv: ["sh", "-c", #"echo started; echo ready > "$1"; sleep 60; echo unreachable"#, "sh", fifo.path],
            terminationGrace: .seconds(30)
        )
        let run = Task { await command.run() }
        try await fifo.waitForLine(timeout: .seconds(30))
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        run.cancel()
        let result = await run.value
        #expect(result.outcome == .terminatedByUs(escalatedToKill: false))
        // Well within the 30 s grace (a kill after the grace would also show in the outcome); the
        // bound is loose because a loaded machine can take seconds to schedule the reaping.
        #expect(clock.now - cancelledAt < .seconds(25), "SIGTERM is honoured within the 30 s grace")
        #expect(result.output == "started\n")
        try assertReaped(result.pid)
    }

    @Test func sigtermIgnoredEscalatesToSigkillAfterTheGrace() async throws {
        let fifo = try ReadyFIFO()
        let command = ShellCommand(
            argv: ["sh", "-c", #"trap "" TERM; echo stubborn; echo ready > "$1"; sleep 60"#, "sh", fifo.path],
            terminationGrace: .milliseconds(700)
        )
        let run = Task { await command.run() }
        try await fifo.waitForLine(timeout: .seconds(30))
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        run.cancel()
        let result = await run.value
        let elapsed = clock.now - cancelledAt
        #expect(result.outcome == .terminatedByUs(escalatedToKill: true))
        #expect(elapsed >= .milliseconds(700), "SIGKILL only after the grace")
        #expect(elapsed < .seconds(30), "bounded; loose because a loaded machine can take seconds to reap")
        #expect(result.output == "stubborn\n")
        try assertReaped(result.pid)
    }

    @Test func grandchildrenAreKilledWithTheGroup() async throws {
        let dir = try TemporaryDirectory()
        let pidFile = dir.path + "/grandchildren"
        let fifo = try ReadyFIFO()
        // One grandchild dies of SIGTERM; the other ignores it and must be swept by SIGKILL
        // after the leader (which dies of SIGTERM) is gone.
        let script = #"""
            sleep 300 & a=$!
            (trap "" TERM; exec sleep 300) & b=$!
            echo "$a $b" > "$2"
            echo ready > "$1"
            wait
            """#
        let command = ShellCommand(argv: ["sh", "-c", script, "sh", fifo.path, pidFile], terminationGrace: .seconds(30))
        let run = Task { await command.run() }
        try await fifo.waitForLine(timeout: .seconds(30))
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8)
            .split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(pids.count == 2)
        #expect(pids.allSatisfy(isAlive))
        run.cancel()
        let result = await run.value
        #expect(result.outcome == .terminatedByUs(escalatedToKill: false))
        for pid in pids {
            // They are orphans now; whoever reaps orphans may take a moment, so a zombie counts as dead.
            try await waitUntil(timeout: .seconds(10), "grandchild \(pid) is dead") { !isAlive(pid) }
        }
        try assertReaped(result.pid)
    }

    @Test func childThatClosedItsOutputIsStillTornDown() async throws {
        let fifo = try ReadyFIFO()
        let command = ShellCommand(
            argv: ["sh", "-c", #"echo before; exec >/dev/null 2>&1; echo ready > "$1"; sleep 60"#, "sh", fifo.path],
            terminationGrace: .seconds(30)
        )
        let run = Task { await command.run() }
        try await fifo.waitForLine(timeout: .seconds(30))
        run.cancel()
        let result = await run.value
        #expect(result.outcome == .terminatedByUs(escalatedToKill: false))
        #expect(result.output == "before\n")
        try assertReaped(result.pid)
    }

    @Test func cancelledBeforeStartSpawnsNothing() async {
        let run = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await ShellCommand(argv: ["sh", "-c", "echo should not run"]).run()
        }
        let result = await run.value
        #expect(result.outcome == .terminatedByUs(escalatedToKill: false))
        #expect(result.pid == nil)
        #expect(result.output == "")
    }

    @Test func cancellationAtAnyMomentEndsAndReaps() async throws {
        // Cancel after 0...24 scheduler yields: before the spawn, during it, or while running.
        for yields in 0..<25 {
            let run = Task {
                await ShellCommand(argv: ["sh", "-c", "echo $$; sleep 60"], terminationGrace: .seconds(30)).run()
            }
            for _ in 0..<yields { await Task.yield() }
            run.cancel()
            let result = await run.value
            #expect(result.outcome == .terminatedByUs(escalatedToKill: false), "after \(yields) yields")
            if let pid = result.pid { try assertReaped(pid) }
        }
    }

    @Test func timeoutRaceLikeTheEngine() async throws {
        // The engine's timeout: a task-group race whose loser is cancelled.
        let command = ShellCommand(argv: ["sh", "-c", "echo working; sleep 60"], terminationGrace: .seconds(30))
        let result = await withTaskGroup(of: ShellResult?.self) { group in
            group.addTask { await command.run() }
            group.addTask { try? await Task.sleep(for: .milliseconds(300)); return nil }
            var finished: ShellResult?
            for await value in group {
                if let value { finished = value } else { group.cancelAll() }
            }
            return finished
        }
        let outcome = try #require(result).outcome
        #expect(outcome == .terminatedByUs(escalatedToKill: false))
        try assertReaped(result?.pid)
    }

    // MARK: Reaping and concurrency

    @Test func normalExitLeavesNoZombie() async throws {
        let result = await ShellCommand(argv: ["sh", "-c", "exit 7"]).run()
        #expect(result.outcome == .exited(code: 7))
        try assertReaped(result.pid)
    }

    @Test func twentyConcurrentCommands() async throws {
        let results = await withTaskGroup(of: (Int, ShellResult).self) { group in
            for index in 0..<20 {
                group.addTask {
                    let command = ShellCommand(argv: [
                        "sh", "-c", #"echo "out-$1"; echo "err-$1" >&2; exit "$1""#, "sh", "\(index)",
                    ])
                    return (index, await command.run())
                }
            }
            var collected: [Int: ShellResult] = [:]
            for await (index, result) in group { collected[index] = result }
            return collected
        }
        #expect(results.count == 20)
        for (index, result) in results {
            #expect(result.outcome == .exited(code: Int32(index)))
            #expect(result.output == "out-\(index)\nerr-\(index)\n")
            try assertReaped(result.pid)
        }
    }
}

// MARK: - ShellSupervisor

@Suite("ShellSupervisor")
struct ShellSupervisorTests {
    @Test func leaderHasExitedNeitherBlocksNorReaps() throws {
        let running = try spawn(["/bin/sleep", "60"])
        #expect(!ShellSupervisor.leaderHasExited(running))
        kill(running, SIGKILL)
        var info = siginfo_t()
        // Block until it is a zombie, without reaping it.
        #expect(waitid(P_PID, id_t(running), &info, WEXITED | WNOWAIT) == 0)
        #expect(ShellSupervisor.leaderHasExited(running))
        #expect(ShellSupervisor.leaderHasExited(running), "still waitable: the check did not reap it")
        var status: Int32 = 0
        #expect(waitpid(running, &status, 0) == running)
    }

    private func spawn(_ argv: [String]) throws -> pid_t {
        var pid: pid_t = 0
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        let rc = posix_spawn(&pid, argv[0], nil, nil, &cArgs, environ)
        try #require(rc == 0)
        return pid
    }
}

// MARK: - ShellOutputTail

@Suite("ShellOutputTail")
struct ShellOutputTailTests {
    @Test func keepsEverythingUnderTheLimit() {
        var tail = ShellOutputTail(limit: 10)
        tail.append(Array("abc".utf8))
        tail.append(Array("def".utf8))
        #expect(tail.rendered() == ("abcdef", 0))
    }

    @Test func zeroLimitKeepsNothingButCounts() {
        var tail = ShellOutputTail(limit: 0)
        tail.append(Array("abc".utf8))
        #expect(tail.rendered() == ("…[truncated 3 bytes]\n", 3))
    }

    @Test func matchesAReferenceForRandomChunks() {
        var generator = SplitMix64(seed: 42)
        for limit in [1, 2, 7, 64, 1000] {
            var tail = ShellOutputTail(limit: limit)
            var reference: [UInt8] = []
            var total = 0
            var mismatches = 0
            for _ in 0..<200 {
                let count = Int(generator.next() % UInt64(limit * 3 + 2))
                var chunk = [UInt8](repeating: 0, count: count)
                for index in chunk.indices { chunk[index] = UInt8(truncatingIfNeeded: generator.next()) }
                tail.append(chunk)
                total += count
                reference = Array((reference + chunk).suffix(limit))
                if tail.keptBytes != reference { mismatches += 1 }
            }
            #expect(mismatches == 0, "limit \(limit)")
            #expect(tail.totalBytes == total)
        }
    }

    @Test func dropsAtMostThreeContinuationBytes() {
        // "€" is E2 82 AC: keeping the last 2 bytes of it leaves two continuation bytes.
        var tail = ShellOutputTail(limit: 3)
        tail.append(Array("x€".utf8))
        tail.append(Array("!".utf8))
        #expect(tail.rendered() == ("…[truncated 4 bytes]\n!", 4))
    }
}

// MARK: - Helpers

/// A FIFO a child writes one line to when it reaches a state; the test waits for it.
private final class ReadyFIFO: Sendable {
    let path: String
    private let descriptor: Int32
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/ready"
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        // O_RDWR never blocks on a FIFO (Linux) and keeps a reader present, so the child's
        // `echo > fifo` never blocks either.
        descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit { close(descriptor) }

    struct Timeout: Error, CustomStringConvertible {
        var description: String { "the child did not signal readiness in time" }
    }

    /// Waits for one line, or throws after `timeout`.
    func waitForLine(timeout: Duration) async throws {
        let fd = descriptor
        let line: Bool = await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    // A blocking read needs a thread of its own: on Linux, Dispatch's global
                    // queues share their thread budget with the Swift concurrency pool.
                    Thread {
                        var byte: UInt8 = 0
                        var sawNewline = false
                        while read(fd, &byte, 1) == 1 {
                            if byte == UInt8(ascii: "\n") { sawNewline = true; break }
                        }
                        continuation.resume(returning: sawNewline)
                    }.start()
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            if first == nil {
                // Unblock the reader thread with a line of our own.
                _ = "\n".withCString { write(fd, $0, 1) }
            }
            group.cancelAll()
            await group.waitForAll()
            return first ?? false
        }
        if !line { throw Timeout() }
    }
}

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/shellcore-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var realPath: String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Writes a file and returns its absolute path.
    func write(_ name: String, _ contents: String, executable: Bool) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, executable ? 0o755 : 0o644)
        return file
    }
}

/// Alive and not a zombie.
private func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Whether any live (non-zombie) process still belongs to session `sid`.
private func descendantsAlive(ofSession sid: Int32) -> Bool {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
    for entry in entries {
        guard let pid = Int32(entry),
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { continue }
        // After "(comm) ": state ppid pgrp session ...
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        if fields.count > 3, fields[0] != "Z", Int32(fields[3]) == sid { return true }
    }
    return false
}

/// The child was reaped: it is not waitable any more (ECHILD), so no zombie of ours remains.
private func assertReaped(_ pid: Int32?, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let pid = try #require(pid, sourceLocation: sourceLocation)
    var info = siginfo_t()
    let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
    #expect(rc == -1 && errno == ECHILD, "child \(pid) is still waitable", sourceLocation: sourceLocation)
}

/// Waits for `condition` to become true, re-checking on a short timer, or fails after `timeout`.
///
/// Only for observing processes that are not our children (orphans reaped by someone else),
/// which offer no event to wait on.
private func waitUntil(
    timeout: Duration, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while !condition() {
        guard clock.now < deadline else {
            Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// This process's peak resident set size (VmHWM).
private func peakResidentBytes() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
    let kilobytes = try #require(Int(line.split(separator: " ").dropFirst().first ?? ""))
    return kilobytes * 1024
}
