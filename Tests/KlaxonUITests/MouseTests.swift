import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonUI
import Testing

/// SGR mouse reports decoded from bytes, and what a click or the wheel does in the console.
struct MouseDecodingTests {
    func report(_ body: String) -> [UInt8] { Array("\u{1B}[<\(body)".utf8) }

    /// Feeds `reads` as separate reads, `gap` milliseconds apart, then lets time pass.
    func decode(_ reads: [[UInt8]], gap: Int64 = 5) -> [UTF8InputDecoder.Input] {
        var decoder = UTF8InputDecoder()
        var time: Int64 = 1_000
        var out: [UTF8InputDecoder.Input] = []
        for read in reads {
            for byte in read { out += decoder.feed(byte) }
            out += decoder.endRead(at: Timestamp(milliseconds: time))
            time += gap
        }
        return out + decoder.endRead(at: Timestamp(milliseconds: time + 60_000))
    }

    @Test func pressesReleasesAndTheWheelDecodeWithCellsFromZero() {
        #expect(
            decode([report("0;10;5M")]) == [.mouse(MouseEvent(button: .left, pressed: true, row: 4, column: 9))])
        #expect(
            decode([report("0;10;5m")]) == [.mouse(MouseEvent(button: .left, pressed: false, row: 4, column: 9))])
        #expect(decode([report("64;1;1M")]) == [.mouse(MouseEvent(button: .wheelUp, pressed: true, row: 0, column: 0))])
        #expect(
            decode([report("65;200;60M")])
                == [.mouse(MouseEvent(button: .wheelDown, pressed: true, row: 59, column: 199))])
        // ctrl (16) and shift (4) held: still the left button; the right one is told apart.
        #expect(decode([report("20;3;4M")]) == [.mouse(MouseEvent(button: .left, pressed: true, row: 3, column: 2))])
        #expect(decode([report("2;3;4M")]) == [.mouse(MouseEvent(button: .right, pressed: true, row: 3, column: 2))])
    }

    @Test func reportsAmongTypedTextComeInOrder() {
        let bytes = Array("a".utf8) + report("0;2;3M") + Array("b".utf8) + report("0;2;3m") + [0x1B]
        #expect(
            decode([bytes]) == [
                .scalar("a"), .mouse(MouseEvent(button: .left, pressed: true, row: 2, column: 1)), .scalar("b"),
                .mouse(MouseEvent(button: .left, pressed: false, row: 2, column: 1)), .scalar("\u{1B}")
            ])
    }

    @Test func aReportSplitAcrossReadsStillDecodes() {
        let bytes = report("65;12;34M")
        for cut in 1..<bytes.count {
            #expect(
                decode([Array(bytes[..<cut]), Array(bytes[cut...])])
                    == [.mouse(MouseEvent(button: .wheelDown, pressed: true, row: 33, column: 11))], "cut at \(cut)")
        }
        // Byte by byte, as a slow link delivers it.
        #expect(decode(bytes.map { [$0] }).count == 1)
    }

    /// A report that goes wrong is dropped whole: its digits would otherwise be keys (`1` the dashboard).
    @Test func garbageIsDroppedNeverTyped() {
        // A letter inside: the report so far goes, the letter is read afresh.
        #expect(decode([report("0;1x")]) == [.scalar("x")])
        // Too few numbers, an empty number, a zero coordinate, a number too large.
        #expect(decode([report("0;5M") + Array("k".utf8)]) == [.scalar("k")])
        #expect(decode([report("0;;5M")]).isEmpty)
        #expect(decode([report("0;0;5M")]).isEmpty)
        #expect(decode([report("0;99999999999999999999;5M")]).isEmpty)
        // Far too long: dropped to its end, and what follows it counts.
        #expect(decode([report(String(repeating: "1", count: 60) + "M") + Array("z".utf8)]) == [.scalar("z")])
        // Cut short and nothing more comes: nothing is typed.
        #expect(decode([report("0;12")]).isEmpty)
        // ESC [ and something else is not a report: as before, those bytes are input.
        #expect(decode([Array("\u{1B}[x".utf8)]) == [.scalar("\u{1B}"), .scalar("["), .scalar("x")])
    }

    @Test func insideAPasteAReportIsPastedText() {
        let bytes = Array("\u{1B}[200~".utf8) + report("0;1;1M") + Array("\u{1B}[201~".utf8)
        #expect(decode([bytes]) == [.paste("\u{1B}[<0;1;1M", cut: false)])
    }
}

