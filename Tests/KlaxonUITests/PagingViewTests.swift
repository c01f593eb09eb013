import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 19, points 1 to 3: the paging state of every open incident on the dashboard row and in the
/// incident header, with the engine's view of each worked out from real records by the real engine.
struct PagingViewTests {
    static let now = Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!

    /// dave and erin first, frank after 15 minutes; dave's and erin's webhooks are what fail.
    static let engine = EscalationEngine(
        policies: [
            EscalationPolicy(
                name: "platform",
                steps: [
                    .init(targets: [.user("dave"), .user("erin")], escalateAfterSeconds: 900),
                    .init(targets: [.user("frank")], escalateAfterSeconds: 900)
                ])
        ],
        people: [
            Person(
                id: "dave", name: "Dave", timeZone: "UTC",
                contacts: [Contact(kind: .webhook, target: ["env:DAVE_WEBHOOK"])]),
            Person(
                id: "erin", name: "Erin", timeZone: "UTC",
                contacts: [Contact(kind: .webhook, target: ["env:ERIN_WEBHOOK"])]),
            Person(
                id: "frank", name: "Frank", timeZone: "UTC",
                contacts: [Contact(kind: .email, target: ["frank@forge.test"])])
        ],
        lookup: OnCallDirectory(calendars: []), retry: .init(attempts: 5, backoffSeconds: 30))

    static func declare(_ id: String, _ title: String, _ severity: Severity, policy: String?, at time: String)
        -> IncidentFixture
    {
        IncidentFixture(
            id: id, declaration: Declaration(title: title, severity: severity, commander: "alice", policy: policy),
            by: "alice", at: Timestamp.parseRFC3339(time)!)
    }

    /// Five open incidents, one in each state: failing, paging, acknowledged, not paging, unknown policy.
    static func model(columns: Int, rows: Int) -> ConsoleModel {
        var failing = declare(
            "INC-21", "Artifact registry returns 503 on uploads", .sev1, policy: "platform", at: "2026-11-22T09:20:00Z")
        let pages = engine.decide(failing.incident, now: failing.clock, engine: ("h", 1)).attempts
        for (n, seconds) in [(1, 0), (2, 30), (3, 90), (4, 210)] {
            for page in pages {
                var attempt = page
                attempt.attempt = n
                attempt.decidedAtRecord = failing.records.count
                let t = failing.incident.declaredAt.adding(seconds: Int64(seconds))
                failing.perform(.escalation(.attempt(attempt)), by: "escalation-engine", at: t)
                failing.perform(
                    .escalation(.result(attempt, delivered: false, detail: "HTTP 500 from hooks.forge.test")),
                    by: "escalation-engine", at: t.adding(seconds: 1))
            }
        }
        let paging = declare("INC-22", "CI queue backed up", .sev2, policy: "platform", at: "2026-11-22T09:28:00Z")
        var acked = declare(
            "INC-23", "Kubernetes API slow for LIST calls", .sev2, policy: nil, at: "2026-11-22T09:05:00Z")
        acked.perform(.acknowledge, by: "bob", at: "2026-11-22T09:12:00Z")
        let quiet = declare("INC-24", "Flaky test dashboard", .sev3, policy: nil, at: "2026-11-22T08:50:00Z")
        let misspelt = declare("INC-25", "Prometheus down", .sev2, policy: "platfrom", at: "2026-11-22T09:25:00Z")

        var model = ConsoleModel(
            workspaceName: "forge-platform", user: "alice", readOnly: false, timeZone: TimeZone(identifier: "UTC")!,
            staleAfterSeconds: 1800, glyphs: .unicode, now: now, columns: columns, rows: rows)
        for fixture in [failing, paging, acked, quiet, misspelt] {
            model.setIncident(fixture.incident, readOnly: false)
            model.escalations[fixture.incident.id] = engine.decide(fixture.incident, now: now, engine: ("h", 1)).status
        }
        model.escalationEngine = .thisConsole
        return model
    }

