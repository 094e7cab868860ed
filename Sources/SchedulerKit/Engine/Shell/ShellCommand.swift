/// A command line to run as a child process, without a shell.
///
/// `argv[0]` names the program: a bare name (no `/`) is looked up in `PATH` — the `PATH` the
/// child will see, so an override in ``environment`` wins — and anything with a `/` is a path,
/// relative to ``workingDirectory`` when one is set. Nothing is interpreted by a shell; write
/// `["sh", "-c", "…"]` to get one.
///
/// For example:
///
/// ```swift
/// let command = ShellCommand(
///     argv: ["pg_dump", "--file", "/backups/db.sql", "app"],
///     environment: ["PGHOST": "db.internal"],
///     workingDirectory: "/backups",
///     terminationGrace: .seconds(10)
/// )
/// let result = await command.run()
/// if case .exited(code: 0) = result.outcome { print("ok") } else { print(result.output) }
/// ```
///
/// See ``run(_:logger:)`` for what happens while it runs, on cancellation, and how failures are
/// reported.
struct ShellCommand: Sendable, Hashable {
    /// The program and its arguments. `argv[0]` is passed to the program unchanged as its `argv[0]`.
    var argv: [String]

    /// Variables added to, or overriding, the environment inherited from this process.
    var environment: [String: String]

    /// The child's working directory; `nil` inherits this process's.
    ///
    /// A directory that is missing, not a directory, or not searchable makes the run end with
    /// ``ShellOutcome/notFound(_:)`` before anything is spawned.
    var workingDirectory: String?

    /// How many bytes of the combined stdout + stderr tail are kept (the newest ones).
    ///
    /// Memory use is bounded by this (plus one pipe buffer), however much the child writes.
    /// Values below zero count as zero.
    var outputLimit: Int = 64 * 1024

    /// How long the child's process group may take to exit after `SIGTERM` before it gets
    /// `SIGKILL`, when the run is cancelled.
    var terminationGrace: Duration = .seconds(5)

    /// Creates a command.
    ///
    /// - parameters:
    ///   - argv: The program and its arguments; must not be empty.
    ///   - environment: Variables added to or overriding the inherited environment.
    ///   - workingDirectory: The child's working directory, or `nil` to inherit this process's.
    ///   - outputLimit: Bytes of the combined output tail to keep. Default 64 KiB.
    ///   - terminationGrace: Time between `SIGTERM` and `SIGKILL` on cancellation. Default 5 s.
    init(
        argv: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        outputLimit: Int = 64 * 1024,
        terminationGrace: Duration = .seconds(5)
    ) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.outputLimit = outputLimit
        self.terminationGrace = terminationGrace
    }
}
