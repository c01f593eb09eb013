import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 22, point 5: the alerts screen (7) shows what the intake received, firing first, with the
/// incident each alert's group went to; enter opens it, a acknowledges it, o opens its runbook.
struct AlertsScreenTests {
    /// A book of: two registry alerts routed to INC-11 (not acknowledged), one CI alert routed to INC-12
    /// (acknowledged by bob), a PagerDuty alert on no incident with a runbook link, and one resolved.
    static func book(now: Timestamp) throws -> AlertBook {
        func alert(
            _ key: String, _ name: String, _ status: ReceivedAlerts.Status, _ summary: String, minutesAgo: Int64,
            severity: String = "critical", runbook: String? = nil
        ) -> ReceivedAlerts.Alert {
            var annotations = ["summary": summary]
            annotations["runbook_url"] = runbook
            return ReceivedAlerts.Alert(
                key: key, status: status, labels: ["alertname": name, "severity": severity, "instance": key],
                annotations: annotations, startsAt: now.adding(seconds: -60 * minutesAgo))
        }
        let batches = [
            ReceivedAlerts(
                source: .alertmanager, token: "am", group: "registry",
                alerts: [
                    alert("registry-1", "RegistryDown", .firing, "registry answers 5xx", minutesAgo: 14),
                    alert("registry-2", "RegistryDown", .firing, "registry answers 5xx", minutesAgo: 12)
                ]),
            ReceivedAlerts(
                source: .alertmanager, token: "am", group: "ci",
                alerts: [
                    alert(
                        "ci-1", "CIQueueBackedUp", .firing, "oldest job waits 25m", minutesAgo: 40, severity: "warning"),
                    alert("ci-2", "CIRunnerLost", .firing, "runner lost", minutesAgo: 90, severity: "warning")
                ]),
            ReceivedAlerts(
                source: .pagerduty, token: "ci", group: nil,
                alerts: [
                    alert(
                        "disk", "disk", .firing, "Build farm disk 95% \u{1B}[2J", minutesAgo: 3, severity: "error",
                        runbook: "https://wiki/disk")
                ]),
            ReceivedAlerts(
                source: .alertmanager, token: "am", group: "ci",
                alerts: [alert("ci-2", "CIRunnerLost", .resolved, "runner lost", minutesAgo: 90, severity: "warning")])
        ]
        var book = AlertBook()
        var previous = RecordHash.genesis
        var sequence = 0
        func apply(_ type: String, _ data: JSONValue) throws {
            sequence += 1
            let draft = RecordDraft(
                type: type, data: data, timestamp: now.adding(seconds: -120), actor: "klaxon", host: "h", pid: 1)
            let encoded = JournalCodec.encode(draft, sequence: sequence, previousHash: previous)
            previous = encoded.record.hash
            _ = book.apply(encoded.record)
        }
        for batch in batches { try apply(ReceivedAlerts.recordType, ReceivedAlerts.draftData([batch])) }
        try apply(
            AlertBook.routedRecordType,
            AlertBook.routedDraftData(through: 4, incidents: ["registry": "INC-11", "ci": "INC-12"]))
        return book
    }

    func alertsModel(columns: Int = 100, rows: Int = 30) throws -> ConsoleModel {
        var model = sampleModel(columns: columns, rows: rows)
        _ = ConsoleUpdate.update(&model, .alertsChanged(try Self.book(now: model.now)))
        press([.character("7")], &model)
        return model
    }

