import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests.
///
/// Foundation's `Process.run()` in swift-corelibs-foundation 6.3.1 crashes intermittently on
/// Linux (an over-read while listing `/proc/self/fd`, fixed upstream in
/// swift-corelibs-foundation#5472 but not in this toolchain); a test process with many open
/// files hits it often. This spawns directly: file descriptors above 2 are closed in the child,
/// stdout and stderr go to files, and the exit is observed on a thread of its own.
///
/// For example:
/// ```swift
/// let child = try ChildProcess(executable: "/bin/echo", arguments: ["hi"], stdout: outPath)
/// let status = await child.wait()   // 0
/// ```
package final class ChildProcess: Sendable {
    /// Where the child's standard input comes from.
    package enum Input: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe whose write end the parent keeps (`closeInput()` sends end-of-file).
        case pipe
    }

    package struct SpawnFailed: Error, CustomStringConvertible {
        package var description: String
    }

    package let pid: pid_t
    private let inputWriter: Int32?
    private let state = Mutex<State>(State())

    private struct State {
        var status: Int32?
        var waiters: [UInt64: CheckedContinuation<Int32?, Never>] = [:]
        var next: UInt64 = 0
        var inputClosed = false
    }

    /// Starts `executable` (a path, or a name looked up in `PATH`).
    ///
    /// - parameters:
    ///   - stdout, stderr: files to write to (created or truncated); nil means `/dev/null`.
    ///     Pass the same path for both to interleave them in one file.
    package init(
        executable: String, arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil, input: Input = .null, stdout: String? = nil, stderr: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        var pipeFDs: [Int32] = [-1, -1]
        if case .pipe = input {
            guard pipe(&pipeFDs) == 0 else { throw SpawnFailed(description: "pipe: errno \(errno)") }
            _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let stderr, stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        if let workingDirectory {
            guard let addChdir = Self.addChdir else { throw SpawnFailed(description: "posix_spawn_file_actions_addchdir_np is missing") }
            _ = workingDirectory.withCString { addChdir(&actions, $0) }
        }
        // The test process holds databases, sockets and pipes: none of them is the child's business.
        _ = Self.addCloseFrom?(&actions, 3)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let rc = executable.contains("/")
            ? posix_spawn(&child, executable, &actions, nil, &argv, &envp)
            : posix_spawnp(&child, executable, &actions, nil, &argv, &envp)
        if case .pipe = input { close(pipeFDs[0]) }
        guard rc == 0 else {
            if case .pipe = input { close(pipeFDs[1]) }
            throw SpawnFailed(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        inputWriter = pipeFDs[1] >= 0 ? pipeFDs[1] : nil
        let spawned = child
        // The thread holds the object until the child exits: a running child is never orphaned.
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) == -1 && errno == EINTR {}
            // Exit code, or 128 + signal like a shell.
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            let waiters = state.withLock { s -> [CheckedContinuation<Int32?, Never>] in
                s.status = code
                let w = Array(s.waiters.values)
                s.waiters.removeAll()
                return w
            }
            for w in waiters { w.resume(returning: code) }
        }
    }

    deinit {
        closeInput()
    }

    /// The exit status once the child has exited (its code, or 128 + the signal that killed it).
    package var exitStatus: Int32? { state.withLock { $0.status } }
    package var isRunning: Bool { exitStatus == nil }

    /// Sends `signal` to the child while it has not been reaped.
    package func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Closes the write end of the child's input pipe (end-of-file for the child).
    package func closeInput() {
        let fd = state.withLock { s -> Int32? in
            guard !s.inputClosed else { return nil }
            s.inputClosed = true
            return inputWriter
        }
        if let fd { close(fd) }
    }

    /// Blocks the calling thread until the child exits or `timeout` seconds pass (for the few
    /// places that cannot await, such as an exit handler): nil if it still runs.
    package func waitBlocking(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = exitStatus { return status }
            usleep(2000)
        }
        return exitStatus
    }

    /// Waits for the child to exit.
    @discardableResult
    package func wait() async -> Int32 {
        while true {
            if let status = await wait(timeout: .seconds(3600)) { return status }
        }
    }

    /// The exit status, or nil if the child still runs after `timeout`.
    package func wait(timeout: Duration) async -> Int32? {
        let id = state.withLock { s -> UInt64 in
            s.next &+= 1
            return s.next
        }
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { (c: CheckedContinuation<Int32?, Never>) in
            let done = state.withLock { s -> Int32?? in
                if let status = s.status { return .some(status) }
                s.waiters[id] = c
                return .none
            }
            if let done { c.resume(returning: done) }
        }
    }

    private typealias FileAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc ≥ 2.29 / 2.34 extensions that Swift's Glibc module does not expose.
    private static let addChdir: FileAction? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: FileAction.self) }
    private static let addCloseFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
}
