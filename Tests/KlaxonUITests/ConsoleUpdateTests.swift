import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

struct ConsoleUpdateTests {
    @Test func declaresInAtMostFiveKeystrokesBeyondTheTitle() {
        var model = sampleModel()
        let effects = press(
            [.character("d")] + type("Runner fleet exhausted") + [.tab, .character("1"), .tab] + type("fleet") + [
                .enter
            ], &model)
        #expect(
            effects == [
                .declare(
                    Declaration(
                        title: "Runner fleet exhausted", severity: .sev1, services: ["fleet"], commander: "alice"))
            ])
        #expect(model.overlay == nil)
        // With the default severity: d, title, enter.
        var quick = sampleModel()
        #expect(
            press([.character("d")] + type("x") + [.enter], &quick) == [
                .declare(Declaration(title: "x", severity: .sev3, commander: "alice"))
            ])
        // And the console opens the new incident once it exists.
        _ = ConsoleUpdate.update(&quick, .declared("INC-12"))
        #expect(quick.screen == .incident && quick.currentIncidentID == "INC-12")
    }

    /// The walkthrough's "type its title and press enter" paged by the first policy alphabetically: the
    /// dialog now starts at none, says what each choice does, and pages only by the one chosen.
    @Test func declaringPagesNobodyUnlessAPolicyIsChosen() {
        var model = sampleModel()
        model.pageTargets = [.policy("dup"), .policy("platform"), .person("alice")]
        press([.character("d")] + type("Registry returns 503"), &model)
        let dialog = ConsoleView.render(model).text
        #expect(dialog.contains("Page by: [none]  dup   platform"), "\(dialog)")
        #expect(dialog.contains("none: pages nobody (P pages a person or a policy later)"), "\(dialog)")
        #expect(
            press([.enter], &model) == [
                .declare(Declaration(title: "Registry returns 503", severity: .sev3, commander: "alice"))
            ])
        // Chosen: the line under the choice says what it does, and the declaration pages by it.
        press(
            [.character("d")] + type("Registry returns 503") + [.tab, .tab, .tab, .character("j"), .character("j")],
            &model)
        #expect(
            ConsoleView.render(model).text.contains("platform: pages now, step by step, until someone acknowledges"))
        #expect(
            press([.enter], &model) == [
                .declare(
                    Declaration(title: "Registry returns 503", severity: .sev3, commander: "alice", policy: "platform"))
            ])
    }

    /// A resolved incident lasted; only an open one is running.
    @Test func aResolvedIncidentSaysHowLongItLasted() throws {
        var model = sampleModel()
        let resolved = try #require(model.resolvedIncidents.first)
        model.currentIncidentID = resolved.id
        press([.character("2")], &model)
        let header = ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 1)
        #expect(header.hasPrefix(" lasted 45m · "), "\(header)")
        model.currentIncidentID = try #require(model.openIncidents.first).id
        #expect(ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 1).hasPrefix(" running "))
    }

    /// Before declaring, "none: pages nobody" is red once the severity is SEV1 or SEV2, dim below.
    @Test func theDeclareDialogWarnsInRedThatASeriousIncidentPagesNobody() throws {
        var model = sampleModel()
        model.pageTargets = [.policy("platform")]
        func noteStyle() throws -> Style {
            let frame = ConsoleView.render(model)
            let row = try #require((0..<model.rows).first { frame.text(ofRow: $0).contains("none: ") })
            let column = try #require(frame.text(ofRow: row).range(of: "none: ")).lowerBound
                .utf16Offset(in: frame.text(ofRow: row))
            return frame[row, column].style
        }
        func says(_ text: String) -> Bool { ConsoleView.render(model).text.contains(text) }
        press([.character("d")] + type("Registry down"), &model)
        #expect(try noteStyle() == .dim, "SEV3 by default")
        #expect(says("none: pages nobody (P pages a person or a policy later)"))
        press([.tab, .character("2")], &model)
        #expect(try noteStyle() == .error, "SEV2")
        #expect(says("none: this SEV2 pages NOBODY"), "in words too, for a terminal without colour")
        press([.character("1")], &model)
        #expect(try noteStyle() == .error, "SEV1")
        #expect(says("none: this SEV1 pages NOBODY"))
        press([.character("4")], &model)
        #expect(try noteStyle() == .dim, "SEV4")
        #expect(says("none: pages nobody (P pages"))
    }

    /// `P` lists policies, then people, as `policy:NAME` and `user:ID`, and pages the one chosen: a policy
    /// step by step, a person directly.
    @Test func pagingAPolicyOrAPerson() {
        var model = sampleModel()
        model.pageTargets = [.policy("platform"), .person("alice"), .person("bob")]
        _ = ConsoleUpdate.update(&model, .key(.enter))
        #expect(model.currentIncidentID == "INC-12")
        press([.character("P")], &model)
        #expect(ConsoleView.render(model).text.contains("[policy:platform]"))
        #expect(press([.enter], &model) == [.perform(.startEscalation(policy: "platform"), incidentID: "INC-12")])
        press([.character("P"), .character("j"), .character("j")], &model)
        #expect(ConsoleView.render(model).text.contains("[user:bob]"))
        #expect(press([.enter], &model) == [.perform(.page(user: "bob"), incidentID: "INC-12")])
    }

    /// As `klaxon incident declare` warns, a SEV1 or SEV2 declared here without a policy says it pages nobody.
    @Test func aSeriousIncidentDeclaredWithoutAPolicySaysItPagesNobody() {
        var model = sampleModel()
        let serious = IncidentFixture(id: "INC-13", title: "Registry down", severity: .sev2, at: "2026-11-22T09:29:00Z")
        model.setIncident(serious.incident, readOnly: false)
        _ = ConsoleUpdate.update(&model, .declared("INC-13"))
        #expect(
            model.message?.text
                == "INC-13 declared; it is SEV2 and pages nobody: it has no escalation policy; P pages a policy or a person"
        )
        #expect(model.message?.isError == true)
        // With a policy, or less serious, it is simply declared.
        let paged = IncidentFixture(
            id: "INC-14", declaration: Declaration(title: "Registry down", severity: .sev1, policy: "platform"),
            by: "alice", at: Timestamp.parseRFC3339("2026-11-22T09:29:00Z")!)
        let minor = IncidentFixture(id: "INC-15", title: "Flaky dashboard", severity: .sev3, at: "2026-11-22T09:29:00Z")
        for fixture in [paged, minor] {
            model.setIncident(fixture.incident, readOnly: false)
            _ = ConsoleUpdate.update(&model, .declared(fixture.incident.id))
            #expect(model.message?.text == "\(fixture.incident.id) declared")
        }
    }

    @Test func aDeclarationNeedsATitle() {
        var model = sampleModel()
        #expect(press([.character("d"), .enter], &model).isEmpty)
        #expect(model.message?.text == "the incident needs a title")
        guard case .form? = model.overlay else {
            Issue.record("the form should stay open")
            return
        }
    }

    /// Issue 26, point 7: enter saves a note (as a chat message is sent), alt-enter adds a line, and
    /// ctrl-s (XOFF in many terminals) still saves.
    @Test func enterSavesANoteAndAltEnterAddsALine() {
        var model = sampleModel()
        press([.enter], &model)  // opens the selected open incident (INC-12, SEV1)
        #expect(model.currentIncidentID == "INC-12")
        let effects = press([.character("n")] + type("line one") + [.altEnter] + type("line two") + [.enter], &model)
        #expect(effects == [.perform(.note("line one\nline two"), incidentID: "INC-12")])
        #expect(model.overlay == nil)
        #expect(
            press([.character("n")] + type("by ctrl-s") + [.control("s")], &model) == [
                .perform(.note("by ctrl-s"), incidentID: "INC-12")
            ])
        // A public update still takes ctrl-s: enter is a new line there, never a post to everyone.
        press([.character("U")] + type("first"), &model)
        #expect(press([.enter], &model).isEmpty)
        guard case .form(let form)? = model.overlay else {
            Issue.record("the update's editor should stay open")
            return
        }
        #expect(form.rawText(.update).hasPrefix("first\n"))
    }

    /// Issue 26, point 7: esc on the declare dialog keeps what was typed, as a note's draft is kept.
    @Test func escOnTheDeclareDialogKeepsADraft() {
        var model = sampleModel()
        press([.character("d")] + type("Registry slow") + [.tab, .character("2"), .tab] + type("mirror"), &model)
        press([.escape], &model)
        #expect(model.overlay == nil)
        #expect(model.message?.text == "declaration set aside; d continues it")
        #expect(model.hasUnsavedDraft)
        #expect(
            press([.character("d")] + type(" again") + [.enter], &model) == [
                .declare(
                    Declaration(
                        title: "Registry slow again", severity: .sev2, services: ["mirror"], commander: "alice"))
            ])
        // Declared: the next d starts afresh.
        press([.character("d")], &model)
        guard case .form(let form)? = model.overlay else {
            Issue.record("d should open the dialog")
            return
        }
        #expect(form.text(.title).isEmpty)
    }

    /// Issue 26, point 7: the palette ranks the actions a word names over moving about.
    @Test func thePaletteRanksActionsOverNavigation() {
        let page = Keymap.paletteMatches("page", readOnly: false).map(\.summary)
        let now = page.firstIndex { $0.hasPrefix("page now") }
        let down = page.firstIndex { $0 == "page down" }
        #expect(now != nil && down != nil && now! < down!, "\(page)")
        #expect(Keymap.paletteMatches("down", readOnly: false).first?.summary == "down")
    }

    /// A paste (bracketed by the terminal) is text in the open field and nothing elsewhere: a URL
    /// pasted with no field open ran as keys, and its `t` opened an action item saved as `tps://…`.
    @Test func aPasteIsTextInAFieldAndNeverKeys() {
        var model = sampleModel()
        press([.enter], &model)
        let url = "https://grafana.example/d/registry?from=now-1h"
        // No text field open: ignored, and said so; nothing opens, nothing is recorded.
        #expect(press([.paste(url + "\ntam", cut: false)], &model).isEmpty)
        #expect(
            model.overlay == nil && model.screen == .incident
                && model.message?.text == "paste ignored: no text field is open")
        // A confirmation takes no answer from a paste, and stays.
        press([.character("m")], &model)
        #expect(press([.paste("y", cut: false)], &model).isEmpty)
        #expect(model.overlay.map { if case .confirm = $0 { true } else { false } } == true)
        press([.escape], &model)
        // A one-line field: line breaks are spaces (never enter), control characters are left out.
        press([.character("t")], &model)
        #expect(press([.paste("Check \(url)\r\nfor 5xx\u{1B}[31m\u{07}\tnow\n", cut: false)], &model).isEmpty)
        guard case .form(let form)? = model.overlay else {
            Issue.record("the paste closed the form")
            return
        }
        #expect(form.rawText(.toDo) == "Check \(url) for 5xx[31m now")
        #expect(
            press([.enter], &model) == [
                .perform(.addActionItem(text: "Check \(url) for 5xx[31m now", owner: nil), incidentID: "INC-12")
            ])
        // The note keeps its line breaks, whichever the terminal sent.
        press([.character("n")], &model)
        press([.paste("line 1\r\nline 2\rline 3\n", cut: false)], &model)
        #expect(press([.control("s")], &model) == [.perform(.note("line 1\nline 2\nline 3"), incidentID: "INC-12")])
        // The search line and the palette take pastes too.
        press([.character("/"), .paste("registry-2\n", cut: false), .enter], &model)
        #expect(model.search?.query == "registry-2")
        // Bounded as typed text: what does not fit is left out, and said so.
        press(
            [.escape, .character("t"), .paste(String(repeating: "x", count: TextBuffer.maximumCount + 5), cut: false)],
            &model)
        #expect(model.message?.text == "a field holds at most 65536 characters; the rest was left out")
        guard case .form(let full)? = model.overlay else {
            Issue.record("the form closed")
            return
        }
        #expect(full.rawText(.toDo).count == TextBuffer.maximumCount)
        press([.escape, .character("t"), .paste("the start", cut: true)], &model)
        #expect(model.message?.text.hasPrefix("only the start of the paste was kept") == true)
    }

    /// Keys read with the one that closes a dialog were typed (or pasted without brackets) before it
    /// closed: ignored, with a notice, never commands. Before, the URL's `t` opened an action item
    /// saved as `tps://grafana…`, and an `a` acknowledged.
    @Test func keysTypedAheadOfADialogClosingAreIgnored() {
        var model = sampleModel()
        press([.enter, .character("t")] + type("Roll back registry-2"), &model)
        let t0: Int64 = 5_000_000
        func read(_ keys: [Key], at ms: Int64) -> [ConsoleEffect] {
            ConsoleUpdate.update(&model, .input(keys, at: Timestamp(milliseconds: t0 + ms)))
        }
        // The enter, and in the same read an `a` and a URL.
        #expect(
            read([.enter] + type("ahttps://grafana.example/d/x"), at: 0)
                == [.perform(.addActionItem(text: "Roll back registry-2", owner: nil), incidentID: "INC-12")])
        #expect(model.overlay == nil)
        #expect(model.message?.text == "INC-12: saving… · 28 keys typed as the dialog closed were ignored")
        // Reads a few milliseconds apart are the same burst.
        #expect(read(type("rm"), at: 10).isEmpty && read([.character("a")], at: 25).isEmpty)
        #expect(model.overlay == nil && model.typeAhead.ignored == 31)
        // The save's outcome is said with the notice.
        _ = ConsoleUpdate.update(
            &model,
            .saved(
                incidentID: "INC-12", action: .addActionItem(text: "Roll back registry-2", owner: nil),
                sequence: 9, kind: "todo"))
        #expect(model.message?.text == "INC-12 #9 todo recorded · 31 keys typed as the dialog closed were ignored")
        // A key read later counts again, and the notice goes.
        #expect(read([.character("m")], at: 25 + ConsoleModel.TypeAhead.windowMilliseconds + 1).isEmpty)
        #expect(model.overlay.map { if case .confirm(.mitigate("INC-12")) = $0 { true } else { false } } == true)
        #expect(model.message?.text.contains("ignored") != true, "\(model.message?.text ?? "")")

        // The palette's enter opening a confirmation ends the palette: a `y` typed with it answers nothing.
        var palette = sampleModel()
        press([.enter, .character(":")] + type("mitig"), &palette)
        #expect(
            ConsoleUpdate.update(&palette, .input([.enter, .character("y")], at: Timestamp(milliseconds: t0))).isEmpty)
        #expect(palette.overlay.map { if case .confirm = $0 { true } else { false } } == true)
        #expect(palette.typeAhead.ignored == 1)
    }

    /// With no dialog closing nothing is ignored, however fast: a burst of keys in one read, key repeat
    /// a millisecond apart, and key repeat started after a dialog closed.
    @Test func fastTypingAndKeyRepeatAreNeverIgnored() {
        var model = sampleModel()
        let t0: Int64 = 5_000_000
        func read(_ keys: [Key], at ms: Int64) -> [ConsoleEffect] {
            ConsoleUpdate.update(&model, .input(keys, at: Timestamp(milliseconds: t0 + ms)))
        }
        press([.enter], &model)
        let count = model.visibleRecords.count
        #expect(count >= 6)
        _ = read([.character("g")] + type("jjj"), at: 0)
        #expect(model.timeline.cursor == 3)
        for ms: Int64 in 1...2 { _ = read([.character("j")], at: ms) }
        #expect(model.timeline.cursor == 5)
        // A dialog closed by esc with nothing behind it: the next read counts however soon (a script,
        // or someone who saw it close), and so does key repeat, every repeat a millisecond apart.
        _ = read([.character("?")], at: 100)
        _ = read([.escape], at: 200)
        #expect(model.overlay == nil)
        _ = read([.character("g")], at: 201)
        for ms: Int64 in 1...3 { _ = read([.character("j")], at: 201 + ms) }
        #expect(model.timeline.cursor == 3 && model.typeAhead.ignored == 0 && model.message == nil)
        // Typed into a form, a read's characters are inserted at once, and its enter submits.
        #expect(
            read([.character("L")] + type("https://r.test") + [.enter], at: 400) == [
                .perform(.link("https://r.test"), incidentID: "INC-12")
            ])
    }

    /// A note being saved says so, and a save that fails puts the note back into the drafts (after
    /// anything begun meanwhile is kept too); one that succeeds leaves no draft.
    @Test func aNoteWhoseSaveFailsComesBackAsADraft() {
        var model = sampleModel()
        press([.enter], &model)
        press([.character("n")] + type("rolled back registry") + [.control("s")], &model)
        #expect(model.message?.text == "INC-12: saving…")
        #expect(model.savesInFlight == 1 && model.savingNotes["INC-12"] == "rolled back registry")
        press([.character("n")] + type("and another") + [.escape], &model)
        _ = ConsoleUpdate.update(
            &model,
            .saveFailed(
                incidentID: "INC-12", action: .note("rolled back registry"),
                reason: "journals/INC-12.jsonl is locked by process 7 (flock) on this host"))
        #expect(model.savesInFlight == 0 && model.savingNotes.isEmpty)
        #expect(model.drafts["INC-12"] == "rolled back registry\n\nand another")
        #expect(model.message?.isError == true)
        #expect(
            model.message?.text
                == "INC-12: NOT SAVED, note kept as a draft (n): journals/INC-12.jsonl is locked by process 7 (flock) on this host"
        )
        model.drafts = [:]
        press([.character("n")] + type("second try") + [.control("s")], &model)
        _ = ConsoleUpdate.update(
            &model, .saved(incidentID: "INC-12", action: .note("second try"), sequence: 9, kind: "note"))
        #expect(model.drafts.isEmpty && model.savingNotes.isEmpty && model.savesInFlight == 0)
        #expect(model.message?.text == "INC-12 #9 note recorded")
    }

    /// Issue 19, point 4: when this console sends the pages and some are due, `q` asks first (the
    /// question whole at 80 columns); when another process sends them, or nothing pages, it quits. The
    /// question says only what is true: a klaxon watch waiting for the engine lock would take over, and
    /// none waiting can be seen (waiters try the lock each second without queueing on it).
    @Test func quittingAsksWhenItWouldStopThePages() {
        var model = sampleModel()
        let paging = EscalationEngine.Status(policy: "platform", state: .paging(step: 1, steps: 2, cycle: 1, cycles: 1))
        let acked = EscalationEngine.Status(policy: "platform", state: .acknowledged(by: "bob", repageAt: nil))
        _ = ConsoleUpdate.update(
            &model,
            .escalationsChanged(
                ["INC-12": paging, "INC-9": paging, "INC-11": acked], engine: .thisConsole, pageTargets: []))
        #expect(press([.character("q")], &model).isEmpty && !model.quitting)
        #expect(
            model.overlay.map { if case .confirm(.quitStoppingPages(["INC-9", "INC-12"])) = $0 { true } else { false } }
                == true)
        // The question whole, as its lines read one after another inside the box.
        let screen = ConsoleView.render(model).text
        let box = screen.split(separator: "\n").filter { $0.contains("│") }.dropFirst()
            .map { $0.split(separator: "│").dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            .joined(separator: " ")
        #expect(
            box.contains(
                "2 incidents are escalating (INC-9, INC-12) and this console sends their pages: quitting stops them unless another klaxon watch or console takes over (one waiting for the engine lock would, within a second; whether one waits cannot be seen from here). Quit?"
            ), "\(screen)")
        #expect(press([.character("n")], &model).isEmpty && !model.quitting, "any other key keeps it running")
        press([.character("q")], &model)
        #expect(press([.character("y")], &model) == [.quit])
        var elsewhere = sampleModel()
        _ = ConsoleUpdate.update(
            &elsewhere,
            .escalationsChanged(["INC-12": paging], engine: .other("klaxon watch on ops-1"), pageTargets: []))
        #expect(press([.character("q")], &elsewhere) == [.quit])
    }

    @Test func escSetsADraftAsideAndQuitAsksBeforeLosingIt() {
        var model = sampleModel()
        press([.enter, .character("n")] + type("half a thought") + [.escape], &model)
        #expect(model.drafts["INC-12"] == "half a thought")
        #expect(press([.character("q")], &model).isEmpty)
        #expect(model.overlay.map { if case .confirm(.quitLosingDrafts) = $0 { true } else { false } } == true)
        #expect(press([.character("n")], &model).isEmpty)  // no
        #expect(!model.quitting)
        // The draft comes back with n.
        press([.character("n")], &model)
        guard case .form(let form)? = model.overlay else {
            Issue.record("no editor")
            return
        }
        #expect(form.rawText(.note) == "half a thought")
        press([.escape, .character("q")], &model)
        #expect(press([.character("y")], &model) == [.quit])
    }

    @Test func statusSeverityAckMitigateAndResolve() {
        var model = sampleModel()
        press([.enter], &model)
        #expect(
            press([.character("s"), .character("j"), .enter], &model) == [
                .perform(.setStatus(.monitoring), incidentID: "INC-12")
            ])
        #expect(
            press([.character("S"), .character("2")], &model) == [.perform(.setSeverity(.sev2), incidentID: "INC-12")])
        // bob acknowledged INC-12: a second ack records nothing and says so (issue 19).
        #expect(press([.character("a")], &model).isEmpty)
        #expect(model.message?.text == "INC-12 was already acknowledged by bob at 2026-11-21 23:44")
        // Mitigate asks first, as resolve does: a stray `m` (typed ahead, pasted) records nothing.
        #expect(press([.character("m")], &model).isEmpty)
        #expect(model.overlay.map { if case .confirm = $0 { true } else { false } } == true)
        #expect(ConsoleView.render(model).text.contains("Mark INC-12 mitigated"))
        #expect(press([.character("h")], &model).isEmpty && model.overlay == nil && model.message?.text == "cancelled")
        #expect(press([.character("m"), .character("y")], &model) == [.perform(.mitigate, incidentID: "INC-12")])
        // Resolve asks first: r opens a confirmation with an optional summary.
        #expect(press([.character("r")], &model).isEmpty)
        #expect(
            press(type("GC freed 40%") + [.enter], &model) == [
                .perform(.resolve(summary: "GC freed 40%"), incidentID: "INC-12")
            ])
        #expect(press([.character("r"), .escape], &model).isEmpty)
    }

    /// `m` asks y or no, `r` opens a summary: a `y` typed as for `m` went into the summary as "y". The hint
    /// says how the form works, and a lone y is that yes, never the incident's summary.
    @Test func aYTypedAsForMitigateIsNotAResolutionSummary() {
        var model = sampleModel()
        press([.enter, .character("r")], &model)
        #expect(
            ConsoleView.render(model).text.contains(
                "enter resolves · esc cancels · summary optional (a lone y is none)"))
        #expect(press([.character("y"), .enter], &model) == [.perform(.resolve(summary: nil), incidentID: "INC-12")])
        #expect(
            press([.character("r"), .character("Y"), .enter], &model) == [
                .perform(.resolve(summary: nil), incidentID: "INC-12")
            ])
        // A summary that only begins with y is a summary.
        #expect(
            press([.character("r")] + type("yes, the disk was full") + [.enter], &model)
                == [.perform(.resolve(summary: "yes, the disk was full"), incidentID: "INC-12")])
    }

    @Test func assignTodoLinkReopenAndCompleteAnActionItem() {
        var model = sampleModel()
        _ = ConsoleUpdate.update(&model, .runbooksChanged(sampleRunbooks()))
        press([.enter], &model)
        #expect(
            press([.character("A"), .character("j"), .tab, .control("u")] + type("dave") + [.enter], &model)
                == [.perform(.assign(role: "scribe", user: "dave"), incidentID: "INC-12")])
        #expect(
            press([.character("t")] + type("Write the review") + [.tab] + type("erin") + [.enter], &model)
                == [.perform(.addActionItem(text: "Write the review", owner: "erin"), incidentID: "INC-12")])
        #expect(
            press([.character("L")] + type("ci-queue-backed-up") + [.enter], &model)
                == [.perform(.link("ci-queue-backed-up"), incidentID: "INC-12")])
        #expect(press([.tab, .character("x")], &model) == [.perform(.completeActionItem(1), incidentID: "INC-12")])
        #expect(press([.character("R")], &model).isEmpty)
        #expect(press([.character("y")], &model) == [.perform(.reopen, incidentID: "INC-12")])
    }

    @Test func actionsWorkOnTheDashboardSelectionToo() {
        var model = sampleModel()
        press([.character("j")], &model)  // INC-11
        #expect(press([.character("a")], &model) == [.perform(.acknowledge, incidentID: "INC-11")])
    }

    @Test func readOnlyHidesEveryWriteAction() {
        var model = sampleModel(readOnly: true)
        for key: Key in [
            .character("d"), .character("a"), .character("m"), .character("r"), .character("n"), .character("t"),
            .character("E")
        ] {
            #expect(press([key], &model).isEmpty, "\(key)")
            #expect(model.overlay == nil)
            #expect(model.message?.isError == true)
        }
        #expect(Keymap.paletteMatches("", readOnly: model.readOnly).allSatisfy { !$0.action.writes })
        #expect(!ConsoleView.render(model).text.contains("d declare"))
    }

    @Test func searchFindsRecordsAndNMovesBetweenMatches() {
        var model = sampleModel()
        press([.enter, .character("/")] + type("registry-2") + [.enter], &model)
        let matches = model.search?.matches ?? []
        #expect(matches.count == 2)
        #expect(model.timeline.cursor == matches[0])
        press([.character("n")], &model)
        #expect(model.timeline.cursor == matches[1])
        press([.character("N")], &model)
        #expect(model.timeline.cursor == matches[0])
        #expect(model.message?.text.contains("match 1 of 2") == true)
        // With the search cleared, n writes a note again.
        press([.escape], &model)
        #expect(model.search == nil)
        press([.character("n")], &model)
        guard case .form? = model.overlay else {
            Issue.record("n should open the note editor")
            return
        }
    }

    /// The dashboard lists the incidents resolved in the last 7 days; an older one is opened by its id.
    @Test func searchingTheDashboardForAnIdItDoesNotListReadsAndOpensThatIncident() {
        var model = sampleModel()
        #expect(model.incidents["INC-404"] == nil)
        #expect(press([.character("/")] + type("inc-404") + [.enter], &model) == [.readIncident(id: "INC-404")])
        // Not there: said, and the dashboard stays.
        _ = ConsoleUpdate.update(&model, .incidentRead("INC-404"))
        #expect(model.screen == .dashboard && model.message?.isError == true)
        #expect(model.message?.text.contains("there is no incident INC-404") == true)
        // Read (the responder's change comes first), then opened.
        let fixture = IncidentFixture(
            id: "INC-404", declaration: Declaration(title: "an old one", severity: .sev3),
            at: model.now.adding(seconds: -40 * 86_400))
        _ = ConsoleUpdate.update(&model, .incidentChanged(fixture.incident, readOnly: false))
        _ = ConsoleUpdate.update(&model, .incidentRead("INC-404"))
        #expect(model.screen == .incident && model.currentIncidentID == "INC-404")
        // A search that matches is a search, even when it reads as an id.
        press([.character("1"), .character("/")] + type("12") + [.enter], &model)
        #expect(model.screen == .dashboard)
    }

    /// A dashboard search with no match in the list in focus looks in the other one.
    @Test func aDashboardSearchFindsWhatTheOtherListHolds() throws {
        var model = sampleModel()
        let resolved = try #require(model.resolvedIncidents.first)
        #expect(model.dashboardPane == .open && !model.openIncidents.contains { $0.title == resolved.title })
        press([.character("/")] + type(resolved.title) + [.enter], &model)
        #expect(model.dashboardPane == .resolved && model.search?.matches.isEmpty == false)
        #expect(model.targetIncident?.id == resolved.id)
        press([.escape, .character("/")] + type("nothing is called this") + [.enter], &model)
        #expect(model.dashboardPane == .resolved && model.message?.isError == true)
        #expect(model.message?.text.contains("or those resolved in the last 7 days") == true)
    }

    @Test func thePaletteFindsActionsFuzzily() {
        var model = sampleModel()
        press([.enter, .character(":")] + type("mitig"), &model)
        #expect(press([.enter], &model).isEmpty)  // it asks first, as the key does
        #expect(press([.character("y")], &model) == [.perform(.mitigate, incidentID: "INC-12")])
        #expect(FuzzyMatch.score("ack", in: "acknowledge") != nil)
        #expect(FuzzyMatch.score("xyz", in: "acknowledge") == nil)
    }

    @Test func fuzzyMatchingFindsTheBestAlignmentNotTheFirst() throws {
        // Greedy matching would take the c of "acknowledge" for "ci"; the best alignment takes word starts.
        let initials = FuzzyMatch.score("ci", in: "ack, then ci queue")
        let scattered = FuzzyMatch.score("ci", in: "acknowledge this")
        #expect(try #require(initials) > (try #require(scattered)))
        // Word starts after - _ / . count as they do after a space.
        for separator in [" ", "-", "_", "/", "."] {
            #expect(
                FuzzyMatch.score("rf", in: "runner\(separator)fleet") == FuzzyMatch.score("rf", in: "runner fleet"),
                "\(separator)")
        }
        #expect(FuzzyMatch.score("rf", in: "runnerfleet")! < FuzzyMatch.score("rf", in: "runner-fleet")!)
        // A run of adjacent characters beats the same characters apart.
        #expect(FuzzyMatch.score("ue", in: "xuex")! > FuzzyMatch.score("ue", in: "xuxex")!)
        #expect(FuzzyMatch.score("", in: "anything") != nil && FuzzyMatch.score("a", in: "") == nil)
        // Ties keep the items' order.
        #expect(FuzzyMatch.rank(["b x", "a x", "c y"], by: "x") { $0 } == ["b x", "a x"])
    }

    @Test func screensPanesAndMovement() {
        var model = sampleModel()
        #expect(model.openIncidents.map(\.id) == ["INC-12", "INC-11"])
        press([.character("j")], &model)
        #expect(model.openSelection == 1)
        press([.character("j")], &model)
        #expect(model.openSelection == 1)
        press([.tab, .character("j")], &model)
        #expect(model.dashboardPane == .resolved && model.resolvedSelection == 1)
        press([.enter], &model)
        #expect(model.currentIncidentID == "INC-9")
        for (key, screen) in [
            ("3", ConsoleModel.Screen.status), ("4", .onCall), ("5", .runbooks), ("1", .dashboard), ("2", .incident)
        ] {
            press([.character(Character(key))], &model)
            #expect(model.screen == screen)
        }
        press([.escape], &model)
        #expect(model.screen == .dashboard)
        #expect(press([.control("l")], &model) == [.redraw])
    }

    @Test func theTimelineFollowsNewRecordsUntilTheResponderScrollsUp() {
        var model = sampleModel()
        press([.enter], &model)
        #expect(model.timeline.cursor == nil)
        var fixture = IncidentFixture(
            id: "INC-12", title: "Artifact registry returns 503 on uploads", at: "2026-11-21T22:40:00Z")
        fixture.perform(.note("from another console"))
        _ = ConsoleUpdate.update(&model, .incidentChanged(fixture.incident, readOnly: false))
        #expect(ConsoleView.render(model).text.contains("from another console"))
        press([.character("g")], &model)
        #expect(model.timeline.cursor == 0 && model.timeline.top == 0)
        press([.character("G")], &model)
        #expect(model.timeline.cursor == nil)
    }

    /// Following the end shows the newest record on the last line of the timeline, whatever the height
    /// (at 80×24 the first record drawn is cut at the top; the newest was left out).
    @Test(arguments: [(80, 24), (80, 27), (120, 40), (200, 60)])
    func followingTheEndShowsTheNewestRecordLast(columns: Int, rows: Int) {
        var model = sampleModel(columns: columns, rows: rows)
        press([.enter], &model)
        let frame = ConsoleView.render(model)
        let layout = IncidentLayout(columns: columns, rows: rows)
        let lastRow = (layout.timelineTop..<(layout.timelineTop + layout.timelineRows)).last {
            !frame.text(ofRow: $0).prefix(layout.timelineWidth).allSatisfy(\.isWhitespace)
        }
        #expect(lastRow.map { frame.text(ofRow: $0).contains("Disk at 61%; uploads succeed again") } == true)
    }

    @Test func aTooSmallTerminalStillQuits() {
        var model = sampleModel()
        _ = ConsoleUpdate.update(&model, .resize(columns: 60, rows: 20))
        #expect(ConsoleView.render(model).text.contains("Terminal too small: 60×20."))
        #expect(press([.character("d")], &model).isEmpty)
        #expect(press([.character("q")], &model) == [.quit])
    }

    @Test func theEditorsTextBecomesANote() {
        var model = sampleModel()
        press([.enter], &model)
        #expect(press([.character("E")], &model) == [.openEditor(incidentID: "INC-12", initialText: "")])
        #expect(
            ConsoleUpdate.update(&model, .editorFinished(incidentID: "INC-12", text: "from vim\n")) == [
                .perform(.note("from vim\n"), incidentID: "INC-12")
            ])
        #expect(ConsoleUpdate.update(&model, .editorFinished(incidentID: "INC-12", text: nil)).isEmpty)
    }

    @Test func theTimelineFilterShowsOneKind() {
        var model = sampleModel()
        press([.enter, .character("f")], &model)
        guard case .form(let form)? = model.overlay, case .choice(let options, _) = form.fields[0].value else {
            Issue.record("no filter picker")
            return
        }
        let note = options.firstIndex(of: .kind("note"))!
        press(Array(repeating: .character("j"), count: note) + [.enter], &model)
        #expect(model.timeline.kindFilter == "note")
        #expect(model.visibleRecords.count == 4)
    }

    /// A read-only console offers no key it refuses: the header of an incident without roles does not
    /// say "A assigns" there. (Before: it did, and A then said the console is read-only.)
    @Test func aReadOnlyHeaderOffersNoAssignKey() {
        for readOnly in [false, true] {
            var model = ConsoleModel(
                workspaceName: "w", user: "alice", readOnly: readOnly, timeZone: TimeZone(identifier: "UTC")!,
                staleAfterSeconds: 1800, glyphs: .unicode, now: Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!,
                columns: 120, rows: 30)
            let incident = IncidentFixture(id: "INC-12", title: "Registry", commander: nil, at: "2026-11-22T08:00:00Z")
            model.setIncident(incident.incident, readOnly: readOnly)
            press([.enter], &model)  // the dashboard's only incident
            let header = ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 1)
            #expect(header.contains("no roles assigned"), "\(header)")
            #expect(header.contains("(A assigns)") == !readOnly, "read-only \(readOnly): \(header)")
        }
    }
}

