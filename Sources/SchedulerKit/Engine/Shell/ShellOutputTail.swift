/// A bounded ring buffer that keeps the newest bytes of a child's output.
///
/// Appending costs O(chunk) and never allocates beyond `limit` bytes, so a child writing
/// gigabytes uses no more memory than one that writes a line.
///
/// For example:
///
/// ```swift
/// var tail = ShellOutputTail(limit: 4)
/// tail.append(Array("abcdef".utf8))
/// tail.rendered()  // (text: "…[truncated 2 bytes]\ncdef", truncatedBytes: 2)
/// ```
struct ShellOutputTail: Sendable {
    /// The number of bytes kept at most.
    let limit: Int

    /// How many bytes were appended in all.
    private(set) var totalBytes = 0

    private var storage: [UInt8] = []
    /// Index of the oldest byte once `storage` is full; the ring wraps there.
    private var start = 0

    /// Creates an empty tail keeping at most `limit` bytes (negative counts as zero).
    init(limit: Int) {
        self.limit = max(0, limit)
        storage.reserveCapacity(min(self.limit, 64 * 1024))
    }

    /// Appends bytes, dropping the oldest ones beyond ``limit``.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        totalBytes += bytes.count
        guard limit > 0, !bytes.isEmpty else { return }
        var source = bytes.count > limit
            ? UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - limit)...])
            : bytes
        if storage.count < limit {
            let fill = min(limit - storage.count, source.count)
            storage.append(contentsOf: source[..<fill])
            source = UnsafeRawBufferPointer(rebasing: source[fill...])
        }
        // From here on the ring is full: overwrite the oldest bytes in place.
        while !source.isEmpty {
            let run = min(limit - start, source.count)
            let position = start
            storage.withUnsafeMutableBytes { ring in
                UnsafeMutableRawBufferPointer(rebasing: ring[position..<(position + run)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<run]))
            }
            start = (start + run) % limit
            source = UnsafeRawBufferPointer(rebasing: source[run...])
        }
    }

    /// Appends bytes, dropping the oldest ones beyond ``limit``.
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The kept bytes, oldest first.
    var keptBytes: [UInt8] {
        guard start > 0 else { return storage }
        return Array(storage[start...] + storage[..<start])
    }

    /// The kept output as text, with the truncation marker when bytes were dropped.
    ///
    /// When the front was cut, up to three leading UTF-8 continuation bytes (the rest of a
    /// character whose start was dropped) are dropped too and counted in `truncatedBytes`, so the
    /// text starts at a character boundary. Any other invalid sequence becomes U+FFFD.
    func rendered() -> (text: String, truncatedBytes: Int) {
        let bytes = keptBytes
        var dropped = totalBytes - bytes.count
        var first = 0
        if dropped > 0 {
            while first < min(3, bytes.count), bytes[first] & 0b1100_0000 == 0b1000_0000 {
                first += 1
            }
            dropped += first
        }
        let text = String(decoding: bytes[first...], as: UTF8.self)
        guard dropped > 0 else { return (text, 0) }
        return ("…[truncated \(dropped) bytes]\n" + text, dropped)
    }
}
