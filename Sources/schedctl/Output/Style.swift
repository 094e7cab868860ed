import Foundation
import SchedulerKit

/// Colour for human output: only when stdout is a terminal, `NO_COLOR` is not set (to any
/// value, even empty) and the output is not JSON.
struct Style {
    var enabled: Bool

    static let plain = Style(enabled: false)

    static func detect(json: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        Style(enabled: !json && environment["NO_COLOR"] == nil && Console.stdoutIsTerminal)
    }

    enum Color: String {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case magenta = "35"
        case dim = "2"
        case bold = "1"
    }

    func paint(_ text: String, _ color: Color?) -> String {
        guard enabled, let color, !text.isEmpty else { return text }
        return "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m"
    }

    static func color(for status: JobStatus) -> Color? {
        switch status {
        case .active: .green
        case .paused: .yellow
        case .failed: .red
        case .completed: .dim
        }
    }

    /// A run's status colour. `system_error` (the platform's fault) has its own, distinct from
    /// the red of `failed` and `timed_out` (the job's fault), as on the dashboard.
    static func color(for status: RunStatus) -> Color? {
        switch status {
        case .succeeded: .green
        case .failed, .timedOut: .red
        case .systemError: .magenta
        case .running, .queued: .blue
        case .cancelled, .skipped: .dim
        }
    }
}