struct KeymapTests {
    /// The README's key table is generated from the keymap: RECORD_SNAPSHOTS=1 rewrites it between
    /// its markers; otherwise this checks it.
    @Test func theREADMEKeyTableMatchesTheKeymap() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("README.md")
        var readme = try String(contentsOf: path, encoding: .utf8)
        let begin =
            "<!-- keys:begin (generated from Keymap.bindings; RECORD_SNAPSHOTS=1 swift test --filter KeymapTests) -->\n"
        let end = "<!-- keys:end -->"
        let start = try #require(readme.range(of: begin), "the README lacks the key table's begin marker")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex))
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            readme.replaceSubrange(start.upperBound..<stop.lowerBound, with: Keymap.markdownTable + "\n")
            try readme.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            String(readme[start.upperBound..<stop.lowerBound]) == Keymap.markdownTable + "\n",
            "the README's key table is out of date: RECORD_SNAPSHOTS=1 swift test --filter KeymapTests")
    }

    @Test func everyActionHasAKeyAndNoKeyIsBoundTwiceInOneScope() {
        for action in ConsoleAction.allCases { #expect(Keymap.binding(for: action) != nil, "\(action)") }
        var seen: [String: ConsoleAction] = [:]
        for binding in Keymap.bindings {
            for key in binding.keys {
                let slot = "\(binding.scope)/\(key.name)"
                #expect(seen[slot] == nil, "\(key.name) bound twice in \(binding.scope)")
                seen[slot] = binding.action
            }
        }
    }
}

