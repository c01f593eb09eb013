import Foundation
import KlaxonCommands
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Synchronization
import Testing

/// Every regular file under `root`, by its path relative to it, with its bytes: what a refused
/// `klaxon init` must leave exactly as it was.
func filesUnder(_ root: String) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = walker.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory),
            !isDirectory.boolValue
        {
            files[relative] = FileManager.default.contents(atPath: root + "/" + relative)
        }
    }
    return files
}

/// Issue 26, point 6: `klaxon init` makes a workspace for a new team that validates, names the person
/// running it on call, and never overwrites anything.
struct InitCommandTests {
    // Friday 2026-11-20 09:00 UTC.
    let clock = FixedClock("2026-11-20T09:00:00Z")

    @Test func aNewWorkspaceValidatesAndPutsThePersonRunningItOnCall() throws {
        let parent = TemporaryDirectory("klaxon-init")
        let target = parent.path + "/team-ops/klaxon"
        let k = Klaxon(workspace: target, user: "dana", clock: clock)
        let created = k.run("init", target)
        #expect(created.status == 0, "\(created.errors)")
        #expect(created.errors == "")
        #expect(created.output.hasPrefix("created the workspace klaxon in \(target):\n"), "\(created.output)")
        for line in ["klaxon.yaml", "Escalation/people.yaml", "Runbooks/example-api-down.md", ".gitignore"] {
            #expect(created.output.contains("\n  \(line) "), "\(line): \(created.output)")
        }
        // KLAXON_WORKSPACE (the runner's) is the new workspace: the next commands need no --workspace.
        #expect(
            created.output.hasSuffix(
                "next:\n  cd \(target)\n  klaxon config validate    # check it (after every change too)\n  klaxon                    # open the console on it\n  klaxon drill --list       # rehearse an outage\n"
            ), "\(created.output)")

