import Foundation

/// Turns a parsed tree (from YAML or JSON) into a ``JobsDocument``, finding every problem of
/// every job in one pass: wrong types, missing and unknown keys, then the values themselves.
///
/// A field whose type is wrong gets a stand-in value so the rest of its job is still checked;
/// problems the stand-in would cause are dropped. Nothing escapes with a stand-in: any problem
/// at all throws.
enum JobsDocumentReader {
    static func read(_ tree: JSONValue, environment: [String: String]?) throws(JobsDocumentError) -> JobsDocument {
        var problems: [JobsDocumentProblem] = []
        func documentProblem(_ message: String) -> JobsDocumentError {
            JobsDocumentError([JobsDocumentProblem(field: "", message: message)])
        }
        guard case .object(let members) = tree else {
            throw documentProblem(
                tree == .null ? "empty document; expected jobs: [...]" : "expected a mapping with the key jobs, found \(kindName(tree))")
        }
        for (key, _) in members where key != "jobs" {
            problems.append(JobsDocumentProblem(field: key, message: "unknown key; expected jobs"))
        }
        guard let list = members.first(where: { $0.0 == "jobs" })?.1 else {
            throw documentProblem("missing key jobs; expected jobs: [...] (an empty list for no jobs)")
        }
        guard case .array(let items) = list else {
            throw documentProblem("jobs: expected a list, found \(kindName(list))")
        }
        var jobs: [DeclaredJob] = []
        var names: [(index: Int, name: String)] = []
        for (index, item) in items.enumerated() {
            var reader = JobReader()
            let job = reader.job(item)
            problems += reader.problems(of: job, environment: environment).map {
                JobsDocumentProblem(jobIndex: index, jobName: reader.name, field: $0.field, message: $0.message)
            }
            if let name = reader.name { names.append((index, name)) }
            jobs.append(job)
        }
        problems += JobsDocument.duplicateNames(names)
        guard problems.isEmpty else {
            // by job, keeping the order found within each (a stable sort)
            let ordered = problems.enumerated().sorted { a, b in
                let (x, y) = (a.element.jobIndex ?? -1, b.element.jobIndex ?? -1)
                return x != y ? x < y : a.offset < b.offset
            }
            throw JobsDocumentError(ordered.map(\.element))
        }
        return JobsDocument(jobs: jobs)
    }

    static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a mapping"
        }
    }
}

/// Reads one job, noting each problem of structure and each field that got a stand-in.
private struct JobReader {
    private(set) var structural: [FieldProblem] = []
    private var standIns: Set<String> = []
    /// The job's name when the file gives a string for it.
    private(set) var name: String?

    /// Structural problems, then the value problems of fields read as written.
    func problems(of job: DeclaredJob, environment: [String: String]?) -> [FieldProblem] {
        structural + job.problems(environment: environment).filter { problem in
            !standIns.contains { problem.field == $0 || problem.field.hasPrefix($0 + ".") || problem.field.hasPrefix($0 + "[") }
        }
    }

    mutating func job(_ value: JSONValue) -> DeclaredJob {
        let placeholder = DeclaredJob(name: "", schedule: .every(seconds: 1, anchor: nil), command: ["-"])
        guard let members = object(value, field: "") else {
            standIns.formUnion(["name", "schedule", "command"])
            return placeholder
        }
        unknownKeys(members, allowed: DeclaredJob.keys, field: "")
        var job = placeholder
        if let v = required(members, "name"), let s = string(v, "name") { job.name = s; name = s } else { standIns.insert("name") }
        if let v = required(members, "schedule"), let s = schedule(v) { job.schedule = s } else { standIns.insert("schedule") }
        if let v = required(members, "command"), let c = stringList(v, "command") { job.command = c } else { standIns.insert("command") }
        if let v = optional(members, "timeout_seconds") { job.timeoutSeconds = seconds(v, "timeout_seconds", allowZero: false) }
        if let v = optional(members, "max_consecutive_errors"), let n = integer(v, "max_consecutive_errors") {
            job.maxConsecutiveErrors = n
        }
        if let v = optional(members, "overlap"), let p = choice(v, "overlap", OverlapPolicy.self) { job.overlap = p }
        if let v = optional(members, "misfire"), let p = choice(v, "misfire", MisfirePolicy.self) { job.misfire = p }
        if let v = optional(members, "jitter_seconds") { job.jitterSeconds = seconds(v, "jitter_seconds", allowZero: true) }
        if let v = optional(members, "state_webhook_url") { job.stateWebhookURL = string(v, "state_webhook_url") }
        if let v = optional(members, "state_webhook_secret_env") {
            job.stateWebhookSecretEnv = string(v, "state_webhook_secret_env")
        }
        if let v = optional(members, "alerts") {
            if case .array(let items) = v {
                job.alerts = items.enumerated().map { alert($1, field: "alerts[\($0)]") }
            } else {
                wrongType("alerts", expected: "a list of alerts", found: v)
            }
        }
        return job
    }

