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

    /// A system error is the platform's fault: on a terminal it has its own colour, not the red
    /// of a failure, and its own label.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func systemErrorHasItsOwnColour() async throws {
        let s = try Sandbox()
        try await s.addJob("broken")
        try await s.addJob("lost")
        let failed = try await s.sk("--json", "run-now", "broken").jsonObject()
        try await Fixtures.finish(s, runId: try #require(failed["id"] as? String), outcome: .error(.exitNonzero, "exit 2"))
        let lost = try await s.sk("--json", "run-now", "lost").jsonObject()
        try await Fixtures.finish(s, runId: try #require(lost["id"] as? String), outcome: .error(.lost, "gone"))
        let bin = try Sandbox.binary()
        func onTTY(_ args: String, env: [String: String] = [:]) async throws -> String {
            let r = try await s.run(["-qec", "'\(bin)' --db '\(s.db)' \(args)", "/dev/null"], env: env, executable: "/usr/bin/script")
            #expect(r.status == 0, "\(r)")
            return r.stdout
        }
        /// The SGR code of the painted text that begins with `label`.
        func colour(of label: String, in text: String) -> String? {
            guard let pattern = try? NSRegularExpression(pattern: "\u{1B}\\[([0-9;]+)m" + NSRegularExpression.escapedPattern(for: label)),
                let m = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let code = Range(m.range(at: 1), in: text)
            else { return nil }
            return String(text[code])
        }
        for args in ["runs", "list", "show lost", "report lost"] {
            let out = try await onTTY(args)
            let system = colour(of: "system_error", in: out)
            #expect(system != nil, "\(args): system_error is coloured: \(out.debugDescription)")
            #expect(system != "31", "\(args): system_error is not painted the red of failed")
            if args == "runs" || args == "list" {
                #expect(colour(of: "failed", in: out) == "31", "\(args): \(out.debugDescription)")
            }
        }
        // The label stays distinct, and NO_COLOR still means no colour at all.
        let plain = try await onTTY("runs", env: ["NO_COLOR": "1"])
        #expect(!plain.contains("\u{1B}[") && plain.contains("system_error") && plain.contains("failed"), "\(plain)")
    }
}