    @Test func theScreenShowsFiringFirstWithTheIncidentsTheyWentTo() throws {
        let model = try alertsModel()
        let frame = ConsoleView.render(model)
        let text = frame.text
        #expect(text.contains("Alerts  3 firing  1 acknowledged  1 resolved"))
        let lines = text.split(separator: "\n").map(String.init)
        let order = ["A-5", "A-2", "A-1", "A-3", "A-4"].map { id in lines.firstIndex { $0.hasPrefix("  " + id) } }
        #expect(
            order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(),
            "firing first, then acknowledged, then resolved; newest first within each")
        #expect(lines.contains { $0.hasPrefix("  A-3") && $0.contains("ACKNOWLEDGED") && $0.contains("INC-12") })
        #expect(lines.contains { $0.hasPrefix("  A-1") && $0.contains("FIRING") && $0.contains("INC-11") })
        #expect(!text.contains("\u{1B}"), "an alert's text never reaches the terminal as control sequences")
        if let mismatch = Snapshot.mismatch(frame, named: "alerts-100x30") { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test func enterOpensTheIncidentAndAcknowledgesIt() throws {
        var model = try alertsModel()
        // The selection starts on A-5 (no incident): enter says so, o shows its runbook link.
        #expect(press([.enter], &model).isEmpty && model.screen == .alerts)
        #expect(
            model.message?.text
                == "A-5 is on no incident: klaxon.yaml has no intake routes: alerts are only shown (d declares one for it)"
        )
        press([.character("o")], &model)
        #expect(model.message?.text == "A-5's runbook: https://wiki/disk")
        // A-2 (on INC-11), listed next with the firing ones: a acknowledges INC-11; enter opens it.
        press([.character("j")], &model)
        #expect(model.selectedAlert?.id == "A-2")
        #expect(press([.character("a")], &model) == [.perform(.acknowledge, incidentID: "INC-11")])
        press([.enter], &model)
        #expect(model.screen == .incident && model.currentIncidentID == "INC-11")
    }

    /// Walkthrough: `d` on the alerts screen declared an incident that did not carry the alert. It
    /// declares one for the selected alert (titled by it, its group put on the incident declared).
    @Test func declaringFromTheAlertsScreenIsForTheSelectedAlert() throws {
        var model = try alertsModel()
        #expect(model.selectedAlert?.id == "A-5")
        press([.character("d")], &model)
        guard case .form(let form)? = model.overlay else {
            Issue.record("no dialog: \(String(describing: model.overlay))")
            return
        }
        #expect(form.title == "Declare an incident for A-5")
        #expect(form.purpose == .declare(attaching: "A-5"))
        #expect(form.rawText(.title) == "disk: Build farm disk 95% \u{FFFD}[2J", "escapes never reach the title")
        let effects = press([.enter], &model)
        let expected = Declaration(
            title: "disk: Build farm disk 95% \u{FFFD}[2J", severity: .sev3, commander: model.user)
        #expect(effects == [.declareForAlert(expected, alert: "A-5")], "\(effects)")
        // For a service an open incident has (INC-12, registry), it asks first; d declares for the alert anyway.
        press([.character("d"), .tab, .tab] + type("registry") + [.enter], &model)
        guard case .confirm(.declareBeside(let open, let declaration, let alert))? = model.overlay else {
            Issue.record("no question: \(String(describing: model.overlay))")
            return
        }
        #expect(open.id == "INC-12" && alert == "A-5")
        #expect(press([.character("d")], &model) == [.declareForAlert(declaration, alert: "A-5")])
        // Elsewhere, `d` declares an incident for nothing.
        press([.character("1")], &model)
        press([.character("d")], &model)
        if case .form(let form)? = model.overlay {
            #expect(form.purpose == .declare(attaching: nil) && form.rawText(.title).isEmpty)
        }
    }

    /// An incident acknowledged, then paged again (by its policy, an ack timeout): nobody is on it now,
    /// so its alerts are firing, not "acknowledged" beside "INC-12 paging".
    @Test func anAcknowledgementBeforeARepageDoesNotMakeTheAlertsAcknowledged() throws {
        var model = try alertsModel()
        let ci = try #require(model.alertRows.first { $0.id == "A-3" })
        #expect(model.shown(ci) == .acknowledged, "INC-12 was acknowledged by bob")
        var repaged = IncidentFixture(
            id: "INC-12", title: "Artifact registry returns 503 on uploads", severity: .sev2, services: ["registry"],
            at: "2026-11-21T22:40:00Z")
        repaged.perform(.acknowledge, by: "bob")
        repaged.perform(.startEscalation(policy: "platform"), by: "carol")
        model.setIncident(repaged.incident, readOnly: false)
        #expect(model.shown(ci) == .firing)
    }