struct FrameTests {
    @Test func wideCharactersTakeTwoCellsAndAreNeverCutInTwo() {
        var frame = Frame(columns: 10, rows: 1)
        #expect(frame.put("a漢字b", row: 0, column: 0) == 6)
        #expect(frame.text(ofRow: 0) == "a漢字b    ")
        #expect(frame[0, 2].isContinuation)
        // Writing over the right half of 漢 blanks its left half.
        frame.put("|", row: 0, column: 2)
        #expect(frame.text(ofRow: 0) == "a |字b    ")
        // Writing over the left half of 字 blanks its right half.
        frame.put("-", row: 0, column: 3)
        #expect(frame.text(ofRow: 0) == "a |- b    ")
        // A wide character that would not fit whole is left out, and the cut says so with `…`; code
        // that scrolls sideways is cut without it.
        var narrow = Frame(columns: 3, rows: 1)
        narrow.put("ab漢", row: 0, column: 0)
        #expect(narrow.text(ofRow: 0) == "ab…")
        var clipped = Frame(columns: 3, rows: 1)
        clipped.put("ab漢", row: 0, column: 0, ellipsis: false)
        #expect(clipped.text(ofRow: 0) == "ab ")
    }

    @Test func controlCharactersNeverReachTheTerminal() {
        var frame = Frame(columns: 12, rows: 1)
        frame.put("a\u{1B}[31mb", row: 0, column: 0)
        #expect(frame.text(ofRow: 0) == "a\u{FFFD}[31mb     ")
    }