    private mutating func schedule(_ value: JSONValue) -> DeclaredSchedule? {
        guard let members = object(value, field: "schedule") else { return nil }
        guard let kindValue = required(members, "kind", in: "schedule"), let kind = string(kindValue, "schedule.kind") else {
            return nil
        }
        guard let keys = DeclaredSchedule.keys[kind] else {
            structural.append(FieldProblem("schedule.kind", "\"\(kind)\": unknown schedule kind; expected cron, every or at"))
            return nil
        }
        unknownKeys(members, allowed: keys, field: "schedule")
        switch kind {
        case "cron":
            let expression = required(members, "expression", in: "schedule").flatMap { string($0, "schedule.expression") }
            let zone = optional(members, "timezone").map { string($0, "schedule.timezone") } ?? "UTC"
            guard let expression, let zone else { return nil }
            return .cron(expression: expression, timezone: zone)
        case "every":
            let seconds = required(members, "seconds", in: "schedule").flatMap { self.seconds($0, "schedule.seconds", allowZero: false) }
            let anchor = optional(members, "anchor").map { instant($0, "schedule.anchor") }
            guard let seconds else { return nil }
            guard seconds == seconds.rounded(), abs(seconds) < 9e15 else {
                structural.append(FieldProblem("schedule.seconds", "\(seconds): expected a whole number of seconds"))
                return nil
            }
            if anchor == .some(nil) { return nil }
            return .every(seconds: Int64(seconds), anchor: anchor ?? nil)
        default:
            return required(members, "at", in: "schedule").flatMap { instant($0, "schedule.at") }.map { .at($0) }
        }
    }

    private mutating func alert(_ value: JSONValue, field: String) -> DeclaredAlert {
        var alert = DeclaredAlert(alertType: .webhook, target: "http://stand-in")
        guard let members = object(value, field: field) else {
            standIns.insert(field)
            return alert
        }
        unknownKeys(members, allowed: DeclaredAlert.keys, field: field)
        var complete = true
        if let v = required(members, "alert_type", in: field), let t = choice(v, field + ".alert_type", AlertType.self) {
            alert.alertType = t
        } else {
            complete = false
        }
        if let v = required(members, "target", in: field), let t = string(v, field + ".target") { alert.target = t } else { complete = false }
        let events: [(String, WritableKeyPath<DeclaredAlert, Bool>)] = [
            ("on_failure", \.onFailure), ("on_timeout", \.onTimeout), ("on_system_error", \.onSystemError),
        ]
        for (key, path) in events {
            if let v = optional(members, key), let b = bool(v, field + "." + key) { alert[keyPath: path] = b }
        }
        if let v = optional(members, "secret_env") { alert.secretEnv = string(v, field + ".secret_env") }
        // Without a type and a target the value checks of this alert would only echo its stand-ins.
        if !complete { standIns.insert(field) }
        return alert
    }

    // MARK: - Keys

    private mutating func object(_ value: JSONValue, field: String) -> [(String, JSONValue)]? {
        guard case .object(let members) = value else {
            wrongType(field, expected: "a mapping", found: value)
            return nil
        }
        var seen: Set<String> = []
        for (key, _) in members where !seen.insert(key).inserted {
            structural.append(FieldProblem(path(field, key), "given twice"))
        }
        return members
    }

