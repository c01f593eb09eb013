/// The value below which a fraction `p` of `values` lie (nearest rank); nan when there are none.
/// Shared by the tests and klaxon-bench, so a p99 means the same in both.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = max(1, Int((Double(sorted.count) * p).rounded(.up)))
    return sorted[min(sorted.count, rank) - 1]
}
