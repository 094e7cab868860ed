import Foundation
import SchedulerKit

/// Throughput of one benchmark case, in computations per second.
struct CronBenchmarkCaseResult: Sendable {
    var id: String
    var expression: String
    var timeZone: String
    var nextPerSecond: Double
    var coldPerSecond: Double
    /// False for cases the Python peers cannot express (`nW`).
    var comparableWithCronsim: Bool
}

/// Figures of `runCronBenchmark`, shaped like the peer script `cron_next.py`.
struct CronBenchmarkResult: Sendable {
    /// Repeated next-fire over the cases cronsim also runs: total calls / total time.
    var nextPerSecond: Double
    /// Parse + first next-fire from varying starts, same cases.
    var coldPerSecond: Double
    /// As `nextPerSecond`, including the cases only SchedulerKit supports.
    var nextPerSecondAllCases: Double
    var coldPerSecondAllCases: Double
    var iterations: Int
    var coldIterations: Int
    var perCase: [CronBenchmarkCaseResult]
    /// Sum of all computed instants; printing it keeps the optimizer honest.
    var checksum: Double

    /// The figures as JSON (`next_per_s`, `cold_per_s`, ...).
    var jsonFields: [(String, JSONValue)] {
        [
            ("next_per_s", .double(nextPerSecond.rounded())),
            ("cold_per_s", .double(coldPerSecond.rounded())),
            ("next_per_s_all_cases", .double(nextPerSecondAllCases.rounded())),
            ("cold_per_s_all_cases", .double(coldPerSecondAllCases.rounded())),
            ("n_iter", .int(iterations)),
            ("n_cold", .int(coldIterations)),
            ("cases", .int(perCase.count)),
            ("cases_compared", .int(perCase.filter(\.comparableWithCronsim).count)),
            ("per_case", .object(perCase.map {
                ($0.id, .object([("next_per_s", .double($0.nextPerSecond.rounded())), ("cold_per_s", .double($0.coldPerSecond.rounded()))]))
            })),
        ]
    }
}

