import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// Issue 26, points 1 and 4: a mistyped command, subcommand or option gets "did you mean", and every
/// error (the parser's and Klaxon's) is one line in one style, whatever was typed.
struct UsageMessageTests {
    @Test(arguments: [
        (
            ["incidnet", "list"],
            "klaxon: error: unknown command 'incidnet'; did you mean 'incident'? (see klaxon --help)\n"
        ),
        (
            ["incident", "lst"],
            "klaxon: error: unknown command 'incident lst'; did you mean 'incident list'? (see klaxon incident --help)\n"
        ),
        (
            ["--workspace", "/nowhere", "oncal", "now"],
            "klaxon: error: unknown command 'oncal'; did you mean 'oncall'? (see klaxon --help)\n"
        ),
        (
            ["incident", "declare", "x", "--severty", "SEV2"],
            "klaxon: error: unknown option '--severty'; did you mean '--severity'? (see klaxon incident declare --help)\n"
        ),
        (
            ["--read-onyl"],
            "klaxon: error: unknown option '--read-onyl'; did you mean '--read-only'? (see klaxon --help)\n"
        ),
        (
            ["incident", "ack"],
            "klaxon: error: missing expected argument '<id>' (see klaxon incident ack --help)\n"
        ),
        // A mistyped option before the command: its value is not taken for the command.
        (
            ["--worksapce", ".", "incident", "list"],
            "klaxon: error: unknown option '--worksapce'; did you mean '--workspace'? (see klaxon incident list --help)\n"
        ),
        (
            ["--wrkspace", "/tmp", "incident", "list"],
            "klaxon: error: unknown option '--wrkspace'; did you mean '--workspace'? (see klaxon incident list --help)\n"
        ),
        (
            ["--wrkspace", "/tmp"],
            "klaxon: error: unknown option '--wrkspace'; did you mean '--workspace'? (see klaxon --help)\n"
        ),
        (
            ["--worksapce=.", "incident", "list"],
            "klaxon: error: unknown option '--worksapce'; did you mean '--workspace'? (see klaxon incident list --help)\n"
        ),
        // `help` with a word that names no command.
        (
            ["help", "incidnet"],
            "klaxon: error: unknown command 'incidnet'; did you mean 'incident'? (see klaxon --help)\n"
        ),
        (
            ["help", "incident", "lst"],
            "klaxon: error: unknown command 'incident lst'; did you mean 'incident list'? (see klaxon incident --help)\n"
        )
    ])
    func aRefusedCommandLineIsOneLineWithTheClosestName(arguments: [String], expected: String) {
        let ws = makeWorkspace()
        let run = Klaxon(workspace: ws.path).run(arguments)
        #expect(run.status == 2)
        #expect(run.errors == expected)
        #expect(run.output.isEmpty)
    }