    /// Walkthrough: an alert waiting for an `attach` route's incident read "no route declared or
    /// attached one for it" (false: a route took it), inviting a needless `d`. It says what its route does.
    @Test func anAlertOnNoIncidentSaysWhatItsRouteDoes() throws {
        var model = try alertsModel()
        var attach = IntakeRoute()
        attach.match = ["severity": "error"]
        attach.service = "ci"
        attach.declaration = .attach
        model.alertRoutes = [
            {
                var none = IntakeRoute()
                none.match = ["severity": "critical"]
                return none
            }(), attach
        ]
        #expect(model.selectedAlert?.id == "A-5")
        press([.enter], &model)
        #expect(
            model.message?.text
                == "A-5 is on no incident: route 2 attaches it to an open incident of service ci: none is open; it attaches once one is (d declares one for it)"
        )
        #expect(
            ConsoleView.render(model).text.contains(
                "incident: none: route 2 attaches it to an open incident of service ci: none is open"))
        // `a` on it says the same, not "select an incident first".
        press([.character("a")], &model)
        #expect(model.message?.text.hasPrefix("A-5 is on no incident: route 2 attaches it") == true)
        model.alertRoutes = []
        press([.enter], &model)
        #expect(
            model.message?.text
                == "A-5 is on no incident: klaxon.yaml has no intake routes: alerts are only shown (d declares one for it)"
        )
    }

    @Test func beforeTheAlertsAreReadTheScreenSaysSoNotNone() {
        var model = sampleModel(columns: 100, rows: 30)
        press([.character("7")], &model)
        #expect(ConsoleView.render(model).text.contains("Alerts  not read yet"))
        _ = ConsoleUpdate.update(&model, .alertsChanged(AlertBook()))
        #expect(ConsoleView.render(model).text.contains("Alerts  none received"))
        #expect(ConsoleView.render(model).text.contains("No alerts received."))
    }
}

extension AlertsScreenTests {
    /// At 80×24 the source and the severity give way; the id, state, incident and the alert stay.
    @Test func atEightyByTwentyFourWhatMattersStays() throws {
        let frame = ConsoleView.render(try alertsModel(columns: 80, rows: 24))
        #expect(frame.text.contains("A-3 ACKNOWLEDGED"))
        if let mismatch = Snapshot.mismatch(frame, named: "alerts-80x24") { Issue.record(Comment(rawValue: mismatch)) }
    }
}

extension AlertsScreenTests {
    /// Walkthrough: the selection kept its row, not its alert: a new alert moved it onto another (and
    /// `a` would have acknowledged another incident).
    @Test func theSelectionStaysOnItsAlertAsOthersArrive() throws {
        var model = try alertsModel()
        press([.character("j")], &model)
        #expect(model.selectedAlert?.id == "A-2")
        var book = try Self.book(now: model.now)
        let record = JournalCodec.encode(
            RecordDraft(
                type: ReceivedAlerts.recordType,
                data: ReceivedAlerts.draftData([
                    ReceivedAlerts(
                        source: .alertmanager, token: "am", group: "new",
                        alerts: [.init(key: "n", status: .firing, labels: ["alertname": "New"], startsAt: model.now)])
                ]), timestamp: model.now, actor: "klaxon", host: "h", pid: 1),
            sequence: book.lastSequence + 1, previousHash: .genesis
        ).record
        _ = book.apply(record)
        _ = ConsoleUpdate.update(&model, .alertsChanged(book))
        #expect(model.alertRows.first?.id == "A-6", "the new alert is listed first")
        #expect(model.selectedAlert?.id == "A-2")
        #expect(press([.character("a")], &model) == [.perform(.acknowledge, incidentID: "INC-11")])
    }
}

/// A new user's walkthrough of the Alerts screen.
extension AlertsScreenTests {
    /// The sample book, then the PagerDuty alert A-5 acknowledged by its sender and its group routed to
    /// INC-11, which still pages (nobody acknowledged INC-11).
    func senderAckedModel(columns: Int = 100, rows: Int = 30) throws -> ConsoleModel {
        var model = try alertsModel(columns: columns, rows: rows)
        var book = try #require(model.alertBook)
        func append(_ type: String, _ data: JSONValue) {
            let record = JournalCodec.encode(
                RecordDraft(
                    type: type, data: data, timestamp: model.now.adding(seconds: -60), actor: "klaxon", host: "h",
                    pid: 1), sequence: book.lastSequence + 1, previousHash: .genesis
            ).record
            _ = book.apply(record)
        }
        append(
            ReceivedAlerts.recordType,
            ReceivedAlerts.draftData([
                ReceivedAlerts(
                    source: .pagerduty, token: "ci", group: nil,
                    alerts: [.init(key: "disk", status: .acknowledged, startsAt: model.now)])
            ]))
        append(
            AlertBook.routedRecordType,
            AlertBook.routedDraftData(through: book.lastSequence, incidents: ["pagerduty/ci/disk": "INC-11"]))
        let paging = EscalationEngine.Status(policy: "platform", state: .paging(step: 1, steps: 2, cycle: 1, cycles: 1))
        _ = ConsoleUpdate.update(
            &model, .escalationsChanged(["INC-11": paging], engine: .other("klaxon watch"), pageTargets: []))
        _ = ConsoleUpdate.update(&model, .alertsChanged(book))
        return model
    }

