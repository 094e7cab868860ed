import Foundation
import Testing
@testable import SchedulerKit

/// One rule for webhook targets: what `alerts add` accepts is what the sender sends to.
@Suite("Target validation")
struct TargetValidationTests {
    static let urls = [
        "http://127.0.0.1:8080/hook", "https://hooks.example.com/a/b?c=d", "HTTPS://Example.com", "http://[::1]:9000/x",
        "https://user:pass@hooks.example.com/x", "https://token@hooks.example.com/x", "http:hooks.example.com/x",
        "http:/hooks.example.com", "https://exa mple.com", "ftp://example.com/x", "http://example.com:99999/", "",
        "example.com/hook", "https://example.com/%zz",
    ]

    @Test("add and send agree on every target", arguments: urls)
    func addAndSendAgree(url: String) {
        let atAdd = (try? TargetValidation.validateWebhookURL(url, field: "webhook")) != nil
        let atSend = (try? WebhookSender.validateTargetURL(url)) != nil
        #expect(atAdd == atSend, "add \(atAdd ? "accepts" : "refuses"), send \(atSend ? "accepts" : "refuses") \(url)")
    }

    @Test("a webhook with credentials is refused when the alert is added, with the reason and without the password")
    func credentialsRefusedAtAdd() async throws {
        try await SchedulerClientTests.with(.sqliteFile) { h async throws in
            _ = try await h.addMinutely("j")
            let error = await expectSchedulerError(.invalidInput) {
                try await h.client.addAlert("j", .webhook("https://user:hunter2@hooks.example.com/x"))
            }
            let message = try #require(error?.message)
            #expect(message.contains("credentials"), "\(message)")
            #expect(message.hasPrefix("webhook: "), "\(message)")
            #expect(!message.contains("hunter2"), "\(message)")
            #expect(try await h.client.alerts("j").isEmpty)
        }
    }

    @Test("host keys carry host and port only")
    func hosts() {
        #expect(TargetValidation.host(of: "https://Hooks.Example.com/a?b=c", channel: .webhook) == "hooks.example.com:443")
        #expect(TargetValidation.host(of: "http://127.0.0.1:8080/x", channel: .webhook) == "127.0.0.1:8080")
        #expect(TargetValidation.host(of: "http://[::1]:9000/x", channel: .webhook) == "[::1]:9000")
        #expect(TargetValidation.host(of: "ops@Example.com", channel: .email) == "example.com")
    }
}
