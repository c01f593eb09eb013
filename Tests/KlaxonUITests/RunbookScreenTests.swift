import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonStore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// The console's runbook screen, driven through `ConsoleUpdate` with the sample workspace's runbooks.
struct RunbookScreenTests {
    func model(columns: Int = 100, rows: Int = 30) -> ConsoleModel {
        var model = sampleModel(columns: columns, rows: rows)
        _ = ConsoleUpdate.update(&model, .runbooksChanged(sampleRunbooks()))
        return model
    }

    /// Presses tab until the selected target is the link to `url`.
    func selectLink(_ url: String, _ model: inout ConsoleModel) {
        for _ in 0..<200 {
            press([.tab], &model)
            if let open = model.runbookScreen.open, let index = open.selectedTarget,
                case .link(url) = open.page.targets[index].kind
            {
                return
            }
        }
        Issue.record("no link to \(url)")
    }

    /// Presses tab until a checklist step is selected; returns its text.
    @discardableResult
    func selectStep(_ model: inout ConsoleModel) -> String? {
        for _ in 0..<200 {
            press([.tab], &model)
            if let open = model.runbookScreen.open, let index = open.selectedTarget,
                case .step(_, let text, _) = open.page.targets[index].kind
            {
                return text
            }
        }
        Issue.record("no step")
        return nil
    }

    /// The runbooks of the sample workspace (Runbooks/*.md), which the list shows.
    static let sampleRunbookCount =
        ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Runbooks")) ?? [])
        .filter { $0.hasSuffix(".md") }.count

    @Test func theListFindsFuzzilyAndOpens() {
        var m = model()
        press([.character("5")], &m)
        #expect(m.screen == .runbooks)
        #expect(m.listedRunbooks.count == Self.sampleRunbookCount)
        press([.character("/")] + type("tlsexp") + [.enter], &m)
        #expect(m.listedRunbooks.first?.name == "tls-cert-expiring")
        press([.enter], &m)
        #expect(m.runbookScreen.open?.name == "tls-cert-expiring")
        press([.escape], &m)
        #expect(m.runbookScreen.open == nil)
        press([.escape], &m)
        #expect(m.runbookScreen.filter.isEmpty)
    }

