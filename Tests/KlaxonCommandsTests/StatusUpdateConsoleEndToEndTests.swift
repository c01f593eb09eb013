import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 24 in the real console under tmux: `U` posts a status update that reaches the journal, the
/// timeline and `klaxon incident show`; the cadence is on screen; a resolution offers the final update.
extension EndToEnd {
    @Suite(.serialized)
    struct StatusUpdateConsoleEndToEndTests {
        let klaxon = BuiltProducts.path("klaxon")

        /// Found by a walkthrough: a console on a workspace whose comms: is broken (so left out: no update
        /// sent, no cadence) said nothing of it, while klaxon watch and incident update did.
        @Test func aConsoleSaysWhenCommsIsLeftOut() async throws {
            let ws = makeWorkspace("name: test-platform\ncomms:\n  cadence:\n    SEV2: 2m\n")
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 200, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC"])
            #expect(await tty.until("comms: is ignored until it is corrected", timeout: 30) != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
        }

        @Test func uPostsAnUpdateSeenOnTheTimelineAndInIncidentShow() async throws {
            let ws = makeWorkspace("name: test-platform\nstale_after: 30m\ncomms:\n  cadence:\n    SEV2: 30m\n")
            let k = "KLAXON_USER=alice TZ=UTC \(klaxon) --workspace \(ws.path)"
            _ = try shell("\(k) incident declare 'Registry returns 503' --severity SEV2 2>&1")
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 100, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC"])
            #expect(await tty.until("Open incidents (1)", timeout: 30) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("NEXT UPDATE"), "\(tty.screen())")
            tty.press("Enter")
            #expect(await tty.until("· update due in ") != nil, "\(tty.screen())")
            tty.press("U")
            #expect(await tty.until("Public status update on INC-1") != nil, "\(tty.screen())")
            #expect(tty.screen().contains("[investigating]"), "the phase of the incident's status")
            tty.type("Uploads fail; pulls work")
            tty.press("Tab", "j", "C-s")
            #expect(await tty.until("INC-1 #2 update recorded") != nil, "\(tty.screen())")
            #expect(tty.screen().contains("update    identified: Uploads fail; pulls work"), "\(tty.screen())")

            // Another process reads what the console wrote.
            let show = try shell("\(k) incident show 1 2>&1")
            #expect(show.contains("update    identified: Uploads fail; pulls work"), "\(show)")
            #expect(show.contains("Next status update: update due in "), "\(show)")
            let json = try #require(try? JSONParser.parse(try shell("\(k) incident show 1 --json")))
            #expect(json["next_update"]?["overdue"] == false)

            // Resolving posts nothing; the final update is offered, and esc declines it.
            tty.press("r")
            #expect(await tty.until("Resolve INC-1?") != nil)
            tty.type("Blob store cleaned")
            tty.press("Enter")
            #expect(
                await tty.until("INC-1 is resolved: post the final public status update?") != nil, "\(tty.screen())")
            #expect(tty.screen().contains("[resolved]"))
            tty.press("Escape")
            #expect(await tty.until("no final status update posted; U posts one") != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")

            let timeline = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.timeline
            #expect(timeline.map(\.type) == ["incident.declared", "status.update", "resolved"])
            #expect(timeline[1].data["text"] == "Uploads fail; pulls work")
            #expect(timeline[1].data["phase"] == "identified")
            #expect(timeline[1].actor == "alice")
        }
    }
}

extension EndToEnd.StatusUpdateConsoleEndToEndTests {
    /// Issue 24: an update posted with `U` is sent by the console itself when it runs the engine (no
    /// `klaxon watch`): it reaches a loopback Slack-compatible receiver and the SMTP sink, the attempts are
    /// on the timeline, and an update the receiver refuses is said in red on the header.
    @Test func anUpdatePostedWithUReachesSlackAndEmailAndAFailureIsLoudOnTheHeader() async throws {
        let directory = TemporaryDirectory("console-comms")
        let hooks = try HTTPReceiver(directory: directory.path, routes: ["/slack/status": .init([200, 500])])
        defer { hooks.stop() }
        try FileManager.default.createDirectory(atPath: directory.path + "/mail", withIntermediateDirectories: true)
        let mail = try SMTPSink(directory: directory.path + "/mail")
        defer { mail.stop() }
        let ws = makeWorkspace(
            """
            name: console-comms
            time_zone: UTC
            channels:
              email: {server: "smtp://127.0.0.1:\(mail.port)", from: klaxon@example.com}
              timeout: 5s
            comms:
              cadence: {SEV2: 1h}
              attempts: 2
              retry_backoff: 1s
              destinations:
                platform-status: {slack: env:KLAXON_SLACK_STATUS, channel: "#platform-status"}
                eng-all: {email: [eng-all@example.com]}
              routes:
                - {to: [platform-status, eng-all]}
            """)
        let k = "KLAXON_USER=alice TZ=UTC \(klaxon) --workspace \(ws.path)"
        _ = try shell("\(k) incident declare 'Registry returns 503' --severity SEV2 2>&1")
        let tty = try TmuxSession(
            "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
            environment: [
                "KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC",
                "KLAXON_SLACK_STATUS": "http://127.0.0.1:\(hooks.port)/slack/status"
            ])
        #expect(await tty.until("Open incidents (1)", timeout: 30) != nil, "\(tty.screen())")
        tty.press("Enter")
        tty.press("U")
        #expect(await tty.until("Public status update on INC-1") != nil, "\(tty.screen())")
        tty.type("Pushes fail; pulls work")
        tty.press("C-s")
        #expect(
            await tty.until("update #1 sent to #platform-status, email eng-all", timeout: 20) != nil, "\(tty.screen())")
        let slack = try #require(hooks.requests.first { $0.path == "/slack/status" })
        #expect(slack.body.contains("Pushes fail; pulls work"), "\(slack.body)")
        #expect(try #require(mail.messages.first).contains("Subject: [SEV2] INC-1 investigating: Registry returns 503"))

        // The second is refused (HTTP 500) twice: the header says so in capitals.
        tty.press("U")
        #expect(await tty.until("Public status update on INC-1") != nil, "\(tty.screen())")
        tty.type("A fix is rolling out")
        tty.press("C-s")
        #expect(await tty.until("update #2 NOT SENT to #platform-status", timeout: 20) != nil, "\(tty.screen())")
        tty.press("q")
        #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
        let timeline = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.timeline
        let results = timeline.filter { $0.type == RecordType.updateResult.rawValue }
        #expect(results.filter { $0.data["destination"] == "platform-status" }.count == 3, "1 delivered, 2 refused")
        #expect(timeline.filter { $0.type == RecordType.updateAttempt.rawValue }.allSatisfy { $0.actor != "alice" })
    }
}
