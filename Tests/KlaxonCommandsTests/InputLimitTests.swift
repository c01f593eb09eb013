import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// docs/security.md, "No input makes a command run for minutes or grow to gigabytes": windows and
/// day counts, notes and titles, and runbooks have limits, and going over one is a clear message.
struct InputLimitTests {
    // Sunday 2026-11-22 12:30 in Chicago.
    let clock = FixedClock("2026-11-22T18:30:00Z")

    @Test func windowsAndDayCountsAreBounded() {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        // Thirty years of daily shifts: refused, where ten thousand years once ran for minutes.
        let long = k.run("oncall", "shifts", "daily", "--from", "2000-01-01 00:00", "--to", "2030-01-01 00:00")
        #expect(long.status == 2)
        #expect(
            long.errors
                == "klaxon: error: from --from (2000-01-01 00:00) to --to (2030-01-01 00:00) is 10958 days, more than the 3660 days a window may span; ask for a shorter one\n",
            "\(long.errors)")
        #expect(long.output.isEmpty)
        let eightYears = k.run(
            "oncall", "shifts", "daily", "--from", "2026-01-01 00:00", "--to", "2034-01-01 00:00", "--json")
        #expect(eightYears.status == 0 && (eightYears.json?.arrayValue?.count ?? 0) > 2900, "\(eightYears.errors)")

        let validate = k.run("config", "validate", "--days", "5000")
        #expect(validate.status == 2)
        #expect(
            validate.errors == "klaxon: error: --days is 5000; give a number of days from 1 to 3660\n",
            "\(validate.errors)")
        #expect(k.run("config", "validate", "--days", "3660").status == 0)

        // A negative number after an option is its value (not an option of its own), and is refused for what it is.
        for arguments in [
            ["config", "validate", "--days", "-5"], ["config", "validate", "--days=-5"],
            ["oncall", "gaps", "--days", "-5"],
            ["oncall", "ics", "daily", "--days", "-5"], ["config", "validate", "--days", "0"]
        ] {
            let run = k.run(arguments)
            #expect(run.status == 2)
            #expect(
                run.errors.hasPrefix("klaxon: error: --days is -5; give a number of days from 1 to 3660")
                    || arguments.last == "0", "\(arguments): \(run.errors)")
            #expect(!run.errors.contains("Missing value"), "\(arguments): \(run.errors)")
        }
        #expect(
            k.run("oncall", "gaps", "--days", "4000").errors
                == "klaxon: error: --days is 4000; give a number of days from 1 to 3660\n")

        let report = k.run("review", "report", "--since", "1990-01-01T00:00:00Z")
        #expect(
            report.status == 2 && report.errors.contains("more than the 3660 days a window may span"),
            "\(report.errors)")
        let override = k.run(
            "oncall", "override", "daily", "--user", "a", "--from", "2026-11-23 00:00", "--to", "2099-01-01 00:00")
        #expect(
            override.status == 2 && override.errors.contains("more than the 3660 days a window may span"),
            "\(override.errors)")
    }

    @Test func anEscalationSimulationIsBounded() {
        let ws = escalationWorkspace(webhookPort: 9)
        let k = Klaxon(workspace: ws.path)
        let long = k.run(
            "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--until", "2056-11-20T09:00:00Z")
        #expect(long.status == 2)
        #expect(
            long.errors.contains(
                "from --from (2026-11-20T09:00:00Z) to --to (2056-11-20T09:00:00Z) is 10958 days, more than the 3660"
            ), "\(long.errors)")
        let backwards = k.run(
            "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--until", "2026-11-19T09:00:00Z")
        #expect(
            backwards.status == 2 && backwards.errors.contains("--to (2026-11-19T09:00:00Z) must be after --from"),
            "\(backwards.errors)")
    }

    @Test func aNoteOrTitleOverTheLimitIsRefusedAndNothingIsWritten() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let title = k.run("incident", "declare", String(repeating: "t", count: 65_537), "--severity", "SEV2")
        #expect(title.status == 2)
        #expect(
            title.errors
                == "klaxon: error: the title is 65537 characters long; it may hold at most 65536 characters (262144 bytes): shorten it, and put long output such as logs in a file and link to it\n"
        )
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/INC-1.jsonl"))
        #expect(k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2").status == 0)
        let journal = ws.path + "/journals/INC-1.jsonl"
        let before = ws.read("journals/INC-1.jsonl")

        let long = String(repeating: "x", count: 65_537)
        let argument = k.run("incident", "note", "1", long)
        #expect(argument.status == 2)
        #expect(
            argument.errors.hasPrefix(
                "klaxon: error: the note is 65537 characters long; it may hold at most 65536 characters"),
            "\(argument.errors)")
        #expect(argument.output.count < 100, "nothing echoed back")
        let piped = k.run("incident", "note", "1", "-", input: String(repeating: "log line\n", count: 2_000_000))
        #expect(piped.status == 2)
        #expect(
            piped.errors.hasPrefix(
                "klaxon: error: the note is longer than 262144 bytes; it may hold at most 65536 characters"),
            "\(piped.errors)")
        // One character carrying 300,000 bytes of combining marks is refused by its bytes.
        let marks = k.run("incident", "note", "1", "-", input: "e" + String(repeating: "\u{301}", count: 150_000))
        #expect(marks.status == 2 && marks.errors.contains("longer than 262144 bytes"), "\(marks.errors)")
        let unchanged = ws.read("journals/INC-1.jsonl") == before
        #expect(unchanged, "nothing appended to \(journal)")

        // At the limit, a note is taken (wide characters count one each).
        let full = String(repeating: "界", count: 65_536)
        #expect(k.run("incident", "note", "1", "-", input: full + "\n").status == 0)
        #expect(
            k.run("incident", "show", "1", "--json").json?["timeline"]?.arrayValue?.last?["data"]?["text"]?.stringValue
                == full)
    }

    @Test func aRunbookOverTheLimitIsNamedAndTheOthersStillWork() throws {
        let ws = makeRunbookWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let line = "- [ ] Restart the pod and watch the logs for a minute\n"
        let huge =
            "---\ntitle: Huge\nowner: alice\nlast_reviewed: 2026-11-01\n---\n# Huge\n\n"
            + String(repeating: line, count: (1 << 20) / line.utf8.count + 1)
        let path = ws.write("Runbooks/huge.md", huge)
        let size = huge.utf8.count
        let message =
            "\(path) is \(size) bytes, more than the 1048576 bytes (1 MiB) a runbook may hold, so it is not read; split it into smaller runbooks"

        let list = k.run("runbook", "list")
        #expect(list.status == 0)
        #expect(list.errors == "klaxon: warning: \(message)\n", "\(list.errors)")
        for name in ["registry", "ci/queue", "huge"] { #expect(list.output.contains(name), "\(name) listed") }
        let lint = k.run("runbook", "lint")
        #expect(lint.status == 1)
        #expect(
            lint.output.split(separator: "\n").contains {
                $0 == "\(path): error: \(message.dropFirst(path.count + 1))"
            }, "\(lint.output)")
        #expect(!lint.output.contains("huge.md: error: no last_reviewed"), "said once, by its size")
        let show = k.run("runbook", "show", "huge")
        #expect(show.status == 1 && show.errors == "klaxon: error: \(message)\n", "\(show.errors)")
        #expect(k.run("runbook", "show", "registry").output.contains("Look at the pods"))
    }
}
