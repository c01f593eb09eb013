import Foundation

/// The UTC offsets of one time zone over a range of instants, as a list of periods, so that wall times
/// convert to instants exactly and fast (Foundation's `Calendar` is neither, around DST changes).
///
/// The rule for wall times that do not name exactly one instant, used everywhere in Klaxon:
/// a wall time skipped by a change (02:30 on a spring-forward night) means the first instant after the
/// gap; a wall time that happens twice (01:30 on a fall-back night) means its first occurrence.
/// With that rule the wall-time-to-instant map never goes backwards, which is what lets schedules work
/// in wall time and convert only at the end.
public struct ZoneRules: Sendable {
    public let identifier: String
    /// `periodStarts[i]` (UTC seconds) begins a period with `offsets[i]`; the first period has no start.
    private var periodStarts: [Int64] = []
    private var offsets: [Int] = []

    /// Rules for `timeZone` between `fromSeconds` and `toSeconds` (UTC seconds); outside that range
    /// the nearest period's offset applies.
    public init(_ timeZone: TimeZone, fromSeconds: Int64, toSeconds: Int64) {
        identifier = timeZone.identifier
        let margin: Int64 = 3 * 86400
        var cursor = Date(timeIntervalSince1970: Double(fromSeconds - margin))
        periodStarts = [Int64.min]
        offsets = [timeZone.secondsFromGMT(for: cursor)]
        let end = Double(toSeconds + margin)
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor), next.timeIntervalSince1970 <= end {
            let start = Int64(next.timeIntervalSince1970.rounded())
            let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(start)))
            if offset != offsets[offsets.count - 1] {
                periodStarts.append(start)
                offsets.append(offset)
            }
            cursor = next
        }
    }

    /// The UTC offset in seconds at an instant.
    public func offset(atUTC seconds: Int64) -> Int {
        var i = periodStarts.count - 1
        while i > 0 && periodStarts[i] > seconds { i -= 1 }
        return offsets[i]
    }

    /// The wall time (seconds since the epoch, read as UTC) at an instant.
    public func wallSeconds(ofUTC seconds: Int64) -> Int64 { seconds + Int64(offset(atUTC: seconds)) }

    /// The instant (UTC seconds) a wall time names, under the rule above.
    public func utcSeconds(ofWall wall: Int64) -> Int64 {
        for i in 0..<offsets.count {
            let offset = Int64(offsets[i])
            let wallEnd = i + 1 < offsets.count ? periodStarts[i + 1] + offset : Int64.max
            guard wall < wallEnd else { continue }
            let wallStart = i == 0 ? Int64.min : periodStarts[i] + offset
            // Before this period's first wall time: the wall time fell in the gap a change skipped.
            return wall >= wallStart ? wall - offset : periodStarts[i]
        }
        return wall - Int64(offsets[offsets.count - 1])
    }

    /// The wall times each change that sets clocks forward skips, as `(start, end)` in wall seconds: every
    /// wall time from `start` up to and including `end` names the instant of the change.
    public var gaps: [(start: Int64, end: Int64)] {
        offsets.indices.dropFirst().compactMap { i in
            offsets[i] > offsets[i - 1]
                ? (periodStarts[i] + Int64(offsets[i - 1]), periodStarts[i] + Int64(offsets[i])) : nil
        }
    }

    /// The instant a single wall time names in `timeZone`, under the rule above.
    public static func instant(of civil: CivilDateTime, in timeZone: TimeZone) -> Timestamp {
        let wall = civil.secondsSinceEpoch
        let rules = ZoneRules(timeZone, fromSeconds: wall - 86400, toSeconds: wall + 86400)
        return Timestamp(milliseconds: rules.utcSeconds(ofWall: wall) * 1000)
    }
}
