import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

struct ConsoleSnapshotTests {
    func check(_ model: ConsoleModel, _ name: String) {
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: name) {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func dashboard(columns: Int, rows: Int) {
        check(sampleModel(columns: columns, rows: rows), "dashboard-\(columns)x\(rows)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func incidentScreen(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        press([.enter], &model)
        check(model, "incident-\(columns)x\(rows)")
    }

    @Test func incidentScrolledToTheTopInUTC() {
        var model = sampleModel()
        press([.enter, .character("g"), .character("j"), .character("u")], &model)
        check(model, "incident-top-utc-80x24")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func onCallScreen(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        press([.character("4")], &model)
        check(model, "oncall-\(columns)x\(rows)")
    }

    @Test func onCallScreenWithProblemsAndNobodyOnCall() {
        var model = sampleModel()
        model.onCall?.problems = ["Escalation/people.yaml:3:16: error: unknown time zone \"Mars/Olympus\""]
        model.onCall?.entries[0].users = []
        press([.character("4")], &model)
        check(model, "oncall-problems-80x24")
    }

    @Test func declareForm() {
        var model = sampleModel()
        press([.character("d")] + type("Runner fleet exhausted"), &model)
        check(model, "declare-80x24")
    }

    /// A console whose zone is UTC shows its clock once (the walkthrough saw `Sat 19:55 UTC · 19:55 UTC`);
    /// elsewhere the UTC clock follows the local one where there is room.
    @Test func theTopBarShowsTheClockOnceWhereLocalTimeIsUTC() {
        var utc = sampleModel(columns: 120, rows: 40)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let top = ConsoleView.render(utc).text(ofRow: 0)
        #expect(top.components(separatedBy: "09:30").count == 2, "\(top)")
        let berlin = ConsoleView.render(sampleModel(columns: 120, rows: 40)).text(ofRow: 0)
        #expect(berlin.contains(" · 09:30 UTC"), "\(berlin)")
    }

    /// Counts of one are singular: the walkthrough saw "1 records" in the timeline's title.
    @Test func aCountOfOneIsSingular() {
        var model = sampleModel(columns: 120, rows: 40)
        let lone = IncidentFixture(id: "INC-13", title: "Registry down", severity: .sev3, at: "2026-11-22T09:29:00Z")
        model.setIncident(lone.incident, readOnly: false)
        _ = ConsoleUpdate.update(
            &model, .checksConfigured([StatusBoardTests.check("registry-api", group: "Artifact registry")]))
        press([.character("1")], &model)
        #expect(ConsoleView.render(model).text.contains("1 check · "), "\(ConsoleView.render(model).text)")
        press([.character("3")], &model)
        #expect(ConsoleView.render(model).text.contains("  1 check"), "\(ConsoleView.render(model).text)")
        _ = ConsoleUpdate.update(&model, .declared("INC-13"))
        let heading = ConsoleView.render(model).text.split(separator: "\n").first { $0.contains("Timeline · ") } ?? ""
        #expect(heading.contains("· 1 record") && !heading.contains("1 records"), "\(heading)")
    }

    @Test func helpScreen() {
        var model = sampleModel()
        press([.character("?")], &model)
        check(model, "help-80x24")
    }

    @Test func asciiDrawingForANonUTF8Locale() {
        var model = sampleModel()
        model.glyphs = .ascii
        press([.character("r")], &model)
        check(model, "resolve-ascii-80x24")
    }

    @Test func tooSmall() {
        check(sampleModel(columns: 60, rows: 20), "too-small-60x20")
        // A split pane of 20×5 still says what to do, wrapped; 12×2 at least how to leave.
        check(sampleModel(columns: 20, rows: 5), "too-small-20x5")
        check(sampleModel(columns: 12, rows: 2), "too-small-12x2")
    }
}

/// Screen 6 over the report fixture's incidents, seen from 2026-11-23: the 30-day window holds all
/// eleven, the 90-day one also the two just outside the fixture's window.
struct ReportsScreenTests {
    func reportsModel(columns: Int = 80, rows: Int = 24) -> ConsoleModel {
        var model = ConsoleModel(
            workspaceName: "forge-platform", user: "alice", readOnly: false, timeZone: TimeZone(identifier: "UTC")!,
            staleAfterSeconds: 1800, glyphs: .unicode, now: Timestamp.parseRFC3339("2026-11-23T12:00:00Z")!,
            columns: columns, rows: rows)
        for fixture in ReportFixture.incidents() { model.setIncident(fixture.incident, readOnly: false) }
        press([.character("6")], &model)
        return model
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func reportsScreen(columns: Int, rows: Int) {
        let model = reportsModel(columns: columns, rows: rows)
        #expect(model.screen == .reports)
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: "reports-\(columns)x\(rows)") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func theScreenShowsTheReportsFiguresAndScrolls() {
        var model = reportsModel(columns: 120, rows: 40)
        let text = ConsoleView.render(model).text
        // 30 days back from 2026-11-23 12:00 reaches 2026-10-24: the fixture's 11, and INC-12 and 13
        // (both still open) too.
        #expect(text.contains("13, 5 open"))
        #expect(text.contains("bob 10 (acked 6)"))
        model = reportsModel()
        let before = ConsoleView.render(model).text
        #expect(before.contains("· more below: j") && !before.contains("carol 5"))
        press([.character("G")], &model)
        let after = ConsoleView.render(model).text
        #expect(
            after.contains("carol 5 (acked 5)") && after.contains("· k for the top") && !after.contains("more below"))
    }

    @Test func eExportsTheShownIncidentsReview() {
        var model = sampleModel()
        press([.enter], &model)
        let id = model.currentIncidentID!
        #expect(ConsoleUpdate.update(&model, .key(.character("e"))) == [.exportReview(incidentID: id)])
        var readOnly = sampleModel(readOnly: true)
        press([.enter], &readOnly)
        #expect(
            ConsoleUpdate.update(&readOnly, .key(.character("e"))) == [.exportReview(incidentID: id)],
            "it writes no journal")
    }
}

struct DrillScreenTests {
    @Test func aDrillIsMarkedOnTheTopBarAtAnyWidthAndItsSinkTakesTheOnCallSlot() {
        for columns in [80, 120] {
            var model = sampleModel(columns: columns)
            let page = DrillStatus.SinkPage(
                at: model.now, user: "bob", incidentID: "INC-12", title: "Registry", step: "platform step 1 of 2")
            _ = ConsoleUpdate.update(
                &model,
                .drillChanged(
                    DrillStatus(
                        scenario: "registry-503", title: "t", elapsedSeconds: 95, speed: 5,
                        recovered: false, pages: [page])))
            let frame = ConsoleView.render(model)
            let top = String(frame.text.split(separator: "\n")[0])
            #expect(top.contains("DRILL registry-503 1m ×5"), "\(columns): \(top)")
            #expect(frame.text.contains("DRILL sink (4): no real person is paged"))
            #expect(frame.text.contains("last: page to bob for INC-12"))
            #expect(
                frame.text.contains("DRILL sink: page to bob for INC-12 (platform step 1 of 2)"),
                "the arrival is announced")
        }
    }

    /// In UTC the top bar says UTC (Foundation abbreviates it "GMT"); London's winter stays GMT.
    @Test func theTopBarNamesUTCAsUTC() {
        var model = sampleModel(columns: 120, rows: 40)
        model.timeZone = TimeZone(identifier: "UTC")!
        #expect(
            ConsoleView.render(model).text(ofRow: 0).contains("09:30 UTC"),
            "\(ConsoleView.render(model).text(ofRow: 0))")
        model.timeZone = TimeZone(identifier: "Europe/London")!
        #expect(
            ConsoleView.render(model).text(ofRow: 0).contains("09:30 GMT"),
            "\(ConsoleView.render(model).text(ofRow: 0))")
    }
}
