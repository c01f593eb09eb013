import Foundation
import KlaxonCore
import Testing

struct TimeExpressionTests {
    let now = Timestamp.parseRFC3339("2026-11-22T16:56:04.500Z")!
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    func parse(_ text: String, zone: TimeZone? = nil) throws -> String {
        try TimeExpression.parse(text, now: now, timeZone: zone ?? berlin).rfc3339
    }

    @Test func acceptsEveryDocumentedForm() throws {
        #expect(try parse("now") == "2026-11-22T16:56:04.500Z")
        #expect(try parse("-15m") == "2026-11-22T16:41:04.500Z")
        #expect(try parse("15m ago") == "2026-11-22T16:41:04.500Z")
        #expect(try parse("-1h30m") == "2026-11-22T15:26:04.500Z")
        #expect(try parse("-1d") == "2026-11-21T16:56:04.500Z")
        #expect(try parse("+90s") == "2026-11-22T16:57:34.500Z")
        // HH:MM is today in the local zone (Berlin is UTC+1 in November).
        #expect(try parse("17:30") == "2026-11-22T16:30:00.000Z")
        #expect(try parse("2026-11-21 09:15") == "2026-11-21T08:15:00.000Z")
        #expect(try parse("2026-11-22T10:00:00-05:00") == "2026-11-22T15:00:00.000Z")
    }

    @Test func aLocalTimeSkippedByDSTMovesPastTheGap() throws {
        // 2026-03-08 02:30 does not exist in Chicago: clocks jump from 02:00 CST to 03:00 CDT.
        let chicago = TimeZone(identifier: "America/Chicago")!
        // It means the first instant after the gap, 03:00 CDT, the rule schedules use too.
        #expect(try parse("2026-03-08 02:30", zone: chicago) == "2026-03-08T08:00:00.000Z")
        // 2026-11-01 01:30 happens twice; the first (CDT, UTC-5) is meant.
        #expect(try parse("2026-11-01 01:30", zone: chicago) == "2026-11-01T06:30:00.000Z")
    }

