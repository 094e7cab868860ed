import Testing

@testable import SchedulerKit

@Suite("SMTPConfiguration parsing")
struct SMTPConfigurationTests {
    @Test(
        "security and default ports",
        arguments: [
            ("smtp://mail.example.com", SMTPConfiguration.Security.none, 25),
            ("smtp://mail.example.com?security=none", .none, 25),
            ("smtp://mail.example.com?security=starttls", .startTLS, 587),
            ("smtp://mail.example.com?security=tls", .tls, 465),
            ("smtp://mail.example.com?security=STARTTLS", .startTLS, 587),
            ("smtps://mail.example.com", .tls, 465),
            ("smtps://mail.example.com?security=tls", .tls, 465),
            ("smtp://mail.example.com:587", .startTLS, 587),
            ("smtp://mail.example.com:465", .tls, 465),
            ("smtp://mail.example.com:2525", .none, 2525),
            ("smtp://mail.example.com:2525?security=starttls", .startTLS, 2525),
            ("smtp://mail.example.com:587/", .startTLS, 587),
        ])
    func securityAndPorts(url: String, security: SMTPConfiguration.Security, port: Int) throws {
        let configuration = try SMTPConfiguration.parse(url: url, from: "sched@example.com")
        #expect(configuration.host == "mail.example.com")
        #expect(configuration.security == security)
        #expect(configuration.port == port)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(configuration.from == "sched@example.com")
        #expect(configuration.tlsVerification == .full)
    }

    @Test("user and password are percent-decoded")
    func credentials() throws {
        let configuration = try SMTPConfiguration.parse(
            url: "smtp://al%40ice:p%3Aw%2Fd%20%25x@mail.example.com:2525?security=starttls", from: nil)
        #expect(configuration.username == "al@ice")
        #expect(configuration.password == "p:w/d %x")
        #expect(configuration.from == "al@ice")  // user name that is an address doubles as sender
        #expect(configuration.port == 2525)
    }

    @Test("an unencoded password with / ? @ still parses, cut at the last @")
    func unencodedPassword() throws {
        let configuration = try SMTPConfiguration.parse(url: "smtp://bob:pa/ss?w@rd@10.0.0.5:25", from: "b@x.org")
        #expect(configuration.username == "bob")
        #expect(configuration.password == "pa/ss?w@rd")
        #expect(configuration.host == "10.0.0.5")
    }

    @Test("IPv6 hosts, TLS verification options")
    func ipv6AndVerification() throws {
        let v6 = try SMTPConfiguration.parse(url: "smtp://[::1]:2525?security=tls&verify=none", from: "a@b.c")
        #expect(v6.host == "::1")
        #expect(v6.port == 2525)
        #expect(v6.tlsVerification == .none)
        let ca = try SMTPConfiguration.parse(
            url: "smtps://localhost?ca=%2Ftmp%2Fmy%20ca.pem", from: "a@b.c")
        #expect(ca.tlsVerification == .trustRoots(pemFile: "/tmp/my ca.pem"))
    }

    @Test(
        "errors are one line, name the problem, and never contain the password",
        arguments: [
            ("http://u:Zebra-Secret-9@host", "unsupported scheme \"http\""),
            ("u:Zebra-Secret-9@host", "expected smtp://"),
            ("smtp://u:Zebra-Secret-9@host:99999", "invalid port \"99999\""),
            ("smtp://u:Zebra-Secret-9@host:abc", "invalid port \"abc\""),
            ("smtp://u:Zebra-Secret-9@host?security=ssl", "security: unknown value \"ssl\""),
            ("smtp://u:Zebra-Secret-9@host?tls=1", "unknown query parameter \"tls\""),
            ("smtps://u:Zebra-Secret-9@host?security=none", "conflicts"),
            ("smtp://u:Zebra-Secret-9@", "missing host"),
            ("smtp://u:Zebra-Secret-9@host/path", "unexpected path"),
            ("smtp://u:Zebra-Secret-9@host?verify=none", "need security=starttls"),
            ("smtp://u:Zebra-Secret-9@host?security=tls&verify=maybe", "verify: unknown value"),
            ("smtp://u:Zebra-Secret-9@host", "no sender address"),
            ("smtp://u:Zebra%ZZSecret@host", "password is not valid percent-encoding"),
            ("smtp://u:Zebra-Secret-9@ho st", "whitespace"),
        ])
    func errors(url: String, fragment: String) {
        do {
            _ = try SMTPConfiguration.parse(url: url, from: nil)
            Issue.record("accepted \(url)")
        } catch let error as SMTPConfigurationError {
            let text = error.description
            #expect(text.contains(fragment), "\(text)")
            #expect(text.hasPrefix("SMTP URL: "))
            #expect(!text.contains("Zebra"), "\(text)")
            #expect(!text.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("description, debugDescription and dump redact the password")
    func redaction() throws {
        let configuration = try SMTPConfiguration.parse(
            url: "smtp://alice:Zebra-Secret-9@mail.example.com:587?security=starttls", from: "sched@example.com")
        #expect(configuration.description
            == "smtp://alice:***@mail.example.com:587?security=starttls (from sched@example.com)")
        #expect(!String(reflecting: configuration).contains("Zebra"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("Zebra"))
        #expect(dumped.contains("***"))
        let tls = try SMTPConfiguration.parse(url: "smtps://mail.example.com", from: "a@b.c")
        #expect(tls.description == "smtps://mail.example.com:465 (from a@b.c)")
    }
}
