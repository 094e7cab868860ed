import Foundation

/// Which runs a job's due slots turn into, given how late the scheduler is.
struct SlotPlan {
    /// The slot to run under misfire `runOnce`: the first due slot on time, or one catch-up for
    /// everything missed (scheduled for the latest missed slot).
    var runOnce: (Date, RunTrigger)?
    /// The latest due slot when it is within the grace period (misfire `skip` runs it).
    var onTime: Date?
    /// The slots misfire `skip` records as skipped: the latest one and how many.
    var missedToSkip: (slot: Date, count: Int)?
    /// The job's next slot after this claim.
    var next: Date?

    /// Bound on slots walked to find the latest one missed, so a long outage of a per-second
    /// schedule costs milliseconds, not a loop over every slot.
    static let maxWalk = 10_000

    /// A slot not yet due, claimed ahead of time: run it on time, then the next slot.
    static func upcoming(schedule: Schedule, slot: Date) -> SlotPlan {
        var plan = SlotPlan(next: schedule.nextFire(after: slot))
        plan.runOnce = (slot, .schedule)
        plan.onTime = slot
        return plan
    }

    static func make(schedule: Schedule, firstDue: Date, now: Date, grace: Double) -> SlotPlan {
        var latest = firstDue
        var count = 1
        var next: Date?
        switch schedule {
        case .every(let seconds, let anchor):
            let step = Double(seconds)
            let k = max(0, (now.timeIntervalSince(firstDue) / step).rounded(.down))
            latest = firstDue.addingTimeInterval(k * step)
            count = Int(k) + 1
            next = schedule.nextFire(after: max(now, latest))
            _ = anchor
        case .at:
            next = nil
        case .cron:
            next = schedule.nextFire(after: firstDue)
            var walked = 0
            while let n = next, n <= now {
                latest = n
                count += 1
                walked += 1
                if walked >= maxWalk {
                    // too many to walk: find the latest slot by probing back from now
                    latest = schedule.latestSlot(atOrBefore: now, notBefore: latest)
                    next = schedule.nextFire(after: now)
                    break
                }
                next = schedule.nextFire(after: n)
            }
        }
        var plan = SlotPlan(next: next)
        let latestOnTime = now.timeIntervalSince(latest) <= grace
        if count == 1 && latestOnTime {
            plan.runOnce = (firstDue, .schedule)
            plan.onTime = firstDue
        } else {
            plan.runOnce = (latest, .catchup)
            plan.onTime = latestOnTime ? latest : nil
            let skipped = latestOnTime ? count - 1 : count
            if skipped > 0 {
                // the latest slot that is not run
                let slot = latestOnTime ? (schedule.previousSlot(before: latest, notBefore: firstDue) ?? firstDue) : latest
                plan.missedToSkip = (slot, skipped)
            }
        }
        return plan
    }
}

extension Schedule {
    /// The slot before `date`, for recording a skipped slot; nil when it cannot be found cheaply.
    func previousSlot(before date: Date, notBefore floor: Date) -> Date? {
        switch self {
        case .every(let seconds, _):
            let p = date.addingTimeInterval(-Double(seconds))
            return p >= floor ? p : nil
        case .at:
            return nil
        case .cron:
            // cron slots are whole seconds: the one before `date` is the latest at or before date - 1 ms
            let before = date.addingTimeInterval(-0.001)
            return before >= floor ? latestSlot(atOrBefore: before, notBefore: floor) : nil
        }
    }

    /// The latest slot at or before `date`, given `floor`, a slot at or before it.
    ///
    /// Probes back from `date` in doubling windows, so that a long outage costs a few lookups
    /// rather than a walk over every slot since `floor`.
    func latestSlot(atOrBefore date: Date, notBefore floor: Date) -> Date {
        func walk(from start: Date) -> Date {
            var last = start
            var walked = 0
            while walked < SlotPlan.maxWalk, let n = nextFire(after: last), n <= date {
                last = n
                walked += 1
            }
            return last
        }
        var window = 1.0
        while true {
            let from = date.addingTimeInterval(-window)
            if from <= floor { return walk(from: floor) }
            if let first = nextFire(after: from), first <= date { return walk(from: first) }
            window *= 2
        }
    }
}