    /// Issue 26: `today`, `tomorrow`, `yesterday` (midnight), with a wall time or without, in any case;
    /// `+2h` in the future as `-2h` in the past.
    @Test func acceptsNamedDaysAndFutureTimes() throws {
        // now is Sun 2026-11-22 17:56:04.5 in Berlin (UTC+1).
        #expect(try parse("today") == "2026-11-21T23:00:00.000Z")
        #expect(try parse("TODAY 08:30") == "2026-11-22T07:30:00.000Z")
        #expect(try parse("tomorrow") == "2026-11-22T23:00:00.000Z")
        #expect(try parse("Tomorrow 09:00") == "2026-11-23T08:00:00.000Z")
        #expect(try parse("  tomorrow   09:00:30 ") == "2026-11-23T08:00:30.000Z")
        #expect(try parse("yesterday") == "2026-11-20T23:00:00.000Z")
        #expect(try parse("yesterday 23:59") == "2026-11-21T22:59:00.000Z")
        #expect(try parse("+2h") == "2026-11-22T18:56:04.500Z")
        #expect(try parse("+30m") == "2026-11-22T17:26:04.500Z")
        #expect(try parse("+1d") == "2026-11-23T16:56:04.500Z")
        // The day is the local one: at 23:30 UTC it is already Monday in Berlin, Sunday in Chicago.
        let late = Timestamp.parseRFC3339("2026-11-22T23:30:00Z")!
        #expect(try TimeExpression.parse("today", now: late, timeZone: berlin).rfc3339 == "2026-11-22T23:00:00.000Z")
        let chicago = TimeZone(identifier: "America/Chicago")!
        #expect(try TimeExpression.parse("today", now: late, timeZone: chicago).rfc3339 == "2026-11-22T06:00:00.000Z")
        // Across the end of a month and of a year.
        let newYearsEve = Timestamp.parseRFC3339("2026-12-31T12:00:00Z")!
        #expect(
            try TimeExpression.parse("tomorrow 09:00", now: newYearsEve, timeZone: berlin).rfc3339
                == "2027-01-01T08:00:00.000Z")
        let march = Timestamp.parseRFC3339("2028-03-01T12:00:00Z")!
        #expect(
            try TimeExpression.parse("yesterday", now: march, timeZone: berlin).rfc3339 == "2028-02-28T23:00:00.000Z")
    }

    /// `tomorrow 09:00` is 09:00 on tomorrow's wall clock, not 24 hours after today's 09:00, when the clocks
    /// change overnight; a wall time skipped or repeated by the change reads as every local time does.
    @Test func namedDaysFollowTheWallClockAcrossDSTChanges() throws {
        // Sat 2026-03-28 in Berlin (UTC+1); on Sunday the clocks go from 02:00 CET to 03:00 CEST (UTC+2).
        let saturday = Timestamp.parseRFC3339("2026-03-28T12:00:00Z")!
        func berlin(_ text: String, _ now: Timestamp) throws -> String {
            try TimeExpression.parse(text, now: now, timeZone: self.berlin).rfc3339
        }
        #expect(try berlin("today 09:00", saturday) == "2026-03-28T08:00:00.000Z")
        #expect(try berlin("tomorrow 09:00", saturday) == "2026-03-29T07:00:00.000Z")
        // 02:30 does not exist on Sunday: the first instant after the gap, 03:00 CEST.
        #expect(try berlin("tomorrow 02:30", saturday) == "2026-03-29T01:00:00.000Z")
        // From Sunday afternoon (CEST), yesterday's midnight was still CET.
        let sunday = Timestamp.parseRFC3339("2026-03-29T12:00:00Z")!
        #expect(try berlin("yesterday", sunday) == "2026-03-27T23:00:00.000Z")
        #expect(try berlin("today", sunday) == "2026-03-28T23:00:00.000Z")
        // Chicago falls back on Sun 2026-11-01: 01:30 happens twice; the first (CDT, UTC-5) is meant.
        let chicago = TimeZone(identifier: "America/Chicago")!
        let halloween = Timestamp.parseRFC3339("2026-10-31T18:00:00Z")!
        #expect(
            try TimeExpression.parse("tomorrow 01:30", now: halloween, timeZone: chicago).rfc3339
                == "2026-11-01T06:30:00.000Z")
        #expect(
            try TimeExpression.parse("tomorrow 09:00", now: halloween, timeZone: chicago).rfc3339
                == "2026-11-01T15:00:00.000Z")
    }

    /// The error names every accepted form, the future and named days included, and every example it
    /// gives is one that parses.
    @Test func theErrorListsEveryFormAndItsExamplesParse() throws {
        #expect(throws: KlaxonError.badInput("\"soon\" is not a time; use \(TimeExpression.forms)")) {
            try parse("soon")
        }
        let examples = [
            "now", "2026-11-22T16:46:04Z", "-15m", "-2h", "-1d", "15m ago", "+30m", "+2h", "+1d", "HH:MM",
            "YYYY-MM-DD HH:MM", "today", "tomorrow", "yesterday"
        ]
        for example in examples {
            #expect(TimeExpression.forms.contains(example), "\(example) is not in the error")
        }
        for example in examples where !example.contains("HH") {
            #expect(throws: Never.self, "\(example)") { _ = try parse(example) }
        }
        // And the forms written with placeholders, filled in.
        for filled in ["17:30", "2026-11-21 09:15", "today 17:30", "tomorrow 17:30", "yesterday 17:30"] {
            #expect(throws: Never.self, "\(filled)") { _ = try parse(filled) }
        }
    }

    /// Issue 26: a slip of the day's word (`tomorow`) is answered with the time meant, its clock kept,
    /// after the forms; nothing is guessed when the mended text would not be a time either.
    @Test func aSlipOfTheDaysWordSaysWhichTimeWasMeant() {
        let refusal = "is not a time; use \(TimeExpression.forms)"
        for (typed, meant) in [
            ("tomorow", "tomorrow"), ("tomorow 09:00", "tomorrow 09:00"), ("Yesterdy 17:30", "yesterday 17:30"),
            ("tody", "today"), ("nwo", "now"), ("todya 9:05", "today 9:05")
        ] {
            #expect(throws: KlaxonError.badInput("\"\(typed)\" \(refusal); did you mean '\(meant)'?"), "\(typed)") {
                try parse(typed)
            }
        }
        for typed in ["soon", "tomorow 25:00", "tomorow at 09:00", "nwo 09:00", "tomorrow 25:00"] {
            #expect(throws: KlaxonError.badInput("\"\(typed)\" \(refusal)"), "\(typed)") { try parse(typed) }
        }
    }

    @Test(arguments: [
        "", "soon", "-15x", "25:00", "12:7", "2026-13-01 10:00", "--5m", "-m", "tomorrow 25:00", "tomorrow at 09:00",
        "todays", "next week", "tomorrow 09:00 extra", "09:00 tomorrow"
    ])
    func rejectsWhatIsNotATime(_ text: String) {
        #expect(throws: KlaxonError.self) { try parse(text) }
    }

    /// Found by fuzzing: `+9999999d` was accepted and gave a year RFC 3339 cannot write, so the journal
    /// would have held a time that does not read back. Times outside the years 1 to 9999 are refused.
    @Test(arguments: ["+9999999d", "-9999999w"])
    func refusesTimesOutsideTheYearsRFC3339CanWrite(_ text: String) {
        #expect(
            throws: KlaxonError.badInput(
                "\"\(text)\" is \(text.hasPrefix("+") ? "after the year 9999" : "before the year 1"); use a time within them"
            )
        ) {
            try parse(text)
        }
        // Written out, such times are not RFC 3339 that Klaxon reads at all.
        #expect(throws: KlaxonError.self) { try parse("9999-12-31T23:59:59-23:59") }
        #expect(throws: KlaxonError.self) { try parse("0001-01-01T00:00:00+01:00") }
    }

    /// Found by fuzzing: a leap second on the last day RFC 3339 can write carried into the year 10000.
    @Test func rfc3339ReadsOnlyWhatItCanWriteBack() {
        #expect(Timestamp.parseRFC3339("9999-12-31T23:59:60Z") == nil)
        #expect(Timestamp.parseRFC3339("9999-12-31T23:59:59.999Z") == Timestamp.latest)
        #expect(Timestamp.parseRFC3339("0001-01-01T00:00:00Z") == Timestamp.earliest)
        #expect(Timestamp.parseRFC3339(Timestamp.latest.rfc3339) == Timestamp.latest)
    }

    @Test func recognisesNegativeRelativeArgumentsOnly() {
        #expect(TimeExpression.isNegativeRelative("-15m"))
        #expect(TimeExpression.isNegativeRelative("-1h30m"))
        #expect(!TimeExpression.isNegativeRelative("--json"))
        #expect(!TimeExpression.isNegativeRelative("-h"))
        #expect(!TimeExpression.isNegativeRelative("15m"))
    }
}
