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
            let draft = RecordDraft(type: type, data: data, timestamp: now, actor: "klaxon", host: "h", pid: 1)
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
        let order = ["A-5", "A-3", "A-2", "A-1", "A-4"].map { id in lines.firstIndex { $0.hasPrefix("  " + id) } }
        #expect(
            order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(),
            "newest first, resolved last")
        #expect(lines.contains { $0.hasPrefix("  A-3") && $0.contains("ACKNOWLEDGED") && $0.contains("INC-12") })
        #expect(lines.contains { $0.hasPrefix("  A-1") && $0.contains("FIRING") && $0.contains("INC-11") })
        #expect(!text.contains("\u{1B}"), "an alert's text never reaches the terminal as control sequences")
        if let mismatch = Snapshot.mismatch(frame, named: "alerts-100x30") { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test func enterOpensTheIncidentAndAcknowledgesIt() throws {
        var model = try alertsModel()
        // The selection starts on A-5 (no incident): enter says so, o shows its runbook link.
        #expect(press([.enter], &model).isEmpty && model.screen == .alerts)
        #expect(model.message?.text == "A-5 is on no incident: no route declared or attached one for it")
        press([.character("o")], &model)
        #expect(model.message?.text == "A-5's runbook: https://wiki/disk")
        // A-2 (on INC-11): a acknowledges INC-11; enter opens it.
        press([.character("j"), .character("j")], &model)
        #expect(model.selectedAlert?.id == "A-2")
        #expect(press([.character("a")], &model) == [.perform(.acknowledge, incidentID: "INC-11")])
        press([.enter], &model)
        #expect(model.screen == .incident && model.currentIncidentID == "INC-11")
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
        press([.character("j"), .character("j")], &model)
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
    /// Walkthrough: esc from an incident opened on the Alerts screen went to the dashboard; it goes back to
    /// the Alerts screen, on the same alert, as it goes back to whichever screen opened the incident.
    @Test func escFromAnIncidentGoesBackToTheScreenThatOpenedIt() throws {
        var model = try alertsModel()
        press([.character("j"), .character("j")], &model)
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
}
