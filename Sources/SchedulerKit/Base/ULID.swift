import Foundation
import Synchronization

/// Universally unique, lexicographically sortable identifiers (https://github.com/ulid/spec).
///
/// Identifiers made in one process are strictly increasing, even within one millisecond, so
/// ordering runs by id orders them by creation.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    private struct State { var lastMillis: UInt64 = 0; var hi: UInt16 = 0; var lo: UInt64 = 0 }
    private static let state = Mutex(State())

    /// A new ULID for `date` (26 Crockford base-32 characters).
    public static func generate(at date: Date = Date()) -> String {
        let millis = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        let (ms, hi, lo) = state.withLock { s -> (UInt64, UInt16, UInt64) in
            if millis > s.lastMillis {
                s.lastMillis = millis
                s.hi = UInt16.random(in: 0...UInt16.max)
                s.lo = UInt64.random(in: 0...UInt64.max)
            } else {
                // Same (or earlier) millisecond: keep monotonic by incrementing the random part.
                let (lo, overflow) = s.lo.addingReportingOverflow(1)
                s.lo = lo
                if overflow { s.hi &+= 1 }
            }
            return (s.lastMillis, s.hi, s.lo)
        }
        return encode(millis: ms, hi: hi, lo: lo)
    }

    /// The smallest ULID whose time part is `date`: every id made at or after `date` sorts after it.
    public static func lowerBound(for date: Date) -> String {
        let millis = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        return encode(millis: millis, hi: 0, lo: 0)
    }

    /// The creation instant encoded in a ULID, or nil when the text is not a ULID.
    public static func date(of ulid: String) -> Date? {
        let bytes = Array(ulid.utf8)
        guard bytes.count == 26 else { return nil }
        var millis: UInt64 = 0
        for b in bytes.prefix(10) {
            guard let v = alphabet.firstIndex(of: b) else { return nil }
            millis = millis << 5 | UInt64(v)
        }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    private static func encode(millis: UInt64, hi: UInt16, lo: UInt64) -> String {
        var out = [UInt8](repeating: 0, count: 26)
        var t = millis
        for i in stride(from: 9, through: 0, by: -1) { out[i] = alphabet[Int(t & 31)]; t >>= 5 }
        // 80 random bits = hi (16) + lo (64), written as 16 base-32 digits.
        var r_lo = lo
        var r_hi = UInt64(hi)
        for i in stride(from: 25, through: 10, by: -1) {
            out[i] = alphabet[Int(r_lo & 31)]
            r_lo = (r_lo >> 5) | ((r_hi & 31) << 59)
            r_hi >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }
}
