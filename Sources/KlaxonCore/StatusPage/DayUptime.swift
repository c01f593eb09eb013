import Foundation

/// One local calendar day of a component's uptime (a day of 23 or 25 hours where the clocks change):
/// how long it was up, down, under maintenance, and how long nothing was known of it. Up is up or
/// degraded; down is down or a failure being confirmed, as on the console's board; maintenance is left
/// out of the uptime; a time nothing is known of (before the first record of a check, or unknown) is
/// "no data", never up.
public struct DayUptime: Hashable, Sendable {
    /// The local date.
    public var date: CivilDateTime
    /// Its local midnight, and the next one.
    public var start: Timestamp
    public var end: Timestamp
    public var upMilliseconds: Int64 = 0
    public var downMilliseconds: Int64 = 0
    public var maintenanceMilliseconds: Int64 = 0
    /// Time of the day (up to now, for today) nothing is known of.
    public var noDataMilliseconds: Int64 = 0
    /// Whether a check of it was recorded going down (or failing) that day, however long it was known to
    /// be: a poller killed just after recording it leaves that down time unknown, never up.
    public var wentDown = false

    /// What the day's bar shows.
    public enum Kind: String, Sendable {
        /// Nothing known of the whole day.
        case noData = "nodata"
        /// Only maintenance known.
        case maintenance
        /// Up whenever known.
        case up
        /// Down less than an hour in all.
        case minor
        /// Down an hour or more.
        case major
    }

    public var kind: Kind {
        if downMilliseconds >= 3_600_000 { return .major }
        if downMilliseconds > 0 || wentDown { return .minor }
        if upMilliseconds > 0 { return .up }
        return maintenanceMilliseconds > 0 ? .maintenance : .noData
    }

    /// Up over the time up or down; nil when neither was known (maintenance or no data only).
    public var uptime: Double? {
        let counted = upMilliseconds + downMilliseconds
        return counted > 0 ? Double(upMilliseconds) / Double(counted) : nil
    }

    /// The day in words, for the bar's text: `2026-03-29: 99.31% up, down 10m, maintenance 1h`.
    public var text: String {
        var parts: [String] = []
        switch kind {
        case .noData: parts.append("no data")
        case .maintenance: parts.append("maintenance only")
        case .up, .minor, .major:
            if wentDown && downMilliseconds == 0 {
                parts.append("went down, for how long is not known")
                if upMilliseconds > 0 { parts.append("up " + DurationText.short(seconds: upMilliseconds / 1000)) }
            } else {
                parts.append(Self.percent(upMilliseconds, of: upMilliseconds + downMilliseconds) + " up")
            }
        }
        if downMilliseconds > 0 { parts.append("down " + DurationText.short(seconds: (downMilliseconds + 999) / 1000)) }
        if maintenanceMilliseconds > 0 && kind != .maintenance {
            parts.append("maintenance " + DurationText.short(seconds: (maintenanceMilliseconds + 999) / 1000))
        }
        if noDataMilliseconds > 0 && kind != .noData {
            parts.append("no data " + DurationText.short(seconds: (noDataMilliseconds + 999) / 1000))
        }
        return date.isoDate + ": " + parts.joined(separator: ", ")
    }

