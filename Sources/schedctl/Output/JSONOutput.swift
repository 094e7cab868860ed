import SchedulerKit

/// Prints the one JSON document of a `--json` command; the shapes are ``WireJSON``'s.
enum JSONOutput {
    /// Prints `value` as the command's one JSON document.
    static func print(_ value: JSONValue) {
        // Objects come out in the order they were built: `.members` sorts, SPEC-ordered ones keep theirs.
        Console.out(value.serialized(pretty: true) + "\n")
    }
}
