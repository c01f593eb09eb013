import Foundation

/// An instant, in whole milliseconds since 1970-01-01T00:00:00Z. Journals store instants at this
/// resolution, so everything that compares or orders journal times uses this type rather than `Date`.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch (UTC).
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The instant of `date`, truncated to the millisecond.
    public init(_ date: Date) {
        self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    /// Adds a number of seconds (which may be negative).
    public func adding(seconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + seconds * 1000) }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    public func seconds(until later: Timestamp) -> Int64 { (later.milliseconds - milliseconds) / 1000 }

    /// RFC 3339 in UTC with milliseconds, the journal's form: `2026-11-22T16:46:04.123Z`.
    public var rfc3339: String {
        let (civil, millis) = CivilDateTime.from(milliseconds: milliseconds, offsetSeconds: 0)
        return civil.isoDate + "T" + civil.isoTime + "." + Self.pad(millis, 3) + "Z"
    }

    /// `20261122T164604Z`: UTC to the second, with nothing a file name would mind.
    public var compactUTC: String {
        let civil = CivilDateTime.from(milliseconds: milliseconds, offsetSeconds: 0).0
        return civil.isoDate.filter { $0 != "-" } + "T" + civil.isoTime.filter { $0 != ":" } + "Z"
    }

    /// RFC 3339 with the given UTC offset and whole seconds: `2026-11-22T17:46:04+01:00`.
    public func rfc3339(offsetSeconds: Int) -> String {
        let (civil, _) = CivilDateTime.from(milliseconds: milliseconds, offsetSeconds: offsetSeconds)
        return civil.isoDate + "T" + civil.isoTime + CivilDateTime.offsetString(offsetSeconds)
    }

    public var description: String { rfc3339 }

    /// Parses RFC 3339 (`2026-11-22T16:46:04Z`, `…04.123+01:00`, a space instead of `T`).
    /// Returns nil for anything else, including a missing offset.
    public static func parseRFC3339(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { parseRFC3339(bytes: $0) }
    }

    /// `parseRFC3339` over UTF-8 bytes.
    public static func parseRFC3339(bytes: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var p = ASCIIParser(bytes)
        guard let year = p.digits(4), p.take("-"), let month = p.digits(2), p.take("-"), let day = p.digits(2),
            p.take("T") || p.take("t") || p.take(" "),
            let hour = p.digits(2), p.take(":"), let minute = p.digits(2), p.take(":"), let second = p.digits(2)
        else { return nil }
        var millis = 0
        if p.take(".") {
            var scale = 100
            var count = 0
            while let d = p.digit() {
                millis += d * scale
                scale /= 10
                count += 1
            }
            if count == 0 { return nil }
        }
        var offset = 0
        if p.take("Z") || p.take("z") {
            offset = 0
        } else if let sign = p.sign(), let oh = p.digits(2), p.take(":"), let om = p.digits(2) {
            guard oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard p.atEnd else { return nil }
        let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard civil.isValid else { return nil }
        let instant = Timestamp(milliseconds: (civil.secondsSinceEpoch - Int64(offset)) * 1000 + Int64(millis))
        // An offset or a leap second can carry past the years RFC 3339 writes (found by fuzzing:
        // 9999-12-31T23:59:60Z); such a time could not be written back.
        return (earliest...latest).contains(instant) ? instant : nil
    }

    /// The first and last instants RFC 3339 can write: years 1 to 9999, in UTC.
    public static let earliest = Timestamp(milliseconds: -62_135_596_800_000)
    public static let latest = Timestamp(milliseconds: 253_402_300_799_999)

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// A date and wall-clock time without a zone, with the proleptic Gregorian arithmetic the journal needs.
public struct CivilDateTime: Hashable, Sendable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= Self.daysIn(month: month, year: year)
            && (0...23).contains(hour) && (0...59).contains(minute) && (0...60).contains(second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Seconds since the epoch, reading this wall time as UTC.
    public var secondsSinceEpoch: Int64 {
        Self.days(year: year, month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The wall time at `milliseconds` shifted by `offsetSeconds`, and the leftover milliseconds.
    public static func from(milliseconds: Int64, offsetSeconds: Int) -> (CivilDateTime, Int) {
        let shifted = milliseconds + Int64(offsetSeconds) * 1000
        var seconds = shifted / 1000
        var millis = shifted % 1000
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var days = seconds / 86400
        var secondOfDay = seconds % 86400
        if secondOfDay < 0 {
            secondOfDay += 86400
            days -= 1
        }
        // civil_from_days
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let civil = CivilDateTime(
            year: Int(year), month: Int(month), day: Int(day),
            hour: Int(secondOfDay / 3600), minute: Int(secondOfDay % 3600 / 60),
            second: Int(secondOfDay % 60))
        return (civil, Int(millis))
    }

    /// `2026-11-22`
    public var isoDate: String {
        Timestamp.pad(year, 4) + "-" + Timestamp.pad(month, 2) + "-" + Timestamp.pad(day, 2)
    }

    /// `16:46:04`
    public var isoTime: String {
        Timestamp.pad(hour, 2) + ":" + Timestamp.pad(minute, 2) + ":" + Timestamp.pad(second, 2)
    }

    /// `+01:00`, `-05:30`, `+00:00`
    public static func offsetString(_ offsetSeconds: Int) -> String {
        let sign = offsetSeconds < 0 ? "-" : "+"
        let magnitude = abs(offsetSeconds)
        return sign + Timestamp.pad(magnitude / 3600, 2) + ":" + Timestamp.pad(magnitude % 3600 / 60, 2)
    }
}

/// A tiny cursor over ASCII bytes for the hand-written time parsers. It borrows the bytes: use it
/// inside `String.withUTF8` or another scope that keeps them alive.
struct ASCIIParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Runs `body` with a parser over `text`.
    static func with<T>(_ text: String, _ body: (inout ASCIIParser) -> T) -> T {
        var copy = text
        return copy.withUTF8 { buffer in
            var parser = ASCIIParser(buffer)
            return body(&parser)
        }
    }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ literal: Character) -> Bool {
        guard let ascii = literal.asciiValue, index < bytes.count, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int? {
        guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
        defer { index += 1 }
        return Int(bytes[index] - 48)
    }

    /// Exactly `count` digits.
    mutating func digits(_ count: Int) -> Int? {
        let start = index
        var value = 0
        for _ in 0..<count {
            guard let d = digit() else {
                index = start
                return nil
            }
            value = value * 10 + d
        }
        return value
    }

    /// One or more digits.
    mutating func number() -> Int? {
        guard var value = digit() else { return nil }
        while let d = digit() {
            guard value < Int.max / 100 else { return nil }
            value = value * 10 + d
        }
        return value
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }

    mutating func skipSpaces() { while index < bytes.count, bytes[index] == 32 { index += 1 } }

    var rest: String { String(decoding: UnsafeBufferPointer(rebasing: bytes[index...]), as: UTF8.self) }
}
