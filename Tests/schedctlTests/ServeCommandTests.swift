import Foundation
import SchedulerKit
import SchedulerKitTestSupport
import Testing

/// `schedctl serve`, `daemon --http` and `tokens` as a user runs them: a real process on a real
/// port of 127.0.0.1, bearer tokens, the first-start `default` token printed once.
@Suite("schedctl serve and tokens")
struct ServeCommandTests {
    /// A `schedctl` server process and the base URL it printed.
    final class Server: @unchecked Sendable {
        let process: ChildProcess
        let log: String
        private(set) var port = 0

        init(_ sandbox: Sandbox, _ arguments: [String], name: String = "serve") async throws {
            log = sandbox.path("\(name).log")
            process = try ChildProcess(
                executable: try Sandbox.binary(), arguments: arguments + ["--db", sandbox.db], stdout: log, stderr: sandbox.path("\(name).err"))
            let deadline = Date().addingTimeInterval(60)
            while port == 0 {
                if let range = output.range(of: #"serving https?://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    port = Int(output[range].split(separator: ":").last ?? "") ?? 0
                }
                guard port == 0 else { break }
                guard process.isRunning, Date() < deadline else {
                    throw TestHTTPClient.Failure(description: "server did not start: \(output)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        /// The token in the printed login URL, if one was printed.
        var loginToken: String? {
            guard let range = output.range(of: #"/login\?token=[A-Za-z0-9_-]+"#, options: .regularExpression) else { return nil }
            return String(output[range].dropFirst("/login?token=".count))
        }

        func stop() async -> Int32? {
            process.signal(SIGTERM)
            return await process.wait(timeout: .seconds(30))
        }
    }

    @Test("serve makes the default token once, prints the login URL, and answers bearer requests")
    func serveDefaultToken() async throws {
        let sandbox = try Sandbox()
        _ = try await sandbox.addJob("nightly")
        let server = try await Server(sandbox, ["serve", "--listen", "127.0.0.1:0"])
        let token = try #require(server.loginToken, "no login URL in: \(server.output)")
        let client = TestHTTPClient(port: server.port)

        #expect(try await client.request("GET", "/healthz").status == 200)
        #expect(try await client.request("GET", "/api/v1/jobs").status == 401)
        let jobs = try await client.request("GET", "/api/v1/jobs", headers: ["Authorization": "Bearer \(token)"])
        #expect(jobs.status == 200)
        #expect(jobs.body.contains("\"name\":\"nightly\""))
        let paused = try await client.request("POST", "/api/v1/jobs/nightly/pause", headers: ["Authorization": "Bearer \(token)"])
        #expect(paused.status == 200)
        #expect(await server.stop() == 0)

        let audit = try await sandbox.sk("audit", "nightly", "--json").jsonArray()
        #expect(audit.first?["action"] as? String == "job.pause")
        #expect(audit.first?["actor"] as? String == "token:default")

        // Second start: a token exists, so none is made and no URL is printed.
        let again = try await Server(sandbox, ["serve", "--listen", "127.0.0.1:0"], name: "serve2")
        #expect(again.loginToken == nil)
        #expect(!again.output.contains(token))
        #expect(await again.stop() == 0)
        let tokens = try await sandbox.sk("tokens", "list", "--json").jsonArray()
        #expect(tokens.map { $0["name"] as? String } == ["default"])
    }

    @Test("tokens add prints the token once (--json: name, role, token); list never shows it; rm revokes")
    func tokensCommands() async throws {
        let sandbox = try Sandbox()
        let added = try await sandbox.sk("tokens", "add", "ci", "--role", "viewer", "--json")
        #expect(added.status == 0, "\(added)")
        let object = try added.jsonObject()
        #expect(object["name"] as? String == "ci")
        #expect(object["role"] as? String == "viewer")
        let token = try #require(object["token"] as? String)
        #expect(token.hasPrefix("skt_"))

        let plain = try await sandbox.sk("tokens", "add", "ops")
        #expect(plain.status == 0)
        #expect(plain.stdout.hasPrefix("skt_"))

        let list = try await sandbox.sk("tokens", "list")
        #expect(list.stdout.contains("ci"))
        #expect(list.stdout.contains("viewer"))
        #expect(!list.stdout.contains(token))
        let listJSON = try await sandbox.sk("tokens", "list", "--json")
        #expect(!listJSON.stdout.contains(token))

        let taken = try await sandbox.sk("tokens", "add", "ci")
        #expect(taken.status == 1)
        #expect(taken.stderr.hasPrefix("schedctl: "))
        let bad = try await sandbox.sk("tokens", "add", "no spaces")
        #expect(bad.status == 65)
        let role = try await sandbox.sk("tokens", "add", "x", "--role", "admin")
        #expect(role.status == 64)
        #expect(try await sandbox.sk("tokens", "rm", "nope").status == 3)

        let server = try await Server(sandbox, ["serve", "--listen", "127.0.0.1:0"])
        #expect(server.loginToken == nil)
        let client = TestHTTPClient(port: server.port)
        #expect(try await client.request("GET", "/api/v1/runs", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        #expect(try await client.request("POST", "/api/v1/jobs/x/pause", headers: ["Authorization": "Bearer \(token)"]).status == 403)
        #expect(try await sandbox.sk("tokens", "rm", "ci").status == 0)
        #expect(try await client.request("GET", "/api/v1/runs", headers: ["Authorization": "Bearer \(token)"]).status == 401)
        #expect(await server.stop() == 0)
    }

    @Test("plain HTTP beyond loopback is refused with exit 64 and a hint, before anything is written")
    func refusesNonLoopback() async throws {
        let sandbox = try Sandbox()
        let r = try await sandbox.sk("serve", "--listen", "0.0.0.0:0")
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("schedctl: refusing to serve plain HTTP"))
        #expect(r.stderr.contains("--insecure-http"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: sandbox.db))
        let half = try await sandbox.sk("serve", "--tls-cert", "/nonexistent.pem")
        #expect(half.status == 64)
        let daemon = try await sandbox.sk("daemon", "--http", "0.0.0.0:0", "--for", "1s")
        #expect(daemon.status == 64)
    }

    @Test("a TLS certificate or key that is missing, not PEM, or not a pair: one line, exit 65, nothing written")
    func badTLSFiles() async throws {
        let certs = try await TestCertificates.shared()
        let sandbox = try Sandbox()
        let garbage = sandbox.path("garbage.pem")
        try "not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let cases: [(cert: String, key: String, says: String)] = [
            (sandbox.path("missing.pem"), certs.keyFile.path, "cannot read the TLS certificate"),
            (certs.certificateFile.path, sandbox.path("missing.key"), "cannot read the TLS key"),
            (garbage, certs.keyFile.path, "not a PEM certificate chain"),
            (certs.certificateFile.path, garbage, "not a PEM private key"),
            // the CA's certificate with the server's key
            (certs.caFile.path, certs.keyFile.path, "does not belong to the certificate"),
        ]
        for c in cases {
            for command in [["serve", "--listen", "127.0.0.1:0"], ["daemon", "--http", "127.0.0.1:0", "--for", "1s"]] {
                let r = try await sandbox.run(["--db", sandbox.db] + command + ["--tls-cert", c.cert, "--tls-key", c.key])
                #expect(r.status == 65, "\(command) \(c.says): \(r)")
                #expect(r.stderr.hasPrefix("schedctl: ") && r.stderr.contains(c.says), "\(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
                #expect(!r.stderr.contains("internal error"))
                #expect(!FileManager.default.fileExists(atPath: sandbox.db), "the database was created")
            }
        }
    }

    @Test("with a good certificate and key, serve answers HTTPS that verifies against its CA, and not plain HTTP")
    func servesHTTPS() async throws {
        let certs = try await TestCertificates.shared()
        let sandbox = try Sandbox()
        let server = try await Server(
            sandbox, ["serve", "--listen", "127.0.0.1:0", "--tls-cert", certs.certificateFile.path, "--tls-key", certs.keyFile.path])
        #expect(server.output.contains("serving https://127.0.0.1:\(server.port)"))
        // A real TLS client, verifying the chain and the name.
        let out = sandbox.path("s_client.out")
        let client = try ChildProcess(
            executable: "/bin/sh",
            arguments: [
                "-c",
                "printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | /usr/bin/openssl s_client -quiet -connect 127.0.0.1:\(server.port) -servername localhost -CAfile \(certs.caFile.path) -verify_return_error",
            ],
            stdout: out, stderr: sandbox.path("s_client.err"))
        #expect(await client.wait(timeout: .seconds(30)) == 0)
        let answer = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        // Plain HTTP on the TLS port gets no HTTP answer.
        let plain = try? await TestHTTPClient(port: server.port, timeout: 10).request("GET", "/healthz")
        #expect(plain?.status != 200)
        #expect(await server.stop() == 0)
    }

    @Test("daemon --http serves the API beside the scheduler and drains on SIGTERM")
    func daemonHTTP() async throws {
        let sandbox = try Sandbox()
        let issued = try await sandbox.sk("tokens", "add", "ops", "--json").jsonObject()
        let token = try #require(issued["token"] as? String)
        _ = try await sandbox.addJob("nightly")
        let server = try await Server(sandbox, ["daemon", "--http", "127.0.0.1:0", "--grace", "2s"], name: "daemon")
        let client = TestHTTPClient(port: server.port)
        let now = try await client.request("POST", "/api/v1/jobs/nightly/run-now", headers: ["Authorization": "Bearer \(token)"])
        #expect(now.status == 202)
        let id = try #require(try JSONValue.parse(now.body)["run"]?["id"].flatMap { v -> String? in if case .string(let s) = v { s } else { nil } })
        // The scheduler in the same process runs it; the poll path shows it ending.
        let deadline = Date().addingTimeInterval(30)
        var status = ""
        while Date() < deadline {
            let r = try await client.request("GET", "/api/v1/runs/\(id)", headers: ["Authorization": "Bearer \(token)"])
            if case .string(let s)? = try JSONValue.parse(r.body)["status"] { status = s }
            if status == "succeeded" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == "succeeded")
        #expect(await server.stop() == 0)
    }
}
