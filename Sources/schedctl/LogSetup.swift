import Foundation
import Logging

/// The logging of the long-running commands (`daemon`, `serve`): stderr, at
/// `$SCHEDCTL_LOG_LEVEL` (default info).
enum LogSetup {
    static func bootstrap(label: String = "schedctl") -> Logger {
        let level = ProcessInfo.processInfo.environment["SCHEDCTL_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
