import ArgumentParser
import Foundation
import SchedulerKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place that turns errors into an exit code and the line `schedctl: <problem> (<hint>)`.
///
/// Exit codes follow sysexits(3) where one fits:
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | refused by the job's state (`.refused`), or the name is taken (`.alreadyExists`) |
/// | 3 | not found |
/// | 64 | usage: unknown option, missing argument, bad combination, unreadable option value |
/// | 65 | bad input data (`.invalidInput`): cron, duration, time zone, time, URL, name |
/// | 70 | internal error (a bug; never expected) |
/// | 74 | storage: the database is unreadable, foreign, corrupt, newer or full |
/// | 75 | the database stayed locked past the busy timeout |
///
/// A hint, when there is one, goes on the same line in parentheses, so every error is exactly
/// one line on stderr.
enum ExitCodes {
    static let success: Int32 = 0
    static let refused: Int32 = 1
    static let notFound: Int32 = 3
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let internalError: Int32 = 70
    static let storage: Int32 = 74
    static let busy: Int32 = 75

    /// The exit code of a library error.
    static func code(for code: SchedulerError.Code) -> Int32 {
        switch code {
        case .refused, .alreadyExists: refused
        case .notFound: notFound
        case .invalidInput: dataError
        case .storage: storage
        case .busy: busy
        }
    }

    /// The exit code of `schedctl check` (Nagios plugin convention): 0 OK, 1 WARNING, 2 CRITICAL.
    static func code(for status: HealthStatus) -> Int32 {
        switch status {
        case .ok: success
        case .warning: 1
        case .critical: 2
        }
    }

    /// Reports an error thrown while parsing the command line and exits: help and version
    /// requests print in full and exit 0, every other problem is a usage error (64).
    static func exitParsing(_ error: any Error, commandPath: [String]) -> Never {
        if Schedctl.exitCode(for: error) == .success {
            Schedctl.exit(withError: error)
        }
        let message = Schedctl.message(for: error)
        fail(usageMessage(message), hint: helpHint(commandPath), code: usage)
    }

    /// Reports an error thrown by a command and exits with its code.
    static func exit(_ error: any Error, commandPath: [String]) -> Never {
        // `schedctl CMD --help` parses to a help command whose run throws the help request.
        if !(error is SchedulerError), Schedctl.exitCode(for: error) == .success {
            Schedctl.exit(withError: error)
        }
        switch error {
        case let e as SchedulerError:
            fail(e.message, hint: e.remedy.map(commandHint) ?? e.hint, code: code(for: e.code))
        case let e as ValidationError:
            fail(usageMessage(e.message), hint: helpHint(commandPath), code: usage)
        case let e as ExitCode:
            terminate(e.rawValue)
        case is CleanExit:
            Schedctl.exit(withError: error)
        default:
            fail("internal error: \(error)", hint: "please report this", code: internalError)
        }
    }

    static func exitSuccess() -> Never { terminate(success) }

    /// The library names what helps (``SchedulerError/Remedy``); the CLI says it with its own
    /// commands and options.
    static func commandHint(_ remedy: SchedulerError.Remedy) -> String {
        switch remedy {
        case .listJobs: "see schedctl list"
        case .listRuns: "see schedctl runs"
        case .listAlerts: "see schedctl alerts list JOB"
        case .listDeliveries: "see schedctl deliveries"
        case .listTokens: "see schedctl tokens list"
        case .removeToken(let name): "remove it first with schedctl tokens rm \(name)"
        case .listArtifacts(let run): "see schedctl artifacts \(run)"
        case .forceResume: "use resume --force to revive it"
        case .createDatabase: "check --db or SCHEDCTL_DB; a command that changes the database, such as schedctl add, creates it"
        case .giveSchema: "a command that changes the database, such as schedctl add, gives it a schema"
        case .migrateDatabase: "start schedctl daemon (or any command that changes the database) once with this version to upgrade it"
        case .otherPath: "pass --db with another path; the file was left untouched"
        case .upgradeProgram: "upgrade schedctl; the file was left untouched"
        }
    }

    /// Writes `schedctl: <message> (<hint>)` to stderr and exits with `code`.
    static func fail(_ message: String, hint: String? = nil, code: Int32) -> Never {
        var line = "schedctl: " + oneLine(message)
        if let hint, !hint.isEmpty { line += " (\(oneLine(hint)))" }
        Console.error(line)
        terminate(code)
    }

    private static func terminate(_ code: Int32) -> Never {
        #if canImport(Glibc)
        Glibc.exit(code)
        #else
        Darwin.exit(code)
        #endif
    }

    /// Argument-parser messages start with a capital and may span lines; ours are one lower-case line.
    private static func usageMessage(_ message: String) -> String {
        let line = oneLine(message)
        guard let first = line.first else { return "invalid command line" }
        return first.lowercased() + line.dropFirst()
    }

    private static func helpHint(_ commandPath: [String]) -> String {
        "see " + (["schedctl"] + commandPath + ["--help"]).joined(separator: " ")
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
