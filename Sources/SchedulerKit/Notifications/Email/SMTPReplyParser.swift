/// Assembles replies from lines, handling multi-line (`250-…` … `250 …`) replies.
struct SMTPReplyParser {
    /// The most lines one reply may have; EHLO replies have a dozen.
    static let maximumLines = 256

    enum ParseError: Error, Hashable {
        case malformedLine(String)
        case codeChanged(expected: Int, found: Int)
        case tooManyLines
    }

    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// Feeds one line (without CRLF); returns a reply when `line` completes one.
    mutating func feed(_ line: String) throws -> SMTPReply? {
        let utf8 = Array(line.utf8)
        guard utf8.count >= 3,
              utf8[0..<3].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let code = Int(String(decoding: utf8[0..<3], as: UTF8.self)),
              (200...599).contains(code)
        else {
            throw ParseError.malformedLine(TransportErrorMessage.oneLine(line, limit: 60))
        }
        let separator: UInt8? = utf8.count > 3 ? utf8[3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw ParseError.malformedLine(TransportErrorMessage.oneLine(line, limit: 60))
        }
        if let pendingCode, pendingCode != code {
            throw ParseError.codeChanged(expected: pendingCode, found: code)
        }
        pendingCode = code
        pendingLines.append(utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : "")
        guard pendingLines.count <= Self.maximumLines else { throw ParseError.tooManyLines }
        if separator == UInt8(ascii: "-") { return nil }
        let reply = SMTPReply(code: code, lines: pendingLines)
        self.pendingCode = nil
        self.pendingLines = []
        return reply
    }
}
