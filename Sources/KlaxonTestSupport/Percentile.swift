/// The value below which a fraction `p` of `values` lie (nearest rank); nan when there are none.
/// Shared by the tests and klaxon-bench, so a p99 means the same in both.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = max(1, Int((Double(sorted.count) * p).rounded(.up)))
    return sorted[min(sorted.count, rank) - 1]
}

/// Whether a poller kept to its schedule: every poll less than `limit` ms late but at most one. One
/// stall of a busy, shared two-core machine (seen: one poll 2.9 s late while five builds ran) is not
/// the poller's doing, however long; a poller held up by another check is late on poll after poll, by
/// that check's timeout.
public func keptSchedule(lags: [Int64], limit: Int64 = 1000) -> Bool {
    lags.filter { $0 >= limit }.count <= 1
}
