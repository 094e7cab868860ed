import Foundation

/// The built-in handler of `shell` jobs. (Placeholder until the command runner lands.)
enum ShellHandler {
    static func make(configuration: Scheduler.Configuration) -> JobHandler {
        { context in
            throw SystemFailure("shell handler not available yet")
        }
    }
}
