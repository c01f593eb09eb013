import Foundation

/// Answers who is on call in a schedule: layers worked out in wall time, converted to instants, the
/// later layer winning, then the overrides in order. Build one per schedule and ask it many times.
public struct OnCallCalendar: Sendable {
    public let schedule: Schedule
    public let timeZone: TimeZone
    let plans: [LayerPlan]

    public init(_ schedule: Schedule) throws(KlaxonError) {
        guard let zone = TimeZone(identifier: schedule.timeZone) else {
            throw .badInput(
                "\(schedule.place): schedule \(schedule.name) has an unknown time zone \"\(schedule.timeZone)\"")
        }
        self.schedule = schedule
        timeZone = zone
        plans = schedule.layers.map(LayerPlan.init)
    }

    /// `[from, to)` tiled exactly by shifts in order: adjacent shifts with the same people merged, and
    /// stretches with nobody on call as shifts with no users.
    public func timeline(from: Timestamp, to: Timestamp) -> [Shift] {
        guard from < to else { return [] }
        let fromSeconds = from.milliseconds / 1000
        let toSeconds = to.milliseconds / 1000
        let rules = ZoneRules(timeZone, fromSeconds: fromSeconds, toSeconds: toSeconds)
        // Wall time runs up to a day off the instants around a change; the margins cover that, the
        // clipping below removes it.
        let wallFrom = floorDiv(rules.wallSeconds(ofUTC: floorDiv(from.milliseconds, 1000)), 60) - 1440
        let wallTo = floorDiv(rules.wallSeconds(ofUTC: floorDiv(to.milliseconds, 1000)), 60) + 1441
        let instant = { (wallMinute: Int64) in rules.utcSeconds(ofWall: wallMinute * 60) * 1000 }
        // Who has a turn depends on the handoffs DST merged since each layer's start, so the gaps between
        // the starts and the window count too (a start's wall seconds are within a day of its instant).
        let starts = plans.map { $0.startWall * 60 }
        let gaps = ZoneRules(
            timeZone, fromSeconds: min(fromSeconds, starts.min() ?? fromSeconds),
            toSeconds: max(toSeconds, starts.max() ?? toSeconds)
        ).gaps

        var layers: [[(start: Int64, end: Int64, user: String)]] = []
        var boundaries: [Int64] = [from.milliseconds, to.milliseconds]
        for plan in plans {
            var segments: [(start: Int64, end: Int64, user: String)] = []
            for piece in plan.pieces(wallFrom: wallFrom, wallTo: wallTo, empty: plan.emptyTurns(in: gaps)) {
                let start = max(instant(piece.start), from.milliseconds)
                let end = min(instant(piece.end), to.milliseconds)
                guard start < end else { continue }
                segments.append((start, end, plan.layer.participants[piece.participant]))
                boundaries.append(start)
                boundaries.append(end)
            }
            layers.append(segments)
        }
        let overrides = schedule.overrides.filter { $0.from < to && $0.to > from && $0.from < $0.to }
        var overrideEdges = Set<Int64>()
        for o in overrides {
            for edge in [o.from.milliseconds, o.to.milliseconds]
            where edge > from.milliseconds && edge < to.milliseconds {
                boundaries.append(edge)
                overrideEdges.insert(edge)
            }
        }
        boundaries.sort()

        var result: [Shift] = []
        var next = [Int](repeating: 0, count: layers.count)
        var active: [ScheduleOverride] = []
        var previous = Int64.min
        for x in boundaries where x != previous {
            defer { previous = x }
            guard x < to.milliseconds else { break }
            var users: [String] = []
            for l in layers.indices.reversed() {
                while next[l] < layers[l].count && layers[l][next[l]].end <= x { next[l] += 1 }
                if next[l] < layers[l].count && layers[l][next[l]].start <= x {
                    users = [layers[l][next[l]].user]
                    break
                }
            }
            if previous == Int64.min || overrideEdges.contains(x) {
                active = overrides.filter { $0.from.milliseconds <= x && $0.to.milliseconds > x }
            }
            for o in active { Self.apply(o, to: &users) }
            // Each shift runs until the next one starts; the same people carry on in the same shift.
            if result.last?.users == users { continue }
            if !result.isEmpty { result[result.count - 1].end = Timestamp(milliseconds: x) }
            result.append(Shift(start: Timestamp(milliseconds: x), end: to, users: users))
        }
        return result
    }

    static func apply(_ o: ScheduleOverride, to users: inout [String]) {
        switch (o.mode, o.replaces) {
        case (.add, _):
            if !users.contains(o.user) { users.append(o.user) }
        case (.replace, let replaced?):
            guard let i = users.firstIndex(of: replaced) else { return }
            if users.contains(o.user) { users.remove(at: i) } else { users[i] = o.user }
        case (.replace, nil):
            users = [o.user]
        }
    }

    /// The shifts in `[from, to)`, clipped to it, without the gaps.
    public func shifts(from: Timestamp, to: Timestamp) -> [Shift] { timeline(from: from, to: to).filter { !$0.isGap } }

    /// The stretches of `[from, to)` with nobody on call.
    public func gaps(from: Timestamp, to: Timestamp) -> [Shift] { timeline(from: from, to: to).filter(\.isGap) }

    /// Who is on call at `t` and until when; `until` is nil when nothing changes within a year.
    public func onCall(at t: Timestamp) -> (users: [String], until: Timestamp?) {
        for days: Int64 in [2, 16, 64, 366] {
            let horizon = t.adding(seconds: days * 86400)
            guard let first = timeline(from: t, to: horizon).first else { break }
            if first.end < horizon { return (first.users, first.end) }
            if days == 366 { return (first.users, nil) }
        }
        return ([], nil)
    }
}
