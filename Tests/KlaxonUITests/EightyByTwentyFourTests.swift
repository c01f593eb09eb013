import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// The console at its advertised minimum, 80×24, in the middle of a drill: every screen and dialog as a
/// snapshot, and what must never be cut (who is on call, why a check is red, which incident a runbook's
/// steps go to, the selected option of a dialog, an export's file name, a five-digit id) checked by name.
struct EightyByTwentyFourTests {
    static let exportPath =
        "/home/dana/forge-platform/drill-runs/2026-11-22T093000Z-registry-503/reviews/INC-10234-20261122T093000Z.md"

    /// The sample console with the registry drill a minute and a half in: INC-10234 declared by the
    /// registry check and paging bob, INC-12 acknowledged, a board with a check down, one unknown (its
    /// alert source unreadable) and one degraded, each for a reason longer than the row.
    static func drillModel() -> ConsoleModel {
        var model = sampleModel(columns: 80, rows: 24)
        _ = ConsoleUpdate.update(&model, .runbooksChanged(sampleRunbooks()))
        var registry = IncidentFixture(
            id: "INC-10234", title: "registry-api down: HTTP 503 on uploads", severity: .sev1,
            services: ["registry"], commander: nil, by: "registry-api", at: "2026-11-22T09:10:00Z")
        registry.perform(.link("registry-5xx"), by: "registry-api", after: 1)
        registry.perform(.startEscalation(policy: "platform"), by: "registry-api", after: 1)
        model.setIncident(registry.incident, readOnly: false)

        let api = StatusBoardTests.check("registry-api", group: "Artifact registry", runbook: "registry-5xx")
        let pulls = StatusBoardTests.check("registry-pulls", group: "Artifact registry")
        var prometheus = StatusBoardTests.check("prometheus-alerts", group: "Observability")
        prometheus.kind = .prometheus
        let queue = StatusBoardTests.check("ci-queue", group: "CI/CD")
        _ = ConsoleUpdate.update(&model, .checksConfigured([api, pulls, prometheus, queue]))
        let start = model.now.adding(seconds: -600)
        for i in 0..<10 {
            _ = ConsoleUpdate.update(
                &model,
                .checkReported(
                    StatusBoardTests.report(
                        pulls, .up, .ok("HTTP 200"), latency: Double(60 + i * 9),
                        at: start.adding(seconds: Int64(i) * 60), since: start)))
        }
        _ = ConsoleUpdate.update(
            &model, .checkReported(StatusBoardTests.report(api, .up, .ok("HTTP 200"), latency: 80, at: start)))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                StatusBoardTests.report(
                    api, .down, .failed("HTTP 503 Service Unavailable: blob store on registry-2 is full"), latency: 11,
                    at: model.now.adding(seconds: -5),
                    since: model.now.adding(seconds: -1200))))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                StatusBoardTests.report(
                    prometheus, .unknown,
                    .unknown("source unreachable: Failed to connect to 127.0.0.1 port 9090: Connection refused"),
                    latency: nil,
                    at: model.now.adding(seconds: -3))))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                StatusBoardTests.report(
                    queue, .degraded, .degraded("oldest job waiting 14m, above 10m"), latency: 140,
                    at: model.now.adding(seconds: -9))))

        let paging = EscalationEngine.Status(
            policy: "platform", state: .paging(step: 1, steps: 2, cycle: 1, cycles: 1),
            nextStepAt: model.now.adding(seconds: 291))
        let acked = EscalationEngine.Status(policy: "platform", state: .acknowledged(by: "bob", repageAt: nil))
        let targets =
            ["platform", "registry", "observability"].map(PageTarget.policy)
            + ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"].map(PageTarget.person)
        _ = ConsoleUpdate.update(
            &model,
            .escalationsChanged(["INC-10234": paging, "INC-12": acked], engine: .thisConsole, pageTargets: targets))
        let page = DrillStatus.SinkPage(
            at: model.now, user: "bob", incidentID: "INC-10234", title: "registry-api down",
            step: "platform step 1 of 2")
        _ = ConsoleUpdate.update(
            &model,
            .drillChanged(
                DrillStatus(
                    scenario: "registry-503", title: "The artifact registry returns 503",
                    elapsedSeconds: 95, speed: 5, recovered: false, pages: [page])))
        _ = ConsoleUpdate.update(&model, .info("ready"))
        model.message = nil
        return model
    }

    /// Each screen and dialog of the drill, reached by keys as a responder would.
    static let states: [(String, [Key])] = [
        ("dashboard", []),
        ("incident", [.enter]),
        ("status", [.character("3")]),
        ("check-detail", [.character("3"), .enter]),
        ("oncall", [.character("4")]),
        ("runbook", [.enter, .character("o")]),
        ("reports", [.character("6")]),
        ("help", [.character("?")]),
        ("declare", [.character("d")] + "Runner fleet exhausted".map { Key.character($0) }),
        ("page", [.enter, .character("P")] + Array(repeating: Key.character("j"), count: 10)),
        ("filter", [.character("j"), .enter, .character("f")] + Array(repeating: Key.character("k"), count: 2)),
        ("resolve", [.enter, .character("r")]),
        ("stop-escalation", [.enter, .character("X")]),
        ("quit", [.character("q")]),
        ("incident-quit", [.enter, .character("q")])
    ]

    static func model(after keys: [Key]) -> ConsoleModel {
        var model = drillModel()
        press(keys, &model)
        return model
    }

    @Test(arguments: states.map(\.0))
    func everyScreenAndDialogInADrill(name: String) throws {
        let keys = try #require(Self.states.first { $0.0 == name }).1
        if let mismatch = Snapshot.mismatch(ConsoleView.render(Self.model(after: keys)), named: "drill-\(name)-80x24") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func anExportedReviewsPathLosesItsMiddleNotItsName() {
        var model = Self.model(after: [.enter])
        _ = ConsoleUpdate.update(&model, .reviewWritten(incidentID: "INC-10234", path: Self.exportPath, warnings: []))
        let frame = ConsoleView.render(model)
        let bottom = frame.text(ofRow: 23)
        #expect(bottom.hasPrefix("review of INC-10234 written to /home/dana/"), "\(bottom)")
        #expect(bottom.trimmingCharacters(in: .whitespaces).hasSuffix("/INC-10234-20261122T093000Z.md"), "\(bottom)")
        #expect(bottom.contains("…"))
        if let mismatch = Snapshot.mismatch(frame, named: "drill-export-80x24") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    /// The things that were cut at 80×24, each by name.
    @Test func nothingEssentialIsCut() throws {
        let dashboard = ConsoleView.render(Self.model(after: []))
        #expect(dashboard.text(ofRow: 0).contains("on call: bob"), "\(dashboard.text(ofRow: 0))")
        #expect(dashboard.text(ofRow: 0).contains("DRILL registry-503"))
        #expect(dashboard.text.contains("INC-10234 SEV1"), "\(dashboard.text)")

        let board = ConsoleView.render(Self.model(after: [.character("3")]))
        for reason in ["HTTP 503 Service Unavailable", "source unreachable", "oldest job waiting 14m"] {
            #expect(board.text.contains(reason), "\(reason): \(board.text)")
        }

        let runbook = ConsoleView.render(Self.model(after: [.enter, .character("o")]))
        #expect(runbook.text(ofRow: 2).contains("INC-10234: 0/"), "\(runbook.text(ofRow: 2))")

        var nobody = Self.model(after: [.enter])
        _ = ConsoleUpdate.update(
            &nobody, .escalationsChanged(nobody.escalations, engine: .nobody, pageTargets: nobody.pageTargets))
        #expect(
            ConsoleView.render(nobody).text(ofRow: IncidentLayout.headerTop + 2).hasPrefix(
                " NOT SENT (no klaxon watch or console runs the engine)"))
        // While the journal store does not answer, no engine pages, and who holds it cannot be asked: that
        // is the reason given, whoever held it last (the walkthrough saw "no klaxon watch or console runs the
        // engine" with two running).
        for engine in [EscalationEngineHolder.nobody, .thisConsole, .other("klaxon watch on build-02")] {
            var outage = Self.model(after: [.enter])
            _ = ConsoleUpdate.update(
                &outage, .escalationsChanged(outage.escalations, engine: engine, pageTargets: outage.pageTargets))
            _ = ConsoleUpdate.update(
                &outage, .storeUnreachable(since: outage.now, reason: "PostgreSQL at db:5432: connection refused"))
            #expect(
                ConsoleView.render(outage).text(ofRow: IncidentLayout.headerTop + 2).hasPrefix(
                    " NOT SENT (the journal store does not answer"),
                "\(engine): \(ConsoleView.render(outage).text(ofRow: IncidentLayout.headerTop + 2))")
        }

        // Every cut text ends with `…`: no row of any screen ends in the middle of a word at the edge.
        for (name, keys) in Self.states {
            let frame = ConsoleView.render(Self.model(after: keys))
            for row in 0..<frame.rows {
                let text = frame.text(ofRow: row)
                #expect(
                    !(text.last!.isLetter && text.dropLast().last!.isLetter),
                    "\(name) row \(row) runs off the edge: \(text)")
            }
        }
    }

    /// The page and filter dialogs scroll to keep the selected option in their box.
    @Test func aLongChoiceScrollsWithinItsBox() throws {
        for (keys, selected) in [
            ([Key.enter, .character("P")] + Array(repeating: .character("j"), count: 10), "[user:heidi]"),
            ([.character("j"), .enter, .character("f"), .character("k")], "[link]")
        ] {
            let model = Self.model(after: keys)
            let frame = ConsoleView.render(model)
            let row = try #require(
                (0..<frame.rows).first { frame.text(ofRow: $0).contains(selected) }, "\(selected): \(frame.text)")
            let line = frame.text(ofRow: row)
            // Inside the box: between its two borders.
            let borders = line.indices.filter { line[$0] == "│" }
            let at = try #require(line.range(of: selected)).lowerBound
            #expect(borders.count == 2 && borders[0] < at && at < borders[1], "\(line)")
        }
    }

    /// The selected row keeps its state's colour: the DOWN row of the board, the SEV1 and STALE of the
    /// dashboard are drawn in the selected variant of their style, not plain reverse video.
    @Test func theSelectedRowKeepsItsColour() throws {
        let board = ConsoleView.render(Self.model(after: [.character("3")]))
        let downRow = try #require(
            (0..<board.rows).first {
                board.text(ofRow: $0).contains("registry-api ") && board.text(ofRow: $0).contains("DOWN")
            })
        let down = try #require(board.text(ofRow: downRow).range(of: "DOWN")).lowerBound.utf16Offset(
            in: board.text(ofRow: downRow))
        #expect(board[downRow, down].style == .selectedCritical)
        #expect(board[downRow, 2].style == .selected)
        let unknownRow = try #require((0..<board.rows).first { board.text(ofRow: $0).contains("UNKNOWN") })
        let unknown = try #require(board.text(ofRow: unknownRow).range(of: "UNKNOWN")).lowerBound.utf16Offset(
            in: board.text(ofRow: unknownRow))
        #expect(board[unknownRow, unknown].style == .blind)

        var model = Self.model(after: [.character("j")])
        let dashboard = ConsoleView.render(model)
        let row = try #require((0..<dashboard.rows).first { dashboard.text(ofRow: $0).contains("INC-12 ") })
        let text = dashboard.text(ofRow: row)
        #expect(
            dashboard[row, try #require(text.range(of: "SEV1")).lowerBound.utf16Offset(in: text)].style
                == .selectedCritical)
        #expect(
            dashboard[row, try #require(text.range(of: "STALE")).lowerBound.utf16Offset(in: text)].style
                == .selectedStale)
        press([.character("k")], &model)
        #expect(model.openSelection == 0)
    }
}

extension EightyByTwentyFourTests {
    /// Walkthrough: a dialog left the screen's rows beside it showing (at 80×24 the quit dialog over an
    /// incident had a `…` right of its border, read as part of it): the rows a dialog covers show the
    /// dialog alone.
    @Test(arguments: ["quit", "incident-quit", "declare", "page", "filter", "resolve", "stop-escalation"])
    func aDialogsRowsShowNothingBesideIt(name: String) throws {
        let keys = try #require(Self.states.first { $0.0 == name }).1
        let lines = ConsoleView.render(Self.model(after: keys)).text.split(separator: "\n").prefix(24)
            .map { Array($0) }
        let top = try #require(lines.firstIndex { $0.contains("┌") })
        let bottom = try #require(lines.firstIndex { $0.contains("┘") })
        for line in lines[top...bottom] {
            let left = try #require(line.firstIndex { "┌│└".contains($0) })
            let right = try #require(line.lastIndex { "┐│┘".contains($0) })
            #expect(
                line[..<left].allSatisfy { $0 == " " } && line[(right + 1)...].allSatisfy { $0 == " " },
                "\(String(line))")
        }
    }
}
