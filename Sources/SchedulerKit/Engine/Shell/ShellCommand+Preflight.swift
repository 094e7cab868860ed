#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ShellCommand {
    /// Why this command cannot be started as written, or `nil` when it looks runnable.
    ///
    /// Checked before spawning so that the job's own mistakes get a precise message (Subprocess
    /// reports a missing, non-executable or directory path alike as "not found"). The spawn still
    /// has the last word: anything that changes in between is classified from its `errno`.
    ///
    /// For example:
    ///
    /// ```swift
    /// ShellCommand(argv: []).preflightProblem()  // "empty command: argv has no program"
    /// ShellCommand(argv: ["/etc"]).preflightProblem()  // "cannot execute \"/etc\": is a directory"
    /// ```
    func preflightProblem() -> String? {
        guard let program = argv.first else { return "empty command: argv has no program" }
        guard !program.isEmpty else { return "empty command: argv[0] is an empty string" }
        if let index = argv.firstIndex(where: { $0.utf8.contains(0) }) {
            return "argument \(index) contains a NUL byte"
        }
        for name in environment.keys.sorted() {
            if let problem = Self.environmentNameProblem(name) {
                return "invalid environment variable name \"\(name)\": \(problem)"
            }
            if environment[name]!.utf8.contains(0) {
                return "environment variable \"\(name)\" contains a NUL byte"
            }
        }
        if let workingDirectory {
            if let problem = Self.directoryProblem(workingDirectory) {
                return "working directory \"\(workingDirectory)\" is not usable: \(problem)"
            }
        }
        guard program.contains("/") else { return nil }  // looked up in PATH by the spawn
        let path: String
        if program.hasPrefix("/") || workingDirectory == nil {
            path = program
        } else {
            path = workingDirectory! + "/" + program  // exec resolves it after the chdir
        }
        if let problem = Self.executableProblem(path) {
            return "cannot execute \"\(program)\": \(problem)"
        }
        return nil
    }

    /// POSIX: a name must not be empty, contain `=` or NUL, or start with a digit.
    private static func environmentNameProblem(_ name: String) -> String? {
        guard let first = name.utf8.first else { return "empty name" }
        if name.utf8.contains(UInt8(ascii: "=")) { return "contains \"=\"" }
        if name.utf8.contains(0) { return "contains a NUL byte" }
        if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) { return "starts with a digit" }
        return nil
    }

    private static func directoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return describe(errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "not a directory" }
        guard faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0 else { return describe(errno: errno) }
        return nil
    }

    private static func executableProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT ? "no such file" : describe(errno: errno)
        }
        if info.st_mode & S_IFMT == S_IFDIR { return "is a directory" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "not a regular file" }
        guard faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0 else {
            return errno == EACCES ? "permission denied (not executable)" : describe(errno: errno)
        }
        return nil
    }
}
