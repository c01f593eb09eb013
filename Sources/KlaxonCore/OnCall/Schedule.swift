import Foundation

/// An on-call schedule from `Escalation/schedules/NAME.yaml`: layers of rotations in one zone, and
/// overrides on top. `OnCallCalendar` answers who is on call from it.
public struct Schedule: Hashable, Sendable {
    public var name: String
    /// IANA zone whose wall clock the layers hand off by.
    public var timeZone: String
    /// A later layer wins wherever it has someone on call.
    public var layers: [ScheduleLayer]
    /// Applied after the layers, in order.
    public var overrides: [ScheduleOverride]
    /// The file it came from.
    public var place: String

    public init(
        name: String, timeZone: String, layers: [ScheduleLayer], overrides: [ScheduleOverride] = [], place: String = ""
    ) {
        self.name = name
        self.timeZone = timeZone
        self.layers = layers
        self.overrides = overrides
        self.place = place
    }
}

/// How long one turn of a rotation lasts, in the wall-clock units of the schedule's zone.
public enum Rotation: String, CaseIterable, Sendable {
    case hourly, daily, weekly, monthly

    /// Wall-clock minutes of one unit; nil for months, which differ in length.
    var minutes: Int64? {
        switch self {
        case .hourly: 60
        case .daily: 1440
        case .weekly: 10080
        case .monthly: nil
        }
    }
}

/// Whether a rotation hands off through time its restrictions do not cover.
public enum AdvanceMode: String, CaseIterable, Sendable {
    /// Turns follow the clock; a turn that falls wholly outside the covered windows is lost to its owner.
    case always
    /// Only turns that overlap a covered window are handed out, so nobody is skipped for ever.
    case activeOnly = "active_only"
}

/// Mon = 0 … Sun = 6.
public enum Weekday: Int, CaseIterable, Comparable, Sendable {
    case mon, tue, wed, thu, fri, sat, sun

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }

    public var name: String { ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue] }

    /// `mon`, `Monday`, `TUE`, …
    public init?(name: String) {
        let lower = name.lowercased()
        guard lower.count >= 3, let day = Weekday.allCases.first(where: { lower.hasPrefix($0.name) }) else {
            return nil
        }
        let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][day.rawValue]
        guard lower == day.name || lower == full else { return nil }
        self = day
    }
}

/// A window a layer covers, repeated on each of its days: from `fromMinute` on that day to `toMinute`
/// (on the next day when `toMinute <= fromMinute`, so `22:00`–`06:00` runs overnight and equal times
/// mean 24 hours).
public struct WeeklyWindow: Hashable, Sendable {
    public var days: Set<Weekday>
    /// Minutes after midnight, 0..<1440.
    public var fromMinute: Int
    /// Minutes after midnight, 0...1440 (`24:00` is 1440).
    public var toMinute: Int

    public init(days: Set<Weekday>, fromMinute: Int, toMinute: Int) {
        self.days = days
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }

    var lengthMinutes: Int {
        toMinute > fromMinute ? toMinute - fromMinute : toMinute + 1440 - fromMinute
    }
}

/// One rotation of a schedule.
public struct ScheduleLayer: Hashable, Sendable {
    public var name: String
    public var rotation: Rotation
    /// Turn length in units of `rotation`, at least 1.
    public var shiftLength: Int
    /// Wall time in the schedule's zone of a handoff to the first participant; earlier turns are
    /// projected backwards from it.
    public var start: CivilDateTime
    public var participants: [String]
    /// Empty means the layer covers all the time.
    public var restrictions: [WeeklyWindow]
    public var advance: AdvanceMode
    /// `file:line:column` of the layer and of each participant, for messages.
    public var place: String
    public var participantPlaces: [String]

    public init(
        name: String, rotation: Rotation, shiftLength: Int = 1, start: CivilDateTime, participants: [String],
        restrictions: [WeeklyWindow] = [], advance: AdvanceMode = .always, place: String = "",
        participantPlaces: [String] = []
    ) {
        self.name = name
        self.rotation = rotation
        self.shiftLength = shiftLength
        self.start = start
        self.participants = participants
        self.restrictions = restrictions
        self.advance = advance
        self.place = place
        self.participantPlaces = participantPlaces
    }
}

/// Someone standing in for part of a schedule.
public struct ScheduleOverride: Hashable, Sendable {
    public enum Mode: String, Sendable {
        /// Replaces `replaces` where they are on call; without `replaces`, replaces whoever is on call
        /// (and covers a gap).
        case replace
        /// Adds the user alongside whoever is on call.
        case add
    }
    public var from: Timestamp
    public var to: Timestamp
    public var user: String
    public var replaces: String?
    public var mode: Mode
    /// Who made it and when, for overrides made with `klaxon oncall override`.
    public var madeBy: String?
    public var madeAt: Timestamp?
    public var place: String

    public init(
        from: Timestamp, to: Timestamp, user: String, replaces: String? = nil, mode: Mode = .replace,
        madeBy: String? = nil, madeAt: Timestamp? = nil, place: String = ""
    ) {
        self.from = from
        self.to = to
        self.user = user
        self.replaces = replaces
        self.mode = mode
        self.madeBy = madeBy
        self.madeAt = madeAt
        self.place = place
    }
}

/// A stretch of time and who is on call in it; `users` is empty in a gap.
public struct Shift: Hashable, Sendable {
    public var start: Timestamp
    public var end: Timestamp
    public var users: [String]

    public init(start: Timestamp, end: Timestamp, users: [String]) {
        self.start = start
        self.end = end
        self.users = users
    }

    public var isGap: Bool { users.isEmpty }
}

extension CivilDateTime {
    /// The day of the week of this date.
    public var weekday: Weekday {
        Weekday(rawValue: Int(floorMod(Self.days(year: year, month: month, day: day) + 3, 7)))!
    }
}

extension ScheduleOverride {
    /// `t` floored to its minute: schedules, and the overrides made on them, work at minute resolution.
    public static func minute(_ t: Timestamp) -> Timestamp {
        Timestamp(milliseconds: t.milliseconds - ((t.milliseconds % 60_000) + 60_000) % 60_000)
    }
}
