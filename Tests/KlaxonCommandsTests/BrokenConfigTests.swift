import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 19, point 20: a YAML error in one part of the configuration does not lock the team out of its
/// incidents; the commands that need the broken part still fail with its place.
struct BrokenConfigTests {
    /// ci-queue's url is indented one space too little (a YAML syntax error); kube-apiserver has a key
    /// that is no check's.
    static let brokenChecks = """
        name: forge
        stale_after: 30m
        checks:
          - name: registry-api
            group: Artifact registry
            url: http://127.0.0.1:1/healthz
            interval: 30s
          - name: ci-queue
            group: CI/CD
           url: http://127.0.0.1:1/queue
          - name: kube-apiserver
            group: Kubernetes
            url: http://127.0.0.1:1/readyz
            intervl: 30s

        """

    @Test func incidentCommandsWorkWhileTheChecksAreBroken() {
        let ws = makeWorkspace(Self.brokenChecks)
        let k = Klaxon(workspace: ws.path)
        let declared = k.run(
            "incident", "declare", "Registry returns 503", "--severity", "SEV3", "--service", "registry")
        #expect(declared.status == 0 && declared.output == "INC-1\n", "\(declared.errors)")
        #expect(k.run("incident", "note", "INC-1", "Uploads fail").status == 0)
        let list = k.run("incident", "list")
        #expect(
            list.status == 0 && list.output.contains("INC-1") && list.output.contains("Registry returns 503"),
            "\(list.errors)")

        // What needs the checks still refuses, naming the place.
        let path = ws.path + "/klaxon.yaml"
        let check = k.run("status", "check")
        #expect(
            check.status == 2 && check.errors.contains("\(path):10:") && check.errors.contains("invalid YAML"),
            "\(check.errors)")
        let validate = k.run("config", "validate")
        #expect(validate.status == 1, "\(validate.output)")
        #expect(
            validate.output.contains("\(path):10:") && validate.output.contains("invalid YAML"), "\(validate.output)")
        #expect(
            validate.output.contains("\(path):14:5: error: unknown key \"intervl\" for a check"), "\(validate.output)")
        #expect(validate.output.contains("2 errors"), "\(validate.output)")
    }

    @Test func brokenEscalationFilesStopOnlyWhatPages() throws {
        let ws = makeWorkspace()
        ws.write(
            "Escalation/people.yaml", "people:\n  - id: alice\n   contacts: [{type: email, address: a@example.com}]\n")
        ws.write(
            "Escalation/schedules/primary.yaml",
            "name: primary\ntime_zone: UTC\nlayers:\n  - {name: l, rotation: daily, start: 2026-01-05T09:00, participants: [alice]}\n"
        )
        ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [\"schedule:primary\"], escalate_after: 5m}\n")
        let k = Klaxon(workspace: ws.path)
        let plain = k.run("incident", "declare", "CI queue backed up", "--severity", "SEV3")
        #expect(plain.status == 0 && plain.output == "INC-1\n", "\(plain.errors)")
        #expect(k.run("incident", "list").output.contains("INC-1"))

        // Paging by a policy goes through people.yaml, which does not read: refused with its place.
        let people = ws.path + "/Escalation/people.yaml"
        let paged = k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform")
        #expect(
            paged.status == 2 && paged.errors.contains("\(people):3:") && paged.errors.contains("invalid YAML"),
            "\(paged.errors)")
        #expect(!paged.errors.contains("\(people): \(people)"), "the place once: \(paged.errors)")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/INC-2.jsonl"))

        // A policy file that does not read is named with its place, not called missing.
        ws.write(
            "Escalation/people.yaml", "people:\n  - {id: alice, contacts: [{type: email, address: a@example.com}]}\n")
        let policy = ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [\"schedule:primary\"], escalate_after: 5m\n")
        let broken = k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform")
        #expect(
            broken.status == 2 && broken.errors.contains("\(policy):")
                && !broken.errors.contains("no escalation policy named"), "\(broken.errors)")
        #expect(k.run("incident", "page", "INC-1", "--policy", "platform").status == 2)
        #expect(k.run("incident", "note", "INC-1", "still fine").status == 0)
    }
}

extension EndToEnd {
    /// The console on a workspace whose checks and schedules are broken: it opens, declares, and shows
    /// each problem with its place where it belongs, to stay.
    @Suite(.serialized)
    struct BrokenConfigConsoleTests {
        let klaxon = BuiltProducts.path("klaxon")

        @Test func theConsoleWorksAndShowsWhatIsNotPolled() async throws {
            let ws = makeWorkspace(BrokenConfigTests.brokenChecks)
            ws.write(
                "Escalation/people.yaml",
                "people:\n  - {id: alice, contacts: [{type: email, address: a@example.com}]}\n")
            ws.write(
                "Escalation/schedules/primary.yaml",
                "name: primary\ntime_zone: UTC\nlayers:\n  - name: l\n   rotation: daily\n")
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC"])
            #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
            tty.press("d")
            tty.type("Registry returns 503")
            tty.press("Enter")
            #expect(await tty.until("INC-1  SEV") != nil, "\(tty.screen())")

            tty.press("3")
            #expect(await tty.until("NOT POLLED: klaxon.yaml:10:") != nil, "\(tty.screen())")
            let board = tty.screen()
            #expect(board.contains("3 checks  2 not polled"), "\(board)")
            #expect(line(board, "ci-queue").contains("NOT POLLED: klaxon.yaml:10:"), "\(board)")
            #expect(
                line(board, "kube-apiserver").contains("NOT POLLED: klaxon.yaml:14:5: unknown key \"intervl\""),
                "\(board)")
            #expect(!line(board, "registry-api").contains("NOT POLLED"), "\(board)")
            // It stays: keys do not take it away.
            tty.press("j", "k", "1", "3")
            try await Task.sleep(for: .milliseconds(500))
            #expect(line(tty.screen(), "kube-apiserver").contains("NOT POLLED"), "\(tty.screen())")

            tty.press("4")
            #expect(await tty.until("Escalation/schedules/primary.yaml:5:") != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
            #expect(
                try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.title
                    == "Registry returns 503")
        }

        /// The screen's line holding `text`, or "".
        func line(_ screen: String, _ text: String) -> String {
            screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
        }
    }
}
