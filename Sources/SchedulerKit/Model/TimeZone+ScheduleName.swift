import Foundation

extension TimeZone {
    /// The zone's name as schedules show it: its IANA identifier, except `UTC` for the zero-offset
    /// zone, which Foundation on Linux reports as `GMT` even when made from `"UTC"`.
    ///
    /// For example:
    /// ```swift
    /// try parseTimeZone("UTC").scheduleName          // "UTC" (identifier is "GMT" on Linux)
    /// try parseTimeZone("Europe/Paris").scheduleName // "Europe/Paris"
    /// ```
    public var scheduleName: String {
        identifier == "GMT" ? "UTC" : identifier
    }
}
