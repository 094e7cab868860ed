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
    private let process: ChildProcess
    private let directory: URL

    private init(port: Int, options: Options, certificates: TestCertificates?, process: ChildProcess, directory: URL) {
        self.port = port
        self.options = options
        self.certificates = certificates
        self.process = process
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

        // The server prints `PORT <n>` first; it exits when its stdin closes (or after its max lifetime).
        let stdoutFile = directory.appendingPathComponent("peer.stdout").path
        let stderrFile = directory.appendingPathComponent("peer.stderr").path
        let process = try ChildProcess(
            executable: python.path, arguments: arguments, input: .pipe, stdout: stdoutFile, stderr: stderrFile)
        let deadline = ContinuousClock.now + startTimeout
        while true {
            let text = (try? String(contentsOfFile: stdoutFile, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }), let port = Int(line.dropFirst(5)) {
                return SMTPTestPeer(port: port, options: options, certificates: certificates, process: process, directory: directory)
            }
            if !process.isRunning || ContinuousClock.now >= deadline {
                process.signal(SIGKILL)
                let errorText = (try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? ""
                throw StartFailed(
                    description: "SMTP peer did not start (\(process.isRunning ? "no port line in time" : "it exited")); stderr: \(errorText)")
            }
            // Waiting for the peer's first line: poll its output file, with a deadline.
            try await Task.sleep(for: .milliseconds(20))
        }
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
        process.closeInput()
        if await process.wait(timeout: .seconds(5)) == nil {
            process.signal(SIGTERM)  // a stuck server is terminated
            _ = await process.wait(timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func messageNumber(_ name: String) -> Int {
        Int(name.dropFirst("message-".count).dropLast(".json".count)) ?? 0
    }
}
