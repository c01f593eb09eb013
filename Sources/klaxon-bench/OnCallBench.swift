import Foundation
import KlaxonCore

/// Figures for on-call schedules: a schedule of 5 layers, 50 participants and 200 overrides in a zone
/// with DST, asked who is on call at many instants across a year, and for a year of shifts.
enum OnCallBench {
    struct Figures {
        var whoIsOnCallMicroseconds: [Double] = []
        var yearListingMilliseconds: [Double] = []
        var yearShiftCount = 0
    }

    static func schedule() -> Schedule {
        let people = (0..<50).map { "person\($0)" }
        let weekdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri]
        let layers = [
            ScheduleLayer(
                name: "monthly-base", rotation: .monthly, start: CivilDateTime(year: 2026, month: 1, day: 31, hour: 9),
                participants: Array(people[0..<10])),
            ScheduleLayer(
                name: "weekly", rotation: .weekly, start: CivilDateTime(year: 2026, month: 1, day: 5, hour: 9),
                participants: Array(people[10..<20]),
                restrictions: [WeeklyWindow(days: weekdays, fromMinute: 9 * 60, toMinute: 17 * 60)]),
            ScheduleLayer(
                name: "nights", rotation: .daily, start: CivilDateTime(year: 2026, month: 1, day: 5, hour: 17),
                participants: Array(people[20..<30]),
                restrictions: [WeeklyWindow(days: weekdays, fromMinute: 17 * 60, toMinute: 9 * 60)],
                advance: .activeOnly),
            ScheduleLayer(
                name: "weekend", rotation: .daily, shiftLength: 2, start: CivilDateTime(year: 2026, month: 1, day: 3),
                participants: Array(people[30..<40]),
                restrictions: [WeeklyWindow(days: [.sat, .sun], fromMinute: 0, toMinute: 1440)]),
            ScheduleLayer(
                name: "follow-the-sun", rotation: .hourly, shiftLength: 8,
                start: CivilDateTime(year: 2026, month: 1, day: 1, hour: 1),
                participants: Array(people[40..<50]),
                restrictions: [WeeklyWindow(days: weekdays, fromMinute: 0, toMinute: 6 * 60)])
        ]
        var random = SystemRandomNumberGenerator()
        let yearStart = Timestamp.parseRFC3339("2026-01-01T00:00:00Z")!
        let overrides = (0..<200).map { i -> ScheduleOverride in
            let from = yearStart.adding(seconds: Int64.random(in: 0..<(365 * 86400), using: &random) / 60 * 60)
            let mode: ScheduleOverride.Mode = i % 4 == 0 ? .add : .replace
            return ScheduleOverride(
                from: from, to: from.adding(seconds: Int64.random(in: 1...72, using: &random) * 3600),
                user: people[Int.random(in: 0..<50, using: &random)],
                replaces: i % 3 == 0 ? people[Int.random(in: 0..<50, using: &random)] : nil, mode: mode)
        }
        return Schedule(name: "bench", timeZone: "America/Chicago", layers: layers, overrides: overrides)
    }

    static func run(runs: Int) throws -> Figures {
        var figures = Figures()
        let yearStart = Timestamp.parseRFC3339("2026-01-01T00:00:00Z")!
        for _ in 0..<runs {
            let calendar = try OnCallCalendar(schedule())
            let asks = 1000
            var found = 0
            let perCall =
                seconds {
                    for i in 0..<asks {
                        let t = yearStart.adding(seconds: Int64(i) * 31_536_000 / Int64(asks) + 1234)
                        found += calendar.onCall(at: t).users.count
                    }
                } / Double(asks)
            precondition(found > 0)
            figures.whoIsOnCallMicroseconds.append(perCall * 1e6)
            var shifts: [Shift] = []
            let listing = seconds {
                shifts = calendar.shifts(from: yearStart, to: yearStart.adding(seconds: 365 * 86400))
            }
            figures.yearListingMilliseconds.append(listing * 1000)
            figures.yearShiftCount = shifts.count
        }
        return figures
    }
}