    @Test func textWidthCutsPadsAndWraps() {
        #expect(TextWidth.width(of: "漢字🧹é") == 7)
        #expect(TextWidth.truncate("registry returns 503", to: 10) == "registry …")
        #expect(TextWidth.pad("漢", to: 4) == "漢  ")
        #expect(TextWidth.wrap("one two three", to: 7) == ["one two", "three"])
        #expect(
            TextWidth.wrap("https://grafana.example.com/d/x", to: 10) == ["https://gr", "afana.exam", "ple.com/d/", "x"]
        )
        #expect(TextWidth.wrap("a\n\nb", to: 5) == ["a", "", "b"])
    }

    /// A string's width skips grapheme breaking when every scalar stands alone; the answer must be the
    /// one a character-by-character count gives, for text on either side of that line.
    @Test func textWidthOfAStringIsTheSumOfItsCharacters() {
        let samples = [
            "磁盘已满 means → full ─┼─ “quoted” é", "e\u{301}", "café\u{301} 漢", "👩‍💻 on call", "🇳🇴", "한\u{11A8}글",
            "✔\u{FE0F} done", "a\r\nb", "\u{AD}soft", "한국어 ─ 日本", "👍🏽"
        ]
        for text in samples {
            let byCharacter = text.reduce(0) { $0 + TextWidth.width(of: $1) }
            #expect(
                TextWidth.width(of: text) == byCharacter, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(TextWidth.width(of: "磁盘 → ─") == 8)
        #expect(TextWidth.width(of: "👩‍💻") == 2)
    }
}