    func check(_ model: ConsoleModel, _ name: String) {
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: name) {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func theDashboardSaysWhoIsPaged(columns: Int, rows: Int) {
        let model = Self.model(columns: columns, rows: rows)
        check(model, "dashboard-paging-\(columns)x\(rows)")
        let screen = ConsoleView.render(model).text
        if columns >= 120 {
            #expect(screen.contains("PAGE FAILING (4 of 5) → dave, erin:"), "\(screen)")
            #expect(screen.contains("NOT PAGING: unknown policy platfrom"))
            #expect(screen.contains("acknowledged by bob at 09:12"))
        } else {
            for short in ["FAILING → dave", "PAGING → dave", "ACK bob", "NOT PAGING"] {
                #expect(screen.contains(short), "\(short)\n\(screen)")
            }
        }
    }

    /// The walkthrough's `FAILING → dav…` for dave and erin, while other columns had room: at 80 columns the
    /// paging column fits everyone it names, and the title keeps its 12 columns.
    @Test func everyonePagedIsNamedWholeAt80Columns() throws {
        // As in the walkthrough, nothing is stale (STALE would take the room).
        var model = Self.model(columns: 80, rows: 24)
        model.staleAfterSeconds = 3600
        let frame = ConsoleView.render(model)
        let row = try #require((0..<frame.rows).map { frame.text(ofRow: $0) }.first { $0.contains("INC-21 ") })
        #expect(row.contains("FAILING → dave,erin "), "\(row)")
        let title = try #require(row.range(of: "Artifact"))
        #expect(
            TextWidth.width(of: String(row[title.lowerBound...]).trimmingCharacters(in: .whitespaces)) >= 12, "\(row)")
        // Where even that does not fit, the paging column narrows before the title loses its least.
        var narrow = Self.model(columns: 80, rows: 24)
        let longer = IncidentFixture(
            id: "INC-10234",
            declaration: Declaration(title: "Runner fleet exhausted", severity: .sev3, commander: "maximilian"),
            by: "alice", at: Timestamp.parseRFC3339("2026-11-22T09:00:00Z")!)
        narrow.setIncident(longer.incident, readOnly: false)
        let cramped = ConsoleView.render(narrow)
        let text = try #require((0..<cramped.rows).map { cramped.text(ofRow: $0) }.first { $0.contains("INC-21 ") })
        #expect(text.contains("FAILING → ") && text.contains("… Artifact"), "\(text)")
        let at = try #require(text.range(of: "Artifact"))
        #expect(
            TextWidth.width(of: String(text[at.lowerBound...]).trimmingCharacters(in: .whitespaces)) >= 12, "\(text)")
    }

    /// On a wide screen the row gives the whole reason (at 300 columns the incidents keep 228 beside the
    /// side panel).
    @Test func aWideDashboardGivesTheReason() {
        let screen = ConsoleView.render(Self.model(columns: 300, rows: 30)).text
        #expect(screen.contains("PAGE FAILING (4 of 5) → dave, erin: HTTP 500 from hooks.forge.test"), "\(screen)")
    }

    /// At 80 columns the header keeps why the pages fail: the failure leads, the policy's step follows.
    @Test func theHeaderSaysThePageFails() {
        var model = Self.model(columns: 80, rows: 24)
        press([.enter], &model)  // INC-21, the SEV1
        check(model, "incident-failing-80x24")
        let header = ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 2)
        #expect(header.hasPrefix(" PAGE FAILING (4 of 5) → dave, erin: HTTP 500 from hooks.forge.test"), "\(header)")
        var wide = Self.model(columns: 160, rows: 40)
        press([.enter], &wide)
        let line = ConsoleView.render(wide).text(ofRow: IncidentLayout.headerTop + 2)
        #expect(
            line.contains(
                "PAGE FAILING (4 of 5) → dave, erin: HTTP 500 from hooks.forge.test · escalation platform: step 1 of 2"),
            "\(line)")
    }

    @Test func theHeaderOfAnIncidentWithAnUnknownPolicySaysItIsNotPaging() {
        var model = Self.model(columns: 120, rows: 40)
        model.currentIncidentID = "INC-25"
        model.screen = .incident
        let header = ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 2)
        #expect(header.contains("NOT PAGING: unknown policy platfrom"), "\(header)")
    }

    /// Issue 23: `>` escalates now (`U` until issue 24 gave it to status updates), through the engine's
    /// check (a refusal says why and records nothing) and a question; `y` records it as decided on the
    /// incident as shown.
    @Test func escalateNowAsksThenRecordsOrSaysWhyNot() throws {
        var model = Self.model(columns: 120, rows: 40)
        model.currentIncidentID = "INC-23"
        model.screen = .incident
        #expect(press([.character(">")], &model).isEmpty && model.overlay == nil)
        #expect(
            model.message?.text
                == "INC-23 is acknowledged by bob at 09:12; nothing is escalating — to page someone else: klaxon incident page INC-23 --user ID"
        )
        model.currentIncidentID = "INC-22"
        let records = try #require(model.incidents["INC-22"]).recordCount
        #expect(press([.character(">")], &model).isEmpty)
        #expect(ConsoleView.render(model).text.contains("Escalate INC-22 now? Its policy moves on to the next step"))
        #expect(press([.character("n")], &model).isEmpty, "any other key cancels")
        press([.character(">")], &model)
        #expect(
            press([.character("y")], &model) == [
                .perform(.escalateNow(decidedAtRecord: records, origin: nil), incidentID: "INC-22")
            ])
    }

    /// Issue 23: an acknowledgement from a page's link reads "via link" in the header and on the timeline.
    @Test func anAckFromALinkSaysSoInTheHeaderAndTimeline() throws {
        var model = Self.model(columns: 120, rows: 40)
        var linked = Self.declare(
            "INC-26", "Runner fleet exhausted", .sev2, policy: "platform", at: "2026-11-22T09:20:00Z")
        linked.perform(
            .acknowledgeFromLink(ActionOrigin(client: "203.0.113.7", page: "INC-26/1/1/1/dave/webhook")), by: "dave",
            at: "2026-11-22T09:21:00Z")
        model.setIncident(linked.incident, readOnly: false)
        model.escalations["INC-26"] = Self.engine.decide(linked.incident, now: Self.now, engine: ("h", 1)).status
        model.currentIncidentID = "INC-26"
        model.screen = .incident
        let screen = ConsoleView.render(model).text
        #expect(screen.contains("acknowledged by dave via link at 09:21"), "\(screen)")
        #expect(screen.contains("acknowledged via link from 203.0.113.7"), "\(screen)")
    }

    @Test func aSecondAckSaysWhoAcknowledgedAndRecordsNothing() {
        var model = Self.model(columns: 120, rows: 40)
        model.currentIncidentID = "INC-23"
        model.screen = .incident
        let effects = press([.character("a")], &model)
        #expect(effects.isEmpty, "\(effects)")
        #expect(model.message?.text == "INC-23 was already acknowledged by bob at 09:12")
        // One that pages is acknowledged.
        model.currentIncidentID = "INC-22"
        #expect(press([.character("a")], &model).count == 1)
    }
}
