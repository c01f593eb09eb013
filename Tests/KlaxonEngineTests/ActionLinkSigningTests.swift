import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 23: the process that sends the pages makes their action links with the key the listening intake
/// checks them with, or makes none: a console holding another key (the secret was rotated for klaxon
/// watch only) sent links that the listener refused as "revoked" in the newest page (found by a
/// walkthrough). The intake's start records which key it checks (`link_key`, an id, never the key).
@Suite struct ActionLinkSigningTests {
    let ws = makeWorkspace(
        """
        name: links
        time_zone: UTC
        intake:
          listen: 127.0.0.1:9095
          tokens: {am: env:AM}
          public_url: https://klaxon.example.com
          link_secret: env:LINKS
        """)
    let clock = FixedClock("2026-12-06T03:00:00Z")
    let secret = "the-console-s-secret-0123456789abcdef"

    init() {
        ws.write(
            "Escalation/people.yaml",
            "people:\n  - {id: alice, contacts: [{type: command, argv: [sh, -c, \"env > \(ws.path)/env-$KLAXON_INCIDENT_ID\"]}]}\n"
        )
        ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [user:alice], escalate_after: 30m}\n")
    }

    /// What klaxon watch's intake records when it starts, checking links with the key `linkKey` names.
    func listenerStarted(linkKey: String) throws {
        try AlertJournal(store: FileJournalStore(directory: ws.path + "/journals")).append(
            RecordDraft(
                type: HeartbeatPing.intakeStartedRecordType,
                data: HeartbeatPing.intakeData(listen: "127.0.0.1:9095", linkKey: linkKey), timestamp: clock.now,
                actor: "klaxon", host: "other", pid: 7))
    }

    /// Declares an incident paging alice through the real transport; the command's environment and the
    /// page's recorded outcome.
    func page(_ responder: Responder, _ id: String) throws -> (environment: String, outcome: String) {
        _ = responder.declare(Declaration(title: "Registry returns 503", severity: .sev2, policy: "platform"))
        let store = IncidentStore(directory: ws.path + "/journals")
        func paged() -> Bool {
            (try? store.open(id).incident.timeline.contains { $0.type == "page.result" }) == true
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !paged() {
            _ = responder.pass(now: clock.now)
            Thread.sleep(forTimeInterval: 0.05)
        }
        let incident = try IncidentStore(directory: ws.path + "/journals").open(id).incident
        let outcome = incident.timeline.last { $0.type == "page.result" }?.data["detail"]?.stringValue ?? ""
        return ((try? String(contentsOfFile: ws.path + "/env-\(id)", encoding: .utf8)) ?? "", outcome)
    }

    @Test func linksAreMadeOnlyWithTheKeyTheListenerChecks() throws {
        try listenerStarted(linkKey: ActionLink.Key(secret: "the-rotated-secret", workspace: "links").id)
        let clock = self.clock
        let responder = try Responder(
            workspace: try Workspace.load(directory: ws.path),
            writer: WriterIdentity(actor: "carol", host: "laptop", pid: 11),
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!),
            options: Responder.Options(role: "console", displayZone: TimeZone(identifier: "UTC")!),
            environment: ["LINKS": secret, "PATH": "/usr/bin:/bin"], clock: { clock.now }, transport: nil)
        defer { _ = responder.stop() }
        _ = responder.start()

        let first = try page(responder, "INC-1")
        #expect(first.environment.contains("KLAXON_INCIDENT_ID=INC-1"), "\(first)")
        #expect(!first.environment.contains("KLAXON_ACK_URL"), "links the listener would refuse were sent")
        #expect(
            first.outcome.contains("sent without action links")
                && first.outcome.contains("not the key klaxon watch's listener checks links with"), "\(first.outcome)")
        #expect(!first.outcome.contains(secret))

        // The listener restarted with this process's key: links again.
        clock.advance(seconds: 60)
        try listenerStarted(linkKey: ActionLink.Key(secret: secret, workspace: "links").id)
        _ = responder.pass(now: clock.now)
        let second = try page(responder, "INC-2")
        #expect(second.environment.contains("KLAXON_ACK_URL=https://klaxon.example.com/v1/link/"), "\(second)")
        #expect(!second.outcome.contains("without action links"), "\(second.outcome)")
    }
}