/// The dashboard's lists say where the rows they do not show are: below, above, or both.
struct DashboardMoreTests {
    func crowded() -> ConsoleModel {
        var model = sampleModel()
        for n in 100..<130 {
            var fixture = IncidentFixture(
                id: "INC-\(n)", title: "Open \(n)", severity: .sev3, at: "2026-11-22T08:\(n - 70):00Z")
            if n >= 120 { fixture.perform(.resolve(summary: "done"), after: 60) }
            model.setIncident(fixture.incident, readOnly: false)
        }
        return model
    }

    func line(_ prefix: String, _ model: ConsoleModel) -> String? {
        ConsoleView.render(model).text.split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.first { $0.contains(prefix) }
    }

    @Test func theOpenListSaysBelowThenAboveAsItScrolls() throws {
        var model = crowded()
        let count = model.openIncidents.count
        let first = try #require(line("more below · j/k scroll", model))
        #expect(
            first.hasPrefix(
                "\(count - ScreenGeometry(model).dashboard(open: count, resolved: model.resolvedIncidents.count).openRows) more below"
            )
        )
        press(Array(repeating: .down, count: count), &model)
        let rows = ScreenGeometry(model).dashboard(open: count, resolved: model.resolvedIncidents.count).openRows
        let under = ConsoleView.render(model).text(ofRow: ScreenGeometry.listTop + rows)
        #expect(under.trimmingCharacters(in: .whitespaces) == "\(count - rows) more above · j/k scroll", "\(under)")
    }

    @Test func theResolvedListSaysHowManyMoreToo() throws {
        var model = crowded()
        let resolved = model.resolvedIncidents.count
        let shown = ScreenGeometry(model).dashboard(open: model.openIncidents.count, resolved: resolved).resolvedRows
        #expect(resolved > shown)
        #expect(line("\(resolved - shown) more below · j/k scroll", model) != nil, "\(ConsoleView.render(model).text)")
        press([.tab] + Array(repeating: .down, count: shown + 1), &model)
        #expect(
            line("2 above, \(resolved - shown - 2) below · j/k scroll", model) != nil,
            "\(ConsoleView.render(model).text)")
    }
}

