import ArgumentParser

/// Options every command accepts, before or after its name.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database file (default: $SCHEDCTL_DB, else $XDG_DATA_HOME/schedctl/schedctl.sqlite).",
            valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Print one JSON document on stdout instead of text.")
    var json = false
}

extension GlobalOptions {
    /// Command-line arguments with the global options moved to their command.
    struct Hoisted {
        var arguments: [String]
        /// The subcommand names found, e.g. `["alerts", "add"]`.
        var commandPath: [String]
        /// Global options were given but no command follows them.
        var globalsWithoutCommand: Bool = false
    }

    /// Moves global options written before the subcommand name to just after the subcommand
    /// path, where the parser expects them: `--db x alerts add J` becomes `alerts add --db x J`.
    ///
    /// Only leading `--db PATH`, `--db=PATH` and `--json` move; nothing after the subcommand
    /// name is touched, so a `--` terminator and the command after it stay exactly as written.
    static func hoisted(_ arguments: [String], root: any ParsableCommand.Type) -> Hoisted {
        var globals: [String] = []
        var i = 0
        scan: while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "--json":
                globals.append(a)
                i += 1
            case "--db":
                globals.append(a)
                if i + 1 < arguments.count { globals.append(arguments[i + 1]) }
                i += 2
            case _ where a.hasPrefix("--db="):
                globals.append(a)
                i += 1
            default:
                break scan
            }
        }
        var command = root
        var path: [String] = []
        var j = min(i, arguments.count)
        while j < arguments.count, let sub = Self.subcommand(of: command, named: arguments[j]) {
            command = sub
            path.append(arguments[j])
            j += 1
        }
        let start = min(i, arguments.count)
        // Without a subcommand there is nothing for the globals to attach to: the root only
        // prints help (`schedctl --db x --help`) or reports a missing or unknown command.
        let rest = path.isEmpty ? [] : globals
        return Hoisted(
            arguments: Array(arguments[start..<j]) + rest + Array(arguments[j...]), commandPath: path,
            globalsWithoutCommand: path.isEmpty && !globals.isEmpty && j == arguments.count)
    }

    private static func subcommand(of command: any ParsableCommand.Type, named name: String) -> (any ParsableCommand.Type)? {
        command.configuration.subcommands.first { sub in
            sub.configuration.commandName == name || sub.configuration.aliases.contains(name)
        }
    }
}