        #expect(
            created.output.contains(
                "  dana, in UTC, paged through logger, which reaches nobody: give yourself a contact that reaches you\n"
            ), "\(created.output)")

        let validate = k.run("config", "validate")
        #expect(validate.status == 0, "\(validate.output)")
        // No error, and no warning but the one every workspace without action links has, and that the
        // person's only contact, logger, reaches nobody.
        #expect(!validate.output.contains("error:"), "\(validate.output)")
        #expect(validate.output.hasSuffix("0 errors, 2 warnings\n"), "\(validate.output)")
        #expect(validate.output.contains("pages carry no action links"), "\(validate.output)")
        #expect(validate.output.contains(Self.loggerWarning(target, "dana")), "\(validate.output)")

        #expect(
            k.run("oncall", "now", "--json").json == [
                ["schedule": "primary", "users": ["dana"], "until": .null]
            ])
        // One person on a weekly rotation hands off to themselves: on call until further notice (no
        // "until"), a week later still, and no gap in the next 30 days.
        #expect(
            k.run("oncall", "now", "--at", "2026-11-27 10:00", "--json").json?.arrayValue?.first?["users"] == ["dana"])
        #expect(k.run("oncall", "gaps", "--json").json == [])
        let lint = k.run("runbook", "lint")
        #expect(lint.status == 0, "\(lint.output)")
        #expect(k.run("runbook", "list").output.contains("example-api-down"))
        #expect(
            k.run("drill", "--list").output == "example-api-down  The example API starts returning 503\n")
        // The example pages by a policy of the schedule, and only the person is paged.
        let simulated = k.run("escalation", "simulate", "page-primary", "--from", "2026-11-20T09:00:00Z", "--json")
        #expect(simulated.status == 0, "\(simulated.errors)")
        let pages = try #require(simulated.json?.arrayValue)
        #expect(pages.count == 3, "\(simulated.output)")
        #expect(pages.allSatisfy { $0["user"] == "dana" && $0["contact"] == "command" }, "\(simulated.output)")

        // No secret anywhere: the only env: references are in comments.
        for (path, data) in filesUnder(target) {
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n") where line.contains("env:") || line.contains("password") {
                #expect(line.trimmingCharacters(in: .whitespaces).hasPrefix("#"), "\(path): \(line)")
            }
        }
        let people = String(decoding: try #require(filesUnder(target)["Escalation/people.yaml"]), as: UTF8.self)
        #expect(people.contains("  - id: dana\n    time_zone: UTC\n"), "\(people)")
        let gitignore = String(decoding: try #require(filesUnder(target)[".gitignore"]), as: UTF8.self)
        #expect(gitignore.split(separator: "\n").filter { !$0.hasPrefix("#") } == ["/journals/", "/drill-runs/"])
    }

    /// `config validate`'s warning of a person paged only through logger, at their entry in people.yaml.
    static func loggerWarning(_ workspace: String, _ person: String) -> String {
        "\(workspace)/Escalation/people.yaml:4:5: warning: \(person)'s only contact is a command running logger, which writes each page to this machine's system log and reaches nobody; give \(person) a contact that reaches them: webhook or slack (url), email (address), or a command that reaches a phone (argv)\n"
    }

    /// Issue 26: the warning lasts until a page reaches someone. A contact added but left out of the notify
    /// rules is not used, and is said so; with a rule for it, or in place of logger, nothing is said.
    @Test func aPersonPagedOnlyThroughLoggerIsWarnedOfUntilAContactReachesThem() {
        let ws = TemporaryDirectory("klaxon-init")
        let k = Klaxon(workspace: ws.path, user: "dana", clock: clock)
        #expect(k.run("init", ws.path).status == 0)
        let people = String(decoding: ws.read("Escalation/people.yaml"), as: UTF8.self)
        let logger = "      - {type: command, argv: [\"/usr/bin/logger\", \"-t\", \"klaxon\", \"page for dana\"]}\n"
        #expect(people.contains(logger), "\(people)")
        let webhook = "      - {type: webhook, url: \"https://hooks.forge.test/dana\"}\n"

        ws.write("Escalation/people.yaml", people.replacingOccurrences(of: logger, with: logger + webhook))
        let unused = k.run("config", "validate")
        #expect(unused.status == 0, "\(unused.output)")
        #expect(
            unused.output.contains(
                "\(ws.path)/Escalation/people.yaml:4:5: warning: dana's notify rules use only a command running logger, which writes each page to this machine's system log and reaches nobody; add a notify rule for dana's webhook contact\n"
            ), "\(unused.output)")
        #expect(unused.output.hasSuffix("0 errors, 2 warnings\n"), "\(unused.output)")

        for reaching in [
            people.replacingOccurrences(of: logger, with: logger + webhook)
                .replacingOccurrences(
                    of: "  - {contact: command, after: 0m}\n",
                    with: "  - {contact: command, after: 0m}\n      - {contact: webhook, after: 0m}\n"),
            people.replacingOccurrences(of: logger, with: webhook)
                .replacingOccurrences(of: "{contact: command, after: 0m}", with: "{contact: webhook, after: 0m}")
        ] {
            ws.write("Escalation/people.yaml", reaching)
            let validate = k.run("config", "validate")
            #expect(validate.status == 0, "\(validate.output)")
            #expect(!validate.output.contains("logger"), "\(validate.output)")
            #expect(validate.output.hasSuffix("0 errors, 1 warning\n"), "\(validate.output)")
        }
    }

    @Test func aSecondInitIsRefusedAndChangesNothing() {
        let ws = TemporaryDirectory("klaxon-init")
        let k = Klaxon(workspace: ws.path, user: "dana", clock: clock)
        #expect(k.run("init", ws.path).status == 0)
        // Edited by the team since: a second init must keep every byte.
        ws.write("klaxon.yaml", "name: edited\n")
        let before = filesUnder(ws.path)
        #expect(before.count == 8, "\(before.keys.sorted())")
        let again = Klaxon(workspace: ws.path, user: "erin", clock: clock).run("init", ws.path)
        #expect(again.status == 2)
        #expect(again.output == "")
        #expect(
            again.errors
                == "klaxon: error: \(ws.path)/klaxon.yaml exists: \(ws.path) is already a workspace, and klaxon init overwrites nothing; check it with klaxon config validate, or give klaxon init another directory\n"
        )
        #expect(filesUnder(ws.path) == before)
    }

    @Test func anyFileInTheWayIsRefusedBeforeAnythingIsWritten() {
        let ws = TemporaryDirectory("klaxon-init")
        ws.write("Runbooks/example-api-down.md", "# ours\n")
        let again = Klaxon(workspace: ws.path, user: "dana", clock: clock).run("init", ws.path)
        #expect(again.status == 2)
        #expect(
            again.errors
                == "klaxon: error: \(ws.path)/Runbooks/example-api-down.md exists, and klaxon init overwrites nothing; move it away or give klaxon init another directory (nothing was created)\n"
        )
        #expect(filesUnder(ws.path) == ["Runbooks/example-api-down.md": Data("# ours\n".utf8)])
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/Escalation"))
    }

    /// A failure midway (here `Runbooks` is a file, so the runbook cannot be made after `Escalation/`
    /// was) removes what was written: no half workspace, and the next try finds nothing in its way.
    @Test func aFailureMidwayLeavesNothingBehind() {
        let ws = TemporaryDirectory("klaxon-init")
        ws.write("Runbooks", "not a directory\n")
        let run = Klaxon(workspace: ws.path, user: "dana", clock: clock).run("init", ws.path)
        #expect(run.status == 1)
        #expect(
            run.errors.hasPrefix("klaxon: error: creating a file in \(ws.path)/Runbooks failed (ENOTDIR"),
            "\(run.errors)")
        #expect(run.errors.filter { $0 == "\n" }.count == 1, "\(run.errors)")
        #expect(filesUnder(ws.path) == ["Runbooks": Data("not a directory\n".utf8)])
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/Escalation"))
    }

    @Test func anExistingGitignoreGetsOnlyTheLinesItLacks() {
        let ws = TemporaryDirectory("klaxon-init")
        ws.write(".gitignore", "node_modules/\n/journals/")
        let run = Klaxon(workspace: ws.path, user: "dana", clock: clock).run("init", ws.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("  .gitignore   "), "\(run.output)")
        #expect(run.output.contains("appended /drill-runs/"), "\(run.output)")
        #expect(
            String(decoding: ws.read(".gitignore"), as: UTF8.self)
                == "node_modules/\n/journals/\n# Klaxon: the incident journals and the drill runs (klaxon init)\n/drill-runs/\n"
        )
    }

    /// Without DIR, the current directory; the person is `--as` there, and the next commands name the
    /// workspace when KLAXON_WORKSPACE points elsewhere (it would win over the current directory).
    @Test func withoutADirectoryItIsTheCurrentOne() {
        let ws = TemporaryDirectory("klaxon-init")
        let output = OutputBox()
        let context = CommandContext(
            environment: ["TZ": "Europe/Berlin", "KLAXON_WORKSPACE": "/srv/other", "KLAXON_USER": "dana"],
            currentDirectory: ws.path, standardOutput: output.append, standardError: output.append,
            readStandardInput: { _ in "" }, now: { clock.now }, processID: 1)
        #expect(runKlaxon(["init", "--as", "erin.k"], context: context) == 0, "\(output.text)")
        #expect(output.text.contains("klaxon --workspace \(ws.path) config validate"), "\(output.text)")
        #expect(!output.text.contains("cd "), "\(output.text)")
        let schedule = String(decoding: ws.read("Escalation/schedules/primary.yaml"), as: UTF8.self)
        // Friday 2026-11-20: the rotation hands off on Mondays, from this week's, in the person's zone.
        #expect(schedule.contains("time_zone: Europe/Berlin\n"), "\(schedule)")
        #expect(schedule.contains("start: 2026-11-16T09:00\n"), "\(schedule)")
        #expect(schedule.contains("participants: [erin.k]\n"), "\(schedule)")
        let k = Klaxon(workspace: ws.path, user: "erin.k", clock: clock)
        #expect(k.run("config", "validate").status == 0)
        #expect(k.run("oncall", "now", "--json").json?.arrayValue?.first?["users"] == ["erin.k"])
    }

    final class OutputBox: Sendable {
        private let storage = Mutex("")
        func append(_ s: String) { storage.withLock { $0 += s } }
        var text: String { storage.withLock { $0 } }
    }
}

