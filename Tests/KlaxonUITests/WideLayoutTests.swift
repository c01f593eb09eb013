import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 26, point 11: at 200×60 the dashboard was the incident list and fifty blank rows, with the
/// status board, on call and a drill's pages in two lines at the bottom. From 160 columns they are
/// beside the incidents, each with its rows.
struct WideLayoutTests {
    @Test func aWideDashboardPutsTheBoardAndOnCallBesideTheIncidents() {
        let model = StatusBoardTests().boardModel(columns: 200, rows: 50)
        let frame = ConsoleView.render(model)
        let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let side = 128  // 200 less the panel's 72
        func panel(_ row: Int) -> String { String(lines[row].dropFirst(side)) }
        #expect(panel(2).contains("Status board (3)  3 checks · 1 down"), "\(frame.text)")
        // Failing first: the down check, then the unknown one, then the one that is up.
        #expect(panel(3).contains("registry-api") && panel(3).contains("DOWN"), "\(frame.text)")
        #expect(panel(4).contains("kube-apiserver") && panel(5).contains("ci-queue"), "\(frame.text)")
        #expect(lines.contains { $0.dropFirst(side).contains("On call (4)") })
        #expect(lines.contains { $0.dropFirst(side).contains("platform-primary  ") })
        #expect(lines.contains { $0.dropFirst(side).contains("then ") })
        // No two-line slots at the bottom; the incidents do not run into the panel.
        #expect(!lines[model.rows - 3].hasPrefix("  Status board"))
        for row in 2..<(model.rows - 1) {
            #expect(frame[row, side].character == "│", "row \(row): \(lines[row])")
        }
        // A click in the panel opens its screen, not the incident drawn at that height on the left.
        #expect(frame.click(row: 4, column: side + 10) == .key(.character("3")))
        #expect(frame.click(row: model.rows - 4, column: side + 10) == .key(.character("4")))
        #expect(frame.click(row: 4, column: 10) != .key(.character("3")))
        if let mismatch = Snapshot.mismatch(frame, named: "dashboard-wide-200x50") {
            Issue.record(Comment(rawValue: mismatch))
        }
        // Under 160 columns, the slots as before.
        let narrow = ConsoleView.render(StatusBoardTests().boardModel(columns: 159, rows: 50)).text
        #expect(narrow.contains("  Status board") && !narrow.contains("Status board (3)"))
    }

    @Test func aWideDrillListsEveryPageTheSinkReceived() {
        var model = EightyByTwentyFourTests.drillModel()
        _ = ConsoleUpdate.update(&model, .resize(columns: 180, rows: 40))
        var drill = model.drill!
        drill.pages.append(
            DrillStatus.SinkPage(
                at: model.now, user: "carol", incidentID: "INC-10234", title: "registry-api down",
                step: "platform step 2 of 2"))
        _ = ConsoleUpdate.update(&model, .drillChanged(drill))
        let text = ConsoleView.render(model).text
        #expect(text.contains("DRILL sink: no real person is paged"), "\(text)")
        #expect(text.contains("page to carol for INC-10234 (platform step 2 of 2)"), "\(text)")
        #expect(text.contains("page to bob for INC-10234 (platform step 1 of 2)"), "\(text)")
    }
}

/// Issue 26, point 11: at any width, the drill's sink list can be opened: `4` lists every page it received.
@Test func theDrillsSinkListOpensOnTheOnCallScreen() {
    var model = EightyByTwentyFourTests.drillModel()
    var drill = model.drill!
    drill.pages.append(
        DrillStatus.SinkPage(
            at: model.now, user: "carol", incidentID: "INC-10234", title: "registry-api down",
            step: "platform step 2 of 2"))
    _ = ConsoleUpdate.update(&model, .drillChanged(drill))
    #expect(ConsoleView.render(model).text.contains("DRILL sink (4): no real person is paged"))
    press([.character("4")], &model)
    let text = ConsoleView.render(model).text
    #expect(text.contains("DRILL sink: 2 pages received, no real person paged"), "\(text)")
    let carol = text.range(of: "page to carol for INC-10234 (platform step 2 of 2)")
    let bob = text.range(of: "page to bob for INC-10234 (platform step 1 of 2)")
    #expect(carol != nil && bob != nil && carol!.lowerBound < bob!.lowerBound, "\(text)")
}

/// Issue 26 (the walkthrough): with no incident, the dashboard's bottom line offers no key that acts on one.
@Test func anEmptyDashboardOffersNoIncidentKeys() {
    let empty = ConsoleModel(
        workspaceName: "forge-platform", user: "alice", readOnly: false, timeZone: TimeZone(identifier: "UTC")!,
        staleAfterSeconds: 1800, glyphs: .unicode, now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!,
        columns: 80, rows: 24)
    let bottom = ConsoleView.render(empty).text.split(separator: "\n", omittingEmptySubsequences: false)[23]
    #expect(bottom.hasPrefix("d declare · / search"), "\(bottom)")
    #expect(!bottom.contains("a ack") && !bottom.contains("n note"))
    let full = ConsoleView.render(sampleModel()).text.split(separator: "\n", omittingEmptySubsequences: false)[23]
    #expect(full.contains("a ack · n note"), "\(full)")
}
