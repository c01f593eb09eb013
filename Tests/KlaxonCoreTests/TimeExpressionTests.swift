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

    @Test(arguments: ["", "soon", "-15x", "25:00", "12:7", "2026-13-01 10:00", "--5m", "-m"])
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
