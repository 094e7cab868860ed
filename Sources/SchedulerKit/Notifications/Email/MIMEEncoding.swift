import Foundation

/// The MIME and RFC 5322 encodings the mail renderer needs, kept free of I/O so they can be
/// unit-tested byte for byte.
enum MIMEEncoding {
    /// The longest encoded line quoted-printable allows, soft break included (RFC 2045 §6.7).
    static let quotedPrintableLineLimit = 76

    /// Encodes text as quoted-printable with CRLF hard line breaks.
    ///
    /// Any line ending in the input (`\r\n`, `\n`, `\r`) becomes a hard CRLF break. Bytes
    /// outside printable ASCII, `=`, and a space or tab before a line break are escaped; lines
    /// are soft-broken so none exceeds 76 characters. The output is pure ASCII, so a message
    /// survives any relay (including non-8BITMIME ones) and long output tails cannot break the
    /// 998-octet SMTP line limit.
    static func quotedPrintable(_ text: String) -> String {
        var output: [UInt8] = []
        let lines = normalizedLines(text)
        for (index, line) in lines.enumerated() {
            var lineLength = 0
            let bytes = Array(line.utf8)
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let literal: Bool
                switch byte {
                case 0x20, 0x09: literal = !isLast  // trailing white space would be stripped in transit
                case 0x21...0x7E: literal = byte != UInt8(ascii: "=")
                default: literal = false
                }
                let width = literal ? 1 : 3
                // Keep room for the "=" of a soft break, unless this is the line's last token.
                let limit = isLast ? quotedPrintableLineLimit : quotedPrintableLineLimit - 1
                if lineLength + width > limit {
                    output.append(contentsOf: [UInt8(ascii: "="), 0x0D, 0x0A])
                    lineLength = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
                lineLength += width
            }
            if index < lines.count - 1 {
                output.append(contentsOf: [0x0D, 0x0A])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The longest header line we produce when folding (RFC 2047 §2 asks 76 for lines with
    /// encoded-words; RFC 5322 recommends 78).
    static let headerLineLimit = 76

    /// Encodes a header value as RFC 2047 encoded-words when it is not plain ASCII.
    ///
    /// ASCII values are returned unchanged (after line breaks become spaces). Other values become
    /// `=?UTF-8?B?…?=` words split on character boundaries and joined by folding white space
    /// (`CRLF SP`), each line at most 76 characters counting the header name before it.
    ///
    /// - parameter prefixLength: the characters already on the first line (`Subject: ` is 9).
    static func encodedWords(_ value: String, prefixLength: Int = 0) -> String {
        let flattened = headerSafe(value)
        if flattened.unicodeScalars.allSatisfy({ $0.isASCII }) {
            return flattened
        }
        // A word is "=?UTF-8?B?" + base64 + "?=" (12 characters of overhead); base64 turns each 3
        // bytes into 4 characters. Continuation lines start with one space.
        // An encoded-word itself may not exceed 75 characters: at most 45 bytes (60 base64 characters).
        func byteBudget(lineUsed: Int) -> Int { min(45, max(3, (headerLineLimit - lineUsed - 12) / 4 * 3)) }
        var budget = byteBudget(lineUsed: prefixLength)
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in flattened {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > budget {
                words.append(encodedWord(chunk))
                chunk = []
                budget = byteBudget(lineUsed: 1)
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: "\r\n ")
    }

    /// Encodes the display names of an address list (`Name <a@b>, c@d`) when not ASCII, and
    /// folds the list between addresses so long lists keep short lines.
    ///
    /// - parameter prefixLength: the characters already on the first line (`To: ` is 4).
    static func addressList(_ addresses: [String], prefixLength: Int = 0) -> String {
        let rendered = addresses.map { address -> String in
            let safe = EmailAddress.trimmed(headerSafe(address))
            guard !safe.unicodeScalars.allSatisfy({ $0.isASCII }), let open = safe.lastIndex(of: "<") else {
                return safe
            }
            var name = EmailAddress.trimmed(String(safe[..<open]))
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 {
                name = String(name.dropFirst().dropLast())
            }
            return encodedWords(name, prefixLength: 1) + " " + safe[open...]
        }
        var result = ""
        var lineLength = prefixLength
        for (index, address) in rendered.enumerated() {
            let firstLineOfAddress = address.components(separatedBy: "\r\n").first ?? address
            if index > 0 {
                if lineLength + 2 + firstLineOfAddress.count > headerLineLimit {
                    result += ",\r\n "
                    lineLength = 1
                } else {
                    result += ", "
                    lineLength += 2
                }
            }
            result += address
            let lastLine = address.components(separatedBy: "\r\n").last ?? address
            lineLength = address.contains("\r\n") ? lastLine.count : lineLength + address.count
        }
        return result
    }

    /// An RFC 5322 date in UTC, e.g. `Mon, 23 Nov 2026 12:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    /// Replaces CR, LF and other control characters with spaces: a header value must never
    /// start a new header (header injection through a job name or error text).
    static func headerSafe(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result.append(" ")
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Splits on any line ending (`\r\n`, `\r`, `\n`).
    static func normalizedLines(_ text: String) -> [Substring] {
        // Swift treats "\r\n" as one Character, so splitting on newline characters handles all three.
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }
}
