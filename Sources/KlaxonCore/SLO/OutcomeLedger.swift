/// A check's poll outcomes, kept compactly for its objective: counts of good and all polls per minute
/// for the last six hours (the short burn-rate windows), and per hour for the objective's window (the
/// long ones and the window itself), with how many of each hour's minutes had a poll and how many of
/// those had no failed one (the `timeslices` method). About 10 KB for a 30-day window, whatever the
/// interval. A poll whose outcome is not known (its source unreadable) or that fell in maintenance
/// is not an event: it is not recorded.
///
/// A window of N minutes is the current minute so far and the N whole minutes before it, so that it
/// holds as many polls just after a minute begins as just before it ends (a 30-second check's 5-minute
/// window never holds 8 polls for want of the minute under way). Windows longer than six hours are
/// counted to the hour alike: the current hour so far and the N whole hours before it.
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

    /// Minutes kept at minute resolution: the longest short window (the 6 h one) and the current minute.
    public static let minuteSpan = 361

    public let windowHours: Int
    /// Hours kept: the window's and the current one.
    private var hourSlots: Int { windowHours + 1 }
    private var minuteGood: [UInt32]
    private var minuteTotal: [UInt32]
    private var hourGood: [UInt32]
    private var hourTotal: [UInt32]
    /// `timeslices`: the hour's closed minutes that had a poll, and those with no failed poll.
    private var hourMinutes: [UInt8]
    private var hourGoodMinutes: [UInt8]
    /// The newest minute recorded (minutes since the epoch); nil before the first.
    public private(set) var lastMinute: Int64?
    /// The first minute recorded (minutes since the epoch): the ledger knows nothing of the time before
    /// it, so a window reaching back past it is not covered (`covers`), and its budget is spent only
    /// over the time since (`coveredMinutes`).
    public private(set) var firstMinute: Int64?

    public init(windowDays: Int) {
        windowHours = windowDays * 24
        minuteGood = Array(repeating: 0, count: Self.minuteSpan)
        minuteTotal = Array(repeating: 0, count: Self.minuteSpan)
        hourGood = Array(repeating: 0, count: windowHours + 1)
        hourTotal = Array(repeating: 0, count: windowHours + 1)
        hourMinutes = Array(repeating: 0, count: windowHours + 1)
        hourGoodMinutes = Array(repeating: 0, count: windowHours + 1)
    }

    static func minute(_ t: Timestamp) -> Int64 {
        t.milliseconds >= 0 ? t.milliseconds / 60_000 : (t.milliseconds - 59_999) / 60_000
    }
    private func minuteSlot(_ m: Int64) -> Int {
        Int(((m % Int64(Self.minuteSpan)) + Int64(Self.minuteSpan)) % Int64(Self.minuteSpan))
    }
    private func hourSlot(_ h: Int64) -> Int {
        Int(((h % Int64(hourSlots)) + Int64(hourSlots)) % Int64(hourSlots))
    }
    private static func hour(_ minute: Int64) -> Int64 { minute >= 0 ? minute / 60 : (minute - 59) / 60 }

    /// Records one poll's outcome at `t`. A poll older than the newest recorded counts in the newest
    /// minute (polls come in order; a clock stepped back must not reopen a closed minute).
    public mutating func record(good: Bool, at t: Timestamp) {
        record(Counts(good: good ? 1 : 0, total: 1), at: t)
    }

    /// Records `events` (good ones and all of them) at `t`, as `record(good:at:)` records one poll.
    public mutating func record(_ events: Counts, at t: Timestamp) {
        guard events.total > 0 else { return }
        let m = max(Self.minute(t), lastMinute ?? Int64.min)
        advance(to: m)
        let (good, total) = (UInt32(clamping: max(0, min(events.good, events.total))), UInt32(clamping: events.total))
        let slot = minuteSlot(m)
        minuteTotal[slot] &+= total
        minuteGood[slot] &+= good
        let hour = hourSlot(Self.hour(m))
        hourTotal[hour] &+= total
        hourGood[hour] &+= good
    }

    /// Moves the newest minute on to `m`: the minute left is closed (folded into its hour's minutes),
    /// and the slots of the minutes and hours skipped are emptied.
    private mutating func advance(to m: Int64) {
        guard let last = lastMinute else {
            lastMinute = m
            firstMinute = m
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
            for skipped in (lastHour + 1)...min(newHour, lastHour + Int64(hourSlots)) {
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

    /// The events of the window of `minutes` at `now` (the current minute, or hour, so far and as many
    /// whole ones before it; up to the ledger's window), counted by `method`.
    public func counts(overLast minutes: Int, now: Timestamp, method: ServiceLevelObjective.Method) -> Counts {
        guard let last = lastMinute else { return Counts() }
        let nowMinute = max(Self.minute(now), last)
        if minutes < Self.minuteSpan {
            let first = max(nowMinute - Int64(minutes), last - Int64(Self.minuteSpan) + 1)
            guard first <= last else { return Counts() }
            return (first...last).reduce(Counts()) { $0 + minuteCounts($1, method) }
        }
        let hours = min(max(1, minutes / 60), windowHours)
        let (nowHour, lastHour) = (Self.hour(nowMinute), Self.hour(last))
        let firstHour = max(nowHour - Int64(hours), lastHour - Int64(hourSlots) + 1)
        guard firstHour <= lastHour else { return Counts() }
        return (firstHour...lastHour).reduce(openMinute(method)) { $0 + hourCounts($1, method) }
    }

    /// The events from minute `from` up to and including minute `to` (minutes since the epoch, clamped to
    /// what the ledger holds): by the minute when `from` is within the last six hours, else by the hour,
    /// an hour counted whole when any of it is in the span (`byHour`).
    public func counts(fromMinute from: Int64, toMinute to: Int64, method: ServiceLevelObjective.Method) -> (
        counts: Counts, byHour: Bool
    ) {
        guard let last = lastMinute, from <= to else { return (Counts(), false) }
        let to = min(to, last)
        if from > last - Int64(Self.minuteSpan) {
            guard from <= to else { return (Counts(), false) }
            return ((from...to).reduce(Counts()) { $0 + minuteCounts($1, method) }, false)
        }
        let lastHour = Self.hour(last)
        let firstHour = max(Self.hour(from), lastHour - Int64(hourSlots) + 1)
        let toHour = Self.hour(to)
        guard firstHour <= toHour else { return (Counts(), true) }
        let open = toHour == lastHour ? openMinute(method) : Counts()
        return ((firstHour...toHour).reduce(open) { $0 + hourCounts($1, method) }, true)
    }

    /// Whether the ledger has recorded since before the window of `minutes` at `now` began (the
    /// current minute and the whole ones before it): a window that reaches back before the first record
    /// holds a part of its time only, and a young objective's one failed poll would burn as if it were
    /// the whole window's.
    public func covers(_ minutes: Int, now: Timestamp) -> Bool {
        guard let first = firstMinute, let last = lastMinute else { return false }
        return first <= max(Self.minute(now), last) - Int64(minutes)
    }

    /// The share of the last `minutes` at `now` since the first record: the time the events stand for
    /// (1 once the ledger is older than the window; 0 when it is empty).
    public func coveredShare(of minutes: Int, now: Timestamp) -> Double {
        guard let first = firstMinute, let last = lastMinute, minutes > 0 else { return 0 }
        return Double(min(Int64(minutes), max(1, max(Self.minute(now), last) - first + 1))) / Double(minutes)
    }

    /// The first minute the ledger holds counts of (the start of its oldest hour); nil when empty.
    public var firstMinuteKept: Int64? {
        lastMinute.map { (Self.hour($0) - Int64(hourSlots) + 1) * 60 }
    }

    /// The events of each day of the window, oldest first, the last ending with the current hour (the
    /// first holds the window's oldest hour too): the budget's line over the window is drawn from them.
    public func dailyCounts(now: Timestamp, method: ServiceLevelObjective.Method) -> [Counts] {
        let days = windowHours / 24
        guard let last = lastMinute else { return Array(repeating: Counts(), count: days) }
        let nowHour = Self.hour(max(Self.minute(now), last))
        let lastHour = Self.hour(last)
        return (0..<days).map { day in
            let end = nowHour - Int64(24 * (days - 1 - day))
            let hours = ((end - (day == 0 ? 24 : 23))...end).filter {
                $0 <= lastHour && $0 > lastHour - Int64(hourSlots)
            }
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

extension OutcomeLedger {
    /// The events a poll adds: itself, good when it found the check up or degraded, bad when it
    /// failed; or the events Prometheus counted since the poll before (`CheckEvaluation.events`). Nil
    /// (no event) when nothing was known (its source unreadable) or the check was in maintenance.
    public static func events(of report: CheckReport) -> Counts? {
        guard report.state != .maintenance else { return nil }
        if let events = report.evaluation.events { return events.total > 0 ? events : nil }
        switch report.evaluation.observation.verdict {
        case .ok, .degraded: return Counts(good: 1, total: 1)
        case .failed: return Counts(good: 0, total: 1)
        case .unknown: return nil
        }
    }

    /// Records `report`'s events (`events(of:)`), if it has any.
    public mutating func record(_ report: CheckReport) {
        if let events = Self.events(of: report) { record(events, at: report.at) }
    }

    private static let magic = Array("KXO1".utf8)

    /// The ledger as the store keeps it: `KXO1`, the window in hours, the newest and the first minute,
    /// then the minute and hour counts, little-endian (about 10 KB for 28 days). The hours are the
    /// ring's slots (the window's and the current one).
    public var bytes: [UInt8] {
        var out = Self.magic
        out.reserveCapacity(24 + Self.minuteSpan * 8 + hourSlots * 10)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        put(UInt32(hourSlots))
        put(lastMinute ?? Int64.min)
        put(firstMinute ?? Int64.min)
        for value in minuteGood { put(value) }
        for value in minuteTotal { put(value) }
        for value in hourGood { put(value) }
        for value in hourTotal { put(value) }
        out += hourMinutes
        out += hourGoodMinutes
        return out
    }

    /// The ledger `bytes` hold, for a window of `windowDays`: one kept for another window keeps the
    /// hours both windows hold (the objective's window was changed). Nil when `bytes` are not a ledger.
    public init?(bytes: [UInt8], windowDays: Int) {
        var reader = ByteReader(bytes: bytes)
        guard reader.take(4) == Self.magic, let hours = reader.integer(UInt32.self).map(Int.init), hours > 0,
            hours <= 24 * 366, let last = reader.integer(Int64.self), let first = reader.integer(Int64.self),
            bytes.count == 24 + Self.minuteSpan * 8 + hours * 10, last == Int64.min || first <= last
        else { return nil }
        self.init(windowDays: windowDays)
        minuteGood = (0..<Self.minuteSpan).map { _ in reader.integer(UInt32.self)! }
        minuteTotal = (0..<Self.minuteSpan).map { _ in reader.integer(UInt32.self)! }
        let good = (0..<hours).map { _ in reader.integer(UInt32.self)! }
        let total = (0..<hours).map { _ in reader.integer(UInt32.self)! }
        let minutes = reader.take(hours)!
        let goodMinutes = reader.take(hours)!
        guard last != Int64.min else { return }
        lastMinute = last
        firstMinute = first
        // Each hour kept by both windows, from its slot in the old ring to its slot in this one.
        let lastHour = Self.hour(last)
        for h in (lastHour - Int64(min(hours, hourSlots)) + 1)...lastHour {
            let from = Int(((h % Int64(hours)) + Int64(hours)) % Int64(hours))
            let to = hourSlot(h)
            (hourGood[to], hourTotal[to]) = (good[from], total[from])
            (hourMinutes[to], hourGoodMinutes[to]) = (minutes[from], goodMinutes[from])
        }
    }

    /// Reads fixed-width little-endian integers off the front of bytes.
    private struct ByteReader {
        let bytes: [UInt8]
        var offset = 0
        mutating func take(_ count: Int) -> [UInt8]? {
            guard offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard offset + size <= bytes.count else { return nil }
            defer { offset += size }
            var value = T.zero
            for index in stride(from: offset + size - 1, through: offset, by: -1) {
                value = value << 8 | T(bytes[index])
            }
            return value
        }
    }
}
