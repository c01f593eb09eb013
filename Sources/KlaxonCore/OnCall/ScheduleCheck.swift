import Foundation

/// Something `klaxon config validate` reports, with the place it is about.
public struct ConfigFinding: Hashable, Sendable, CustomStringConvertible {
    public enum Level: String, Sendable { case error, warning }
    public var level: Level
    /// `file:line:column`, or the file.
    public var place: String
    public var message: String

    public init(_ level: Level, _ place: String, _ message: String) {
        self.level = level
        self.place = place
        self.message = message
    }

    public var description: String { "\(place): \(level.rawValue): \(message)" }
}

/// The checks of a schedule that need its meaning, not just its syntax.
public enum ScheduleCheck {
    /// Errors: unknown people (but those `unreadPeople` covers: their entry did not read, and that error
    /// is the one message). Warnings: a participant who never gets a turn, overlapping overrides of one
    /// person, and gaps in coverage between `now` and `days` days later.
    public static func findings(
        _ schedule: Schedule, people: Set<String>, now: Timestamp, days: Int = 30,
        unreadPeople: (String) -> Bool = { _ in false }
    ) -> [ConfigFinding] {
        func unknown(_ person: String) -> Bool { !people.contains(person) && !unreadPeople(person) }
        var findings: [ConfigFinding] = []
        for layer in schedule.layers {
            if layer.participants.isEmpty {
                findings.append(.init(.error, layer.place, "layer \(layer.name) has no participants"))
            }
            for (i, person) in layer.participants.enumerated() where unknown(person) {
                findings.append(
                    .init(
                        .error, place(layer.participantPlaces, i, or: layer.place),
                        "\(person) is not in Escalation/people.yaml (layer \(layer.name))"))
            }
            for i in participantsWithoutTurns(LayerPlan(layer)) {
                findings.append(
                    .init(
                        .warning, place(layer.participantPlaces, i, or: layer.place),
                        "\(layer.participants[i]) never gets a turn in layer \(layer.name): each of their turns falls wholly outside the restrictions; use advance: active_only or another shift_length"
                    ))
            }
        }
        for (i, o) in schedule.overrides.enumerated() {
            for person in [o.user] + (o.replaces.map { [$0] } ?? []) where unknown(person) {
                findings.append(.init(.error, o.place, "\(person) is not in Escalation/people.yaml (override)"))
            }
            if let earlier = schedule.overrides[..<i].first(where: {
                $0.user == o.user && $0.from < o.to && o.from < $0.to
            }) {
                findings.append(
                    .init(
                        .warning, o.place, "this override of \(o.user) overlaps another of theirs at \(earlier.place)"))
            }
        }
        if let calendar = try? OnCallCalendar(schedule), findings.allSatisfy({ $0.level != .error }) {
            let gaps = calendar.gaps(from: now, to: now.adding(seconds: Int64(days) * 86400))
            if !gaps.isEmpty {
                let format = LocalTimeFormatter(timeZone: calendar.timeZone)
                let listed = gaps.prefix(3).map {
                    "\(format.dateTime($0.start).dropLast(3))–\(format.dateTime($0.end).dropLast(3))"
                }
                let more = gaps.count > 3 ? " and \(gaps.count - 3) more" : ""
                findings.append(
                    .init(
                        .warning, schedule.place,
                        "\(schedule.name) has nobody on call in \(Plural.count(gaps.count, "stretch", "stretches")) of the next \(Plural.count(days, "day")) (\(schedule.timeZone)): \(listed.joined(separator: ", "))\(more)"
                    ))
            }
        }
        return findings
    }

    private static func place(_ places: [String], _ i: Int, or fallback: String) -> String {
        i < places.count ? places[i] : fallback
    }

    /// Indexes of participants none of whose turns overlap the layer's coverage (only possible with
    /// `advance: always`, restrictions, and turns shorter than a week).
    static func participantsWithoutTurns(_ plan: LayerPlan) -> [Int] {
        let n = Int64(plan.layer.participants.count)
        guard plan.layer.advance == .always, n > 0, plan.weekCoverage != nil, plan.step != nil else { return [] }
        // Turn activity repeats every `period` turns and ownership every `n`: one common cycle decides.
        let cycle = plan.period / gcd(plan.period, n) * n
        var served = Set<Int>()
        var k: Int64 = 0
        while k < cycle && served.count < Int(n) {
            if plan.isActive(k) { served.insert(Int(floorMod(k, n))) }
            k += 1
        }
        return (0..<Int(n)).filter { !served.contains($0) }
    }
}
