import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to stdout and stderr with plain `write(2)`: callers hand over whole documents, so
/// there is no buffer to flush and nothing is lost on `exit`.
enum Console {
    /// Writes `text` to stdout exactly as given.
    static func out(_ text: String) {
        write(fd: STDOUT_FILENO, text)
    }

    /// Writes `data` to stdout byte for byte.
    static func out(_ data: Data) {
        data.withUnsafeBytes { write(fd: STDOUT_FILENO, $0) }
    }

    /// Writes `line` and a newline to stdout.
    static func line(_ line: String) {
        write(fd: STDOUT_FILENO, line + "\n")
    }

    /// Writes `line` and a newline to stderr.
    static func error(_ line: String) {
        write(fd: STDERR_FILENO, line + "\n")
    }

    /// Whether stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    /// Whether stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    private static func write(fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { write(fd: fd, UnsafeRawBufferPointer($0)) }
    }

    private static func write(fd: Int32, _ buffer: UnsafeRawBufferPointer) {
        guard var base = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            #if canImport(Glibc)
            let n = Glibc.write(fd, base, left)
            #else
            let n = Darwin.write(fd, base, left)
            #endif
            if n < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe (`schedctl list | head`): nothing more to say
            }
            left -= n
            base += n
        }
    }
}
