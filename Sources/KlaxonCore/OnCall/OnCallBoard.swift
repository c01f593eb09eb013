import Foundation

/// What the console's on-call screen and top bar show, worked out from the schedules at one time.
public struct OnCallBoard: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var schedule: String
        public var timeZone: String
        /// On call now; empty in a gap.
        public var users: [String]
        /// When that changes; nil if not within a year.
        public var until: Timestamp?
        /// The next few stretches after the current one (gaps included), for "next handoffs".
        public var next: [Shift]
        /// `[stripStart, stripStart + days)` tiled, gaps included.
        public var strip: [Shift]
        /// Stretches with nobody on call in the strip from now on.
        public var upcomingGaps: Int
    }

    public var entries: [Entry]
    /// The schedule the top bar shows.
    public var mainSchedule: String?
    /// Problems reading `Escalation/`, shown on the screen.
    public var problems: [String]
    /// Midnight of each day of the strips in the display zone, and the midnight after the last: days
    /// of 23 or 25 hours stay days.
    public var dayStarts: [Timestamp]

    public init(
        entries: [Entry] = [], mainSchedule: String? = nil, problems: [String] = [], dayStarts: [Timestamp] = []
    ) {
        self.entries = entries
        self.mainSchedule = mainSchedule
        self.problems = problems
        self.dayStarts = dayStarts
    }

    /// The main schedule's entry (the configured one, else the first).
    public var main: Entry? { entries.first { $0.schedule == mainSchedule } ?? entries.first }

    /// The board at `now`: strips of `days` days from midnight today in `displayZone`.
    public static func make(
        calendars: [OnCallCalendar], mainSchedule: String?, problems: [String], now: Timestamp,
        displayZone: TimeZone, days: Int = 14
    ) -> OnCallBoard {
        let today = LocalTimeFormatter(timeZone: displayZone).civil(now)
        let rules = ZoneRules(
            displayZone, fromSeconds: now.milliseconds / 1000 - 86400,
            toSeconds: now.milliseconds / 1000 + Int64(days + 1) * 86400)
        let firstDay = CivilDateTime(year: today.year, month: today.month, day: today.day).secondsSinceEpoch
        let dayStarts = (0...days).map {
            Timestamp(milliseconds: rules.utcSeconds(ofWall: firstDay + Int64($0) * 86400) * 1000)
        }
        let midnight = dayStarts[0]
        let stripEnd = dayStarts[days]
        var entries: [Entry] = []
        for calendar in calendars {
            let ahead = calendar.timeline(from: now, to: now.adding(seconds: 16 * 86400))
            var until = ahead.count > 1 ? ahead.first?.end : nil
            if ahead.count == 1 { until = calendar.onCall(at: now).until }
            let strip = calendar.timeline(from: midnight, to: stripEnd)
            entries.append(
                Entry(
                    schedule: calendar.schedule.name, timeZone: calendar.schedule.timeZone,
                    users: ahead.first?.users ?? [], until: until,
                    // The last stretch is cut off at the horizon; its end is not a handoff.
                    next: Array(ahead.dropFirst().dropLast().prefix(3)),
                    strip: strip, upcomingGaps: strip.filter { $0.isGap && $0.end > now }.count))
        }
        return OnCallBoard(entries: entries, mainSchedule: mainSchedule, problems: problems, dayStarts: dayStarts)
    }
}