/// The palette, opened with nothing typed, lists the screen's own actions first; it is wider where the
/// terminal is.
@Test func theEmptyPaletteListsTheScreensActionsFirst() {
    var model = sampleModel()
    press([.enter, .character(":")], &model)
    let first = Keymap.paletteMatches("", readOnly: false, on: .incident).prefix(3)
    #expect(first.allSatisfy { $0.scope != .everywhere && $0.scope.applies(on: .incident) }, "\(first.map(\.summary))")
    let shown = ConsoleView.render(model).text
    #expect(shown.contains(first.first!.summary), "\(shown)")
    // Without a screen, the keymap's order, as the help lists it.
    #expect(Keymap.paletteMatches("", readOnly: false).first?.scope == .everywhere)
    // On the on-call screen, taking the pager comes first.
    #expect(Keymap.paletteMatches("", readOnly: false, on: .onCall).first?.action == .takePager)
    // Only what acts on the screen: a runbook's or the on-call screen's keys do nothing on the dashboard.
    let dashboard = Keymap.paletteMatches("", readOnly: false, on: .dashboard)
    #expect(!dashboard.contains { $0.scope == .runbook || $0.scope == .onCall })
    #expect(Keymap.paletteMatches("code", readOnly: false, on: .dashboard).allSatisfy { $0.scope != .runbook })
    #expect(Keymap.paletteMatches("code", readOnly: false, on: .runbooks).contains { $0.scope == .runbook })
}

