import Foundation

extension JobsDocument {
    /// Everything wrong with the document's values: names (and duplicates), schedules, numbers,
    /// URLs, addresses and, when `environment` is given, `secret_env` variables that are not set.
    ///
    /// ``decode(_:format:environment:)`` already reports these; this is for documents built in
    /// code, and for ``SchedulerClient/apply(_:options:)``, which checks before it writes.
    public func problems(environment: [String: String]?) -> [JobsDocumentProblem] {
        var problems: [JobsDocumentProblem] = []
        for (index, job) in jobs.enumerated() {
            problems += job.problems(environment: environment).map {
                JobsDocumentProblem(jobIndex: index, jobName: job.name, field: $0.field, message: $0.message)
            }
        }
        return problems + Self.duplicateNames(jobs.enumerated().map { ($0.offset, $0.element.name) })
    }

    /// A problem for each job whose name an earlier job already has.
    static func duplicateNames(_ names: [(index: Int, name: String)]) -> [JobsDocumentProblem] {
        var first: [String: Int] = [:]
        var problems: [JobsDocumentProblem] = []
        for (index, name) in names {
            if let earlier = first[name] {
                problems.append(JobsDocumentProblem(
                    jobIndex: index, jobName: name, field: "name",
                    message: "\"\(name)\": duplicate; jobs[\(earlier)] has the same name (names are unique)"))
            } else {
                first[name] = index
            }
        }
        return problems
    }
}

extension DeclaredJob {
    /// What is wrong with this job's values, field by field.
    func problems(environment: [String: String]?) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        do { try Job.validateName(name) } catch { problems.append(FieldProblem("name", error.message)) }
        problems += schedule.problems
        if command.isEmpty {
            problems.append(FieldProblem("command", "empty; expected the argv, e.g. [\"/usr/local/bin/backup\", \"--full\"]"))
        } else if command[0].isEmpty {
            problems.append(FieldProblem("command[0]", "empty; expected the program to run"))
        }
        if let t = timeoutSeconds, !(t > 0 && t.isFinite) {
            problems.append(FieldProblem("timeout_seconds", "\(JSONValue.seconds(t).serialized()): must be positive"))
        }
        if maxConsecutiveErrors < 1 {
            problems.append(FieldProblem("max_consecutive_errors", "\(maxConsecutiveErrors): must be at least 1"))
        }
        if let j = jitterSeconds, !(j >= 0 && j.isFinite) {
            problems.append(FieldProblem("jitter_seconds", "\(JSONValue.seconds(j).serialized()): must not be negative"))
        }
        if let url = stateWebhookURL {
            do { try TargetValidation.validateWebhookURL(url, field: "state_webhook_url") } catch {
                problems.append(FieldProblem("state_webhook_url", error.message))
            }
        }
        if let name = stateWebhookSecretEnv {
            let key = "state_webhook_secret_env"
            if stateWebhookURL == nil {
                problems.append(FieldProblem(key, "a secret signs the state webhook; set state_webhook_url too"))
            } else if !DeclaredAlert.isVariableName(name) {
                problems.append(FieldProblem(key, "\"\(name)\": not an environment variable name; expected [A-Za-z_][A-Za-z0-9_]*"))
            } else if let environment, (environment[name] ?? "").isEmpty {
                problems.append(FieldProblem(key, "\"\(name)\": not set in the environment; export it with the state webhook's secret"))
            }
        }
        for (i, alert) in alerts.enumerated() {
            problems += alert.problems(field: "alerts[\(i)]", environment: environment)
        }
        return problems
    }
}

extension DeclaredAlert {
    /// What is wrong with this alert; fields are named below `field` (`alerts[0].target`).
    func problems(field: String, environment: [String: String]?) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let target = field + ".target"
        do {
            switch alertType {
            case .webhook: try TargetValidation.validateWebhookURL(self.target, field: target)
            case .email: try TargetValidation.validateEmail(self.target, field: target)
            }
        } catch {
            problems.append(FieldProblem(target, error.message))
        }
        if !(onFailure || onTimeout || onSystemError) {
            problems.append(FieldProblem(field, "fires on nothing; set at least one of on_failure, on_timeout, on_system_error"))
        }
        if let name = secretEnv {
            let key = field + ".secret_env"
            if alertType == .email {
                problems.append(FieldProblem(key, "only webhook alerts are signed"))
            } else if !Self.isVariableName(name) {
                problems.append(FieldProblem(key, "\"\(name)\": not an environment variable name; expected [A-Za-z_][A-Za-z0-9_]*"))
            } else if let environment, (environment[name] ?? "").isEmpty {
                problems.append(FieldProblem(key, "\"\(name)\": not set in the environment; export it with the webhook's secret"))
            }
        }
        return problems
    }
}
