import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 19, point 21: the sample workspace (the repository) is honest for a newcomer: its console
/// declares nothing on its own, and the README's command-line example does what it says.
extension EndToEnd {
    @Suite(.serialized)
    struct SampleWorkspaceTests {
        let klaxon = BuiltProducts.path("klaxon")
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path

        /// A fresh copy of the sample workspace, as a newcomer has it after cloning, with `.build/debug/klaxon`
        /// (the README's path) leading to the tested binary.
        func sampleCopy() throws -> TemporaryDirectory {
            let ws = TemporaryDirectory("klaxon-sample")
            for item in ["klaxon.yaml", "Runbooks", "Escalation", "Drills"] {
                try FileManager.default.copyItem(atPath: Self.repository + "/" + item, toPath: ws.path + "/" + item)
            }
            try FileManager.default.createDirectory(
                atPath: ws.path + "/.build/debug", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: ws.path + "/.build/debug/klaxon", withDestinationPath: klaxon)
            return ws
        }

        /// The README's command-line example, read from README.md so that the two never drift apart.
        static func readmeCommandBlock() throws -> String {
            let readme = try String(contentsOfFile: repository + "/README.md", encoding: .utf8)
            let intro = try #require(readme.range(of: "Everything the console does also exists as a command"))
            let open = try #require(readme.range(of: "```bash\n", range: intro.upperBound..<readme.endIndex))
            let close = try #require(readme.range(of: "```", range: open.upperBound..<readme.endIndex))
            return String(readme[open.upperBound..<close.lowerBound])
        }

        @Test func theReadmesCommandBlockActsOnTheIncidentItDeclared() throws {
            let ws = try sampleCopy()
            // A newcomer who followed the README's console walkthrough first has an incident already.
            let before = try shell(
                "cd \(ws.path) && KLAXON_USER=carol TZ=UTC .build/debug/klaxon incident declare 'Tried the console' --severity SEV4 2>&1"
            )
            #expect(before == "INC-1\n", "\(before)")
            let block = try Self.readmeCommandBlock()
            try ("set -eu\n" + block).write(toFile: ws.path + "/readme-block.sh", atomically: true, encoding: .utf8)
            let output = try shell(
                "cd \(ws.path) && env -u KLAXON_WORKSPACE -u KLAXON_USER TZ=UTC bash readme-block.sh 2>&1; echo \"EXIT $?\""
            )
            #expect(output.hasSuffix("EXIT 0\n"), "\(block)\n---\n\(output)")
            // Its names are the sample's: no "did you mean" (issue 26).
            #expect(!output.contains("did you mean") && !output.contains("recorded as given"), "\(output)")

            let store = IncidentStore(directory: ws.path + "/journals")
            #expect(try store.ids() == ["INC-1", "INC-2"])
            // The incident the walkthrough made is untouched.
            #expect(try store.open("INC-1").incident.timeline.map(\.type) == ["incident.declared"])
            // Each step did what it says, to the incident the block declared.
            let incident = try store.open("INC-2").incident
            #expect(incident.title == "Artifact registry returns 503 on uploads" && incident.severity == .sev2)
            #expect(incident.services == ["registry"])
            let declared = try #require(incident.keyTimes[.declared])
            let impact = try #require(incident.keyTimes[.impactStarted])
            #expect(
                abs(declared.adding(seconds: -1200).milliseconds - impact.milliseconds) < 1000,
                "--impact-start -20m: \(impact.rfc3339)")
            #expect(
                incident.timeline.contains {
                    $0.type == "note" && $0.data["text"] == "Uploads fail since 16:30; pulls fine"
                        && $0.actor == "alice"
                })
            #expect(incident.roles["scribe"] == "bob")
            #expect(incident.timeline.contains { $0.type == "acknowledged" && $0.actor == "bob" })
            #expect(incident.links.map(\.target).contains("registry-5xx"))
            #expect(incident.keyTimes[.mitigated] != nil)
            #expect(incident.status == .resolved)
            #expect(incident.summary == "Blob store full on registry-2; garbage-collected")
            // What it prints: the incident shown whole, and the journals verified.
            #expect(output.contains("INC-2 #2 note: Uploads fail since 16:30; pulls fine"), "\(output)")
            #expect(
                output.contains("resolved: Blob store full on registry-2; garbage-collected")
                    && !output.contains("INC-1 #"), "\(output)")
            #expect(
                output.contains("INC-1.jsonl: ok, 1 record, ") && output.contains("INC-2.jsonl: ok, 8 records"),
                "\(output)")
            #expect(try JournalFile.verify(path: ws.path + "/journals/INC-2.jsonl").damage == nil)
        }

        /// `make console` on the sample: its checks go down (its hosts do not exist; here they point at a
        /// loopback server answering 503, so nothing leaves the machine), and it declares nothing and
        /// pages nobody, polling at its real intervals until every check that could declare is down.
        @Test func theSampleConsoleDeclaresNothingAndPagesNobody() async throws {
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(directory: http.path, routes: ["/*": .init([503], body: "down")])
            defer { receiver.stop() }
            let ws = try sampleCopy()
            let base = "http://127.0.0.1:\(receiver.port)"
            let config = try String(contentsOfFile: ws.path + "/klaxon.yaml", encoding: .utf8)
            let hosts = try Regex(#"https?://[a-z0-9.-]+\.(internal|svc)(:[0-9]+)?"#)
            #expect(config.firstMatch(of: hosts) != nil)
            let local = config.replacing(hosts, with: base)
            #expect(!local.split(separator: "\n").contains { $0.contains("url:") && !$0.contains(base) }, "\(local)")
            try local.write(toFile: ws.path + "/klaxon.yaml", atomically: true, encoding: .utf8)
            // Every webhook a page could go to is the same server: a page would be a POST there.
            let environment = [
                "KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "KLAXON_WEBHOOK_SECRET": "s3cret",
                "ALICE_WEBHOOK": base + "/page/alice", "BOB_SLACK_WEBHOOK": base + "/page/bob",
                "DAVE_WEBHOOK": base + "/page/dave"
            ]
            let tty = try TmuxSession(
                "cd \(ws.path) && \(klaxon); echo \"EXIT $?\"", columns: 120, rows: 30, environment: environment)
            #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
            tty.press("3")
            // registry-api, kube-apiserver and prometheus had declare: (SEV3, SEV2, SEV2): each down is
            // the moment it would have declared.
            let down = await tty.until(timeout: 60) { screen in
                ["registry-api ", "kube-apiserver", "prometheus"].allSatisfy { name in
                    screen.split(separator: "\n").contains { $0.contains(name) && $0.contains("DOWN") }
                }
            }
            #expect(down != nil, "\(tty.screen())")
            try await Task.sleep(for: .seconds(3))
            tty.press("1")
            #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
            let journals = (try? FileManager.default.contentsOfDirectory(atPath: ws.path + "/journals")) ?? []
            #expect(!journals.contains { $0.hasPrefix("INC-") }, "\(journals)")
            #expect(receiver.requests.filter { $0.path.hasPrefix("/page/") }.isEmpty)
            // The checks were polled: the server saw them.
            #expect(receiver.requests.contains { $0.path == "/healthz" })
        }
    }
}