extension EndToEnd {
    /// `klaxon init` as a new team runs it: the built binary, then the console on what it made.
    @Suite(.serialized)
    struct InitCommandEndToEndTests {
        let klaxon = BuiltProducts.path("klaxon")

        @Test func theBinaryCreatesOnceAndRefusesTheSecondTime() throws {
            let parent = TemporaryDirectory("klaxon-init")
            let target = parent.path + "/ops"
            let first = try shell(
                "cd \(parent.path) && KLAXON_USER=erin TZ=UTC \(klaxon) init ops 2>&1; echo \"EXIT $?\"")
            #expect(first.hasPrefix("created the workspace ops in \(target):\n"), "\(first)")
            #expect(first.hasSuffix("EXIT 0\n"), "\(first)")
            let validate = try shell("cd \(target) && TZ=UTC \(klaxon) config validate 2>&1; echo \"EXIT $?\"")
            #expect(validate.hasSuffix("0 errors, 2 warnings\nEXIT 0\n"), "\(validate)")
            #expect(validate.contains(InitCommandTests.loggerWarning(target, "erin")), "\(validate)")
            let before = filesUnder(target)
            let second = try shell(
                "cd \(parent.path) && KLAXON_USER=erin \(klaxon) init ops 2>&1 >/dev/null; echo \"EXIT $?\"")
            #expect(
                second
                    == "klaxon: error: \(target)/klaxon.yaml exists: \(target) is already a workspace, and klaxon init overwrites nothing; check it with klaxon config validate, or give klaxon init another directory\nEXIT 2\n"
            )
            #expect(filesUnder(target) == before)
        }

