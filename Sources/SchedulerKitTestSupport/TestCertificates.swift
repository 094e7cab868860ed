import Foundation

/// A throwaway CA and a server certificate for `localhost` / `127.0.0.1`, made with openssl.
///
/// Generated at test time (once per test process) so no private key is committed and nothing
/// expires in the repository. Trusting `caFile` gives full verification, hostname included.
package struct TestCertificates: Sendable {
    /// The CA certificate (PEM) — the trust root a client is given.
    package var caFile: URL
    /// The server certificate (PEM), signed by the CA, SAN `DNS:localhost, IP:127.0.0.1`.
    package var certificateFile: URL
    /// The server's private key (PEM).
    package var keyFile: URL

    /// The shared set, created on first use.
    package static func shared() async throws -> TestCertificates {
        try await Cache.instance.get()
    }

    private actor Cache {
        package static let instance = Cache()
        private var task: Task<TestCertificates, any Error>?

        package func get() async throws -> TestCertificates {
            if let task { return try await task.value }
            let task = Task { try await TestCertificates.generate() }
            self.task = task
            return try await task.value
        }
    }

    private static func generate() async throws -> TestCertificates {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw TestPeers.MissingPeer(description: "openssl not found at \(openssl) (apt-get install openssl)")
        }
        let directory = try TestPeers.makeTemporaryDirectory("schedulerkit-certs")
        let extensions = """
            subjectAltName=DNS:localhost,IP:127.0.0.1
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth
            """
        try extensions.write(to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try await TestPeers.run(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "7", "-subj", "/CN=SchedulerKit Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ], in: directory)
        try await TestPeers.run(openssl, [
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
        ], in: directory)
        try await TestPeers.run(openssl, [
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "7", "-extfile", "server.ext",
        ], in: directory)
        return TestCertificates(
            caFile: directory.appendingPathComponent("ca.pem"),
            certificateFile: directory.appendingPathComponent("server.pem"),
            keyFile: directory.appendingPathComponent("server.key"))
    }
}