    /// Walkthrough: an alert its sender acknowledged (PagerDuty `acknowledge`) read "acknowledged" while its
    /// incident still paged: a responder takes that for "someone has it". It says "acked by sender", and
    /// each row says what its incident itself is doing.
    @Test func anAlertAckedByItsSenderIsNotShownAsSomeoneHavingIt() throws {
        let model = try senderAckedModel()
        let frame = ConsoleView.render(model)
        let lines = frame.text.split(separator: "\n").map(String.init)
        let a5 = try #require(lines.first { $0.hasPrefix("  A-5") })
        #expect(a5.contains("ACKED BY SENDER") && a5.contains("INC-11 paging"), "\(a5)")
        #expect(!a5.contains("ACKNOWLEDGED"))
        #expect(
            lines.contains {
                $0.hasPrefix("  A-3") && $0.contains("ACKNOWLEDGED") && $0.contains("INC-12 acked by bob")
            })
        #expect(frame.text.contains("2 firing  1 acked by sender  1 acknowledged  1 resolved"), "\(frame.text)")
        #expect(frame.text.contains("incident: INC-11 paging"), "the selected alert's detail says it too")
        if let mismatch = Snapshot.mismatch(frame, named: "alerts-sender-acked-100x30") {
            Issue.record(Comment(rawValue: mismatch))
        }
        // At 80 columns the incident's state stays (the severity and the source give way first).
        let narrow = ConsoleView.render(try senderAckedModel(columns: 80, rows: 24))
        #expect(narrow.text.contains("ACKED BY SENDER"))
        #expect(
            narrow.text.split(separator: "\n").contains { $0.hasPrefix("  A-5") && $0.contains("INC-11 paging") },
            "\(narrow.text)")
        #expect(narrow.text.contains("1 acked by sender  1 acked  1 resolved · last received 1m ago"), "\(narrow.text)")
        if let mismatch = Snapshot.mismatch(narrow, named: "alerts-sender-acked-80x24") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    /// Walkthrough: the screen looked the same whether alerts arrived or the intake had stopped. The heading
    /// says when the newest request was received (the sample's records are 2 minutes old).
    @Test func theHeadingSaysWhenAnAlertWasLastReceived() throws {
        var model = try alertsModel()
        #expect(ConsoleView.render(model).text.contains("1 resolved · last received 2m ago"))
        model.now = model.now.adding(seconds: 3 * 3600)
        #expect(ConsoleView.render(model).text.contains("last received 3h02m ago"))
        _ = ConsoleUpdate.update(&model, .alertsChanged(AlertBook()))
        let none = ConsoleView.render(model).text
        #expect(none.contains("Alerts  none received") && !none.contains("last received"))
    }

    /// Walkthrough: esc from an incident opened on the Alerts screen went to the dashboard; it goes back to
    /// the Alerts screen, on the same alert, as it goes back to whichever screen opened the incident.
    @Test func escFromAnIncidentGoesBackToTheScreenThatOpenedIt() throws {
        var model = try alertsModel()
        press([.character("j")], &model)
        #expect(model.selectedAlert?.id == "A-2")
        press([.enter], &model)
        #expect(model.screen == .incident && model.currentIncidentID == "INC-11")
        press([.escape], &model)
        #expect(model.screen == .alerts)
        #expect(model.selectedAlert?.id == "A-2")
        press([.escape], &model)
        #expect(model.screen == .dashboard)
        press([.enter, .escape], &model)
        #expect(model.screen == .dashboard, "from the dashboard, back to it")
        press([.character("3"), .character("2"), .escape], &model)
        #expect(model.screen == .status, "2 from the status board, esc back to it")
    }

    /// Walkthrough: the screen lists firing alerts first, then those acked by their sender (their incident
    /// may still page), then the acknowledged, then the resolved; newest first within each.
    @Test func firingFirstThenAckedBySenderThenAcknowledgedThenResolved() throws {
        let model = try senderAckedModel()
        #expect(model.alertRows.map(\.id) == ["A-2", "A-1", "A-5", "A-3", "A-4"])
    }
}