/// Measures next-fire throughput over the expression set of `shared/peers/cron_next.py`.
///
/// Mirrors the peer script: "iter" restarts the sequence from the case's start every 100
/// calls (restarts not timed); "cold" parses and computes the first fire time from starts
/// spread over about a year.
///
/// - Parameters:
///   - iterations: total next-fire calls, split evenly over the cases.
///   - cold: total parse + first next-fire computations, split evenly over the cases.
func runCronBenchmark(iterations: Int = 2_000_000, cold: Int = 200_000) -> CronBenchmarkResult {
    // id, expression, zone, local start, comparable with cronsim (croniter's L5 is 5L here).
    let cases: [(String, String, String, String, Bool)] = [
        ("every5min", "*/5 * * * *", "UTC", "2026-01-01T00:00:00", true),
        ("weekdays9", "0 9 * * 1-5", "UTC", "2026-01-01T00:00:00", true),
        ("ny_0230_spring", "30 2 * * *", "America/New_York", "2026-03-01T00:00:00", true),
        ("ny_0130_fall", "30 1 * * *", "America/New_York", "2026-10-25T00:00:00", true),
        ("ny_hourly_fall", "0 * * * *", "America/New_York", "2026-10-31T20:00:00", true),
        ("ny_15min_spring", "*/15 * * * *", "America/New_York", "2026-03-08T00:30:00", true),
        ("london_0130_spring", "30 1 * * *", "Europe/London", "2026-03-25T00:00:00", true),
        ("lordhowe_0215_spring", "15 2 * * *", "Australia/Lord_Howe", "2026-09-30T00:00:00", true),
        ("feb29", "0 0 29 2 *", "UTC", "2026-01-01T00:00:00", true),
        ("dom_or_dow", "15,45 */2 1-7 * MON", "UTC", "2026-01-01T00:00:00", true),
        ("alias_hourly", "@hourly", "UTC", "2026-01-01T00:00:00", true),
        ("alias_daily_ny", "@daily", "America/New_York", "2026-03-01T00:00:00", true),
        ("last_dom", "0 0 L * *", "UTC", "2026-01-01T00:00:00", true),
        ("dom31", "0 0 31 * *", "UTC", "2026-01-01T00:00:00", true),
        ("yearly", "0 0 1 1 *", "UTC", "2026-01-01T00:00:00", true),
        ("hours_step_range", "23 0-20/2 * * *", "UTC", "2026-01-01T00:00:00", true),
        ("dom_list", "0 0 1,15 * *", "UTC", "2026-01-01T00:00:00", true),
        ("dom_star_step_dow", "0 0 */2 * MON", "UTC", "2026-01-01T00:00:00", true),
        ("nth_weekday", "0 12 * * FRI#3", "UTC", "2026-01-01T00:00:00", true),
        ("last_friday", "0 18 * * 5L", "UTC", "2026-01-01T00:00:00", true),
        ("nearest_weekday", "0 9 15W * *", "UTC", "2026-01-01T00:00:00", false),
        ("sunday7", "0 0 * * 7", "UTC", "2026-01-01T00:00:00", true),
        ("every7min", "*/7 * * * *", "UTC", "2026-01-01T00:00:00", true),
        ("new_year_eve", "59 23 31 12 *", "UTC", "2026-01-01T00:00:00", true),
    ]
    let comparable = cases.filter(\.4).count
    let perIter = max(1, iterations / comparable)
    let perCold = max(1, cold / comparable)
    let clock = ContinuousClock()
    var checksum = 0.0
    var results: [CronBenchmarkCaseResult] = []
    var totals = (iter: 0.0, cold: 0.0, iterAll: 0.0, coldAll: 0.0)

    for (id, text, zoneName, local, isComparable) in cases {
        guard let zone = TimeZone(identifier: zoneName), let expression = try? CronExpression(text) else { continue }
        let start = benchmarkStart(local, zone)

        var iterSeconds = 0.0
        var done = 0
        while done < perIter {
            let chunk = min(100, perIter - done)
            var iterator = CronSequence(expression: expression, timeZone: zone, after: start).makeIterator()
            let began = clock.now
            for _ in 0..<chunk {
                checksum += iterator.next()?.timeIntervalSince1970 ?? 0
            }
            iterSeconds += seconds(clock.now - began)
            done += chunk
        }

        // 7919 minutes is about 5.5 days: the starts spread over a year, as in cron_next.py.
        let starts = (0..<perCold).map {
            start.addingTimeInterval(Double(7919 * ($0 % 64) + $0 % 60) * 60)
        }
        let began = clock.now
        for s in starts {
            if let parsed = try? CronExpression(text) {
                checksum += parsed.nextFire(after: s, in: zone)?.timeIntervalSince1970 ?? 0
            }
        }
        let coldSeconds = seconds(clock.now - began)

        if isComparable {
            totals.iter += iterSeconds
            totals.cold += coldSeconds
        }
        totals.iterAll += iterSeconds
        totals.coldAll += coldSeconds
        results.append(CronBenchmarkCaseResult(
            id: id, expression: text, timeZone: zoneName,
            nextPerSecond: Double(perIter) / iterSeconds, coldPerSecond: Double(perCold) / coldSeconds,
            comparableWithCronsim: isComparable))
    }
    let all = results.count
    return CronBenchmarkResult(
        nextPerSecond: Double(perIter * comparable) / totals.iter,
        coldPerSecond: Double(perCold * comparable) / totals.cold,
        nextPerSecondAllCases: Double(perIter * all) / totals.iterAll,
        coldPerSecondAllCases: Double(perCold * all) / totals.coldAll,
        iterations: perIter * comparable, coldIterations: perCold * comparable,
        perCase: results, checksum: checksum)
}

/// A local wall time (`yyyy-MM-ddTHH:mm:ss`) in `zone` as an instant.
private func benchmarkStart(_ local: String, _ zone: TimeZone) -> Date {
    let numbers = local.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let components = DateComponents(year: numbers[0], month: numbers[1], day: numbers[2],
                                    hour: numbers[3], minute: numbers[4], second: numbers[5])
    return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
}