        /// The console opens on the new workspace: the top bar names the person on call, the dashboard
        /// counts the example check, and the status board shows it polled (here at a loopback server
        /// answering 200, so that nothing leaves the machine).
        @Test func theConsoleOpensOnTheNewWorkspace() async throws {
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(directory: http.path, routes: ["/*": .init([200], body: "ok")])
            defer { receiver.stop() }
            let parent = TemporaryDirectory("klaxon-init")
            let target = parent.path + "/ops"
            let created = try shell("KLAXON_USER=erin TZ=UTC \(klaxon) init \(target) 2>&1; echo \"EXIT $?\"")
            #expect(created.hasSuffix("EXIT 0\n"), "\(created)")
            let config = try String(contentsOfFile: target + "/klaxon.yaml", encoding: .utf8)
            #expect(config.contains("url: https://example.com/healthz"))
            try config.replacingOccurrences(
                of: "https://example.com/healthz", with: "http://127.0.0.1:\(receiver.port)/healthz"
            ).write(toFile: target + "/klaxon.yaml", atomically: true, encoding: .utf8)
            let tty = try TmuxSession(
                "cd \(target) && \(klaxon); echo \"EXIT $?\"", columns: 100, rows: 30,
                environment: ["KLAXON_USER": "erin", "TERM": "xterm-256color", "TZ": "UTC"])
            #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
            let first = tty.screen()
            let topBar = String(first.split(separator: "\n").first ?? "")
            #expect(topBar.contains("erin"), "\(first)")
            #expect(first.contains("1 check"), "\(first)")
            // The dashboard's on-call pane: the schedule init made, with the person on call.
            #expect(first.contains("primary: erin"), "\(first)")
            tty.press("3")
            let up = await tty.until(timeout: 30) { screen in
                screen.split(separator: "\n").contains { $0.contains("example-api") && $0.contains("UP") }
            }
            #expect(up != nil, "\(tty.screen())")
            tty.press("4")
            #expect(await tty.until("primary") != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
            #expect(receiver.requests.contains { $0.path == "/healthz" })
        }
    }
}
