import Foundation

/// Parses the TIME arguments of the command line:
/// - `now`;
/// - relative: `-15m`, `-2h`, `-1d`, `-90s`, `-1h30m`, `15m ago` in the past, `+30m`, `+2h`, `+1d` in the future;
/// - `HH:MM` or `HH:MM:SS`: today, in the local zone;
/// - `today`, `tomorrow`, `yesterday` (midnight), optionally with `HH:MM[:SS]` (`tomorrow 09:00`): in the
///   local zone, any case;
/// - `YYYY-MM-DDTHH:MM[:SS]` (or with a space): in the local zone;
/// - RFC 3339 with an offset: `2026-11-22T16:46:04Z`, `2026-11-22T17:46+01:00`.
///
/// Local wall times skipped or repeated by a DST change are read as `instant(of:in:)` says.
public enum TimeExpression {
    /// Every accepted form, for errors and help texts.
    public static let forms =
        "now, RFC 3339 (2026-11-22T16:46:04Z), HH:MM (today, local), YYYY-MM-DD HH:MM (local), today|tomorrow|yesterday [HH:MM] (local; alone: midnight), relative past (-15m, -2h, -1d, 15m ago) or future (+30m, +2h, +1d)"

    /// Whether `argument` is a relative time in the past such as `-15m`, which argument parsers would
    /// otherwise read as short flags.
    public static func isNegativeRelative(_ argument: String) -> Bool {
        argument.hasPrefix("-") && relativeSeconds(argument) != nil
    }

    /// The instant `text` names at `now`, local forms read in `timeZone`; refused with every accepted form
    /// (`forms`) when it is none of them, or when it falls outside the years 1 to 9999.
    public static func parse(_ text: String, now: Timestamp, timeZone: TimeZone) throws(KlaxonError) -> Timestamp {
        let instant = try instant(text, now: now, timeZone: timeZone)
        // Journals and exports write RFC 3339, whose years have four digits (found by fuzzing: +9999999d).
        guard (Timestamp.earliest...Timestamp.latest).contains(instant) else {
            throw .badInput(
                "\"\(text)\" is \(instant < Timestamp.earliest ? "before the year 1" : "after the year 9999"); use a time within them"
            )
        }
        return instant
    }

    private static func instant(_ text: String, now: Timestamp, timeZone: TimeZone) throws(KlaxonError) -> Timestamp {
        let trimmed = text.trimmingWhitespace
        if trimmed.lowercased() == "now" { return now }
        if let relative = relativeSeconds(trimmed) { return now.adding(seconds: relative) }
        if let absolute = Timestamp.parseRFC3339(trimmed) { return absolute }
        if let local = localDateTime(trimmed, timeZone: timeZone) { return local }
        if let (days, clock) = dayAndClock(trimmed) {
            let (today, _) = CivilDateTime.from(
                milliseconds: now.milliseconds,
                offsetSeconds: timeZone.secondsFromGMT(for: now.date))
            let (day, _) = CivilDateTime.from(
                milliseconds: (CivilDateTime.days(year: today.year, month: today.month, day: today.day) + days)
                    * 86_400_000,
                offsetSeconds: 0)
            let civil = CivilDateTime(
                year: day.year, month: day.month, day: day.day,
                hour: clock.hour, minute: clock.minute, second: clock.second)
            if let t = instant(of: civil, in: timeZone) { return t }
        }
        throw .badInput("\"\(text)\" is not a time; use \(forms)" + slipHint(trimmed))
    }

    /// The words a time may start with.
    static let words = ["now", "today", "tomorrow", "yesterday"]

    /// `; did you mean 'tomorrow 09:00'?` (quoted as every suggestion is) when the first word of `text`
    /// is a slip of one of `words` (the rest kept) and the text so mended is a time; "" otherwise.
    static func slipHint(_ text: String) -> String {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard (1...2).contains(parts.count),
            let word = NameSuggestion.closest(to: String(parts[0]), among: words, limit: 1).first
        else { return "" }
        let mended = ([word] + parts.dropFirst().map(String.init)).joined(separator: " ")
        guard mended == "now" || dayAndClock(mended) != nil else { return "" }
        return "; did you mean '\(mended)'?"
    }

    /// `HH:MM[:SS]` (today), `today`, `tomorrow`, `yesterday` (midnight), or one of those words and
    /// `HH:MM[:SS]`: the day as days from today, and the wall time.
    static func dayAndClock(_ text: String) -> (days: Int64, clock: (hour: Int, minute: Int, second: Int))? {
        if let clock = clockTime(text) { return (0, clock) }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard (1...2).contains(words.count) else { return nil }
        let days: Int64
        switch words[0].lowercased() {
        case "today": days = 0
        case "tomorrow": days = 1
        case "yesterday": days = -1
        default: return nil
        }
        guard words.count == 2 else { return (days, (0, 0, 0)) }
        return clockTime(String(words[1])).map { (days, $0) }
    }

