import Foundation
import NIOConcurrencyHelpers

/// Paths and processes shared by tests that use real peers (Python, openssl).
package enum TestPeers {
    /// The package root, found from this file's path (…/Sources/SchedulerKitTestSupport/TestPeers.swift).
    package static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SchedulerKitTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// `<package root>/.venv/bin/python`, made by `Scripts/setup-test-peers.sh`.
    package static var python: URL { packageRoot.appendingPathComponent(".venv/bin/python") }

    /// `<package root>/Tests/Peers`.
    package static var peersDirectory: URL { packageRoot.appendingPathComponent("Tests/Peers") }

    package struct MissingPeer: Error, CustomStringConvertible {
        package var description: String
    }

    /// Throws (so the test fails, never skips) when the Python venv has not been set up.
    package static func requirePython() throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw MissingPeer(
                description: "no Python venv at \(python.path): run Scripts/bootstrap.sh (or Scripts/setup-test-peers.sh) first "
                    + "(it creates .venv and installs aiosmtpd and cronsim)")
        }
        return python
    }

    /// A fresh temporary directory, removed by the caller.
    package static func makeTemporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    package struct CommandFailed: Error, CustomStringConvertible {
        package var description: String
    }

    /// Runs a short command to completion (bounded by `timeout`), failing on a non-zero exit.
    package static func run(_ executable: String, _ arguments: [String], in directory: URL, timeout: Duration = .seconds(30))
        async throws
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status = try await PeerProcess.run(process, timeout: timeout)
        guard status == 0 else {
            let text = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            throw CommandFailed(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
    }
}

/// Observes a process's exit without blocking a thread. Create it before `process.run()`.
package final class PeerProcessExitWatcher: Sendable {
    private enum State {
        case running([UInt64: CheckedContinuation<Int32?, Never>])
        case exited(Int32)
    }

    private let state = NIOLockedValueBox(State.running([:]))
    private let nextID = NIOLockedValueBox<UInt64>(0)

    package init(_ process: Process) {
        process.terminationHandler = { [state] process in
            let status = process.terminationStatus
            let waiters = state.withLockedValue { state -> [CheckedContinuation<Int32?, Never>] in
                defer { state = .exited(status) }
                if case .running(let waiters) = state { return Array(waiters.values) }
                return []
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
    }

    /// The exit status, or nil if the process is still running after `timeout`.
    package func wait(timeout: Duration) async -> Int32? {
        await withTaskGroup(of: Int32?.self) { group in
            let id = nextID.withLockedValue { value -> UInt64 in
                value += 1
                return value
            }
            group.addTask { await self.waitUnbounded(id: id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            // Release the unbounded waiter (a no-op if it already returned).
            let waiter = state.withLockedValue { state -> CheckedContinuation<Int32?, Never>? in
                guard case .running(var waiters) = state else { return nil }
                let waiter = waiters.removeValue(forKey: id)
                state = .running(waiters)
                return waiter
            }
            waiter?.resume(returning: nil)
            group.cancelAll()
            return first
        }
    }

    private func waitUnbounded(id: UInt64) async -> Int32? {
        await withCheckedContinuation { continuation in
            let exited = state.withLockedValue { state -> Int32? in
                switch state {
                case .exited(let status):
                    return status
                case .running(var waiters):
                    waiters[id] = continuation
                    state = .running(waiters)
                    return nil
                }
            }
            if let exited { continuation.resume(returning: exited) }
        }
    }
}

/// Runs a process to completion with a deadline.
package enum PeerProcess {
    package struct TimedOut: Error, CustomStringConvertible {
        package var description: String
    }

    /// Starts `process` and returns its exit status; terminates it if `timeout` passes first.
    package static func run(_ process: Process, timeout: Duration) async throws -> Int32 {
        let watcher = PeerProcessExitWatcher(process)
        try process.run()
        if let status = await watcher.wait(timeout: timeout) { return status }
        process.terminate()
        _ = await watcher.wait(timeout: .seconds(5))
        throw TimedOut(description: "\(process.executableURL?.lastPathComponent ?? "process") ran past \(timeout)")
    }
}
