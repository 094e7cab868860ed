import SchedulerKit

/// A signed-in dashboard browser: the token it signed in with and the CSRF token its forms
/// carry. Kept in the server's memory and found by the session cookie (the dashboard owns how).
public struct DashboardSession: Sendable, Hashable {
    /// The session cookie's value.
    public var id: String
    public var identity: APIIdentity
    /// The value every form that changes something must carry.
    public var csrfToken: String

    public init(id: String, identity: APIIdentity, csrfToken: String) {
        self.id = id
        self.identity = identity
        self.csrfToken = csrfToken
    }
}
