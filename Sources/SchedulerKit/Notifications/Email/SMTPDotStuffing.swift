/// Prepares a rendered message for the SMTP `DATA` phase (RFC 5321 §4.5.2).
enum SMTPDotStuffing {
    /// Normalises every line ending to CRLF, doubles a leading `.` on any line, and appends the
    /// `.` CRLF terminator.
    ///
    /// Without the doubling, a body line consisting of a single `.` would end the message early
    /// and the rest would be read by the server as commands.
    static func encode(_ message: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.utf8.count + 16)
        var atLineStart = true
        var previousWasCR = false
        for byte in message.utf8 {
            switch byte {
            case 0x0D:
                output.append(contentsOf: [0x0D, 0x0A])
                atLineStart = true
                previousWasCR = true
                continue
            case 0x0A:
                if !previousWasCR {
                    output.append(contentsOf: [0x0D, 0x0A])
                    atLineStart = true
                }
                previousWasCR = false
                continue
            default:
                if atLineStart && byte == UInt8(ascii: ".") {
                    output.append(UInt8(ascii: "."))
                }
                output.append(byte)
                atLineStart = false
                previousWasCR = false
            }
        }
        if !atLineStart {
            output.append(contentsOf: [0x0D, 0x0A])
        }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
        return output
    }
}