    @Test func theListNarrowsAsTheFindIsTypedBestMatchFirst() {
        var m = model()
        press([.character("5"), .character("/")], &m)
        press(type("r"), &m)
        let withR = m.listedRunbooks.count
        #expect(
            !m.listedRunbooks.contains { $0.name == "ci-queue-backed-up" } && withR < Self.sampleRunbookCount,
            "narrowed at the first character: ci-queue-backed-up has no r")
        press(type("fe"), &m)
        // Before enter: the initials of runner-fleet-exhausted beat letters scattered in registry-5xx's title.
        #expect(m.runbookScreen.filter == "rfe")
        #expect(m.listedRunbooks.first?.name == "runner-fleet-exhausted", "\(m.listedRunbooks.map(\.name))")
        #expect(!m.listedRunbooks.contains { $0.name == "k8s-api-slow" })
        press([.backspace, .backspace], &m)
        #expect(m.runbookScreen.filter == "r" && m.listedRunbooks.count == withR)
        press([.escape], &m)
        #expect(m.overlay == nil && m.runbookScreen.filter.isEmpty, "esc abandons the find")
        press([.character("/")] + type("prom") + [.enter], &m)
        #expect(
            m.overlay == nil && m.listedRunbooks.first?.name == "prometheus-down"
                && m.listedRunbooks.count < Self.sampleRunbookCount,
            "enter keeps what the find narrowed, best first: \(m.listedRunbooks.map(\.name))")
    }

    @Test func linksToOtherRunbooksAndAnchorsAreFollowedWithBackAndForward() {
        var m = model()
        press([.character("5")], &m)
        press([.character("/")] + type("tls") + [.enter, .enter], &m)
        // A link to another runbook at an anchor.
        selectLink("runner-fleet-exhausted.md#recycle-runners", &m)
        press([.enter], &m)
        let open = m.runbookScreen.open
        #expect(open?.name == "runner-fleet-exhausted")
        #expect(open.map { $0.page.lines[$0.top].text } == "Recycle runners")
        // Within it, a plain link to a third runbook.
        selectLink("ci-queue-backed-up.md", &m)
        press([.enter], &m)
        #expect(m.runbookScreen.open?.name == "ci-queue-backed-up")
        press([.character("H")], &m)
        #expect(m.runbookScreen.open?.name == "runner-fleet-exhausted")
        press([.backspace], &m)
        #expect(m.runbookScreen.open?.name == "tls-cert-expiring")
        press([.character("L"), .character("L")], &m)
        #expect(m.runbookScreen.open?.name == "ci-queue-backed-up")
        press([.character("L")], &m)
        #expect(m.message?.text == "nothing to go forward to")
    }

    @Test func anchorsInTheSameRunbookAndExternalURLs() {
        var m = model()
        press([.character("5"), .character("/")] + type("prometheus") + [.enter, .enter], &m)
        selectLink("#wal-replay", &m)
        press([.enter], &m)
        #expect(m.runbookScreen.open.map { $0.page.lines[$0.top].text } == "WAL replay")
        press([.character("H")], &m)
        #expect(
            m.runbookScreen.open?.top == 0 || m.runbookScreen.open.map { $0.page.lines[$0.top].text } != "WAL replay")
        // A URL is shown in full, never opened.
        var doc = model()
        doc.setRunbooks(
            sampleRunbooks() + [
                Runbook(
                    name: "links", path: "links.md",
                    document: MarkdownParser.parse(
                        "See [the dashboard](https://grafana.forge.internal/d/registry?var-pod=registry-0) and [secrets](../../etc/passwd.md) and [x](/etc/passwd)."
                    ))
            ])
        press([.character("5"), .character("/")] + type("links") + [.enter, .enter, .tab], &doc)
        let frame = ConsoleView.render(doc)
        #expect(
            frame.text(ofRow: doc.rows - 1).hasPrefix(
                "[1] https://grafana.forge.internal/d/registry?var-pod=registry-0"))
        press([.enter], &doc)
        #expect(
            doc.message?.text
                == "URL (copy it; Klaxon does not open a browser): https://grafana.forge.internal/d/registry?var-pod=registry-0"
        )
        #expect(doc.runbookScreen.open?.name == "links")
        press([.tab, .enter], &doc)
        #expect(doc.message?.text == "not opened: ../../etc/passwd.md is not a runbook inside Runbooks/")
        press([.tab, .enter], &doc)
        #expect(doc.message?.isError == true && doc.runbookScreen.open?.name == "links")
    }

    /// Web links on screen are handed to the terminal as hyperlinks, cell for cell where they were
    /// drawn; relative links, `file:` links and addresses with control characters are not, and an
    /// overlay drawn over a link takes its hyperlink away.
    @Test func webLinksOnScreenBecomeHyperlinksAndNothingElseDoes() {
        var m = model(columns: 80, rows: 24)
        m.setRunbooks(
            sampleRunbooks() + [
                Runbook(
                    name: "links", path: "links.md",
                    document: MarkdownParser.parse(
                        """
                        See [the registry dashboard](https://grafana.forge.internal/d/registry?var-pod=registry-0&from=now-6h) now,
                        [the other runbook](ci-queue-backed-up.md), [a file](file:///etc/passwd) and <https://evil.example/\u{1B}]0;x>.
                        Mail [the owner](mailto:oncall@forge.internal).
                        """))
            ])
        press([.character("5"), .character("/")] + type("links") + [.enter, .enter], &m)
        let frame = ConsoleView.render(m)
        var texts: [String: [String]] = [:]
        for link in frame.hyperlinks {
            texts[link.url, default: []].append(
                (link.column..<link.column + link.width).map { String(frame[link.row, $0].character) }.joined())
            #expect((link.column..<link.column + link.width).allSatisfy { frame[link.row, $0].style == .link })
        }
        // Each in the text, then in full in the links list at the end.
        let grafana = "https://grafana.forge.internal/d/registry?var-pod=registry-0&from=now-6h"
        #expect(
            texts == [
                grafana: ["the registry dashboard", grafana],
                "mailto:oncall@forge.internal": ["the owner", "mailto:oncall@forge.internal"]
            ])
        // The help covers some of the links: their hyperlinks go.
        press([.character("?")], &m)
        let covered = ConsoleView.render(m)
        #expect(covered.hyperlinks.count < frame.hyperlinks.count)
        for link in covered.hyperlinks {
            #expect((link.column..<link.column + link.width).allSatisfy { covered[link.row, $0].style == .link })
        }
    }

    @Test func contentsJumpsAndSearchFindsAndHighlights() {
        var m = model()
        press([.character("5"), .character("/")] + type("registry") + [.enter, .enter], &m)
        press([.character("T")], &m)
        guard case .tableOfContents? = m.overlay else {
            Issue.record("no contents")
            return
        }
        press([.character("j"), .character("j"), .enter], &m)
        let heading = m.runbookScreen.open!.page.headings[2]
        #expect(m.runbookScreen.open?.top == heading.line)
        press([.character("g"), .character("/")] + type("garbage") + [.enter], &m)
        let search = m.search
        #expect((search?.matches.count ?? 0) >= 2)
        let line = search!.matches[search!.current]
        #expect(m.runbookScreen.open!.page.lines[line].text.lowercased().contains("garbage"))
        press([.character("n")], &m)
        #expect(m.search?.current == 1)
        let frame = ConsoleView.render(m)
        let row = 4 + m.search!.matches[1] - m.runbookScreen.open!.top
        #expect((0..<m.columns).contains { frame[row, $0].style == .match })
    }

    @Test func tickingAStepRecordsItOnTheIncidentAndShowsItsTick() {
        var m = model()
        // On INC-12 (it links registry-5xx): o opens its runbook.
        press([.character("o")], &m)
        #expect(m.runbookScreen.open?.name == "registry-5xx")
        #expect(m.currentIncidentID == "INC-12")
        selectStep(&m)
        let open = m.runbookScreen.open!
        guard case .step(1, let text, false) = open.page.targets[open.selectedTarget!].kind else {
            Issue.record("expected the first step, got \(open.page.targets[open.selectedTarget!])")
            return
        }
        let effects = press([.character("x")], &m)
        #expect(
            effects == [
                .perform(.runbookStep(runbook: "registry-5xx", step: 1, text: text, done: true), incidentID: "INC-12")
            ])
        // The journal's answer comes back as the incident: the step shows ticked.
        var incident = m.currentIncident!
        incident.runbookSteps.append(
            .init(runbook: "registry-5xx", step: 1, text: text, done: true, by: "alice", at: m.now))
        _ = ConsoleUpdate.update(&m, .incidentChanged(incident, readOnly: false))
        #expect(m.runbookScreen.open!.page.lines.contains { $0.text.hasPrefix("• [x] Acknowledge the page") })
        #expect(ConsoleView.render(m).text(ofRow: 2).contains("INC-12: 1/"))
        // Unticking records done: false.
        #expect(
            press([.character(" ")], &m) == [
                .perform(.runbookStep(runbook: "registry-5xx", step: 1, text: text, done: false), incidentID: "INC-12")
            ])
    }

    @Test func ticksGoOnTheIncidentThatLinksTheRunbookWhenTheLastOpenedDoesNot() {
        var m = model()
        // Two open incidents and none opened yet: the one linking registry-5xx (INC-12) takes its ticks.
        press([.character("5"), .character("/")] + type("registry-5xx") + [.enter, .enter], &m)
        #expect(m.currentIncidentID == nil && m.checklistIncident(for: "registry-5xx")?.id == "INC-12")
        #expect(ConsoleView.render(m).text(ofRow: 2).contains("INC-12: 0/"))
        selectStep(&m)
        #expect(
            press([.character("x")], &m).first
                == .perform(
                    .runbookStep(
                        runbook: "registry-5xx", step: 1,
                        text:
                            "Acknowledge the page and declare an incident if one is not open: klaxon incident declare \"Registry returns 5xx\" --severity SEV3 --service registry",
                        done: true), incidentID: "INC-12"))
        // INC-11 opened last, but it does not link registry-5xx and INC-12 does.
        press([.character("1"), .character("j"), .enter], &m)
        #expect(m.currentIncidentID == "INC-11")
        #expect(m.checklistIncident(for: "registry-5xx")?.id == "INC-12")
        // A runbook no open incident links goes on the incident opened last; so does one it links itself.
        #expect(m.checklistIncident(for: "ci-queue-backed-up")?.id == "INC-11")
        var ci = m.currentIncident!
        ci.links.append(.init(kind: .runbook, target: "registry-5xx"))
        m.setIncident(ci, readOnly: false)
        #expect(m.checklistIncident(for: "registry-5xx")?.id == "INC-11")
    }

    /// A checklist of one step says "1 step" in the viewer's header, never "1 steps".
    @Test func aChecklistOfOneStepIsSingular() throws {
        var m = model(columns: 120, rows: 40)
        let one = Runbook(
            name: "restart", path: "Runbooks/restart.md",
            document: MarkdownParser.parse("# Restart\n\n- [ ] restart the registry\n"))
        _ = ConsoleUpdate.update(&m, .runbooksChanged([one]))
        press([.character("5"), .enter], &m)
        #expect(m.runbookScreen.open?.name == "restart")
        let header = ConsoleView.render(m).text(ofRow: 2)
        #expect(header.contains("/1 step ") || header.contains("1 step · open an incident to record it"), "\(header)")
        #expect(!header.contains("steps"), "\(header)")
    }

    @Test func withoutAnIncidentTicksAreRefusedAndReadOnlyRecordsNothing() {
        var m = model()
        for incident in m.openIncidents {
            var resolved = incident
            resolved.status = .resolved
            m.setIncident(resolved, readOnly: false)
        }
        press([.character("5"), .enter], &m)
        selectStep(&m)
        #expect(press([.character("x")], &m).isEmpty)
        #expect(m.message?.text.hasPrefix("open the incident to record steps on") == true)
        var readOnly = model()
        readOnly.readOnly = true
        press([.character("o")], &readOnly)
        selectStep(&readOnly)
        #expect(press([.character("x")], &readOnly).isEmpty)
        #expect(readOnly.message?.text == "read-only console: steps cannot be recorded")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func viewerSnapshots(columns: Int, rows: Int) {
        var m = model(columns: columns, rows: rows)
        press([.character("o"), .tab], &m)
        if let mismatch = Snapshot.mismatch(ConsoleView.render(m), named: "runbook-viewer-\(columns)x\(rows)") {
            Issue.record(Comment(rawValue: mismatch))
        }
        press([.escape], &m)
        if let mismatch = Snapshot.mismatch(ConsoleView.render(m), named: "runbook-list-\(columns)x\(rows)") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }
}