/// From 160 columns an actor such as escalation-engine is shown whole on the timeline.
@Test func wideTimelinesShowLongActorsWhole() {
    var model = sampleModel(columns: 200, rows: 40)
    var fixture = IncidentFixture(id: "INC-30", title: "Long actor", severity: .sev2, at: "2026-11-22T09:00:00Z")
    fixture.perform(.note("paged dave"), by: "escalation-engine", after: 60)
    model.setIncident(fixture.incident, readOnly: false)
    model.currentIncidentID = "INC-30"
    press([.character("2")], &model)
    #expect(ConsoleView.render(model).text.contains("escalation-engine"))
    model.columns = 120
    #expect(!ConsoleView.render(model).text.contains("escalation-engine"))
}

/// The incident screen's bottom line offers what can act on the incident as it stands.
@Test func theIncidentHintsFollowTheIncidentsState() throws {
    var model = sampleModel(columns: 160, rows: 40)
    func hints(_ id: String) -> String {
        model.currentIncidentID = id
        model.screen = .incident
        return ConsoleView.render(model).text(ofRow: model.rows - 1)
    }
    let acked = hints("INC-12")  // acknowledged by bob
    #expect(!acked.contains("a ack") && acked.contains("m mitigate") && acked.contains("r resolve"), "\(acked)")
    let resolved = hints("INC-10")
    #expect(resolved.hasPrefix("R reopen") && !resolved.contains("a ack") && !resolved.contains("r resolve"))
    #expect(!hints("INC-11").contains("P page"), "a SEV3 paging nobody is not pressed to")
    let serious = IncidentFixture(id: "INC-13", title: "Registry down", severity: .sev2, at: "2026-11-22T09:29:00Z")
    model.setIncident(serious.incident, readOnly: false)
    let unpaged = hints("INC-13")
    #expect(unpaged.contains("a ack") && unpaged.contains("P page"), "\(unpaged)")
}

/// A SEV1 or SEV2 that pages nobody is red on the dashboard and the incident screen; a SEV3 stays calm.
@Test func aSeriousIncidentPagingNobodyIsRedEverywhere() throws {
    var model = sampleModel()
    let serious = IncidentFixture(id: "INC-13", title: "Registry down", severity: .sev2, at: "2026-11-22T09:29:00Z")
    model.setIncident(serious.incident, readOnly: false)
    func style(of text: String, onRowWith id: String) throws -> Style {
        let frame = ConsoleView.render(model)
        let row = try #require((0..<model.rows).first { frame.text(ofRow: $0).contains(id) })
        let line = frame.text(ofRow: row)
        let column = try #require(line.range(of: text), "\(line)").lowerBound.utf16Offset(in: line)
        return frame[row, column].style
    }
    model.dashboardPane = .resolved  // no open row selected: the styles are the rows' own
    #expect(try style(of: "NOT PAGING", onRowWith: "INC-13") == .error)
    #expect(try style(of: "NOT PAGING", onRowWith: "INC-11") == .dim)
    model.currentIncidentID = "INC-13"
    model.screen = .incident
    #expect(try style(of: "not paging", onRowWith: "not paging") == .error)
}
