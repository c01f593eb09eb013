import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// Issue 24, points 2 and 3, in the process that sends the pages: a status update reaches a loopback
/// Slack-compatible receiver, the SMTP sink and a signed webhook through the real transport, each attempt
/// journalled before it is sent; a receiver that fails (500, then down) is retried with backoff and then
/// shown as not sent; an overdue update reminds the comms role once, on a fixed clock.
@Suite(.serialized) struct CommsRunnerTests: ResponderPassing {
    let clock = FixedClock("2026-12-06T03:00:00Z")
    let directory = TemporaryDirectory("comms-runner")

    func workspace(hooksPort: Int, mailPort: Int, comms: String) -> TemporaryDirectory {
        let ws = makeWorkspace(
            """
            name: comms
            time_zone: UTC
            channels:
              email: {server: "smtp://127.0.0.1:\(mailPort)", from: klaxon@example.com}
              timeout: 5s
            intake:
              public_url: https://klaxon.example.com
              link_secret: env:LINKS
            comms:
            \(comms)
            """)
        ws.write(
            "Escalation/people.yaml",
            """
            people:
              - id: bob
                contacts: [{type: webhook, url: "http://127.0.0.1:\(hooksPort)/hooks/bob"}]
              - id: alice
                contacts: [{type: webhook, url: "http://127.0.0.1:\(hooksPort)/hooks/alice"}]
            """)
        return ws
    }

