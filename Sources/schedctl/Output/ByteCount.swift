import Foundation

/// Byte counts for people: `512 B`, `1.5 KiB`, `12.3 MiB`.
enum ByteCount {
    public static func format<I: BinaryInteger>(_ bytes: I) -> String {
        let value = Double(Int64(bytes))
        if value < 1024 { return "\(Int64(bytes)) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var scaled = value / 1024
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return String(format: "%.1f %@", scaled, units[unit])
    }
}
