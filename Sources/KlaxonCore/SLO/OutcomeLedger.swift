/// A check's poll outcomes, kept compactly for its objective: counts of good and all polls per minute
/// for the last six hours (the short burn-rate windows), and per hour for the objective's window (the
/// long ones and the window itself), with how many of each hour's minutes had a poll and how many of
/// those had no failed one (the `timeslices` method). About 10 KB for a 30-day window, whatever the
/// interval. A poll whose outcome is not known (its source unreadable) or that fell in maintenance
/// is not an event: it is not recorded.
///
/// Windows longer than six hours are counted to the hour: the current hour so far and the hours
/// before it, as many as the window has.
public struct OutcomeLedger: Hashable, Sendable {
    /// Good and all events of a span.
    public struct Counts: Hashable, Sendable {
        public var good: Int
        public var total: Int
        public init(good: Int = 0, total: Int = 0) {
            self.good = good
            self.total = total
        }
        public var bad: Int { total - good }
        /// The share of bad events; nil without events.
        public var badShare: Double? { total == 0 ? nil : Double(bad) / Double(total) }
        public static func + (a: Counts, b: Counts) -> Counts {
            Counts(good: a.good + b.good, total: a.total + b.total)
        }
    }

    /// Minutes kept at minute resolution: the longest short window (the 6 h one).
    public static let minuteSpan = 360

    public let windowHours: Int
    private var minuteGood: [UInt16]
    private var minuteTotal: [UInt16]
    private var hourGood: [UInt32]
    private var hourTotal: [UInt32]
    /// `timeslices`: the hour's closed minutes that had a poll, and those with no failed poll.
    private var hourMinutes: [UInt8]
    private var hourGoodMinutes: [UInt8]
    /// The newest minute recorded (minutes since the epoch); nil before the first.
    public private(set) var lastMinute: Int64?

    public init(windowDays: Int) {
        windowHours = windowDays * 24
        minuteGood = Array(repeating: 0, count: Self.minuteSpan)
        minuteTotal = Array(repeating: 0, count: Self.minuteSpan)
        hourGood = Array(repeating: 0, count: windowHours)
        hourTotal = Array(repeating: 0, count: windowHours)
        hourMinutes = Array(repeating: 0, count: windowHours)
        hourGoodMinutes = Array(repeating: 0, count: windowHours)
    }

    static func minute(_ t: Timestamp) -> Int64 {
        t.milliseconds >= 0 ? t.milliseconds / 60_000 : (t.milliseconds - 59_999) / 60_000
    }
    private func minuteSlot(_ m: Int64) -> Int {
        Int(((m % Int64(Self.minuteSpan)) + Int64(Self.minuteSpan)) % Int64(Self.minuteSpan))
    }
    private func hourSlot(_ h: Int64) -> Int {
        Int(((h % Int64(windowHours)) + Int64(windowHours)) % Int64(windowHours))
    }
    private static func hour(_ minute: Int64) -> Int64 { minute >= 0 ? minute / 60 : (minute - 59) / 60 }

    /// Records one poll's outcome at `t`. A poll older than the newest recorded counts in the newest
    /// minute (polls come in order; a clock stepped back must not reopen a closed minute).
    public mutating func record(good: Bool, at t: Timestamp) {
        let m = max(Self.minute(t), lastMinute ?? Int64.min)
        advance(to: m)
        let slot = minuteSlot(m)
        minuteTotal[slot] &+= 1
        if good { minuteGood[slot] &+= 1 }
        let hour = hourSlot(Self.hour(m))
        hourTotal[hour] &+= 1
        if good { hourGood[hour] &+= 1 }
    }