    /// `help` with the words of a command is that command's help, as before.
    @Test func helpOfACommandThereIsIsItsHelp() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        for words in [["incident"], ["incident", "list"], []] {
            let help = k.run(["help"] + words)
            #expect(help.status == 0, "\(words): \(help.errors)")
            #expect(help.errors.isEmpty && help.output == k.run(words + ["--help"]).output, "\(words)")
        }
    }

    @Test func aWordCloseToNothingListsTheCommands() {
        let ws = makeWorkspace()
        let run = Klaxon(workspace: ws.path).run("frobnicate")
        #expect(run.status == 2)
        #expect(
            run.errors.hasPrefix(
                "klaxon: error: unknown command 'frobnicate'; the commands are console, init, incident,"))
        #expect(run.errors.hasSuffix("(see klaxon --help)\n"))
    }

    @Test func whatWasTypedStaysOnOneLine() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let run = k.run("incident", "show", "INC-1\nrm -rf /\u{1B}[2J")
        #expect(run.status == 2)
        #expect(
            run.errors
                == "klaxon: error: \"INC-1\\nrm -rf /\u{FFFD}[2J\" is not an incident id; ids look like INC-12 (see klaxon incident list --all)\n"
        )
        let parser = k.run("incident", "list", "a\nb")
        #expect(parser.errors == "klaxon: error: unexpected argument 'a\\nb' (see klaxon incident list --help)\n")
    }

    @Test func stoppingTheEscalationOfAResolvedIncidentSaysResolvingStoppedIt() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV3")
        k.run("incident", "resolve", "INC-1")
        let run = k.run("escalation", "stop", "INC-1")
        #expect(run.status == 2)
        #expect(
            run.errors == "klaxon: error: INC-1 is resolved, and resolving it stopped its paging: nothing to stop\n")
    }

    /// Issue 26: an end of a window given twice, under one name or under its alias, is refused in one
    /// line in every command that takes a window; the parser kept the last one without a word.
    @Test(arguments: [
        (
            ["oncall", "shifts", "daily", "--from", "today", "--since", "tomorrow", "--to", "+2d"],
            "--from and --since name the same time; give one (see klaxon oncall shifts --help)"
        ),
        (
            ["oncall", "override", "daily", "--user", "c", "--from", "tomorrow 12:00", "--to", "tomorrow 13:00"]
                + ["--until", "tomorrow 14:00"],
            "--to and --until name the same time; give one (see klaxon oncall override --help)"
        ),
        (
            ["escalation", "simulate", "platform", "--since=now", "--from", "+1h"],
            "--since and --from name the same time; give one (see klaxon escalation simulate --help)"
        ),
        (
            ["review", "report", "--to", "now", "--to", "-1d"],
            "--to is given twice; give it once (see klaxon review report --help)"
        ),
        (
            ["slo", "report", "--until", "now", "--until=now"],
            "--until is given twice; give it once (see klaxon slo report --help)"
        )
    ])
    func anEndOfAWindowGivenTwiceIsRefused(arguments: [String], expected: String) {
        let ws = makeOnCallWorkspace()
        let run = Klaxon(workspace: ws.path).run(arguments)
        #expect(run.status == 2)
        #expect(run.errors == "klaxon: error: \(expected)\n")
        #expect(run.output.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/Escalation/overrides.yaml"))
    }

    /// Each end once, under either name, is a window as before.
    @Test func eachEndOnceUnderEitherNameIsTaken() {
        let ws = makeOnCallWorkspace()
        let k = Klaxon(workspace: ws.path)
        let run = k.run("oncall", "override", "daily", "--user", "c", "--since", "tomorrow 12:00", "--to", "+2d")
        #expect(run.status == 0, "\(run.errors)")
        #expect(k.run("review", "report", "--from", "-2d", "--until", "now").status == 0)
    }

    @Test func theBinarySaysTheSame() throws {
        let ws = makeWorkspace()
        let klaxon = BuiltProducts.path("klaxon")
        let out = try shell("cd \(ws.path) && \(klaxon) incidnet list 2>&1; echo \"EXIT $?\"")
        #expect(
            out == "klaxon: error: unknown command 'incidnet'; did you mean 'incident'? (see klaxon --help)\nEXIT 2\n")
        let window = try shell(
            "cd \(ws.path) && \(klaxon) review report --since -2d --from -1d 2>&1; echo \"EXIT $?\"")
        #expect(
            window
                == "klaxon: error: --since and --from name the same time; give one (see klaxon review report --help)\nEXIT 2\n"
        )
    }
}

/// Issue 26 (the walkthrough): a status that is a key time points to its command; a role a slip away
/// from a usual one is recorded with a warning naming it.
@Test func mitigatedPointsToItsCommandAndAMistypedRoleIsSaid() {
    let ws = makeWorkspace()
    let k = Klaxon(workspace: ws.path)
    k.run("incident", "declare", "x", "--severity", "SEV3")
    let status = k.run("incident", "status", "INC-1", "mitigated")
    #expect(status.status == 2)
    #expect(
        status.errors
            == "klaxon: error: status \"mitigated\" is not one of investigating, identified, monitoring or resolved; mitigated is a key time, not a status: klaxon incident mitigate INC-1\n"
    )
    #expect(k.run("incident", "status", "INC-1", "identifed").errors.contains("did you mean 'identified'?"))
    let role = k.run("incident", "assign", "INC-1", "commandr", "erin")
    #expect(role.status == 0)
    #expect(role.errors.contains("klaxon: warning: role \"commandr\" is recorded as given; did you mean 'commander'?"))
    #expect(!k.run("incident", "assign", "INC-1", "oncall-lead", "erin").errors.contains("role"))
}
