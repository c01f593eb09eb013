/// A check's states over the last day, as the times they began, for uptime over 1 h and 24 h. State
/// changes are rare, so this stays small whatever the polling interval.
public struct UptimeHistory: Hashable, Sendable {
    /// When each state began, oldest first.
    public private(set) var changes: [(at: Timestamp, state: CheckState)] = []
    public static let keptSeconds: Int64 = 25 * 3600

    public init() {}

    public static func == (a: UptimeHistory, b: UptimeHistory) -> Bool {
        a.changes.count == b.changes.count
            && zip(a.changes, b.changes).allSatisfy { $0.at == $1.at && $0.state == $1.state }
    }

    public func hash(into hasher: inout Hasher) {
        for change in changes {
            hasher.combine(change.at)
            hasher.combine(change.state)
        }
    }

    /// Notes the state a poll found at `t`.
    public mutating func note(_ state: CheckState, at t: Timestamp) {
        if changes.last?.state != state { changes.append((t, state)) }
        // Keep the last change before the horizon: it says what the state was when the window began.
        let horizon = t.adding(seconds: -Self.keptSeconds)
        while changes.count > 1 && changes[1].at <= horizon { changes.removeFirst() }
    }

    /// How much of `[now - seconds, now)` this history covers: from its first poll (or the window's start,
    /// if later) to now. Less than `seconds` while the console has not been watching that long.
    public func seenSeconds(overLast seconds: Int64, now: Timestamp) -> Int64 {
        guard let first = changes.first?.at else { return 0 }
        return max(0, min(seconds, first.seconds(until: now)))
    }

    /// The share of `[now - seconds, now)` that was up or degraded, leaving out maintenance and the time
    /// before the first poll (unknown); nil when none of the window counts.
    public func uptime(overLast seconds: Int64, now: Timestamp) -> Double? {
        let start = now.adding(seconds: -seconds).milliseconds
        var counted: Int64 = 0
        var good: Int64 = 0
        for (i, change) in changes.enumerated() {
            let from = max(start, change.at.milliseconds)
            let to = i + 1 < changes.count ? changes[i + 1].at.milliseconds : now.milliseconds
            guard to > from else { continue }
            switch change.state {
            case .maintenance, .unknown: continue
            case .up, .degraded:
                good += to - from
                counted += to - from
            case .down, .pending: counted += to - from
            }
        }
        return counted > 0 ? Double(good) / Double(counted) : nil
    }
}
