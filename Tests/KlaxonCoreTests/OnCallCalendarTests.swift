import Foundation
import Testing

@testable import KlaxonCore

/// Schedules across DST in both directions, in a zone with whole-hour changes (America/Chicago) and one
/// with half-hour changes (Australia/Lord_Howe). Expected instants are worked out by hand from the zone
/// rules: Chicago springs forward 2026-03-08 02:00 CST→03:00 CDT (08:00Z) and falls back 2026-11-01
/// 02:00 CDT→01:00 CST (07:00Z); Lord Howe falls back 2026-04-05 02:00 +11→01:30 +10:30 (04-04 15:00Z)
/// and springs forward 2026-10-04 02:00 +10:30→02:30 +11 (10-03 15:30Z). Where a gap swallows a whole
/// turn (an hourly handoff at 02:00 in Chicago), that handoff merges with the next and the rotation
/// advances once: nobody loses a turn, and everyone after is one turn later by the wall clock.
struct OnCallCalendarTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var zone: String
        var rotation: Rotation
        var length = 1
        var start: String  // wall time in the zone
        var participants: [String]
        var from: String, to: String  // RFC 3339 window
        var expected: [(String, String, String)]  // start Z, end Z, user
        var restrictions: [WeeklyWindow] = []
        var advance = AdvanceMode.always
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "Chicago daily 09:00 across spring forward: a 23-hour shift", zone: "America/Chicago",
            rotation: .daily,
            start: "2026-03-01T09:00", participants: ["a", "b", "c"], from: "2026-03-07T15:00:00Z",
            to: "2026-03-09T14:00:00Z",
            expected: [("2026-03-07T15:00", "2026-03-08T14:00", "a"), ("2026-03-08T14:00", "2026-03-09T14:00", "b")]),
        Case(
            name: "Chicago daily 09:00 across fall back: a 25-hour shift", zone: "America/Chicago", rotation: .daily,
            start: "2026-10-01T09:00", participants: ["a", "b"], from: "2026-10-31T14:00:00Z",
            to: "2026-11-02T15:00:00Z",
            expected: [("2026-10-31T14:00", "2026-11-01T15:00", "a"), ("2026-11-01T15:00", "2026-11-02T15:00", "b")]),
        Case(
            name: "Chicago daily handoff inside the skipped hour moves to 03:00 CDT", zone: "America/Chicago",
            rotation: .daily,
            start: "2026-03-01T02:30", participants: ["a", "b", "c"], from: "2026-03-07T08:30:00Z",
            to: "2026-03-09T07:30:00Z",
            expected: [("2026-03-07T08:30", "2026-03-08T08:00", "a"), ("2026-03-08T08:00", "2026-03-09T07:30", "b")]),
        Case(
            name: "Chicago daily handoff inside the repeated hour is its first occurrence", zone: "America/Chicago",
            rotation: .daily,
            start: "2026-10-02T01:30", participants: ["a", "b"], from: "2026-10-31T06:30:00Z",
            to: "2026-11-02T07:30:00Z",
            expected: [("2026-10-31T06:30", "2026-11-01T06:30", "b"), ("2026-11-01T06:30", "2026-11-02T07:30", "a")]),
        // 00:00 CST a, 01:00 CST b; the 02:00 handoff falls on 03:00 CDT (08:00Z) with the 03:00 one: c takes
        // over once, then d at 04:00 and a at 05:00.
        Case(
            name: "Chicago hourly across spring forward: the 02:00 handoff merges with 03:00, c's turn starts then",
            zone: "America/Chicago", rotation: .hourly,
            start: "2026-03-08T00:00", participants: ["a", "b", "c", "d"], from: "2026-03-08T06:00:00Z",
            to: "2026-03-08T11:00:00Z",
            expected: [
                ("2026-03-08T06:00", "2026-03-08T07:00", "a"), ("2026-03-08T07:00", "2026-03-08T08:00", "b"),
                ("2026-03-08T08:00", "2026-03-08T09:00", "c"), ("2026-03-08T09:00", "2026-03-08T10:00", "d"),
                ("2026-03-08T10:00", "2026-03-08T11:00", "a")
            ]),
        // Midnight 03-09 CDT (05:00Z) is the 24th wall hour after the start, but only 23 handoffs happened: d, not a.
        Case(
            name: "Chicago hourly the day after spring forward: everyone stays one turn later", zone: "America/Chicago",
            rotation: .hourly,
            start: "2026-03-08T00:00", participants: ["a", "b", "c", "d"], from: "2026-03-09T05:00:00Z",
            to: "2026-03-09T07:00:00Z",
            expected: [("2026-03-09T05:00", "2026-03-09T06:00", "d"), ("2026-03-09T06:00", "2026-03-09T07:00", "a")]),
        // 239 days after the start, 00:00 CST 11-02 (06:00Z) is wall hour 5736, a's by the clock; one merge: d.
        Case(
            name: "Chicago hourly after fall back: the repeated hour gives no turn back", zone: "America/Chicago",
            rotation: .hourly,
            start: "2026-03-08T00:00", participants: ["a", "b", "c", "d"], from: "2026-11-02T06:00:00Z",
            to: "2026-11-02T08:00:00Z",
            expected: [("2026-11-02T06:00", "2026-11-02T07:00", "d"), ("2026-11-02T07:00", "2026-11-02T08:00", "a")]),
        // Counting back from a at 00:00 CDT 03-09 (05:00Z): d 23:00, c 22:00, … a 04:00 CDT, d 03:00 CDT, and the
        // merged 02:00 handoff hands nothing out, so 01:00 CST is c's and 00:00 CST b's.
        Case(
            name: "Chicago hourly projected backwards across spring forward", zone: "America/Chicago",
            rotation: .hourly,
            start: "2026-03-09T00:00", participants: ["a", "b", "c", "d"], from: "2026-03-08T06:00:00Z",
            to: "2026-03-08T10:00:00Z",
            expected: [
                ("2026-03-08T06:00", "2026-03-08T07:00", "b"), ("2026-03-08T07:00", "2026-03-08T08:00", "c"),
                ("2026-03-08T08:00", "2026-03-08T09:00", "d"), ("2026-03-08T09:00", "2026-03-08T10:00", "a")
            ]),
        Case(
            name: "Chicago hourly starting in the skipped hour: a's first turn starts at 03:00 CDT",
            zone: "America/Chicago", rotation: .hourly,
            start: "2026-03-08T02:00", participants: ["a", "b", "c"], from: "2026-03-08T07:00:00Z",
            to: "2026-03-08T10:00:00Z",
            expected: [
                ("2026-03-08T07:00", "2026-03-08T08:00", "c"), ("2026-03-08T08:00", "2026-03-08T09:00", "a"),
                ("2026-03-08T09:00", "2026-03-08T10:00", "b")
            ]),
        // Covered 01:00-05:00 daily, four turns a day: a b c d every night, from a at 01:00 on 03-01. On 03-08 the
        // 02:00 turn has no time and is not handed out: b at 03:00 CDT, c at 04:00; 03-09 starts with d.
        Case(
            name: "Chicago hourly active_only across spring forward: the merged turn is not handed out",
            zone: "America/Chicago",
            rotation: .hourly, start: "2026-03-01T00:00", participants: ["a", "b", "c", "d"],
            from: "2026-03-08T06:00:00Z", to: "2026-03-09T08:00:00Z",
            expected: [
                ("2026-03-08T07:00", "2026-03-08T08:00", "a"), ("2026-03-08T08:00", "2026-03-08T09:00", "b"),
                ("2026-03-08T09:00", "2026-03-08T10:00", "c"), ("2026-03-09T06:00", "2026-03-09T07:00", "d"),
                ("2026-03-09T07:00", "2026-03-09T08:00", "a")
            ],
            restrictions: [WeeklyWindow(days: Set(Weekday.allCases), fromMinute: 60, toMinute: 300)],
            advance: .activeOnly),
        // The same with advance: always: 01:00 on 03-08 is turn 169 (b); turns 171 and 172 go to c and d, not d and a.
        Case(
            name: "Chicago hourly restricted, advance always, across spring forward", zone: "America/Chicago",
            rotation: .hourly, start: "2026-03-01T00:00", participants: ["a", "b", "c", "d"],
            from: "2026-03-08T06:00:00Z", to: "2026-03-09T08:00:00Z",
            expected: [
                ("2026-03-08T07:00", "2026-03-08T08:00", "b"), ("2026-03-08T08:00", "2026-03-08T09:00", "c"),
                ("2026-03-08T09:00", "2026-03-08T10:00", "d"), ("2026-03-09T06:00", "2026-03-09T07:00", "a"),
                ("2026-03-09T07:00", "2026-03-09T08:00", "b")
            ],
            restrictions: [WeeklyWindow(days: Set(Weekday.allCases), fromMinute: 60, toMinute: 300)]),
        // Samoa skipped 2011-12-30 (23:59 -10 on the 29th, then 00:00 +14 on the 31st, 10:00Z): the 30th's daily turn,
        // a's by the clock, merges with the 31st's, so a takes over on the 31st and b follows on 01-01.
        Case(
            name: "Apia daily across the skipped day", zone: "Pacific/Apia", rotation: .daily,
            start: "2011-12-27T00:00", participants: ["a", "b", "c"], from: "2011-12-29T10:00:00Z",
            to: "2012-01-01T10:00:00Z",
            expected: [
                ("2011-12-29T10:00", "2011-12-30T10:00", "c"), ("2011-12-30T10:00", "2011-12-31T10:00", "a"),
                ("2011-12-31T10:00", "2012-01-01T10:00", "b")
            ]),
        Case(
            name: "Chicago hourly across fall back: the 01:00 turn holds both 01:00s", zone: "America/Chicago",
            rotation: .hourly,
            start: "2026-11-01T00:00", participants: ["a", "b", "c"], from: "2026-11-01T05:00:00Z",
            to: "2026-11-01T10:00:00Z",
            expected: [
                ("2026-11-01T05:00", "2026-11-01T06:00", "a"), ("2026-11-01T06:00", "2026-11-01T08:00", "b"),
                ("2026-11-01T08:00", "2026-11-01T09:00", "c"), ("2026-11-01T09:00", "2026-11-01T10:00", "a")
            ]),
        Case(
            name: "Chicago weekly across spring forward: a 167-hour shift", zone: "America/Chicago", rotation: .weekly,
            start: "2026-03-02T09:00", participants: ["a", "b"], from: "2026-03-02T15:00:00Z",
            to: "2026-03-16T14:00:00Z",
            expected: [("2026-03-02T15:00", "2026-03-09T14:00", "a"), ("2026-03-09T14:00", "2026-03-16T14:00", "b")]),
        Case(
            name: "Chicago weekly with shift_length 2 across fall back", zone: "America/Chicago", rotation: .weekly,
            length: 2,
            start: "2026-10-26T09:00", participants: ["a", "b"], from: "2026-10-26T14:00:00Z",
            to: "2026-11-23T15:00:00Z",
            expected: [("2026-10-26T14:00", "2026-11-09T15:00", "a"), ("2026-11-09T15:00", "2026-11-23T15:00", "b")]),
        Case(
            name: "Chicago monthly from the 31st: last day of shorter months, same wall time across DST",
            zone: "America/Chicago",
            rotation: .monthly, start: "2026-01-31T09:00", participants: ["a", "b"], from: "2026-01-31T15:00:00Z",
            to: "2026-04-30T14:00:00Z",
            expected: [
                ("2026-01-31T15:00", "2026-02-28T15:00", "a"), ("2026-02-28T15:00", "2026-03-31T14:00", "b"),
                ("2026-03-31T14:00", "2026-04-30T14:00", "a")
            ]),
        Case(
            name: "Chicago monthly handoff in the repeated hour", zone: "America/Chicago", rotation: .monthly,
            start: "2026-10-01T01:30", participants: ["a", "b"], from: "2026-10-01T06:30:00Z",
            to: "2026-12-01T07:30:00Z",
            expected: [("2026-10-01T06:30", "2026-11-01T06:30", "a"), ("2026-11-01T06:30", "2026-12-01T07:30", "b")]),
        Case(
            name: "Lord Howe daily handoff in the skipped half hour moves to 02:30", zone: "Australia/Lord_Howe",
            rotation: .daily,
            start: "2026-10-01T02:15", participants: ["a", "b", "c"], from: "2026-10-02T15:45:00Z",
            to: "2026-10-04T15:15:00Z",
            expected: [("2026-10-02T15:45", "2026-10-03T15:30", "c"), ("2026-10-03T15:30", "2026-10-04T15:15", "a")]),
        Case(
            name: "Lord Howe daily handoff in the repeated half hour: a 24.5-hour shift", zone: "Australia/Lord_Howe",
            rotation: .daily,
            start: "2026-04-01T01:45", participants: ["a", "b"], from: "2026-04-03T14:45:00Z",
            to: "2026-04-05T15:15:00Z",
            expected: [("2026-04-03T14:45", "2026-04-04T14:45", "b"), ("2026-04-04T14:45", "2026-04-05T15:15", "a")]),
        Case(
            name: "Lord Howe hourly across spring forward: the 02:00 turn lasts 30 minutes",
            zone: "Australia/Lord_Howe", rotation: .hourly,
            start: "2026-10-04T00:00", participants: ["a", "b", "c"], from: "2026-10-03T13:30:00Z",
            to: "2026-10-03T17:00:00Z",
            expected: [
                ("2026-10-03T13:30", "2026-10-03T14:30", "a"), ("2026-10-03T14:30", "2026-10-03T15:30", "b"),
                ("2026-10-03T15:30", "2026-10-03T16:00", "c"), ("2026-10-03T16:00", "2026-10-03T17:00", "a")
            ]),
        Case(
            name: "Lord Howe hourly across fall back: the 01:00 turn lasts 90 minutes", zone: "Australia/Lord_Howe",
            rotation: .hourly,
            start: "2026-04-05T00:00", participants: ["a", "b", "c"], from: "2026-04-04T13:00:00Z",
            to: "2026-04-04T16:30:00Z",
            expected: [
                ("2026-04-04T13:00", "2026-04-04T14:00", "a"), ("2026-04-04T14:00", "2026-04-04T15:30", "b"),
                ("2026-04-04T15:30", "2026-04-04T16:30", "c")
            ]),
        // A 30-minute gap never swallows an hourly turn: no merge, and the order the next day is the clock's.
        Case(
            name: "Lord Howe hourly the day after spring forward: nobody is a turn later", zone: "Australia/Lord_Howe",
            rotation: .hourly,
            start: "2026-10-04T00:00", participants: ["a", "b", "c"], from: "2026-10-04T13:00:00Z",
            to: "2026-10-04T15:00:00Z",
            expected: [("2026-10-04T13:00", "2026-10-04T14:00", "a"), ("2026-10-04T14:00", "2026-10-04T15:00", "b")]),
        Case(
            name: "Lord Howe weekly across spring forward: a 167.5-hour shift", zone: "Australia/Lord_Howe",
            rotation: .weekly,
            start: "2026-09-27T12:00", participants: ["a", "b"], from: "2026-09-27T01:30:00Z",
            to: "2026-10-11T01:00:00Z",
            expected: [("2026-09-27T01:30", "2026-10-04T01:00", "a"), ("2026-10-04T01:00", "2026-10-11T01:00", "b")]),
        Case(
            name: "Lord Howe weekly across fall back", zone: "Australia/Lord_Howe", rotation: .weekly,
            start: "2026-03-29T12:00", participants: ["a", "b"], from: "2026-03-29T01:00:00Z",
            to: "2026-04-12T01:30:00Z",
            expected: [("2026-03-29T01:00", "2026-04-05T01:30", "a"), ("2026-04-05T01:30", "2026-04-12T01:30", "b")]),
        Case(
            name: "Lord Howe monthly handoff in the skipped half hour", zone: "Australia/Lord_Howe", rotation: .monthly,
            start: "2026-09-04T02:15", participants: ["a", "b"], from: "2026-09-03T15:45:00Z",
            to: "2026-11-03T15:15:00Z",
            expected: [("2026-09-03T15:45", "2026-10-03T15:30", "a"), ("2026-10-03T15:30", "2026-11-03T15:15", "b")])
    ]

    @Test(arguments: cases)
    func handoffsFollowTheWallClock(_ c: Case) throws {
        let schedule = Schedule(
            name: "s", timeZone: c.zone,
            layers: [
                ScheduleLayer(
                    name: "l", rotation: c.rotation, shiftLength: c.length, start: wall(c.start),
                    participants: c.participants,
                    restrictions: c.restrictions, advance: c.advance)
            ])
        let shifts = try OnCallCalendar(schedule).shifts(from: at(c.from), to: at(c.to))
        #expect(shifts.map(Self.describe) == c.expected.map { "\($0.0)Z–\($0.1)Z \($0.2)" })
    }

    @Test func startInTheFutureProjectsBackwards() throws {
        let calendar = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "UTC",
                layers: [
                    ScheduleLayer(
                        name: "l", rotation: .daily, start: wall("2027-01-10T09:00"), participants: ["a", "b", "c"])
                ]))
        // 2027-01-07 is three turns before the start: a, counting back c, b, a.
        #expect(calendar.onCall(at: at("2027-01-07T12:00:00Z")).users == ["a"])
        #expect(calendar.onCall(at: at("2027-01-09T12:00:00Z")).users == ["c"])
        #expect(calendar.onCall(at: at("2027-01-09T12:00:00Z")).until == at("2027-01-10T09:00:00Z"))
    }

    @Test func overnightRestrictionsRunIntoTheNextDay() throws {
        let calendar = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "UTC",
                layers: [
                    ScheduleLayer(
                        name: "nights", rotation: .weekly, start: wall("2026-11-02T09:00"), participants: ["a"],
                        restrictions: [
                            WeeklyWindow(days: [.mon, .tue, .wed, .thu, .fri], fromMinute: 22 * 60, toMinute: 6 * 60)
                        ])
                ]))
        // Mon 2026-11-02 .. Mon 2026-11-09: five nights, the Friday one ends Saturday 06:00; nothing Sunday night.
        let shifts = calendar.shifts(from: at("2026-11-02T00:00:00Z"), to: at("2026-11-09T12:00:00Z"))
        #expect(
            shifts.map(Self.describe) == [
                "2026-11-02T22:00Z–2026-11-03T06:00Z a", "2026-11-03T22:00Z–2026-11-04T06:00Z a",
                "2026-11-04T22:00Z–2026-11-05T06:00Z a",
                "2026-11-05T22:00Z–2026-11-06T06:00Z a", "2026-11-06T22:00Z–2026-11-07T06:00Z a"
            ])
    }

    @Test func overnightRestrictionAcrossFallBackKeepsWallTimes() throws {
        let calendar = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "America/Chicago",
                layers: [
                    ScheduleLayer(
                        name: "nights", rotation: .weekly, start: wall("2026-10-26T09:00"), participants: ["a"],
                        restrictions: [WeeklyWindow(days: [.sat], fromMinute: 22 * 60, toMinute: 6 * 60)])
                ]))
        // Sat 22:00 CDT (03:00Z) to Sun 06:00 CST (12:00Z): nine hours that night.
        #expect(
            calendar.shifts(from: at("2026-10-31T00:00:00Z"), to: at("2026-11-02T00:00:00Z")).map(Self.describe)
                == ["2026-11-01T03:00Z–2026-11-01T12:00Z a"])
    }

    /// GoAlert issue 55: a daily rotation of seven restricted to weekdays never reaches two of them
    /// with `advance: always`; with `active_only` everyone gets a turn.
    @Test func activeOnlyHandsOutTurnsOnlyInCoveredWindows() throws {
        let people = ["a", "b", "c", "d", "e", "f", "g"]
        func layer(_ advance: AdvanceMode) -> ScheduleLayer {
            ScheduleLayer(
                name: "weekdays", rotation: .daily, start: wall("2026-11-02T09:00"), participants: people,
                restrictions: [
                    WeeklyWindow(days: [.mon, .tue, .wed, .thu, .fri], fromMinute: 9 * 60, toMinute: 17 * 60)
                ],
                advance: advance)
        }
        let always = try OnCallCalendar(Schedule(name: "s", timeZone: "UTC", layers: [layer(.always)]))
        let fourWeeks = (at("2026-11-02T00:00:00Z"), at("2026-11-30T00:00:00Z"))
        #expect(Set(always.shifts(from: fourWeeks.0, to: fourWeeks.1).flatMap(\.users)) == ["a", "b", "c", "d", "e"])
        #expect(ScheduleCheck.participantsWithoutTurns(LayerPlan(layer(.always))) == [5, 6])

        let activeOnly = try OnCallCalendar(Schedule(name: "s", timeZone: "UTC", layers: [layer(.activeOnly)]))
        let twoWeeks = activeOnly.shifts(from: at("2026-11-02T00:00:00Z"), to: at("2026-11-16T00:00:00Z"))
        #expect(twoWeeks.map { $0.users[0] } == ["a", "b", "c", "d", "e", "f", "g", "a", "b", "c"])
        #expect(ScheduleCheck.participantsWithoutTurns(LayerPlan(layer(.activeOnly))).isEmpty)
        // Backwards from the start too: counting back from a, the week before went g, f, e, d, c.
        let before = activeOnly.shifts(from: at("2026-10-26T00:00:00Z"), to: at("2026-11-01T00:00:00Z"))
        #expect(before.map { $0.users[0] } == ["c", "d", "e", "f", "g"])
    }

    @Test func laterLayersWinWhereTheyHaveSomeone() throws {
        let calendar = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "UTC",
                layers: [
                    ScheduleLayer(
                        name: "base", rotation: .weekly, start: wall("2026-11-02T00:00"), participants: ["base"]),
                    ScheduleLayer(
                        name: "day", rotation: .daily, start: wall("2026-11-02T00:00"), participants: ["day"],
                        restrictions: [WeeklyWindow(days: [.mon], fromMinute: 9 * 60, toMinute: 17 * 60)])
                ]))
        #expect(
            calendar.timeline(from: at("2026-11-02T00:00:00Z"), to: at("2026-11-03T00:00:00Z")).map(Self.describe) == [
                "2026-11-02T00:00Z–2026-11-02T09:00Z base", "2026-11-02T09:00Z–2026-11-02T17:00Z day",
                "2026-11-02T17:00Z–2026-11-03T00:00Z base"
            ])
    }

    @Test func overridesOfAllThreeKinds() throws {
        let base = ScheduleLayer(
            name: "l", rotation: .daily, start: wall("2026-11-02T00:00"), participants: ["a", "b"],
            restrictions: [WeeklyWindow(days: Set(Weekday.allCases), fromMinute: 0, toMinute: 12 * 60)])
        let calendar = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "UTC", layers: [base],
                overrides: [
                    // Replaces a only: no effect on b's day (Tuesday).
                    ScheduleOverride(
                        from: at("2026-11-02T06:00:00Z"), to: at("2026-11-03T06:00:00Z"), user: "x", replaces: "a"),
                    // Replaces whoever is on call, and covers the gap after noon.
                    ScheduleOverride(from: at("2026-11-03T10:00:00Z"), to: at("2026-11-03T14:00:00Z"), user: "y"),
                    // Adds z alongside.
                    ScheduleOverride(
                        from: at("2026-11-04T02:00:00Z"), to: at("2026-11-04T04:00:00Z"), user: "z", mode: .add)
                ]))
        #expect(
            calendar.timeline(from: at("2026-11-02T00:00:00Z"), to: at("2026-11-04T12:00:00Z")).map(Self.describe) == [
                "2026-11-02T00:00Z–2026-11-02T06:00Z a", "2026-11-02T06:00Z–2026-11-02T12:00Z x",
                "2026-11-02T12:00Z–2026-11-03T00:00Z -",
                "2026-11-03T00:00Z–2026-11-03T10:00Z b", "2026-11-03T10:00Z–2026-11-03T14:00Z y",
                "2026-11-03T14:00Z–2026-11-04T00:00Z -",
                "2026-11-04T00:00Z–2026-11-04T02:00Z a", "2026-11-04T02:00Z–2026-11-04T04:00Z a,z",
                "2026-11-04T04:00Z–2026-11-04T12:00Z a"
            ])
        let gaps = calendar.gaps(from: at("2026-11-02T00:00:00Z"), to: at("2026-11-04T12:00:00Z"))
        #expect(gaps.count == 2 && gaps.allSatisfy(\.isGap))
    }

    @Test func onCallNowAndUntil() throws {
        let calendar = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "America/Chicago",
                layers: [
                    ScheduleLayer(
                        name: "l", rotation: .weekly, start: wall("2026-11-02T09:00"), participants: ["a", "b"])
                ]))
        let now = calendar.onCall(at: at("2026-11-22T18:30:00Z"))
        #expect(now.users == ["a"])
        #expect(now.until == at("2026-11-23T15:00:00Z"))
        let single = try OnCallCalendar(
            Schedule(
                name: "s", timeZone: "UTC",
                layers: [
                    ScheduleLayer(name: "l", rotation: .weekly, start: wall("2026-11-02T09:00"), participants: ["solo"])
                ]))
        #expect(single.onCall(at: at("2026-11-22T18:30:00Z")).users == ["solo"])
        #expect(single.onCall(at: at("2026-11-22T18:30:00Z")).until == nil)
    }

    @Test func scheduleCheckFindsUnknownPeopleOverlapsAndGaps() throws {
        var layer = ScheduleLayer(
            name: "days", rotation: .daily, start: wall("2026-11-02T09:00"), participants: ["a", "ghost"],
            restrictions: [WeeklyWindow(days: [.mon], fromMinute: 9 * 60, toMinute: 17 * 60)],
            place: "s.yaml:3:5", participantPlaces: ["s.yaml:7:20", "s.yaml:7:23"])
        let overlapping = [
            ScheduleOverride(
                from: at("2026-11-23T00:00:00Z"), to: at("2026-11-24T00:00:00Z"), user: "a", place: "s.yaml:12:5"),
            ScheduleOverride(
                from: at("2026-11-23T12:00:00Z"), to: at("2026-11-25T00:00:00Z"), user: "a", place: "s.yaml:13:5")
        ]
        let bad = ScheduleCheck.findings(
            Schedule(name: "s", timeZone: "UTC", layers: [layer], overrides: overlapping, place: "s.yaml"),
            people: ["a"], now: at("2026-11-22T00:00:00Z"))
        #expect(
            bad.map(\.description) == [
                "s.yaml:7:23: error: ghost is not in Escalation/people.yaml (layer days)",
                "s.yaml:13:5: warning: this override of a overlaps another of theirs at s.yaml:12:5"
            ])
        // Two 12-hour turns a day, 09:00 and 21:00, covering only 09:00-17:00: b's turns never overlap it.
        layer.participants = ["a", "b"]
        layer.rotation = .hourly
        layer.shiftLength = 12
        layer.restrictions = [WeeklyWindow(days: Set(Weekday.allCases), fromMinute: 9 * 60, toMinute: 17 * 60)]
        let gappy = ScheduleCheck.findings(
            Schedule(name: "s", timeZone: "UTC", layers: [layer], place: "s.yaml"),
            people: ["a", "b"], now: at("2026-11-22T00:00:00Z"), days: 2)
        #expect(
            gappy.map(\.description) == [
                "s.yaml:7:23: warning: b never gets a turn in layer days: each of their turns falls wholly outside the restrictions; use advance: active_only or another shift_length",
                "s.yaml: warning: s has nobody on call in 3 stretches of the next 2 days (UTC): 2026-11-22 00:00–2026-11-22 09:00, 2026-11-22 17:00–2026-11-23 09:00, 2026-11-23 17:00–2026-11-24 00:00"
            ])
    }

    // MARK: - Property: shifts tile any window, and splitting a window changes nothing

    @Test func timelinesTileAnyWindowWithoutOverlap() throws {
        var random = SplitMix(seed: 0x5EED_0CA1)
        let zones = ["America/Chicago", "Australia/Lord_Howe", "Europe/Berlin", "Asia/Kolkata", "UTC"]
        for round in 0..<300 {
            let schedule = Self.randomSchedule(&random, zone: zones[Int(random.next() % UInt64(zones.count))])
            let calendar = try OnCallCalendar(schedule)
            let from = Timestamp(milliseconds: (1_767_225_600 + Int64(random.next() % (400 * 86400))) * 1000)
            let to = from.adding(seconds: 60 + Int64(random.next() % (40 * 86400)))
            let tiles = calendar.timeline(from: from, to: to)
            let context = "round \(round): \(schedule) over \(from)–\(to)"
            try #require(!tiles.isEmpty, "\(context)")
            #expect(tiles.first?.start == from, "\(context)")
            #expect(tiles.last?.end == to, "\(context)")
            for (a, b) in zip(tiles, tiles.dropFirst()) {
                #expect(a.end == b.start && a.users != b.users, "\(context)")
            }
            #expect(tiles.allSatisfy { $0.start < $0.end && Set($0.users).count == $0.users.count }, "\(context)")
            // Asking for two halves and joining them gives the same answer as asking for the whole.
            let middle = Timestamp(
                milliseconds: from.milliseconds + (to.milliseconds - from.milliseconds) / 2 / 60000 * 60000)
            if from < middle {
                var joined = calendar.timeline(from: from, to: middle)
                for shift in calendar.timeline(from: middle, to: to) {
                    if joined.last?.users == shift.users {
                        joined[joined.count - 1].end = shift.end
                    } else {
                        joined.append(shift)
                    }
                }
                #expect(joined == tiles, "\(context)")
            }
        }
    }

    // MARK: - Property: a rotation never skips anyone, whatever DST does

    /// Each shift of an unrestricted layer goes to the participant after the previous shift's, across a
    /// year (one spring-forward and one fall-back in each zone), so turn counts stay within one of each
    /// other. Every zone, rotation, shift length and handoff minute is tried; the rest is random. (Three
    /// people or more: with two, a skipped turn would only show as two turns of one person run together.)
    @Test func rotationsHandOutTurnsInOrderAcrossAYear() throws {
        var random = SplitMix(seed: 0xD57_0B0E)
        for zone in ["America/Chicago", "Australia/Lord_Howe", "Europe/Berlin"] {
            for rotation in [Rotation.hourly, .daily] {
                for (length, minute) in [(1, 0), (1, 30), (2, 0), (2, 30)] {
                    let people = Array(["a", "b", "c", "d", "e"].prefix(3 + Int(random.next() % 3)))
                    let start = CivilDateTime(
                        year: 2025 + Int(random.next() % 3), month: 1 + Int(random.next() % 12),
                        day: 1 + Int(random.next() % 28), hour: Int(random.next() % 24), minute: minute)
                    let schedule = Schedule(
                        name: "s", timeZone: zone,
                        layers: [
                            ScheduleLayer(
                                name: "l", rotation: rotation, shiftLength: length, start: start, participants: people)
                        ])
                    let from = Timestamp(
                        milliseconds: (1_767_225_600 + Int64(random.next() % (365 * 86400)) / 60 * 60) * 1000)
                    let shifts = try OnCallCalendar(schedule).shifts(from: from, to: from.adding(seconds: 365 * 86400))
                    let context = "\(schedule) from \(from)"
                    let order = shifts.map { people.firstIndex(of: $0.users[0])! }
                    let skips = zip(order, order.dropFirst()).filter { $1 != ($0 + 1) % people.count }
                    #expect(skips.isEmpty, "\(context): \(skips.count) handoffs skip someone")
                    let counts = people.indices.map { i in order.filter { $0 == i }.count }
                    #expect(counts.max()! - counts.min()! <= 1, "\(context): turns \(counts)")
                }
            }
        }
    }

    static func randomSchedule(_ random: inout SplitMix, zone: String) -> Schedule {
        let people = ["a", "b", "c", "d", "e"]
        var layers: [ScheduleLayer] = []
        for l in 0..<Int(1 + random.next() % 3) {
            var restrictions: [WeeklyWindow] = []
            for _ in 0..<Int(random.next() % 3) {
                let days = Set(Weekday.allCases.filter { _ in random.next() % 2 == 0 })
                if days.isEmpty { continue }
                restrictions.append(
                    WeeklyWindow(
                        days: days, fromMinute: Int(random.next() % 48) * 30, toMinute: Int(random.next() % 49) * 30))
            }
            let start = CivilDateTime(
                year: 2025 + Int(random.next() % 3), month: 1 + Int(random.next() % 12),
                day: 1 + Int(random.next() % 31),
                hour: Int(random.next() % 24), minute: Int(random.next() % 4) * 15)
            let fixedDay = min(start.day, CivilDateTime.daysIn(month: start.month, year: start.year))
            layers.append(
                ScheduleLayer(
                    name: "l\(l)", rotation: Rotation.allCases[Int(random.next() % 4)],
                    shiftLength: 1 + Int(random.next() % 3),
                    start: CivilDateTime(
                        year: start.year, month: start.month, day: fixedDay, hour: start.hour, minute: start.minute),
                    participants: Array(people.prefix(1 + Int(random.next() % 5))), restrictions: restrictions,
                    advance: random.next() % 2 == 0 ? .always : .activeOnly))
        }
        var overrides: [ScheduleOverride] = []
        for _ in 0..<Int(random.next() % 6) {
            let from = Timestamp(milliseconds: (1_767_225_600 + Int64(random.next() % (420 * 86400)) / 60 * 60) * 1000)
            let mode: ScheduleOverride.Mode = random.next() % 3 == 0 ? .add : .replace
            overrides.append(
                ScheduleOverride(
                    from: from, to: from.adding(seconds: 60 * Int64(1 + random.next() % 5000)),
                    user: people[Int(random.next() % 5)],
                    replaces: random.next() % 2 == 0 ? people[Int(random.next() % 5)] : nil, mode: mode))
        }
        return Schedule(name: "random", timeZone: zone, layers: layers, overrides: overrides)
    }

    // MARK: - Helpers

    static func describe(_ s: Shift) -> String {
        "\(s.start.rfc3339.prefix(16))Z–\(s.end.rfc3339.prefix(16))Z \(s.users.isEmpty ? "-" : s.users.joined(separator: ","))"
    }
}

func at(_ text: String) -> Timestamp { Timestamp.parseRFC3339(text)! }

func wall(_ text: String) -> CivilDateTime {
    let (date, time) = (
        text.prefix(10).split(separator: "-").map { Int($0)! },
        text.dropFirst(11).split(separator: ":").map { Int($0)! }
    )
    return CivilDateTime(year: date[0], month: date[1], day: date[2], hour: time[0], minute: time[1])
}

/// A small seeded generator, so a failing round can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