    /// `-15m`, `+2h`, `-1h30m`, `-1d`, `-90s`, `15m ago` as seconds.
    static func relativeSeconds(_ text: String) -> Int64? {
        if text.hasSuffix(" ago") { return relativeSeconds("-" + String(text.dropLast(4)).trimmingWhitespace) }
        return ASCIIParser.with(text) { p in
            guard let sign = p.sign() else { return nil }
            var total: Int64 = 0
            var sawUnit = false
            while !p.atEnd {
                guard let n = p.number() else { return nil }
                let unit: Int64
                if p.take("s") {
                    unit = 1
                } else if p.take("m") {
                    unit = 60
                } else if p.take("h") {
                    unit = 3600
                } else if p.take("d") {
                    unit = 86400
                } else if p.take("w") {
                    unit = 604_800
                } else {
                    return nil
                }
                guard n < 10_000_000 else { return nil }
                total += Int64(n) * unit
                sawUnit = true
            }
            return sawUnit ? Int64(sign) * total : nil
        }
    }

    static func clockTime(_ text: String) -> (hour: Int, minute: Int, second: Int)? {
        ASCIIParser.with(text) { p in
            guard let hour = p.number(), hour < 24, p.take(":"), let minute = p.digits(2), minute < 60 else {
                return nil
            }
            var second = 0
            if p.take(":") {
                guard let s = p.digits(2), s < 60 else { return nil }
                second = s
            }
            return p.atEnd ? (hour, minute, second) : nil
        }
    }

    static func localDateTime(_ text: String, timeZone: TimeZone) -> Timestamp? {
        let parsed: (Int, Int, Int, String)? = ASCIIParser.with(text) { p in
            guard let year = p.digits(4), p.take("-"), let month = p.digits(2), p.take("-"), let day = p.digits(2),
                p.take("T") || p.take(" ")
            else { return nil }
            return (year, month, day, p.rest)
        }
        guard let (year, month, day, rest) = parsed, let clock = clockTime(rest) else { return nil }
        let civil = CivilDateTime(
            year: year, month: month, day: day, hour: clock.hour, minute: clock.minute, second: clock.second)
        return civil.isValid ? instant(of: civil, in: timeZone) : nil
    }

    /// The instant a wall time in `timeZone` names. A wall time skipped by a DST change moves to the first
    /// instant after the gap; a repeated one means its first occurrence.
    public static func instant(of civil: CivilDateTime, in timeZone: TimeZone) -> Timestamp? {
        civil.isValid ? ZoneRules.instant(of: civil, in: timeZone) : nil
    }
}

/// Formats instants as wall times in one zone, always with the date.
public struct LocalTimeFormatter: Sendable {
    public var timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public static let utc = LocalTimeFormatter(timeZone: TimeZone(identifier: "UTC")!)

    public func offsetSeconds(at t: Timestamp) -> Int { timeZone.secondsFromGMT(for: t.date) }

    public func civil(_ t: Timestamp) -> CivilDateTime {
        CivilDateTime.from(milliseconds: t.milliseconds, offsetSeconds: offsetSeconds(at: t)).0
    }

    /// `2026-11-22 17:46:04`
    public func dateTime(_ t: Timestamp) -> String {
        let c = civil(t)
        return c.isoDate + " " + c.isoTime
    }

    /// `2026-11-22 17:46:04 +01:00`
    public func dateTimeWithOffset(_ t: Timestamp) -> String {
        dateTime(t) + " " + CivilDateTime.offsetString(offsetSeconds(at: t))
    }

    /// `Mon 2026-11-23 09:00 -06:00`: for schedules, where the weekday and the offset both matter.
    public func weekdayDateTime(_ t: Timestamp) -> String {
        let c = civil(t)
        return
            "\(c.weekday.name.capitalized) \(c.isoDate) \(c.isoTime.prefix(5)) \(CivilDateTime.offsetString(offsetSeconds(at: t)))"
    }

    /// RFC 3339 with this zone's offset, for JSON output.
    public func rfc3339(_ t: Timestamp) -> String { t.rfc3339(offsetSeconds: offsetSeconds(at: t)) }
}

/// Durations as people read them: `45s`, `12m`, `3h05m`, `2d04h`.
public enum DurationText {
    public static func short(seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" + Timestamp.pad(Int(s % 3600 / 60), 2) + "m" }
        return "\(s / 86400)d" + Timestamp.pad(Int(s % 86400 / 3600), 2) + "h"
    }

    /// To the second, for reviews: `45s`, `12m 05s`, `3h 05m 12s`, `2d 04h 00m 09s`.
    public static func precise(seconds: Int64) -> String {
        let s = max(0, seconds)
        let parts = [(s / 86400, "d"), (s % 86400 / 3600, "h"), (s % 3600 / 60, "m"), (s % 60, "s")]
        let first = parts.firstIndex { $0.0 > 0 } ?? 3
        return parts[first...].enumerated().map { i, part in
            (i == 0 ? String(part.0) : Timestamp.pad(Int(part.0), 2)) + part.1
        }.joined(separator: " ")
    }
}