    /// Moves the newest minute on to `m`: the minute left is closed (folded into its hour's minutes),
    /// and the slots of the minutes and hours skipped are emptied.
    private mutating func advance(to m: Int64) {
        guard let last = lastMinute else {
            lastMinute = m
            return
        }
        guard m > last else { return }
        close(last)
        for skipped in (last + 1)...min(m, last + Int64(Self.minuteSpan)) {
            minuteGood[minuteSlot(skipped)] = 0
            minuteTotal[minuteSlot(skipped)] = 0
        }
        let (lastHour, newHour) = (Self.hour(last), Self.hour(m))
        if newHour > lastHour {
            for skipped in (lastHour + 1)...min(newHour, lastHour + Int64(windowHours)) {
                let slot = hourSlot(skipped)
                hourGood[slot] = 0
                hourTotal[slot] = 0
                hourMinutes[slot] = 0
                hourGoodMinutes[slot] = 0
            }
        }
        lastMinute = m
    }

    /// Folds a minute that is over into its hour's `timeslices` counts.
    private mutating func close(_ m: Int64) {
        let slot = minuteSlot(m)
        guard minuteTotal[slot] > 0 else { return }
        let hour = hourSlot(Self.hour(m))
        hourMinutes[hour] &+= 1
        if minuteGood[slot] == minuteTotal[slot] { hourGoodMinutes[hour] &+= 1 }
    }

    /// The events of the last `minutes` minutes before `now` (up to the ledger's window), counted by
    /// `method`.
    public func counts(overLast minutes: Int, now: Timestamp, method: ServiceLevelObjective.Method) -> Counts {
        guard let last = lastMinute else { return Counts() }
        let nowMinute = max(Self.minute(now), last)
        if minutes <= Self.minuteSpan {
            let first = max(nowMinute - Int64(minutes) + 1, last - Int64(Self.minuteSpan) + 1)
            guard first <= last else { return Counts() }
            return (first...last).reduce(Counts()) { $0 + minuteCounts($1, method) }
        }
        let hours = min(max(1, minutes / 60), windowHours)
        let (nowHour, lastHour) = (Self.hour(nowMinute), Self.hour(last))
        let firstHour = max(nowHour - Int64(hours) + 1, lastHour - Int64(windowHours) + 1)
        guard firstHour <= lastHour else { return Counts() }
        return (firstHour...lastHour).reduce(openMinute(method)) { $0 + hourCounts($1, method) }
    }

    /// The events of each day of the window, oldest first, the last ending with the current hour: the
    /// budget's line over the window is drawn from them.
    public func dailyCounts(now: Timestamp, method: ServiceLevelObjective.Method) -> [Counts] {
        let days = windowHours / 24
        guard let last = lastMinute else { return Array(repeating: Counts(), count: days) }
        let nowHour = Self.hour(max(Self.minute(now), last))
        let lastHour = Self.hour(last)
        return (0..<days).map { day in
            let end = nowHour - Int64(24 * (days - 1 - day))
            let hours = ((end - 23)...end).filter { $0 <= lastHour && $0 > lastHour - Int64(windowHours) }
            return hours.reduce(day == days - 1 ? openMinute(method) : Counts()) { $0 + hourCounts($1, method) }
        }
    }

    /// Minute `m`'s events: its polls, or itself as one timeslice (none without a poll).
    private func minuteCounts(_ m: Int64, _ method: ServiceLevelObjective.Method) -> Counts {
        let slot = minuteSlot(m)
        let (good, total) = (Int(minuteGood[slot]), Int(minuteTotal[slot]))
        guard total > 0 else { return Counts() }
        switch method {
        case .occurrences: return Counts(good: good, total: total)
        case .timeslices: return Counts(good: good == total ? 1 : 0, total: 1)
        }
    }

    /// Hour `h`'s events: its polls, or its closed minutes that had one.
    private func hourCounts(_ h: Int64, _ method: ServiceLevelObjective.Method) -> Counts {
        let slot = hourSlot(h)
        switch method {
        case .occurrences: return Counts(good: Int(hourGood[slot]), total: Int(hourTotal[slot]))
        case .timeslices: return Counts(good: Int(hourGoodMinutes[slot]), total: Int(hourMinutes[slot]))
        }
    }

    /// The newest minute as a timeslice: still open, so not yet in its hour's minutes (its polls are
    /// already in its hour's).
    private func openMinute(_ method: ServiceLevelObjective.Method) -> Counts {
        guard method == .timeslices, let last = lastMinute else { return Counts() }
        return minuteCounts(last, .timeslices)
    }
}
