/// What the server announced in its `EHLO` reply.
struct SMTPCapabilities: Sendable, Hashable {
    /// Upper-cased keyword → its parameters.
    var extensions: [String: [String]] = [:]

    init() {}

    /// Parses an EHLO reply: the first line is the greeting, each further line one extension.
    init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let keyword = words.first else { continue }
            extensions[keyword.uppercased()] = words.dropFirst().map { String($0) }
        }
    }

    var supportsStartTLS: Bool { extensions["STARTTLS"] != nil }
    var authMechanisms: Set<String> { Set((extensions["AUTH"] ?? []).map { $0.uppercased() }) }
    var supports8BitMIME: Bool { extensions["8BITMIME"] != nil }
}
