/// Helpers for the address forms SchedulerKit accepts: `user@host` or `Name <user@host>`.
enum EmailAddress {
    /// The bare address for `MAIL FROM` / `RCPT TO`, or nil when `text` is not usable there.
    ///
    /// Refuses anything that could smuggle a command or header: control characters, spaces,
    /// angle brackets inside the address, a missing `@`.
    static func envelopeAddress(of text: String) -> String? {
        // Control characters anywhere (CR, LF above all) could end the command line early.
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        var address = Substring(EmailAddress.trimmed(text))
        if let open = address.lastIndex(of: "<") {
            guard address.hasSuffix(">") else { return nil }
            address = address[address.index(after: open)..<address.index(before: address.endIndex)]
        }
        guard !address.isEmpty, address.utf8.count <= 254 else { return nil }
        guard let at = address.lastIndex(of: "@"), at != address.startIndex,
              address.index(after: at) != address.endIndex
        else { return nil }
        for scalar in address.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || scalar == "<" || scalar == ">" { return nil }
        }
        return String(address)
    }

    /// The domain of an address (after the last `@`), if any.
    static func domain(of text: String) -> String? {
        guard let address = envelopeAddress(of: text), let at = address.lastIndex(of: "@") else { return nil }
        return String(address[address.index(after: at)...])
    }
}

extension EmailAddress {
    /// Trims Unicode white space at both ends (kept here rather than as a `String` extension so
    /// it cannot clash with one elsewhere in the module).
    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
