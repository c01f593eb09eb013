/// One layer's rotation worked out in wall-clock minutes of the schedule's zone (minutes since
/// 1970-01-01T00:00 read as UTC). In wall time there is no DST: a daily handoff is always 1440 minutes
/// after the last one. `OnCallCalendar` converts the result to instants at the end, which is exact
/// because the wall-to-instant map never goes backwards (see `ZoneRules`). The one thing DST changes
/// is who: a turn that a gap swallows whole is nobody's (`emptyTurns(in:)`).
struct LayerPlan: Sendable {
    static let week: Int64 = 10080

    let layer: ScheduleLayer
    let startWall: Int64
    /// Turn length for hourly, daily and weekly rotations; nil for monthly.
    let step: Int64?
    /// Covered windows within a week starting Monday 00:00, sorted and disjoint; nil covers everything.
    let weekCoverage: [(start: Int64, end: Int64)]?
    /// For `active_only` with a fixed step: whether each turn of one period of the pattern is active
    /// (the pattern repeats every `period` turns), and how many active turns precede each.
    let period: Int64
    let activeBefore: [Int64]

    init(_ layer: ScheduleLayer) {
        self.layer = layer
        startWall = layer.start.secondsSinceEpoch / 60
        step = layer.rotation.minutes.map { $0 * Int64(layer.shiftLength) }
        weekCoverage = layer.restrictions.isEmpty ? nil : Self.coverage(of: layer.restrictions)
        if let step, weekCoverage != nil {
            period = Self.week / gcd(step, Self.week)
        } else {
            period = 1
        }
        var before: [Int64] = [0]
        if let step, weekCoverage != nil {
            var count: Int64 = 0
            for k in 0..<period {
                let a = startWall + k * step
                if Self.hasCoverage(weekCoverage, a, a + step) { count += 1 }
                before.append(count)
            }
        } else {
            before.append(Self.hasCoverage(weekCoverage, 0, Self.week) ? 1 : 0)
        }
        activeBefore = before
    }

    /// The layer covers some time at all.
    var coversAnything: Bool { weekCoverage.map { !$0.isEmpty } ?? true }

    /// Wall minute of handoff `k` (turn `k` runs from `boundary(k)` to `boundary(k + 1)`).
    func boundary(_ k: Int64) -> Int64 {
        if let step { return startWall + k * step }
        let s = layer.start
        let months = Int64(s.year) * 12 + Int64(s.month - 1) + k * Int64(layer.shiftLength)
        let year = Int(floorDiv(months, 12))
        let month = Int(floorMod(months, 12)) + 1
        // A start on the 31st hands off on the last day of shorter months.
        let day = min(s.day, CivilDateTime.daysIn(month: month, year: year))
        return CivilDateTime(year: year, month: month, day: day, hour: s.hour, minute: s.minute).secondsSinceEpoch / 60
    }

    /// The turn whose wall-time span contains `wall`.
    func turn(containing wall: Int64) -> Int64 {
        if let step { return floorDiv(wall - startWall, step) }
        let s = layer.start
        let c = CivilDateTime.from(milliseconds: wall * 60_000, offsetSeconds: 0).0
        let monthsApart = Int64(c.year - s.year) * 12 + Int64(c.month - s.month)
        var k = floorDiv(monthsApart, Int64(layer.shiftLength))
        while boundary(k) > wall { k -= 1 }
        while boundary(k + 1) <= wall { k += 1 }
        return k
    }

    /// Whether turn `k` overlaps a covered window.
    func isActive(_ k: Int64) -> Bool { Self.hasCoverage(weekCoverage, boundary(k), boundary(k + 1)) }

    /// The participant index of turn `k`, when `merged` handoffs between turn 0 and turn `k` were merged
    /// away by DST gaps (`mergedHandoffs(before:empty:)`).
    func participant(ofTurn k: Int64, merged: Int64) -> Int {
        let n = Int64(layer.participants.count)
        switch layer.advance {
        case .always:
            return Int(floorMod(k - merged, n))
        case .activeOnly:
            return Int(floorMod(activeTurns(before: k) - merged, n))
        }
    }

    /// Whether turn `k` is handed out: every turn with `always`, a turn overlapping a covered window with
    /// `active_only`.
    func isHandedOut(_ k: Int64) -> Bool { layer.advance == .always || isActive(k) }

    /// The turns a DST gap leaves no time at all: the turn's handoff and the next one both fall in one
    /// of `gaps` (`ZoneRules.gaps`, wall seconds), so both name the instant clocks go forward. Such a
    /// handoff merges with the next one and the rotation advances once there, not twice: the empty turn
    /// is nobody's, and whoever it would have gone to takes the next turn, everyone after one turn later.
    func emptyTurns(in gaps: [(start: Int64, end: Int64)]) -> Set<Int64> {
        var empty = Set<Int64>()
        for gap in gaps {
            var k = turn(containing: floorDiv(gap.start, 60))
            if boundary(k) * 60 < gap.start { k += 1 }
            while boundary(k + 1) * 60 <= gap.end {
                empty.insert(k)
                k += 1
            }
        }
        return empty
    }

