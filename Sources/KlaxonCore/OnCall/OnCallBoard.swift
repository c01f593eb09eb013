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

    /// How a person on the board is known and reached: their name in `Escalation/people.yaml` and the
    /// kinds of their contacts (`slack, email`), never a contact's address or secret.
    public struct Reach: Equatable, Sendable {
        /// The display name; empty when people.yaml gives none.
        public var name: String
        public var contacts: [Contact.Kind]
        /// Whether a page reaches them only through `logger`, into the system log (`ContactCheck`): what
        /// `klaxon init` writes until someone gives a contact that reaches a person.
        public var onlyLogger: Bool

        public init(name: String, contacts: [Contact.Kind], onlyLogger: Bool = false) {
            self.name = name
            self.contacts = contacts
            self.onlyLogger = onlyLogger
        }

        /// `person`'s name and contact kinds, each kind once, in the order people.yaml lists them.
        public init(_ person: Person) {
            var kinds: [Contact.Kind] = []
            for contact in person.contacts where !kinds.contains(contact.kind) { kinds.append(contact.kind) }
            self.init(
                name: person.name, contacts: kinds, onlyLogger: !ContactCheck.findings(people: [person]).isEmpty)
        }
    }

    public var entries: [Entry]
    /// The people of `Escalation/people.yaml`, by id; one on a schedule and not there has no entry.
    public var people: [String: Reach]
    /// The schedule the top bar shows.
    public var mainSchedule: String?
    /// Problems reading `Escalation/`, shown on the screen.
    public var problems: [String]
    /// Midnight of each day of the strips in the display zone, and the midnight after the last: days
    /// of 23 or 25 hours stay days.
    public var dayStarts: [Timestamp]

    public init(
        entries: [Entry] = [], mainSchedule: String? = nil, problems: [String] = [], dayStarts: [Timestamp] = [],
        people: [String: Reach] = [:]
    ) {
        self.entries = entries
        self.people = people
        self.mainSchedule = mainSchedule
        self.problems = problems
        self.dayStarts = dayStarts
    }

    /// The main schedule's entry (the configured one, else the first).
    public var main: Entry? { entries.first { $0.schedule == mainSchedule } ?? entries.first }

    /// The people on call now in `entry` and in its next stretches, each once, in that order.
    public func peopleShown(in entry: Entry) -> [String] {
        var ids: [String] = []
        for id in entry.users + entry.next.flatMap(\.users) where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// The board at `now`: strips of `days` days from midnight today in `displayZone`; `people` are those
    /// of `Escalation/people.yaml` (names and contact kinds).
    public static func make(
        calendars: [OnCallCalendar], mainSchedule: String?, problems: [String], now: Timestamp,
        displayZone: TimeZone, days: Int = 14, people: [Person] = []
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
        return OnCallBoard(
            entries: entries, mainSchedule: mainSchedule, problems: problems, dayStarts: dayStarts,
            people: Dictionary(people.map { ($0.id, Reach($0)) }, uniquingKeysWith: { first, _ in first }))
    }
}
