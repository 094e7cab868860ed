import Foundation
import SchedulerKit

/// The human form of an apply plan: one line per job, its differences indented below, then
/// a summary line.
enum PlanText {
    static func lines(_ plan: ApplyPlan, style: Style) -> [String] {
        var lines: [String] = []
        let width = ApplyPlan.Action.allCases.map(\.rawValue.count).max() ?? 0
        for entry in plan.entries {
            let action = entry.action.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append(style.paint(action, color(entry.action)) + "  " + entry.name)
            for d in entry.differences {
                switch (d.from, d.to) {
                case (let from?, let to?): lines.append("    \(d.field): \(from) -> \(to)")
                case (nil, let to?): lines.append("    \(d.field): + \(to)")
                case (let from?, nil): lines.append("    \(d.field): - \(from)")
                case (nil, nil): break
                }
            }
        }
        let counts = "\(plan.count(.create)) to create, \(plan.count(.update)) to update, "
            + "\(plan.count(.unchanged)) unchanged, \(plan.count(.delete)) to delete"
        if plan.dryRun {
            lines.append("dry run: \(counts); nothing was written")
        } else if plan.changesSomething {
            lines.append("applied: \(plan.count(.create)) created, \(plan.count(.update)) updated, "
                + "\(plan.count(.unchanged)) unchanged, \(plan.count(.delete)) deleted")
        } else {
            lines.append("nothing to change: \(plan.count(.unchanged)) unchanged")
        }
        return lines
    }

    private static func color(_ action: ApplyPlan.Action) -> Style.Color? {
        switch action {
        case .create: .green
        case .update: .yellow
        case .unchanged: .dim
        case .delete: .red
        }
    }
}
