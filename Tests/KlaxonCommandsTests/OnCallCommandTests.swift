import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// A workspace with three people and two Chicago schedules: `daily` hands off at 09:00 between a and
/// b; `office` covers weekdays 09:00-17:00 only.
func makeOnCallWorkspace() -> TemporaryDirectory {
    let ws = makeWorkspace()
    ws.write(
        "Escalation/people.yaml",
        """
        people:
          - {id: a, time_zone: America/Chicago}
          - {id: b, time_zone: America/Chicago}
          - {id: c, time_zone: Europe/Berlin}
        """)
    ws.write(
        "Escalation/schedules/daily.yaml",
        """
        name: daily
        time_zone: America/Chicago
        layers:
          - {name: all, rotation: daily, start: 2026-11-02T09:00, participants: [a, b]}
        """)
    ws.write(
        "Escalation/schedules/office.yaml",
        """
        name: office
        time_zone: America/Chicago
        layers:
          - name: office
            rotation: weekly
            start: 2026-11-02T09:00
            participants: [c]
            restrictions:
              - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}
        """)
    return ws
}

struct OnCallCommandTests {
    // Sunday 2026-11-22 12:30 in Chicago.
    let clock = FixedClock("2026-11-22T18:30:00Z")

    @Test func nowSaysWhoAndUntilWhen() {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        #expect(
            k.run("oncall", "now", "--json").json == [
                ["schedule": "daily", "users": ["a"], "until": "2026-11-23T09:00:00-06:00"],
                ["schedule": "office", "users": [], "until": "2026-11-23T09:00:00-06:00"]
            ])
        let text = k.run("oncall", "now", "daily").output
        #expect(text.contains("daily     a        Mon 2026-11-23 09:00 -06:00 (in 20h30m)"), "\(text)")
        #expect(
            k.run("oncall", "now", "daily", "--at", "2026-11-24 10:00", "--json").json?.arrayValue?.first?["users"] == [
                "a"
            ])
        // The options every command takes may come before the subcommand.
        #expect(k.run("--workspace", ws.path, "oncall", "now", "daily", "--json").json?.arrayValue?.count == 1)
        let unknown = k.run("oncall", "now", "nightly")
        #expect(unknown.status == 2)
        #expect(
            unknown.errors
                == "klaxon: error: no schedule named \"nightly\" in Escalation/schedules/; known: daily, office\n")
        // A slip of one gets the one meant.
        let slip = k.run("oncall", "now", "dialy")
        #expect(slip.status == 2)
        #expect(
            slip.errors
                == "klaxon: error: no schedule named \"dialy\" in Escalation/schedules/; did you mean 'daily'?\n")
    }

    @Test func shiftsAreClippedAndGapsLeftOut() {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        #expect(
            k.run("oncall", "shifts", "daily", "--from", "2026-11-23 00:00", "--to", "2026-11-24 00:00", "--json").json
                == [
                    ["start": "2026-11-23T00:00:00-06:00", "end": "2026-11-23T09:00:00-06:00", "users": ["a"]],
                    ["start": "2026-11-23T09:00:00-06:00", "end": "2026-11-24T00:00:00-06:00", "users": ["b"]]
                ])
        #expect(
            k.run("oncall", "shifts", "office", "--from", "2026-11-23 00:00", "--to", "2026-11-25 00:00", "--json").json
                == [
                    ["start": "2026-11-23T09:00:00-06:00", "end": "2026-11-23T17:00:00-06:00", "users": ["c"]],
                    ["start": "2026-11-24T09:00:00-06:00", "end": "2026-11-24T17:00:00-06:00", "users": ["c"]]
                ])
        #expect(
            k.run(
                "oncall", "shifts", "daily", "--from", "2026-11-23 00:00", "--to", "2026-11-25 00:00", "--user", "b",
                "--json"
            ).json == [
                ["start": "2026-11-23T09:00:00-06:00", "end": "2026-11-24T09:00:00-06:00", "users": ["b"]]
            ])
        let backwards = k.run("oncall", "shifts", "daily", "--from", "2026-11-24 00:00", "--to", "2026-11-23 00:00")
        #expect(backwards.status == 2 && backwards.errors.contains("--to (2026-11-23 00:00) must be after --from"))
    }

    /// Issue 26: a window is `--from`/`--to` everywhere; `--since`/`--until` are its aliases; named days
    /// are wall times in the schedule's zone (the clock: Sun 2026-11-22 12:30 in Chicago).
    @Test func shiftWindowsTakeFromToTheirAliasesAndNamedDays() throws {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let named = k.run("oncall", "shifts", "daily", "--from", "tomorrow", "--to", "tomorrow 12:00", "--json")
        #expect(named.status == 0, "\(named.errors)")
        #expect(
            named.json == [
                ["start": "2026-11-23T00:00:00-06:00", "end": "2026-11-23T09:00:00-06:00", "users": ["a"]],
                ["start": "2026-11-23T09:00:00-06:00", "end": "2026-11-23T12:00:00-06:00", "users": ["b"]]
            ])
        let aliases = k.run("oncall", "shifts", "daily", "--since", "tomorrow", "--until", "tomorrow 12:00", "--json")
        #expect(aliases.status == 0 && aliases.output == named.output, "\(aliases.errors)")
        let mixed = k.run("oncall", "shifts", "daily", "--since", "yesterday 12:30", "--to", "+0m", "--json")
        #expect(
            mixed.json == [
                ["start": "2026-11-21T12:30:00-06:00", "end": "2026-11-22T09:00:00-06:00", "users": ["b"]],
                ["start": "2026-11-22T09:00:00-06:00", "end": "2026-11-22T12:30:00-06:00", "users": ["a"]]
            ], "\(mixed.errors)")
        let wrong = k.run("oncall", "shifts", "daily", "--from", "the day after tomorrow", "--to", "+2d")
        #expect(wrong.status == 2)
        #expect(
            wrong.errors == "klaxon: error: \"the day after tomorrow\" is not a time; use \(TimeExpression.forms)\n")
        // The override's window too.
        let override = k.run(
            "oncall", "override", "daily", "--user", "c", "--since", "tomorrow 12:00", "--until", "tomorrow 14:00")
        #expect(override.status == 0, "\(override.errors)")
        #expect(
            k.run(
                "oncall", "shifts", "daily", "--from", "tomorrow 11:00", "--to", "tomorrow 15:00", "--user", "c",
                "--json"
            )
            .json == [["start": "2026-11-23T12:00:00-06:00", "end": "2026-11-23T14:00:00-06:00", "users": ["c"]]])
    }

    /// An hourly rotation across spring forward: the 02:00 handoff falls on 03:00 CDT with the 03:00 one and
    /// they are one handoff, to c, whose turn began at 02:00; b's turn before it lasts one real hour.
    @Test func shiftsAcrossSpringForwardKeepEveryTurn() {
        let ws = makeOnCallWorkspace()
        ws.write(
            "Escalation/schedules/hourly.yaml",
            """
            name: hourly
            time_zone: America/Chicago
            layers:
              - {name: all, rotation: hourly, start: 2026-03-08T00:00, participants: [a, b, c]}
            """)
        let k = Klaxon(workspace: ws.path, clock: clock)
        #expect(
            k.run("oncall", "shifts", "hourly", "--from", "2026-03-08 00:00", "--to", "2026-03-08 05:00").output == """
                START                        END                          LENGTH  ON CALL
                Sun 2026-03-08 00:00 -06:00  Sun 2026-03-08 01:00 -06:00  1h00m   a
                Sun 2026-03-08 01:00 -06:00  Sun 2026-03-08 03:00 -05:00  1h00m   b
                Sun 2026-03-08 03:00 -05:00  Sun 2026-03-08 04:00 -05:00  1h00m   c
                Sun 2026-03-08 04:00 -05:00  Sun 2026-03-08 05:00 -05:00  1h00m   a

                """)
        #expect(
            k.run(
                "oncall", "shifts", "hourly", "--from", "2026-03-08 00:00", "--to", "2026-03-08 05:00", "--user", "c",
                "--json"
            ).json == [
                ["start": "2026-03-08T03:00:00-05:00", "end": "2026-03-08T04:00:00-05:00", "users": ["c"]]
            ])
    }

    @Test func gapsArePerSchedule() {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        // Sunday 12:30 to Tuesday 12:30: the office schedule is empty until Monday 09:00 and Monday night.
        #expect(
            k.run("oncall", "gaps", "--days", "2", "--json").json == [
                ["schedule": "office", "start": "2026-11-22T12:30:00-06:00", "end": "2026-11-23T09:00:00-06:00"],
                ["schedule": "office", "start": "2026-11-23T17:00:00-06:00", "end": "2026-11-24T09:00:00-06:00"]
            ])
        #expect(k.run("oncall", "gaps").output.contains("daily (America/Chicago): covered for the next 30 days"))
    }

    @Test func overridesAreAppendedWithWhoAndWhenAndTakeEffect() throws {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let made = k.run(
            "oncall", "override", "daily", "--user", "c", "--from", "2026-11-23 12:00", "--to", "2026-11-23 14:00",
            "--replaces", "b", "--as", "carol")
        #expect(made.status == 0, "\(made.errors)")
        #expect(
            made.output.hasPrefix(
                "c replaces b in daily from Mon 2026-11-23 12:00 -06:00 to Mon 2026-11-23 14:00 -06:00"))
        let file = try String(contentsOfFile: ws.path + "/Escalation/overrides.yaml", encoding: .utf8)
        #expect(
            file.hasSuffix(
                "  - {schedule: daily, from: 2026-11-23T12:00:00-06:00, to: 2026-11-23T14:00:00-06:00, user: c, replaces: b, by: carol, at: 2026-11-22T18:30:00.000Z}\n"
            ))
        #expect(
            k.run(
                "oncall", "override", "daily", "--user", "a", "--from", "2026-11-23 13:00", "--to", "2026-11-23 15:00",
                "--add"
            ).status == 0)
        #expect(
            k.run("oncall", "shifts", "daily", "--from", "2026-11-23 09:00", "--to", "2026-11-23 18:00", "--json").json
                == [
                    ["start": "2026-11-23T09:00:00-06:00", "end": "2026-11-23T12:00:00-06:00", "users": ["b"]],
                    ["start": "2026-11-23T12:00:00-06:00", "end": "2026-11-23T13:00:00-06:00", "users": ["c"]],
                    ["start": "2026-11-23T13:00:00-06:00", "end": "2026-11-23T14:00:00-06:00", "users": ["c", "a"]],
                    ["start": "2026-11-23T14:00:00-06:00", "end": "2026-11-23T15:00:00-06:00", "users": ["b", "a"]],
                    ["start": "2026-11-23T15:00:00-06:00", "end": "2026-11-23T18:00:00-06:00", "users": ["b"]]
                ])
        // Refused, and the file is as it was.
        let before = try String(contentsOfFile: ws.path + "/Escalation/overrides.yaml", encoding: .utf8)
        let unknown = k.run("oncall", "override", "daily", "--user", "zed", "--from", "12:00", "--to", "13:00")
        #expect(unknown.status == 2 && unknown.errors.contains("zed is not in Escalation/people.yaml"))
        ws.write("Escalation/overrides.yaml", before + "extra: [\n")
        let broken = k.run("oncall", "override", "daily", "--user", "a", "--from", "12:00", "--to", "13:00")
        #expect(broken.status == 2 && broken.errors.contains("overrides.yaml"), "\(broken.errors)")
        #expect(
            try String(contentsOfFile: ws.path + "/Escalation/overrides.yaml", encoding: .utf8) == before + "extra: [\n"
        )
    }

    @Test func icsIsAcceptedByAStrictParser() throws {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let run = k.run("oncall", "ics", "daily", "--days", "3")
        #expect(run.status == 0)
        let path = ws.write("daily.ics", run.output)
        let events = try #require(JSONParser.parse(try checkICS(path)).arrayValue)
        // The current shift whole (from Sunday 09:00), then Monday's, Tuesday's and Wednesday's.
        #expect(
            events.map { $0["start"]?.stringValue } == [
                "2026-11-22T15:00:00+00:00", "2026-11-23T15:00:00+00:00",
                "2026-11-24T15:00:00+00:00", "2026-11-25T15:00:00+00:00"
            ])
        #expect(events.first?["summary"] == "On call: daily (a)")
        // The same shifts export with the same ids an hour later.
        clock.advance(seconds: 3600)
        let later = try JSONParser.parse(
            try checkICS(ws.write("later.ics", k.run("oncall", "ics", "daily", "--days", "3").output)))
        #expect(later.arrayValue?.first?["uid"] == events.first?["uid"])
        let mine = try JSONParser.parse(
            try checkICS(ws.write("c.ics", k.run("oncall", "ics", "--user", "c", "--days", "2").output)))
        #expect(mine.arrayValue?.map { $0["summary"]?.stringValue } == ["On call: office (c)", "On call: office (c)"])
    }

    @Test func configValidateReportsWithPlacesAndExitsOneOnErrors() {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let clean = k.run("config", "validate")
        #expect(clean.status == 0)
        #expect(clean.output.contains("office has nobody on call in"))  // a warning: nights and weekends
        ws.write(
            "Escalation/schedules/daily.yaml",
            """
            name: daily
            time_zone: America/Chicago
            layers:
              - {name: all, rotation: daily, start: 2026-11-02T09:00, participants: [a, ghost]}
            """)
        let bad = k.run("config", "validate")
        #expect(bad.status == 1)
        #expect(
            bad.output.contains(
                "\(ws.path)/Escalation/schedules/daily.yaml:4:77: error: ghost is not in Escalation/people.yaml (layer all)"
            ), "\(bad.output)")
        #expect(bad.output.hasSuffix("1 error, 1 warning\n"))
        // Asking who is on call still answers, and says what is wrong.
        let now = k.run("oncall", "now", "daily")
        #expect(now.status == 0)
        #expect(
            now.errors
                == "klaxon: warning: ghost is on schedule daily but not in Escalation/people.yaml; run klaxon config validate\n"
        )
    }
}

/// Runs the strict iCalendar check (Tests/Helpers/ics_check.py, which needs `ical`: scripts/setup --tests).
func checkICS(_ path: String) throws -> String {
    let helper =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
        + "/Helpers/ics_check.py"
    let output = try shell("python3 '\(helper)' '\(path)' 2>&1; echo \"exit=$?\"")
    guard output.hasSuffix("exit=0\n") else {
        throw KlaxonError.failed("ics_check rejected \(path): \(output) (if `ical` is missing: scripts/setup --tests)")
    }
    return String(output.dropLast("exit=0\n".count))
}