struct MouseUpdateTests {
    /// A left click at (`row`, `column`): the press and the release, as the terminal sends them.
    func click(row: Int, column: Int, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        let press = MouseEvent(button: .left, pressed: true, row: row, column: column)
        let release = MouseEvent(button: .left, pressed: false, row: row, column: column)
        return ConsoleUpdate.update(&model, .input([.mouse(press), .mouse(release)], at: Timestamp(milliseconds: 0)))
    }

    func wheel(down: Bool, _ model: inout ConsoleModel) {
        _ = ConsoleUpdate.update(
            &model, .key(.mouse(MouseEvent(button: down ? .wheelDown : .wheelUp, pressed: true, row: 10, column: 10))))
    }

    /// Where `text` is drawn on `row` of the model's screen.
    func column(of text: String, row: Int, _ model: ConsoleModel) -> Int? {
        let line = ConsoleView.render(model).text(ofRow: row)
        return line.range(of: text).map { line.distance(from: line.startIndex, to: $0.lowerBound) }
    }

    @Test func theDashboardSaysWhatEachRowAndHintMeans() {
        let frame = ConsoleView.render(sampleModel())
        #expect(frame.click(row: 4, column: 40) == .row(.openIncidents, 0))
        #expect(frame.click(row: 5, column: 0) == .row(.openIncidents, 1))
        #expect(frame.click(row: 6, column: 10) == nil)
        #expect(frame.click(row: 23, column: 0) == .key(.enter), "the hint `enter open`")
        #expect(frame.click(row: 23, column: 12) == nil, "the dot between two hints")
        #expect(frame.click(row: 23, column: 13) == .key(.character("d")), "the hint `d declare`")
        let status = ConsoleView.render(sampleModel()).text(ofRow: 21)
        #expect(status.contains("Status board"))
        #expect(frame.click(row: 21, column: 4) == .key(.character("3")))
        #expect(frame.click(row: 21, column: 60) == .key(.character("4")))
    }

    @Test func aClickSelectsARowAndASecondClickOpensIt() {
        var m = sampleModel()
        #expect(m.openSelection == 0)
        #expect(click(row: 5, column: 30, &m).isEmpty)
        #expect(m.screen == .dashboard && m.openSelection == 1)
        _ = click(row: 5, column: 30, &m)
        #expect(m.screen == .incident && m.currentIncidentID == m.openIncidents[1].id)
    }

    @Test func aClickInTheOtherPaneFocusesItBeforeOpening() {
        var m = sampleModel()
        let resolvedRow = (0..<m.rows).first { ConsoleView.render(m).text(ofRow: $0).contains("Resolved in the last") }!
        _ = click(row: resolvedRow + 2, column: 10, &m)
        #expect(m.dashboardPane == .resolved && m.resolvedSelection == 1 && m.screen == .dashboard)
        _ = click(row: resolvedRow + 2, column: 10, &m)
        #expect(m.screen == .incident && m.currentIncidentID == m.resolvedIncidents[1].id)
    }

    @Test func releasesOtherButtonsAndEmptyCellsDoNothing() {
        var m = sampleModel()
        _ = ConsoleUpdate.update(&m, .info("kept"))
        let before = m
        _ = ConsoleUpdate.update(&m, .key(.mouse(MouseEvent(button: .left, pressed: false, row: 5, column: 3))))
        _ = ConsoleUpdate.update(&m, .key(.mouse(MouseEvent(button: .right, pressed: true, row: 5, column: 3))))
        _ = click(row: 10, column: 3, &m)
        #expect(m.openSelection == before.openSelection && m.screen == .dashboard && m.message?.text == "kept")
    }

