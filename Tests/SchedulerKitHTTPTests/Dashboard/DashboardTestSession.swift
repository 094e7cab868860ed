import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SchedulerKit
import Testing

/// A signed-in browser in a HummingbirdTesting client: its session cookie and CSRF token.
struct DashboardTestSession {
    let cookie: String
    let csrf: String

    /// Signs in through the form with `token`, then reads the CSRF token from the jobs page.
    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> DashboardTestSession {
        let login = try await client.execute(
            uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(token)"))
        #expect(login.status == .seeOther)
        let setCookie = try #require(login.headers[.setCookie])
        let cookie = String(setCookie.split(separator: ";")[0])
        let page = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
        #expect(page.status == .ok)
        let csrf = try #require(Self.csrf(in: String(buffer: page.body)))
        return DashboardTestSession(cookie: cookie, csrf: csrf)
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: #"name="csrf" value="[0-9a-f]+""#, options: .regularExpression) else { return nil }
        return String(html[r].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }

    var headers: HTTPFields { [.cookie: cookie] }

    /// GET `uri` with the cookie; returns status and HTML.
    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, String) {
        let r = try await client.execute(uri: uri, method: .get, headers: headers)
        return (r.status, String(buffer: r.body))
    }

    /// POSTs a form (with this session's CSRF token unless `csrf` says otherwise).
    func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [String: String] = [:], csrf: String?? = .none) async throws -> TestResponse {
        var all = fields
        switch csrf {
        case .none: all["csrf"] = self.csrf
        case .some(.some(let value)): all["csrf"] = value
        case .some(.none): break
        }
        let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }.joined(separator: "&")
        var h = headers
        h[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
    }
}
