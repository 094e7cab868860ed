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
        let errorsFile = directory.appendingPathComponent(".stderr-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: errorsFile) }
        let child = try ChildProcess(
            executable: executable, arguments: arguments, workingDirectory: directory.path, stderr: errorsFile)
        guard let status = await child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            await child.wait()
            throw CommandFailed(description: "\(executable) ran past \(timeout)")
        }
        guard status == 0 else {
            let text = (try? String(contentsOfFile: errorsFile, encoding: .utf8)) ?? ""
            throw CommandFailed(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
    }

    package struct PeerTimedOut: Error, CustomStringConvertible {
        package var description: String
    }

    /// Runs a peer to completion with its stdout and stderr in the file `log`, environment
    /// `environment` added to this process's; kills it and throws past `timeout`.
    ///
    /// - returns: its exit status and what it wrote.
    package static func runLogged(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], log: String, timeout: Duration
    ) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            executable: executable, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: log, stderr: log)
        guard let status = await child.wait(timeout: timeout) else {
            child.signal(SIGKILL)
            _ = await child.wait()
            throw PeerTimedOut(description: "\((executable as NSString).lastPathComponent) ran past \(timeout)")
        }
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}
