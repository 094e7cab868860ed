import Foundation
import NIOConcurrencyHelpers

/// A real SMTP server (aiosmtpd, `Tests/Peers/smtp_server.py`) on 127.0.0.1 for one test.
///
/// It records each accepted message as JSON, parsed by Python's `email` package, before it
/// answers 250 — so once `send` returns, ``messages()`` already sees the message.
/// For example:
/// ```swift
/// let peer = try await SMTPTestPeer.start(options: .init(user: "alice", password: "s3cret"))
/// let report = try await SMTPClient(configuration: peer.configuration(...)).send(message)
/// let received = try peer.messages()
/// await peer.stop()
/// ```
package final class SMTPTestPeer: Sendable {
    /// How to run the server.
    package struct Options: Sendable {
        package enum TLSMode: String, Sendable { case implicit, starttls }
        package var tls: TLSMode?
        package var user: String?
        package var password: String?
        /// AUTH mechanisms to hide (e.g. `["PLAIN"]` to force LOGIN).
        package var excludeAuth: [String] = []
        /// Recipients answered with 550.
        package var rejectRecipients: [String] = []
        /// Recipients answered with 450.
        package var tempfailRecipients: [String] = []
        /// Answer EHLO with 502, as a pre-ESMTP server would.
        package var heloOnly = false
        /// The server exits on its own after this long, whatever happens to the test.
        package var maxLifetime: Duration = .seconds(120)

        package init(
            tls: TLSMode? = nil, user: String? = nil, password: String? = nil, excludeAuth: [String] = [],
            rejectRecipients: [String] = [], tempfailRecipients: [String] = [], heloOnly: Bool = false,
            maxLifetime: Duration = .seconds(120)
        ) {
            self.heloOnly = heloOnly
            self.tls = tls
            self.user = user
            self.password = password
            self.excludeAuth = excludeAuth
            self.rejectRecipients = rejectRecipients
            self.tempfailRecipients = tempfailRecipients
            self.maxLifetime = maxLifetime
        }
    }

    /// One message as the server received and parsed it.
    package struct ReceivedMessage: Sendable, Decodable {
        package var mail_from: String
        package var mail_options: [String]
        package var rcpt_tos: [String]
        package var auth_user: String?
        package var tls: Bool
        package var headers: [String: String]
        package var subject: String?
        package var body: String?
        package var raw: String
        package var max_raw_line_length: Int

        /// The decoded body with CRLF turned into LF.
        package var text: String { (body ?? "").replacingOccurrences(of: "\r\n", with: "\n") }
    }

    package struct StartFailed: Error, CustomStringConvertible {
        package var description: String
    }

    package let port: Int
    package let options: Options
    package let certificates: TestCertificates?
    private let process: Process
    private let exit: PeerProcessExitWatcher
    private let stdin: Pipe
    private let directory: URL

    private init(
        port: Int, options: Options, certificates: TestCertificates?, process: Process, exit: PeerProcessExitWatcher,
        stdin: Pipe, directory: URL
    ) {
        self.port = port
        self.options = options
        self.certificates = certificates
        self.process = process
        self.exit = exit
        self.stdin = stdin
        self.directory = directory
    }

    /// Starts the server and waits (at most `startTimeout`) for it to print its port.
    ///
    /// - throws: ``TestPeers/MissingPeer`` when the venv is missing (run
    ///   `Scripts/setup-test-peers.sh`), ``StartFailed`` when the server does not come up.
    package static func start(options: Options = Options(), startTimeout: Duration = .seconds(20)) async throws
        -> SMTPTestPeer
    {
        let python = try TestPeers.requirePython()
        let certificates = options.tls == nil ? nil : try await TestCertificates.shared()
        let directory = try TestPeers.makeTemporaryDirectory("schedulerkit-smtp")

        var arguments = [
            TestPeers.peersDirectory.appendingPathComponent("smtp_server.py").path,
            "--dir", directory.path,
            "--max-lifetime", String(options.maxLifetime.components.seconds),
        ]
        if let tls = options.tls, let certificates {
            arguments += ["--tls", tls.rawValue, "--cert", certificates.certificateFile.path,
                          "--key", certificates.keyFile.path]
        }
        if let user = options.user { arguments += ["--user", user, "--password", options.password ?? ""] }
        for mechanism in options.excludeAuth { arguments += ["--exclude-auth", mechanism] }
        for address in options.rejectRecipients { arguments += ["--reject-rcpt", address] }
        for address in options.tempfailRecipients { arguments += ["--tempfail-rcpt", address] }
        if options.heloOnly { arguments.append("--helo-only") }

        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = PeerProcessExitWatcher(process)
        try process.run()

        let peerStart = PortLineReader(handle: stdout.fileHandleForReading)
        let port: Int
        do {
            port = try await peerStart.port(timeout: startTimeout)
        } catch {
            process.terminate()
            let errorText = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
            throw StartFailed(description: "SMTP peer did not start: \(error); stderr: \(errorText)")
        }
        return SMTPTestPeer(
            port: port, options: options, certificates: certificates, process: process, exit: exit, stdin: stdin,
            directory: directory)
    }

    /// The messages received so far, in order.
    package func messages() throws -> [ReceivedMessage] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("message-") && $0.hasSuffix(".json") }
            .sorted { messageNumber($0) < messageNumber($1) }
        return try files.map { name in
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            return try JSONDecoder().decode(ReceivedMessage.self, from: data)
        }
    }

    /// Stops the server: closing stdin makes it exit; SIGTERM as a backstop. Idempotent.
    package func stop() async {
        try? stdin.fileHandleForWriting.close()
        if await exit.wait(timeout: .seconds(5)) == nil {
            process.terminate()  // a stuck server is terminated
            _ = await exit.wait(timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func messageNumber(_ name: String) -> Int {
        Int(name.dropFirst("message-".count).dropLast(".json".count)) ?? 0
    }
}

/// Reads the peer's `PORT <n>` line from its stdout without blocking a thread.
private final class PortLineReader: Sendable {
    private struct State {
        package var buffer = Data()
        package var result: Result<Int, any Error>?
        package var waiter: CheckedContinuation<Int, any Error>?
    }

    package struct Closed: Error, CustomStringConvertible {
        package var output: String
        package var description: String { "stdout closed before the port line (output: \(output))" }
    }

    package struct TimedOut: Error, CustomStringConvertible {
        package var description: String { "no port line in time" }
    }

    private let handle: FileHandle
    private let state = NIOLockedValueBox(State())

    package init(handle: FileHandle) {
        self.handle = handle
        handle.readabilityHandler = { [state] handle in
            let chunk = handle.availableData
            let (waiter, result) = state.withLockedValue { state -> (CheckedContinuation<Int, any Error>?, Result<Int, any Error>?) in
                guard state.result == nil else { return (nil, nil) }
                if chunk.isEmpty {
                    state.result = .failure(Closed(output: String(decoding: state.buffer, as: UTF8.self)))
                } else {
                    state.buffer.append(chunk)
                    if let newline = state.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: state.buffer[..<newline], as: UTF8.self)
                        if line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) {
                            state.result = .success(port)
                        } else {
                            state.result = .failure(Closed(output: line))
                        }
                    }
                }
                guard let result = state.result else { return (nil, nil) }
                defer { state.waiter = nil }
                return (state.waiter, result)
            }
            if result != nil { handle.readabilityHandler = nil }
            if let waiter, let result { waiter.resume(with: result) }
        }
    }

    package func port(timeout: Duration) async throws -> Int {
        try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { continuation in
                    let ready = self.state.withLockedValue { state -> Result<Int, any Error>? in
                        if let result = state.result { return result }
                        state.waiter = continuation
                        return nil
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            if let port = first {
                group.cancelAll()
                return port
            }
            // Unblock the reader child before leaving the group.
            let waiter = state.withLockedValue { state -> CheckedContinuation<Int, any Error>? in
                if state.result == nil { state.result = .failure(TimedOut()) }
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: TimedOut())
            throw TimedOut()
        }
    }
}