    @Test func theTopBarAndTheHintsSwitchScreens() throws {
        var m = sampleModel()
        let onCall = try #require(column(of: "on call: bob", row: 0, m))
        _ = click(row: 0, column: onCall + 3, &m)
        #expect(m.screen == .onCall)
        let open = try #require(column(of: "2 open", row: 0, m))
        _ = click(row: 0, column: open, &m)
        #expect(m.screen == .dashboard)
        // From the status board, whose hints end with `? help`.
        press([.character("3")], &m)
        let help = try #require(column(of: "? help", row: m.rows - 1, m))
        _ = click(row: m.rows - 1, column: help + 2, &m)
        #expect(helpScroll(m) == 0)
    }

    /// Every screen has the tab row under the top bar, with all eight screens even at 80 columns, the one
    /// shown picked out; a click on a tab opens its screen.
    @Test func aClickOnATabOpensItsScreen() throws {
        for columns in [80, 120] {
            var m = sampleModel(columns: columns, rows: 24)
            for screen in ConsoleModel.Screen.allCases.reversed() {
                let title = try #require(ConsoleView.tabs.first { $0.screen == screen }?.title)
                let tab = try #require(column(of: "\(screen.rawValue) \(title)", row: 1, m), "\(title) at \(columns)")
                _ = click(row: 1, column: tab + 2, &m)
                #expect(m.screen == screen, "\(title) at \(columns)")
                let frame = ConsoleView.render(m)
                let shown = try #require(column(of: "\(screen.rawValue) \(title)", row: 1, m))
                #expect(frame[1, shown].style == .selected && frame[1, shown + 2].style == .selected)
            }
        }
        // An incident's screen too, its title under the tabs.
        var m = sampleModel()
        press([.enter], &m)
        let frame = ConsoleView.render(m)
        #expect(m.screen == .incident && frame.text(ofRow: 1).hasPrefix(" 1 Dashboard 2 Incident"))
        #expect(frame.text(ofRow: IncidentLayout.headerTop).hasPrefix(" INC-12"))
        #expect(frame.click(row: 1, column: 3) == .key(.character("1")))
    }

    func helpScroll(_ model: ConsoleModel) -> Int? {
        if case .help(let scroll)? = model.overlay { scroll } else { nil }
    }

    /// The option chosen in the dialog's first field.
    func chosen(_ model: ConsoleModel) -> Int? {
        guard case .form(let form)? = model.overlay, case .choice(_, let selected) = form.fields[0].value else {
            return nil
        }
        return selected
    }

    @Test func aDialogTakesNoClicksButItsListScrollsWithTheWheel() {
        var m = sampleModel()
        press([.character("?")], &m)
        _ = click(row: 5, column: 10, &m)
        _ = click(row: 0, column: 30, &m)
        #expect(m.screen == .dashboard && m.openSelection == 0)
        wheel(down: true, &m)
        #expect(helpScroll(m) == 3)
        // A form's choice is not changed by a wheel turned over it (the arrows would change it).
        press([.escape, .character("s")], &m)
        let status = chosen(m)
        #expect(status != nil)
        wheel(down: true, &m)
        #expect(chosen(m) == status)
    }

    /// Where `text` is first drawn on the screen, as (row, column).
    func position(of text: String, _ model: ConsoleModel) -> (row: Int, column: Int)? {
        for row in 0..<model.rows {
            if let column = column(of: text, row: row, model) { return (row, column) }
        }
        return nil
    }

    @Test func aClickOnAPaletteRowRunsIt() throws {
        var m = sampleModel()
        press([.character(":")], &m)
        press(type("board"), &m)
        let row = try #require(position(of: "status board", m))
        _ = click(row: row.row, column: row.column + 1, &m)
        #expect(m.screen == .status && m.overlay == nil)
    }