    private mutating func unknownKeys(_ members: [(String, JSONValue)], allowed: [String], field: String) {
        for (key, _) in members where !allowed.contains(key) {
            // `timeoutSeconds`, `timeout`, `type`, `secret`: the key meant is plain to see
            let typed = key.lowercased().replacingOccurrences(of: "_", with: "")
            let hint = allowed.first { allowed in
                let candidate = allowed.replacingOccurrences(of: "_", with: "")
                return candidate == typed || (typed.count >= 4 && (candidate.hasPrefix(typed) || candidate.hasSuffix(typed)))
            }
            structural.append(FieldProblem(
                path(field, key), "unknown key" + (hint.map { "; did you mean \($0)?" } ?? "; expected one of \(allowed.joined(separator: ", "))")))
        }
    }

    private mutating func required(_ members: [(String, JSONValue)], _ key: String, in field: String = "") -> JSONValue? {
        guard let value = members.first(where: { $0.0 == key })?.1 else {
            structural.append(FieldProblem(path(field, key), "missing"))
            return nil
        }
        return value
    }

    /// The value of `key`; nil when it is absent or null (the default applies).
    private func optional(_ members: [(String, JSONValue)], _ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.0 == key })?.1, value != .null else { return nil }
        return value
    }

    private func path(_ field: String, _ key: String) -> String { field.isEmpty ? key : field + "." + key }

    // MARK: - Values

    private mutating func wrongType(_ field: String, expected: String, found: JSONValue) {
        structural.append(FieldProblem(field, "expected \(expected), found \(JobsDocumentReader.kindName(found))"))
        standIns.insert(field)
    }

    private mutating func string(_ value: JSONValue, _ field: String) -> String? {
        guard case .string(let s) = value else {
            wrongType(field, expected: "a string", found: value)
            return nil
        }
        return s
    }

    private mutating func stringList(_ value: JSONValue, _ field: String) -> [String]? {
        guard case .array(let items) = value else {
            wrongType(field, expected: "a list of strings (the argv)", found: value)
            return nil
        }
        var list: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = string(item, "\(field)[\(i)]") else { continue }
            list.append(s)
        }
        return list.count == items.count ? list : nil
    }

    private mutating func bool(_ value: JSONValue, _ field: String) -> Bool? {
        guard case .bool(let b) = value else {
            wrongType(field, expected: "true or false", found: value)
            return nil
        }
        return b
    }

    private mutating func integer(_ value: JSONValue, _ field: String) -> Int? {
        switch value {
        case .int(let n) where n >= Int64(Int32.min) && n <= Int64(Int32.max): return Int(n)
        case .double(let d) where d == d.rounded() && abs(d) <= Double(Int32.max): return Int(d)
        default:
            wrongType(field, expected: "a whole number", found: value)
            return nil
        }
    }

    /// A number of seconds, or a duration written `90s`, `15m`, `1h30m`.
    private mutating func seconds(_ value: JSONValue, _ field: String, allowZero: Bool) -> Double? {
        switch value {
        case .int(let n): return Double(n)
        case .double(let d): return d
        case .string(let text):
            do {
                return Double(try parseDuration(text, field: field, allowZero: allowZero))
            } catch {
                structural.append(FieldProblem(field, error.message))
                standIns.insert(field)
                return nil
            }
        default:
            wrongType(field, expected: "a number of seconds or a duration such as 90s or 1h30m", found: value)
            return nil
        }
    }

    private mutating func instant(_ value: JSONValue, _ field: String) -> Date? {
        guard let text = string(value, field) else { return nil }
        guard let date = ISO8601.parse(text) else {
            structural.append(FieldProblem(field, "\"\(text)\": not a time; expected ISO-8601 such as 2026-11-23T09:30:00Z"))
            standIns.insert(field)
            return nil
        }
        return date
    }

    private mutating func choice<T: RawRepresentable & CaseIterable>(_ value: JSONValue, _ field: String, _ type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(value, field) else { return nil }
        guard let choice = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            structural.append(FieldProblem(field, "\"\(text)\": expected one of \(allowed)"))
            standIns.insert(field)
            return nil
        }
        return choice
    }
}
