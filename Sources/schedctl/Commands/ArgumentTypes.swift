import ArgumentParser
import SchedulerKit

// Choices the parser checks itself: a value outside them is a usage error (exit 64).

extension OverlapPolicy: ExpressibleByArgument {}
extension JobStatus: ExpressibleByArgument {}
extension TokenRole: ExpressibleByArgument {}

/// `--misfire run-once|skip`.
enum MisfireArgument: String, CaseIterable, ExpressibleByArgument {
    case runOnce = "run-once"
    case skip

    var policy: MisfirePolicy {
        switch self {
        case .runOnce: .runOnce
        case .skip: .skip
        }
    }
}

/// Parsers for comma-separated lists of choices (`--status failed,system_error`,
/// `--on failure,timeout`); an unknown choice is a usage error like any other bad choice.
enum ChoiceList {
    static func runStatuses(_ text: String) throws -> [RunStatus] {
        try items(text).map { item in
            guard let status = RunStatus(rawValue: item) else {
                throw ValidationError(
                    "--status: \"\(item)\" is not a run status; expected one or more of "
                        + RunStatus.allCases.map(\.rawValue).joined(separator: ", ") + ", separated by commas")
            }
            return status
        }
    }

    static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