    /// How many of the `empty` turns between turn 0 and turn `k` would have been handed out: counted up
    /// for a `k` after turn 0, down for one before it, so that `participant(ofTurn:merged:)` counts only
    /// turns with time, both ways from the start.
    func mergedHandoffs(before k: Int64, empty: Set<Int64>) -> Int64 {
        var count: Int64 = 0
        for e in empty where isHandedOut(e) {
            if 0 <= e && e < k { count += 1 }
            if k <= e && e < 0 { count -= 1 }
        }
        return count
    }

    /// How many active turns lie between turn 0 and turn `k` (negative for turns before 0), so that the
    /// first active turn from 0 on goes to the first participant.
    func activeTurns(before k: Int64) -> Int64 {
        if step == nil || weekCoverage == nil {
            // Turns of a week or longer overlap any non-empty weekly coverage.
            return coversAnything ? k : 0
        }
        let perPeriod = activeBefore[Int(period)]
        return floorDiv(k, period) * perPeriod + activeBefore[Int(floorMod(k, period))]
    }

    /// Who is on call in wall time `[from, to)`: sorted, disjoint pieces with a participant index.
    /// `empty` holds the layer's empty turns (`emptyTurns(in:)`) from turn 0 to the window.
    func pieces(wallFrom from: Int64, wallTo to: Int64, empty: Set<Int64>) -> [(
        start: Int64, end: Int64, participant: Int
    )] {
        guard !layer.participants.isEmpty, from < to else { return [] }
        var result: [(Int64, Int64, Int)] = []
        var k = turn(containing: from)
        var merged = mergedHandoffs(before: k, empty: empty)
        var a = boundary(k)
        while a < to {
            let b = boundary(k + 1)
            if isHandedOut(k) {
                if empty.contains(k) {
                    merged += 1
                } else {
                    let who = participant(ofTurn: k, merged: merged)
                    Self.forEachCovered(weekCoverage, max(a, from), min(b, to)) { s, e in result.append((s, e, who)) }
                }
            }
            k += 1
            a = b
        }
        return result
    }

    // MARK: - Weekly coverage

    /// Monday-00:00-based week offset of a wall minute (1970-01-01 was a Thursday).
    static func weekStart(of wall: Int64) -> Int64 { wall - floorMod(wall + 3 * 1440, week) }

    static func coverage(of windows: [WeeklyWindow]) -> [(start: Int64, end: Int64)] {
        var raw: [(Int64, Int64)] = []
        for window in windows {
            for day in window.days {
                let s = Int64(day.rawValue) * 1440 + Int64(window.fromMinute)
                let e = s + Int64(window.lengthMinutes)
                if e <= week {
                    raw.append((s, e))
                } else {
                    raw.append((s, week))
                    raw.append((0, e - week))
                }
            }
        }
        raw.sort { $0.0 < $1.0 }
        var merged: [(start: Int64, end: Int64)] = []
        for (s, e) in raw {
            if let last = merged.last, s <= last.end {
                merged[merged.count - 1].end = max(last.end, e)
            } else {
                merged.append((s, e))
            }
        }
        return merged
    }

    /// Calls `body` with each covered piece of `[a, b)`, in order.
    static func forEachCovered(
        _ coverage: [(start: Int64, end: Int64)]?, _ a: Int64, _ b: Int64, _ body: (Int64, Int64) -> Void
    ) {
        guard a < b else { return }
        guard let coverage else {
            body(a, b)
            return
        }
        var w = weekStart(of: a)
        var pending: (Int64, Int64)? = nil
        while w < b {
            for window in coverage {
                let s = max(a, w + window.start)
                let e = min(b, w + window.end)
                guard s < e else { continue }
                // A window that wraps the week end continues into the next week's first window.
                if let p = pending, p.1 == s {
                    pending = (p.0, e)
                } else {
                    if let p = pending { body(p.0, p.1) }
                    pending = (s, e)
                }
            }
            w += week
        }
        if let p = pending { body(p.0, p.1) }
    }

    static func hasCoverage(_ coverage: [(start: Int64, end: Int64)]?, _ a: Int64, _ b: Int64) -> Bool {
        guard a < b else { return false }
        guard let coverage else { return true }
        if b - a >= week { return !coverage.isEmpty }
        var w = weekStart(of: a)
        while w < b {
            for window in coverage where max(a, w + window.start) < min(b, w + window.end) { return true }
            w += week
        }
        return false
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return r < 0 ? r + b : r
}

func gcd(_ a: Int64, _ b: Int64) -> Int64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
