import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonTestSupport
import Testing

@testable import KlaxonUI

/// Page down moves a list's selection by as many rows as the view shows: it lands on the first row that
/// was not on screen, and that row is then drawn. The rows are counted on the drawn frame, not taken
/// from `ScreenGeometry`, so a view and the paging keys that disagree fail here.
struct ScreenGeometryTests {
    static let sizes = [(80, 24), (200, 60)]

    /// The rows of `frame` whose text contains one of `names`, and which names those are.
    static func shown(_ names: [String], in frame: Frame) -> [String] {
        (0..<frame.rows).compactMap { row in
            let text = frame.text(ofRow: row)
            return names.first { text.contains($0) }
        }
    }

    /// Checks that page down from the top selects the first row not shown, and that it is then shown.
    static func expectPageDownShowsTheNextRow(
        _ model: inout ConsoleModel, names: [String], selection: (ConsoleModel) -> Int,
        _ place: String
    ) {
        let before = shown(names, in: ConsoleView.render(model))
        #expect(
            !before.isEmpty && before.count < names.count,
            "\(place): the list should fill the screen and go on: \(before.count)")
        #expect(Array(before) == Array(names.prefix(before.count)), "\(place): shown from the top")
        press([.pageDown], &model)
        #expect(
            selection(model) == before.count,
            "\(place): \(before.count) rows shown, page down moved to \(selection(model))")
        let after = shown(names, in: ConsoleView.render(model))
        #expect(after.contains(names[min(names.count - 1, selection(model))]), "\(place): the selected row is drawn")
    }

    @Test(arguments: sizes) func dashboardOpenIncidents(columns: Int, rows: Int) {
        var model = ConsoleModel(
            workspaceName: "w", user: "alice", readOnly: false, timeZone: TimeZone(identifier: "UTC")!,
            staleAfterSeconds: 1800, glyphs: .unicode, now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!,
            columns: columns, rows: rows)
        // All SEV2, declared a minute apart: the newest is listed first.
        let ids = (1...90).map { "INC-\(1000 + $0)" }
        for (i, id) in ids.enumerated() {
            let at = Timestamp.parseRFC3339("2026-11-22T08:00:00Z")!.adding(seconds: Int64(i) * 60)
            model.setIncident(
                IncidentFixture(id: id, declaration: Declaration(title: "Incident \(id)", severity: .sev2), at: at)
                    .incident, readOnly: false)
        }
        Self.expectPageDownShowsTheNextRow(
            &model, names: ids.reversed().map { $0 + " " }, selection: \.openSelection, "dashboard \(columns)x\(rows)")
    }

    /// The recently resolved get the rows the open incidents leave empty: on a tall terminal with two
    /// open incidents they fill the screen, and page down moves by what is drawn. (Before: five rows
    /// under 30 empty ones.)
    @Test(arguments: sizes) func dashboardResolvedIncidents(columns: Int, rows: Int) {
        var model = ConsoleModel(
            workspaceName: "w", user: "alice", readOnly: false, timeZone: TimeZone(identifier: "UTC")!,
            staleAfterSeconds: 1800, glyphs: .unicode, now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!,
            columns: columns, rows: rows)
        for i in 1...2 {
            let at = Timestamp.parseRFC3339("2026-11-22T09:00:00Z")!.adding(seconds: Int64(i) * 60)
            let declaration = Declaration(title: "Open \(i)", severity: .sev2)
            model.setIncident(
                IncidentFixture(id: "INC-\(900 + i)", declaration: declaration, at: at).incident, readOnly: false)
        }
        // Resolved a minute apart: the newest is listed first.
        let ids = (1...90).map { "INC-\(1000 + $0)" }
        for (i, id) in ids.enumerated() {
            let at = Timestamp.parseRFC3339("2026-11-20T08:00:00Z")!.adding(seconds: Int64(i) * 60)
            var fixture = IncidentFixture(
                id: id, declaration: Declaration(title: "Done \(id)", severity: .sev3), at: at)
            fixture.perform(.resolve(summary: nil))
            model.setIncident(fixture.incident, readOnly: false)
        }
        press([.tab], &model)
        let drawn = Self.shown(ids.reversed().map { $0 + " " }, in: ConsoleView.render(model)).count
        // With a side panel (160 columns and more) the two slot rows at the bottom are the lists' too.
        let free = ScreenGeometry(model).bottom - 1 - 7 - (ScreenGeometry(model).sidePanelColumn == nil ? 2 : 0)
        #expect(drawn == max(5, free), "\(columns)x\(rows): \(drawn) resolved drawn, \(free) rows free")
        Self.expectPageDownShowsTheNextRow(
            &model, names: ids.reversed().map { $0 + " " }, selection: \.resolvedSelection,
            "resolved \(columns)x\(rows)")
    }

    @Test(arguments: sizes) func runbookList(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        let names = (1...90).map { String(format: "book-%03d", $0) }
        model.setRunbooks(
            names.map { Runbook(name: $0, path: "Runbooks/\($0).md", document: MarkdownParser.parse("# \($0)\n")) })
        press([.character("5")], &model)
        Self.expectPageDownShowsTheNextRow(
            &model, names: names, selection: \.runbookScreen.selection, "runbook list \(columns)x\(rows)")
    }

    @Test(arguments: sizes) func statusBoard(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        let names = (1...90).map { String(format: "check-%03d", $0) }
        model.setChecks(
            names.map { CheckDefinition(name: $0, group: "ci", url: "https://\($0).forge.internal/healthz") })
        press([.character("3")], &model)
        // The board keeps rows below its list for group headings: page down moves by the list's rows,
        // never past a row that was not drawn.
        let before = Self.shown(names, in: ConsoleView.render(model)).count
        press([.pageDown], &model)
        let page = ScreenGeometry(model).statusBoardRows(problems: 0)
        #expect(
            model.checkSelection == page && page <= before,
            "\(columns)x\(rows): \(before) drawn, moved by \(model.checkSelection)")
        #expect(Self.shown(names, in: ConsoleView.render(model)).contains(names[model.checkSelection]))
    }

    @Test(arguments: sizes) func incidentActionItems(columns: Int, rows: Int) {
        var fixture = IncidentFixture(id: "INC-12", title: "Registry", at: "2026-11-22T08:00:00Z")
        let items = (1...40).map { "item-\($0)-todo" }
        for item in items { fixture.perform(.addActionItem(text: item, owner: nil)) }
        var model = sampleModel(columns: columns, rows: rows)
        model.setIncident(fixture.incident, readOnly: false)
        ConsoleUpdate.open("INC-12", &model)
        press([.tab], &model)
        Self.expectPageDownShowsTheNextRow(
            &model, names: items.indices.map { "[ ] \($0 + 1). \(items[$0])" },
            selection: \.timeline.actionItemSelection,
            "action items \(columns)x\(rows)")
    }

    /// The links scroll as the action items do: page down lands on the first link not drawn, and the
    /// selected link is always drawn. (The timeline shows the same texts: only the panel's rows count.)
    @Test(arguments: sizes) func incidentLinks(columns: Int, rows: Int) {
        var fixture = IncidentFixture(id: "INC-12", title: "Registry", at: "2026-11-22T08:00:00Z")
        let links = (1...40).map { String(format: "https://w/l-%02d", $0) }
        for link in links { fixture.perform(.link(link)) }
        var model = sampleModel(columns: columns, rows: rows)
        model.setIncident(fixture.incident, readOnly: false)
        ConsoleUpdate.open("INC-12", &model)
        press([.tab, .tab], &model)
        func panelLinks() -> [String] {
            let frame = ConsoleView.render(model)
            guard let heading = (0..<frame.rows).first(where: { frame.text(ofRow: $0).contains("Links (40)") }) else {
                return []
            }
            let headingText = frame.text(ofRow: heading)
            let column = headingText.distance(
                from: headingText.startIndex, to: headingText.range(of: "Links (40)")!.lowerBound)
            // Below the heading, from its column: beside a timeline that shows the same texts.
            return (heading + 1..<frame.rows).compactMap { row in
                let panel = String(frame.text(ofRow: row).dropFirst(max(0, column - 2)))
                return links.first { panel.contains($0) }
            }
        }
        let place = "links \(columns)x\(rows)"
        let before = panelLinks()
        #expect(
            !before.isEmpty && before.count < links.count && before == Array(links.prefix(before.count)),
            "\(place): \(before)")
        press([.pageDown], &model)
        #expect(
            model.timeline.linkSelection == before.count,
            "\(place): \(before.count) drawn, page down moved to \(model.timeline.linkSelection)")
        #expect(panelLinks().contains(links[model.timeline.linkSelection]), "\(place): the selected link is drawn")
        press([.end], &model)
        #expect(model.timeline.linkSelection == links.count - 1)
        #expect(panelLinks().last == links.last, "\(place): the last link drawn once selected")
    }
}

/// At 80×24, open incidents that do not fit take rows from the resolved list, which keeps two.
@Test func openIncidentsThatOverflowWinTheDashboardsRows() {
    let model = sampleModel()
    let crowded = ScreenGeometry(model).dashboard(open: 17, resolved: 5)
    #expect(crowded.resolvedRows == 2 && crowded.openRows == 12, "\(crowded)")
    // Few open: the resolved list keeps its five.
    let calm = ScreenGeometry(model).dashboard(open: 2, resolved: 5)
    #expect(calm.resolvedRows == 5)
}
