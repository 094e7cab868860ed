import Foundation
import SchedulerKit
import SchedulerKitTesting
import Testing

@Suite("SchedulerHarness: perform(kind:payload:)")
struct HarnessPerformTests {
    struct Greeting: Codable, Sendable { var name: String }

    @Test("the handler gets the payload and context; output and success are recorded")
    func success() async throws {
        let harness = try SchedulerHarness()
        harness.register("greet") { context in
            let greeting = try context.payload(as: Greeting.self)
            context.appendOutput("hello \(greeting.name) attempt \(context.attempt) \(context.trigger.rawValue)")
        }
        let run = try await harness.perform(kind: "greet", payload: JobPayload(Greeting(name: "ada")))
        #expect(run.status == .succeeded)
        #expect(run.output == "hello ada attempt 1 schedule")
        #expect(run.finishedAt == harness.now)
        #expect(try await harness.client.run(run.id.rawValue).status == .succeeded)
    }

    /// One way a handler can fail, and what the engine records for it.
    struct Failure: Sendable, CustomTestStringConvertible {
        var thrown: String
        var status: RunStatus
        var type: ErrorType
        var code: String
        var testDescription: String { thrown }
    }

    @Test("errors are classified by the engine's one rule", arguments: [
        Failure(thrown: "user", status: .failed, type: .user, code: "handler_error"),
        Failure(thrown: "system", status: .systemError, type: .system, code: "system_failure"),
        Failure(thrown: "code", status: .failed, type: .user, code: "exit_nonzero"),
    ])
    func classification(_ failure: Failure) async throws {
        struct Boom: Error {}
        let harness = try SchedulerHarness()
        harness.register("fail") { context in
            switch try context.payload(as: String.self) {
            case "user": throw Boom()
            case "system": throw SystemFailure("disk unavailable")
            default: throw RunFailure(.exitNonzero, "exit 3", exitCode: 3)
            }
        }
        let run = try await harness.perform(kind: "fail", payload: JobPayload(failure.thrown))
        #expect(run.status == failure.status)
        #expect(run.errorType == failure.type)
        #expect(run.errorCode == failure.code)
    }

    @Test("a kind with no handler is the platform's fault: handler_missing")
    func missingHandler() async throws {
        let harness = try SchedulerHarness()
        let run = try await harness.perform(kind: "nobody-home")
        #expect(run.status == .systemError)
        #expect(run.errorCode == "handler_missing")
    }
}
