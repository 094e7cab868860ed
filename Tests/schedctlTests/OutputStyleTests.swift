import Foundation
import Testing

@Suite("colour")
struct OutputStyleTests {
    @Test func noEscapeCodesWhenPipedOrNoColor() async throws {
        let s = try Sandbox()
        try await s.addJob("c")
        for env in [[:], ["NO_COLOR": "1"], ["NO_COLOR": ""]] {
            for args in [["list"], ["show", "c"], ["runs"], ["audit"]] {
                let r = try await s.run(["--db", s.db] + args, env: env)
                #expect(r.status == 0)
                #expect(!r.stdout.contains("\u{1B}"), "\(args) \(env)")
            }
        }
    }

    /// On a terminal (through script(1)) the status is coloured, unless NO_COLOR is set or --json.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func colourOnlyOnATerminal() async throws {
        let s = try Sandbox()
        try await s.addJob("c")
        let bin = try Sandbox.binary()
        func onTTY(_ command: String, env: [String: String] = [:]) async throws -> CLIResult {
            try await s.run(["-qec", command, "/dev/null"], env: env, executable: "/usr/bin/script")
        }
        let coloured = try await onTTY("'\(bin)' --db '\(s.db)' list")
        #expect(coloured.stdout.contains("\u{1B}["), "\(coloured)")
        let plain = try await onTTY("'\(bin)' --db '\(s.db)' list", env: ["NO_COLOR": "1"])
        #expect(!plain.stdout.contains("\u{1B}["), "\(plain)")
        let json = try await onTTY("'\(bin)' --db '\(s.db)' --json list")
        #expect(!json.stdout.contains("\u{1B}["), "\(json)")
    }
}
