/// Percentiles by the nearest-rank method: the value at rank ⌈p·n⌉ of the sorted sample, so
/// every answer is a value that was observed.
///
/// For example:
/// ```swift
/// Percentile.of([1, 2, 3, 4], 0.5)   // 2
/// Percentile.of([1, 2, 3, 4], 0.95)  // 4
/// ```
public enum Percentile {
    /// The `p` percentile (0...1) of `values`; nil when there are none.
    public static func of(_ values: some Collection<Double>, _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