    func responder(_ ws: TemporaryDirectory, hooksPort: Int) throws -> Responder {
        let clock = self.clock
        return try Responder(
            workspace: try Workspace.load(directory: ws.path), writer: WriterIdentity(actor: "ops", host: "h", pid: 77),
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!),
            options: Responder.Options(role: "klaxon watch", displayZone: TimeZone(identifier: "UTC")!),
            environment: [
                "SLACK_URL": "http://127.0.0.1:\(hooksPort)/slack/status",
                "BRIDGE_SECRET": "bridge-secret", "LINKS": String(repeating: "k", count: 40)
            ], clock: { clock.now })
    }

    func setClock(_ t: Timestamp) { clock.advance(seconds: clock.now.seconds(until: t)) }

    /// What another terminal does: writes to the incident's journal directly.
    func post(_ ws: TemporaryDirectory, _ action: IncidentAction, on id: String = "INC-1") throws {
        let journal = try IncidentStore(directory: ws.path + "/journals").open(id)
        _ = try journal.perform(action, by: WriterIdentity(actor: "carol", host: "laptop", pid: 5), now: { clock.now })
    }

    func incident(_ ws: TemporaryDirectory, _ id: String = "INC-1") throws -> Incident {
        try IncidentStore(directory: ws.path + "/journals").open(id).incident
    }

    /// Passes with the clock moving a second each, as a running process's loop, until `done` or `seconds`
    /// passes; within a second, while a delivery is under way (an attempt without its outcome), it passes
    /// again as the delivery's thread wakes the loop (up to 5 real seconds).
    func run(_ ws: TemporaryDirectory, _ responder: Responder, seconds: Int = 40, until done: () throws -> Bool) throws
        -> Bool
    {
        func underWay() throws -> Bool {
            let i = try incident(ws)
            let started =
                records(i, .updateAttempt).count
                + records(i, .updateReminded).filter { $0.data["contact"] != nil }.count
            return started > records(i, .updateResult).count + records(i, .reminderResult).count
        }
        for _ in 0..<seconds {
            clock.advance(seconds: 1)
            _ = responder.pass(now: clock.now)
            let deadline = Date().addingTimeInterval(5)
            while try underWay(), Date() < deadline {
                _ = passes(responder, limit: 0.2) { _ in false }
            }
            if try done() { return true }
        }
        return false
    }

    func records(_ incident: Incident, _ type: RecordType) -> [JournalRecord] {
        incident.timeline.filter { $0.type == type.rawValue }
    }

    @Test func anUpdateReachesSlackEmailAndWebhookAndAFailingReceiverIsRetriedThenShown() throws {
        let hooks = try HTTPReceiver(
            directory: directory.path,
            routes: ["/slack/status": .init([200]), "/hooks/bridge": .init([500])])
        defer { hooks.stop() }
        try FileManager.default.createDirectory(atPath: directory.path + "/mail", withIntermediateDirectories: true)
        let mail = try SMTPSink(directory: directory.path + "/mail")
        defer { mail.stop() }
        let ws = workspace(
            hooksPort: hooks.port, mailPort: mail.port,
            comms: """
                  attempts: 3
                  retry_backoff: 30s
                  destinations:
                    platform-status: {slack: env:SLACK_URL, channel: "#platform-status"}
                    eng-all: {email: [eng-all@example.com, sre@example.com]}
                    bridge: {webhook: "http://127.0.0.1:\(hooks.port)/hooks/bridge", secret: env:BRIDGE_SECRET}
                  routes:
                    - {services: [registry], to: [platform-status, eng-all, bridge]}
                """)
        let responder = try responder(ws, hooksPort: hooks.port)
        defer { _ = responder.stop() }
        _ = responder.start()
        _ = responder.declare(
            Declaration(title: "Registry returns 503", severity: .sev2, services: ["registry"], commander: "alice"))
        try post(ws, .note("internal: bob's token expired"))
        try post(ws, .postUpdate(text: "Pushes to the registry fail; pulls work.", phase: .identified))

        let sent = try run(ws, responder) {
            let i = try incident(ws)
            return records(i, .updateResult).count == 3
        }
        var i = try incident(ws)
        #expect(sent, "\(i.timeline.map { "\($0.type) \($0.data.canonicalJSON)" })")
        // Each attempt was recorded before its result, by the engine.
        #expect(records(i, .updateAttempt).count == 3)
        for result in records(i, .updateResult) {
            let attempt = try #require(
                i.timeline.last {
                    $0.type == RecordType.updateAttempt.rawValue && $0.data["destination"] == result.data["destination"]
                        && $0.sequence < result.sequence
                })
            #expect(attempt.actor == "comms-engine")
        }
        let slack = try #require(hooks.requests.first { $0.path == "/slack/status" })
        let slackText =
            try JSONParser.parse(slack.body)["blocks"]?.arrayValue?.first?["text"]?["text"]?.stringValue ?? ""
        #expect(slackText.contains("*[SEV2] INC-1 Identified: Registry returns 503*"), "\(slackText)")
        #expect(slackText.contains("Pushes to the registry fail; pulls work."))
        #expect(slackText.contains("<https://klaxon.example.com/status|Status page>"))
        let email = try #require(mail.messages.first)
        #expect(email.contains("Subject: [SEV2] INC-1 identified: Registry returns 503"), "\(email)")
        #expect(mail.commands.filter { $0.hasPrefix("RCPT TO") }.count == 2, "\(mail.commands)")
        let bridge = try #require(hooks.requests.first { $0.path == "/hooks/bridge" })
        let signature = try #require(bridge.headers["x-klaxon-signature"])
        let t = try #require(signature.split(separator: ",").first?.dropFirst(2)).description
        #expect(
            signature
                == PageMessage.signature(
                    body: bridge.body, secret: "bridge-secret", at: Timestamp(milliseconds: Int64(t)! * 1000)))
        for body in [slack.body, email, bridge.body] {
            #expect(!body.contains("token expired") && !body.contains("carol") && !body.contains("alice"))
        }
        let engine = CommsEngine(config: try Workspace.load(directory: ws.path).config.comms, people: [])
        #expect(
            engine.problems(of: i, now: clock.now).map(\.text) == [
                "update #1 FAILING to webhook bridge (attempt 1 of 3): HTTP 500; trying again"
            ])

        // Tried again 30 s after the failure: 500 again; then the receiver is down, and after 60 s more the
        // last attempt fails: nothing more is sent, and the incident says so.
        let firstFailure = try #require(records(i, .updateResult).first { $0.data["outcome"] == "failed" }).timestamp
        #expect(try run(ws, responder) { try records(incident(ws), .updateResult).count == 4 })
        i = try incident(ws)
        let second = try #require(records(i, .updateAttempt).last)
        #expect(second.data["attempt"] == 2 && second.data["destination"] == "bridge")
        #expect(firstFailure.seconds(until: second.timestamp) >= 30)
        #expect(firstFailure.seconds(until: second.timestamp) < 33)
        #expect(hooks.requests.filter { $0.path == "/hooks/bridge" }.count == 2)
        hooks.stop()
        #expect(try run(ws, responder, seconds: 80) { try records(incident(ws), .updateResult).count == 5 })
        i = try incident(ws)
        let third = try #require(records(i, .updateAttempt).last)
        #expect(third.data["attempt"] == 3)
        #expect(records(i, .updateResult)[3].timestamp.seconds(until: third.timestamp) >= 60)
        clock.advance(seconds: 3600)
        _ = try run(ws, responder, seconds: 3) { false }
        i = try incident(ws)
        #expect(records(i, .updateAttempt).count == 5, "given up after 3 attempts")
        let problems = engine.problems(of: i, now: clock.now).map(\.text)
        #expect(problems.count == 1)
        #expect(
            problems.first?.hasPrefix("update #1 NOT SENT to webhook bridge: gave up after 3 attempts: ") == true,
            "\(problems)")
    }

    @Test func anOverdueUpdateRemindsTheCommsRoleOnceAndAgainAfterANewUpdate() throws {
        let hooks = try HTTPReceiver(directory: directory.path, routes: ["/hooks/*": .init([200])])
        defer { hooks.stop() }
        let ws = workspace(hooksPort: hooks.port, mailPort: 9, comms: "  cadence: {SEV1: 30m}\n")
        let responder = try responder(ws, hooksPort: hooks.port)
        defer { _ = responder.stop() }
        _ = responder.start()
        let declared = clock.now
        _ = responder.declare(
            Declaration(title: "Registry returns 503", severity: .sev1, services: ["registry"], commander: "alice"))
        try post(ws, .assign(role: "comms", user: "bob"))
        func reminders() -> [HTTPReceiver.Request] { hooks.requests.filter { $0.path.hasPrefix("/hooks/") } }

        // Due at 03:30: nothing before.
        setClock(declared.adding(seconds: 1800 - 5))
        _ = try run(ws, responder, seconds: 4) { false }
        #expect(try records(incident(ws), .updateReminded).isEmpty)
        #expect(reminders().isEmpty)
        // Overdue: bob (comms), not alice (commander), once.
        #expect(try run(ws, responder) { try records(incident(ws), .reminderResult).count == 1 })
        var i = try incident(ws)
        let reminded = try #require(records(i, .updateReminded).first)
        #expect(
            reminded.data["user"] == "bob" && reminded.data["role"] == "comms" && reminded.data["contact"] == "webhook")
        #expect(reminded.timestamp >= declared.adding(seconds: 1800))
        #expect(records(i, .reminderResult).first?.data["outcome"] == "delivered")
        #expect(reminders().map(\.path) == ["/hooks/bob"])
        let body = try JSONParser.parse(try #require(reminders().first).body)
        #expect(body["type"] == "klaxon.update_reminder" && body["incident"]?["id"] == "INC-1")
        // Not a second time, however long it stays overdue.
        clock.advance(seconds: 3600)
        _ = try run(ws, responder, seconds: 5) { false }
        #expect(try records(incident(ws), .updateReminded).count == 1)
        #expect(reminders().count == 1)
        // A new update starts the cadence over: reminded again 30 minutes after it.
        try post(ws, .postUpdate(text: "Still looking.", phase: nil))
        let posted = clock.now
        setClock(posted.adding(seconds: 1795))
        _ = try run(ws, responder, seconds: 4) { false }
        #expect(try records(incident(ws), .updateReminded).count == 1)
        #expect(try run(ws, responder) { try records(incident(ws), .reminderResult).count == 2 })
        i = try incident(ws)
        #expect(records(i, .updateReminded).last?.data["since"]?.stringValue == posted.rfc3339)
        #expect(reminders().count == 2)
    }

    /// Resolving posts nothing; the final update, posted after resolving, is sent as any other.
    @Test func theFinalUpdateOfAResolvedIncidentIsSent() throws {
        let hooks = try HTTPReceiver(directory: directory.path, routes: ["/slack/status": .init([200])])
        defer { hooks.stop() }
        let ws = workspace(
            hooksPort: hooks.port, mailPort: 9,
            comms: """
                  destinations:
                    platform-status: {slack: env:SLACK_URL, channel: "#platform-status"}
                  routes:
                    - {to: [platform-status]}
                """)
        let responder = try responder(ws, hooksPort: hooks.port)
        defer { _ = responder.stop() }
        _ = responder.start()
        _ = responder.declare(Declaration(title: "Registry returns 503", severity: .sev2, services: ["registry"]))
        try post(ws, .resolve(summary: "Disk full; cleaned up"))
        _ = try run(ws, responder, seconds: 3) { false }
        #expect(hooks.requests.isEmpty, "resolving posted something")
        try post(ws, .postUpdate(text: "Pushes work again since 03:41.", phase: .resolved))
        #expect(try run(ws, responder) { try records(incident(ws), .updateResult).count == 1 })
        let slack = try #require(hooks.requests.first)
        #expect(slack.body.contains("INC-1 Resolved: Registry returns 503"), "\(slack.body)")
        #expect(try records(incident(ws), .updateResult).first?.data["outcome"] == "delivered")
    }
}
