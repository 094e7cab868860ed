/// What a ``ShellCommand`` run produced.
///
/// For example:
///
/// ```swift
/// let result = await ShellCommand(argv: ["sh", "-c", "echo hi; exit 3"]).run()
/// // result.outcome == .exited(code: 3), result.output == "hi\n"
/// ```
struct ShellResult: Sendable, Equatable, Hashable {
    /// How the run ended.
    var outcome: ShellOutcome

    /// The tail of the combined stdout and stderr, in arrival order.
    ///
    /// Always valid UTF-8: invalid sequences are replaced by U+FFFD. When earlier output was
    /// dropped, the text starts with a marker line, `…[truncated N bytes]\n`, and the kept part
    /// starts at a character boundary. The kept part is at most ``ShellCommand/outputLimit``
    /// bytes of the child's output (the marker and replacement characters come on top).
    var output: String

    /// How many bytes of output were dropped from the front (0 when nothing was).
    var outputTruncatedBytes: Int

    /// The child's process id (also its process group and session id), or `nil` when nothing
    /// was spawned.
    var pid: Int32?
}