    @Test func aDialogsOptionsFieldsAndAnswersTakeClicks() throws {
        var m = sampleModel()
        press([.enter, .character("s")], &m)  // the status picker of INC-12
        let before = try #require(chosen(m))
        let resolved = try #require(position(of: " resolved ", m))
        _ = click(row: resolved.row, column: resolved.column + 2, &m)
        let after = try #require(chosen(m))
        #expect(after != before && m.overlay != nil, "a first click chooses")
        let again = try #require(position(of: "[resolved]", m))
        let effects = click(row: again.row, column: again.column + 2, &m)
        #expect(m.overlay == nil && !effects.isEmpty, "a second click on the choice submits the picker")

        // The declare dialog: a severity chosen by a click, the title focused by one.
        m = sampleModel()
        press([.character("d")], &m)
        guard case .form(let declare)? = m.overlay else {
            Issue.record("no declare dialog")
            return
        }
        let severityField = try #require(declare.fields.firstIndex { $0.buffer == nil })
        let severityRow = try #require(position(of: "Severity: ", m)).row
        let sev1 = try #require(column(of: " SEV1 ", row: severityRow, m))
        _ = click(row: severityRow, column: sev1 + 2, &m)
        guard case .form(let chosenForm)? = m.overlay,
            case .choice(let options, let selected) = chosenForm.fields[severityField].value
        else {
            Issue.record("the declare dialog closed")
            return
        }
        #expect(options[selected].text == "SEV1" && chosenForm.focus == 0, "chosen, not submitted")
        press(type("Uploads fail 2x"), &m)
        guard case .form(let typed)? = m.overlay, case .choice(_, let still) = typed.fields[severityField].value
        else {
            Issue.record("the declare dialog closed")
            return
        }
        #expect(typed.rawText(.title) == "Uploads fail 2x" && options[still].text == "SEV1")
        let service = try #require(position(of: "Service: ", m))
        _ = click(row: service.row, column: service.column + 12, &m)
        guard case .form(let focused)? = m.overlay else {
            Issue.record("the declare dialog closed")
            return
        }
        #expect(focused.fields[focused.focus].key == .service)

        // A confirmation's answer is a button.
        m = sampleModel()
        press([.enter, .character("m")], &m)
        let yes = try #require(position(of: "y yes", m))
        let answered = click(row: yes.row, column: yes.column, &m)
        #expect(m.overlay == nil && !answered.isEmpty)
        // The click's release, in the same read, is no key typed as the dialog closed.
        #expect(
            m.typeAhead.ignored == 0 && m.message?.text.contains("ignored") != true, "\(String(describing: m.message))")
        press([.character(":")] + type("board"), &m)
        let palette = try #require(position(of: "status board", m))
        _ = click(row: palette.row, column: palette.column, &m)
        #expect(m.screen == .status && m.typeAhead.ignored == 0 && m.message?.text.contains("ignored") != true)
        // A key typed in the same read still is.
        press([.character(":")] + type("board"), &m)
        _ = ConsoleUpdate.update(
            &m,
            .input(
                [
                    .mouse(MouseEvent(button: .left, pressed: true, row: palette.row, column: palette.column)),
                    .character("x")
                ], at: Timestamp(milliseconds: 0)))
        #expect(m.typeAhead.ignored == 1)
    }

    @Test func theWheelMovesTheTimelineThreeRecords() {
        var m = sampleModel(columns: 120, rows: 40)
        press([.character("2")], &m)
        let count = m.visibleRecords.count
        #expect(m.timeline.cursor == nil && count > 4)
        wheel(down: false, &m)
        #expect(m.timeline.cursor == count - 1 - 3)
        wheel(down: true, &m)
        #expect(m.timeline.cursor == count - 1)
    }

    @Test func aClickOnATimelineRecordSelectsIt() throws {
        var m = sampleModel(columns: 120, rows: 40)
        press([.character("2")], &m)
        let frame = ConsoleView.render(m)
        let target = try #require(
            frame.clickTargets.first {
                if case .row(.timeline, let index) = $0.click { index < m.visibleRecords.count - 1 } else { false }
            })
        guard case .row(_, let index) = target.click else { return }
        _ = click(row: target.row, column: 5, &m)
        #expect(m.timeline.cursor == index && m.screen == .incident)
    }

    func runbookModel() -> ConsoleModel {
        var m = sampleModel(columns: 100, rows: 30)
        m.setRunbooks(
            sampleRunbooks() + [
                Runbook(
                    name: "clicks", path: "clicks.md",
                    document: MarkdownParser.parse(
                        (1...40).map { "Line \($0)." }.joined(separator: "\n\n")
                            + "\n\nSee [the queue](ci-queue-backed-up.md).\n\n- [ ] drain the node\n"))
            ])
        return m
    }

    @Test func theRunbookListClicksOpenAndTheWheelScrollsTheRunbook() throws {
        var m = runbookModel()
        press([.character("5")], &m)
        let row = try #require((4..<m.rows).first { ConsoleView.render(m).text(ofRow: $0).hasPrefix("  clicks ") })
        _ = click(row: row, column: 5, &m)
        #expect(m.runbookScreen.open == nil && m.listedRunbooks[m.runbookScreen.selection].name == "clicks")
        _ = click(row: row, column: 5, &m)
        #expect(m.runbookScreen.open?.name == "clicks" && m.runbookScreen.open?.top == 0)
        wheel(down: true, &m)
        wheel(down: true, &m)
        #expect(m.runbookScreen.open?.top == 6)
        wheel(down: false, &m)
        #expect(m.runbookScreen.open?.top == 3)
    }

    @Test func aClickOnALinkFollowsItAndOnAStepSelectsThenTicks() throws {
        var m = runbookModel()
        press([.character("5"), .character("/")] + type("clicks") + [.enter, .enter, .character("G")], &m)
        #expect(m.runbookScreen.open?.name == "clicks")
        var frame = ConsoleView.render(m)
        let targets = try #require(m.runbookScreen.open?.page.targets)
        let linkIndex = try #require(targets.indices.first { if case .link = targets[$0].kind { true } else { false } })
        let stepIndex = try #require(targets.indices.first { if case .step = targets[$0].kind { true } else { false } })
        // The step's words take the click as well as its box.
        let step = try #require(
            frame.clickTargets.filter { $0.click == .runbookTarget(stepIndex) }.max { $0.width < $1.width })
        #expect(step.width > 4, "more than the box")
        #expect(frame.click(row: step.row, column: step.column + step.width - 1) == .runbookTarget(stepIndex))
        // No incident to tick into: the step is selected by the first click, the second asks to tick.
        _ = click(row: step.row, column: step.column + step.width - 1, &m)
        #expect(m.runbookScreen.open?.selectedTarget == stepIndex && m.message == nil)
        _ = click(row: step.row, column: step.column + 6, &m)
        #expect(m.message != nil, "the tick was tried (and said why it records nothing)")
        frame = ConsoleView.render(m)
        let link = try #require(frame.clickTargets.first { $0.click == .runbookTarget(linkIndex) })
        _ = click(row: link.row, column: link.column + link.width - 1, &m)
        #expect(m.runbookScreen.open?.name == "ci-queue-backed-up")
        press([.character("H")], &m)
        #expect(m.runbookScreen.open?.name == "clicks")
    }

    @Test func aClickOnAScheduleSelectsTheOneTakeThePagerActsOn() throws {
        var m = sampleModel()
        press([.character("4")], &m)
        let office = try #require(position(of: "office-hours", m))
        _ = click(row: office.row, column: 40, &m)
        #expect(m.onCallSelection == 1 && m.screen == .onCall)
        _ = click(row: office.row, column: 40, &m)
        #expect(m.onCallSelection == 1 && m.overlay == nil, "a second click opens nothing")
    }

    /// The wheel scrolls the pane under the pointer, not the one in focus.
    @Test func theWheelScrollsThePaneUnderThePointer() throws {
        var m = sampleModel()
        let resolved = try #require(position(of: "INC-9 ", m))
        #expect(m.dashboardPane == .open)
        _ = ConsoleUpdate.update(
            &m, .key(.mouse(MouseEvent(button: .wheelDown, pressed: true, row: resolved.row, column: 20))))
        #expect(m.dashboardPane == .resolved && m.resolvedSelection == 1 && m.openSelection == 0)
        let open = try #require(position(of: "INC-11 ", m))
        _ = ConsoleUpdate.update(
            &m, .key(.mouse(MouseEvent(button: .wheelDown, pressed: true, row: open.row, column: 20))))
        #expect(m.dashboardPane == .open && m.openSelection == 1 && m.resolvedSelection == 1)
    }

    @Test func alertsAndChecksRowsAreClickable() {
        var m = sampleModel()
        press([.character("7")], &m)
        // No alerts in the sample: nothing to click, and nothing breaks.
        _ = click(row: 4, column: 4, &m)
        #expect(m.screen == .alerts && m.alertListSelection == 0)
    }
}