    /// `100%`, `99.31%` of `part` over `whole` (in whole numbers, so that 85% is not 84.99%): rounded
    /// down, never up to 100% while any down time was counted.
    static func percent(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0, part < whole else { return "100%" }
        let hundredths = part * 10000 / whole
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)%"
    }

    /// The local days of the page: `count` days ending with today (in the zone), each from its local
    /// midnight to the next.
    struct Calendar {
        /// `count + 1` midnights, oldest first.
        var midnights: [Timestamp] = []
        var dates: [CivilDateTime] = []

        init(timeZone: TimeZone, days count: Int, now: Timestamp) {
            let formatter = LocalTimeFormatter(timeZone: timeZone)
            let today = formatter.civil(now)
            let todayNumber = CivilDateTime.days(year: today.year, month: today.month, day: today.day)
            let first = todayNumber - Int64(count - 1)
            let rules = ZoneRules(
                timeZone, fromSeconds: first * 86400 - 86400, toSeconds: (todayNumber + 2) * 86400)
            for k in 0...Int64(count) {
                let wall = (first + k) * 86400
                midnights.append(Timestamp(milliseconds: rules.utcSeconds(ofWall: wall) * 1000))
                if k < count { dates.append(CivilDateTime.from(milliseconds: wall * 1000, offsetSeconds: 0).0) }
            }
        }
    }

    /// The days of `calendar` for a component of checks with `timelines`: at each moment the component
    /// is down when one of its checks is down, else up when one is up, else under maintenance when one
    /// is, else unknown (no data).
    static func days(of timelines: [CheckTimeline], calendar: Calendar, now: Timestamp) -> [DayUptime] {
        var days = calendar.dates.indices.map {
            DayUptime(date: calendar.dates[$0], start: calendar.midnights[$0], end: calendar.midnights[$0 + 1])
        }
        guard let first = calendar.midnights.first, now > first else { return days }
        let end = min(now.milliseconds, calendar.midnights[calendar.midnights.count - 1].milliseconds)
        // Every moment a check's state changes, with the check's index and its class from then on.
        var events: [(at: Int64, order: Int, check: Int, state: Class)] = []
        for (i, timeline) in timelines.enumerated() {
            for segment in timeline.segments where segment.at.milliseconds < end {
                events.append((max(segment.at.milliseconds, first.milliseconds), events.count, i, Class(segment.state)))
            }
        }
        // In order of time, and of the timeline's order at one time (those before the first day all
        // fall on its midnight): the last state of a check at a time is the one that holds.
        events.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        var states = [Class](repeating: .none, count: timelines.count)
        var counts = [0, 0, 0, 0]  // by Class.rawValue
        counts[Class.none.rawValue] = timelines.count
        var cursor = first.milliseconds
        var day = 0
        var next = 0
        func account(until t: Int64) {
            let now: Class =
                counts[Class.down.rawValue] > 0
                ? .down
                : counts[Class.up.rawValue] > 0 ? .up : counts[Class.maintenance.rawValue] > 0 ? .maintenance : .none
            while cursor < t {
                while day < days.count - 1 && cursor >= days[day].end.milliseconds { day += 1 }
                let stop = min(t, days[day].end.milliseconds)
                let span = stop - cursor
                switch now {
                case .up: days[day].upMilliseconds += span
                case .down: days[day].downMilliseconds += span
                case .maintenance: days[day].maintenanceMilliseconds += span
                case .none: days[day].noDataMilliseconds += span
                }
                cursor = stop
            }
        }
        var dayOfEvent = 0
        while next < events.count {
            let at = events[next].at
            account(until: at)
            while dayOfEvent < days.count - 1 && at >= days[dayOfEvent].end.milliseconds { dayOfEvent += 1 }
            while next < events.count && events[next].at == at {
                let event = events[next]
                if event.state == .down && event.at < end { days[dayOfEvent].wentDown = true }
                counts[states[event.check].rawValue] -= 1
                states[event.check] = event.state
                counts[event.state.rawValue] += 1
                next += 1
            }
        }
        account(until: end)
        return days
    }

    /// What a check's state counts as.
    enum Class: Int {
        case none = 0, up, down, maintenance

        init(_ state: CheckState) {
            switch state {
            case .up, .degraded: self = .up
            case .down, .pending: self = .down
            case .maintenance: self = .maintenance
            case .unknown: self = .none
            }
        }
    }
}

/// A check's states over time, as the page knows them: within each life of a poller (`PollerLife`), the
/// state last recorded (unknown before the check's first record: a check is recorded from its first
/// poll), each recorded change from its time; outside every life nothing (unknown: no data, whatever was
/// recorded before); and, from `current.since` on (but not before the last life began), the state the
/// live poller sees now.
struct CheckTimeline {
    /// When each state began, oldest first; before the first, nothing is known.
    var segments: [(at: Timestamp, state: CheckState)] = []

    init(changes: [CheckChange], lives: [PollerLife], current: CheckStateMachine.Recorded?) {
        var recorded: CheckState?
        var next = 0
        for life in lives {
            while next < changes.count && changes[next].at < life.from {
                recorded = changes[next].to
                next += 1
            }
            segments.append((life.from, recorded ?? .unknown))
            while next < changes.count && changes[next].at <= life.to {
                recorded = changes[next].to
                segments.append((changes[next].at, changes[next].to))
                next += 1
            }
            segments.append((life.to, .unknown))
        }
        if let current {
            // A state restored at a restart keeps its first `since`; the time before this life is not its.
            let start = max(current.since, lives.last?.from ?? current.since)
            segments.removeAll { $0.at >= start }
            segments.append((start, current.state))
        }
    }
}
