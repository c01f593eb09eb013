import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// Issue 24 in the console: `U` posts a public status update, the timeline tells updates from notes,
/// the cadence is on the header and the dashboard, and a resolution offers the final update.
struct StatusUpdateConsoleTests {
    /// The sample console (fixed clock 2026-11-22 09:30Z) with a cadence: SEV1 every 30m, SEV3 every 4h.
    /// INC-12 (SEV1, no update since its declaration at 22:40) is overdue; INC-11 (SEV3, declared 07:10)
    /// is due at 11:10.
    static func model(columns: Int = 80, rows: Int = 24) -> ConsoleModel {
        var model = sampleModel(columns: columns, rows: rows)
        model.comms = CommsConfig(cadence: [.sev1: 1800, .sev3: 4 * 3600])
        return model
    }

    /// INC-12 with an update posted at 09:26 (by bob, identified): its next is due at 09:56.
    static func registryWithUpdate() -> Incident {
        var registry = sampleRegistryIncident()
        registry.perform(
            .postUpdate(text: "Uploads to the artifact registry fail; pulls work. Next update by 10:00.", phase: nil),
            by: "bob", at: "2026-11-22T09:26:00Z")
        return registry.incident
    }

    func check(_ model: ConsoleModel, _ name: String) {
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: name) {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    static func updateForm(_ model: ConsoleModel) -> ConsoleModel.Form? {
        guard case .form(let form)? = model.overlay, case .update = form.purpose else { return nil }
        return form
    }

    // MARK: - U and the editor

    @Test func uOpensTheEditorWithThePhaseOfTheIncidentsStatusAndPostsTheUpdate() throws {
        var model = Self.model()
        press([.enter], &model)  // INC-12, identified
        #expect(press([.character("U")], &model).isEmpty)
        let form = try #require(Self.updateForm(model), "U opens the update's editor")
        #expect(form.purpose == .update("INC-12", offered: nil))
        #expect(form.choice(.phase) == .status(.identified))
        let effects = press(
            type("Uploads fail; pulls work.") + [.enter] + type("Next update by 10:00.") + [.control("s")], &model)
        #expect(
            effects == [
                .perform(
                    .postUpdate(text: "Uploads fail; pulls work.\nNext update by 10:00.", phase: .identified),
                    incidentID: "INC-12")
            ])
        #expect(model.overlay == nil)
        #expect(model.message?.text == "INC-12: saving…")

        // tab goes to the phase; j chooses the next one; ctrl-s posts it with that phase.
        press([.character("U")] + type("Fixed: the disk is cleaned"), &model)
        #expect(
            press([.tab, .character("j"), .control("s")], &model) == [
                .perform(.postUpdate(text: "Fixed: the disk is cleaned", phase: .monitoring), incidentID: "INC-12")
            ])

        // An incident being investigated preselects investigating.
        press([.escape, .escape, .character("j"), .character("U")], &model)
        #expect(Self.updateForm(model)?.purpose == .update("INC-11", offered: nil), "the dashboard's selection")
        #expect(Self.updateForm(model)?.choice(.phase) == .status(.investigating))
    }

    @Test func anEmptyUpdateIsRefusedWithTheEditorKeptOpen() {
        var model = Self.model()
        press([.enter, .character("U")] + type("  ") + [.enter], &model)
        #expect(press([.control("s")], &model).isEmpty)
        #expect(Self.updateForm(model) != nil)
        #expect(model.message?.isError == true)
        #expect(
            model.message?.text
                == "the status update is empty: write what the people who depend on the platform should know")
    }

    @Test func uIsAWriteAndAReadOnlyConsoleRefusesIt() {
        var model = sampleModel(readOnly: true)
        press([.enter], &model)
        #expect(press([.character("U")], &model).isEmpty)
        #expect(model.overlay == nil)
        #expect(model.message?.text.hasPrefix("read-only console: post a status update") == true)
    }

    /// esc sets typed text aside as an update draft, never as a note's: a note and an update are
    /// different audiences, and an internal note must never open in the public update's editor.
    @Test func escSetsAnUpdateAsideApartFromTheNotes() throws {
        var model = Self.model()
        press([.enter, .character("n")] + type("internal: bob restarted registry-2") + [.escape], &model)
        press([.character("U")], &model)
        #expect(Self.updateForm(model)?.rawText(.update) == "", "the note's draft stays out of the update")
        press(type("Uploads fail") + [.escape], &model)
        #expect(model.updateDrafts == ["INC-12": "Uploads fail"])
        #expect(model.drafts == ["INC-12": "internal: bob restarted registry-2"])
        #expect(model.message?.text == "status update set aside; U continues it")
        press([.character("U")], &model)
        #expect(Self.updateForm(model)?.rawText(.update) == "Uploads fail")
        // Quitting asks before losing it, and says what would be lost.
        press([.escape, .character("q")], &model)
        #expect(ConsoleView.render(model).text.contains("lose the draft notes and status updates of INC-12"))
        press([.character("n")], &model)
        // Posted, the draft is gone; emptied and set aside, too.
        press([.character("U"), .control("s")], &model)
        #expect(model.updateDrafts.isEmpty)
        press([.character("U")] + type("x") + [.escape, .character("U"), .backspace, .escape], &model)
        #expect(model.updateDrafts.isEmpty)
    }

    @Test func anUpdateWhoseSaveFailsIsKeptAsADraft() {
        var model = Self.model()
        press([.enter], &model)
        let action = IncidentAction.postUpdate(text: "Uploads fail", phase: .identified)
        press([.character("U")] + type("Uploads fail") + [.control("s")], &model)
        // Until the store answers, the text is held (the runtime prints it if the console quits first).
        #expect(model.savingUpdates == ["INC-12": "Uploads fail"] && model.savesInFlight == 1)
        _ = ConsoleUpdate.update(
            &model, .saveFailed(incidentID: "INC-12", action: action, reason: "the disk is full", mayBeSaved: false))
        #expect(model.updateDrafts == ["INC-12": "Uploads fail"] && model.savingUpdates.isEmpty)
        #expect(model.message?.text == "INC-12: status update NOT POSTED, kept as a draft (U): the disk is full")
        #expect(model.message?.isError == true)
        press([.character("U")], &model)
        #expect(Self.updateForm(model)?.rawText(.update) == "Uploads fail")
        // Posted and on disk: nothing is held any more.
        press([.control("s")], &model)
        _ = ConsoleUpdate.update(
            &model, .saved(incidentID: "INC-12", action: action, sequence: 16, kind: "update"))
        #expect(model.savingUpdates.isEmpty && model.updateDrafts.isEmpty && model.savesInFlight == 0)
    }

    // MARK: - The final update after a resolution

    /// Resolving posts nothing by itself; once the resolution is on disk the editor opens with phase
    /// resolved and no text (never the internal summary: one ctrl-s from the public), and esc posts nothing
    /// and keeps no draft of it.
    @Test func aResolutionOffersTheFinalUpdateAndEscPostsNothing() throws {
        var model = Self.model()
        press([.enter], &model)
        let resolve = press([.character("r")] + type("GC freed 40%") + [.enter], &model)
        #expect(resolve == [.perform(.resolve(summary: "GC freed 40%"), incidentID: "INC-12")], "no update with it")
        #expect(model.overlay == nil, "nothing is offered before the resolution is on disk")
        let saved = ConsoleUpdate.update(
            &model,
            .saved(incidentID: "INC-12", action: .resolve(summary: "GC freed 40%"), sequence: 16, kind: "resolved"))
        #expect(saved.isEmpty)
        let form = try #require(Self.updateForm(model), "the final update is offered")
        #expect(form.purpose == .update("INC-12", offered: ""))
        #expect(form.rawText(.update) == "", "the summary is internal: it is not offered as public text")
        #expect(form.choice(.phase) == .status(.resolved))
        #expect(ConsoleView.render(model).text.contains("esc posts nothing"))
        #expect(press([.escape], &model).isEmpty)
        #expect(model.overlay == nil && model.updateDrafts.isEmpty && !model.hasUnsavedDraft)
        #expect(model.message?.text == "no final status update posted; U posts one")

        // Written and posted: resolved.
        _ = ConsoleUpdate.update(
            &model,
            .saved(incidentID: "INC-12", action: .resolve(summary: "GC freed 40%"), sequence: 16, kind: "resolved"))
        #expect(
            press(type("Uploads work again") + [.control("s")], &model) == [
                .perform(.postUpdate(text: "Uploads work again", phase: .resolved), incidentID: "INC-12")
            ])
    }

    @Test func aResolutionWithoutASummaryOffersAnEmptyEditorAndAnOpenDialogIsLeftAlone() throws {
        var model = Self.model()
        press([.enter], &model)
        _ = ConsoleUpdate.update(
            &model, .saved(incidentID: "INC-12", action: .setStatus(.resolved), sequence: 16, kind: "resolved"))
        let form = try #require(Self.updateForm(model))
        #expect(form.rawText(.update) == "" && form.choice(.phase) == .status(.resolved))
        // Typed into, the offer is the responder's text: esc keeps it as a draft.
        press(type("Resolved: uploads work again") + [.escape], &model)
        #expect(model.updateDrafts == ["INC-12": "Resolved: uploads work again"])

        // A dialog opened meanwhile is not replaced: the bottom line says how to post it.
        press([.character("t")], &model)
        _ = ConsoleUpdate.update(
            &model, .saved(incidentID: "INC-12", action: .resolve(summary: nil), sequence: 16, kind: "resolved"))
        guard case .form(let open)? = model.overlay, case .actionItem = open.purpose else {
            Issue.record("the action item's dialog should stay open")
            return
        }
        #expect(model.message?.text == "INC-12 #16 resolved recorded · U posts the final status update")
        // Other saves offer nothing.
        press([.escape], &model)
        _ = ConsoleUpdate.update(
            &model, .saved(incidentID: "INC-12", action: .setStatus(.monitoring), sequence: 17, kind: "status"))
        #expect(model.overlay == nil)
    }

    // MARK: - The timeline

    @Test func theTimelineShowsAnUpdateApartFromTheNotesAndFiltersIt() throws {
        var model = Self.model()
        model.setIncident(Self.registryWithUpdate(), readOnly: false)
        press([.enter], &model)
        func row(_ frame: Frame, _ text: String) -> Int? {
            (0..<frame.rows).first { frame.text(ofRow: $0).contains(text) }
        }
        let frame = ConsoleView.render(model)
        let selected = try #require(row(frame, "update    identified: Uploads to the"), "\(frame.text)")
        let line = frame.text(ofRow: selected)
        let kindColumn = TextWidth.width(of: String(line[..<line.range(of: "update")!.lowerBound]))
        let textColumn = TextWidth.width(of: String(line[..<line.range(of: "identified:")!.lowerBound]))
        #expect(frame[selected, kindColumn].style == .selected, "the last record is selected")
        // Unselected (the cursor one up), the label and the text are in the updates' own style.
        press([.character("k")], &model)
        let unselected = ConsoleView.render(model)
        let update = try #require(row(unselected, "update    identified: Uploads to the"), "\(unselected.text)")
        #expect(unselected[update, kindColumn].style == .publicUpdate)
        #expect(unselected[update, textColumn].style == .publicUpdate)
        #expect(unselected[update + 1, textColumn].style == .publicUpdate, "its second line too")
        // A note's text stays plain.
        let note = try #require(row(unselected, "note      Garbage collection running"))
        #expect(unselected[note, textColumn].style == .normal)

        press([.character("f")], &model)
        guard case .form(let form)? = model.overlay, case .choice(let options, _) = form.fields[0].value else {
            Issue.record("no filter picker")
            return
        }
        let kind = try #require(options.firstIndex(of: .kind("update")), "\(options)")
        press(Array(repeating: .character("j"), count: kind) + [.enter], &model)
        #expect(model.visibleRecords.map(\.type) == [RecordType.statusUpdate.rawValue])
    }

    // MARK: - The cadence

    @Test func theHeaderSaysWhenTheNextUpdateIsDueAndOverdueInTheCriticalStyle() throws {
        var model = Self.model()
        press([.enter], &model)
        let overdue = ConsoleView.render(model)
        let line = overdue.text(ofRow: IncidentLayout.headerTop + 1)
        // Declared 22:40, SEV1 every 30m: due 23:10, overdue 10h20m at 09:30.
        let range = try #require(line.range(of: "UPDATE OVERDUE 10h 20m"), "\(line)")
        let column = TextWidth.width(of: String(line[..<range.lowerBound]))
        for x in column..<(column + 22) { #expect(overdue[IncidentLayout.headerTop + 1, x].style == .critical) }
        #expect(line.contains("commander alice"), "the roles give way last: \(line)")

        model.setIncident(Self.registryWithUpdate(), readOnly: false)
        let due = ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 1)
        #expect(due.contains("· update due in 26m ·"), "\(due)")
        #expect(!due.contains("OVERDUE"))
        // Without a cadence for its severity, nothing is said.
        model.comms = CommsConfig()
        #expect(!ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 1).contains("update due"))
    }

    @Test func theDashboardHasANextUpdateColumnOnlyWhenACadenceApplies() throws {
        let plain = ConsoleView.render(sampleModel())
        #expect(!plain.text.contains("NEXT UPDATE"))
        #expect(plain.text.contains("COMMANDER"))
        for columns in [80, 120] {
            let frame = ConsoleView.render(Self.model(columns: columns, rows: 24))
            let rows = (0..<frame.rows).map(frame.text(ofRow:))
            #expect(rows[3].contains("NEXT UPDATE"), "\(columns): \(rows[3])")
            let registry = try #require(rows.firstIndex { $0.contains("INC-12") })
            let range = try #require(rows[registry].range(of: "OVERDUE 10h20m"), "\(rows[registry])")
            let column = TextWidth.width(of: String(rows[registry][..<range.lowerBound]))
            // Selected (the first row), it keeps the critical colour, reversed.
            #expect(frame[registry, column].style == .selectedCritical)
            let ci = try #require(rows.firstIndex { $0.contains("INC-11") })
            #expect(rows[ci].contains("due in 1h40m"), "\(rows[ci])")
            // At 80 columns the commander gives way to it; at 120 there is room for both.
            #expect(rows[3].contains("COMMANDER") == (columns == 120), "\(columns): \(rows[3])")
        }
    }

    // MARK: - Deliveries

    /// The sample's cadence, and INC-12's updates going to Slack and an email list (one attempt each).
    static func deliveringModel(columns: Int = 80, rows: Int = 24) -> ConsoleModel {
        var model = Self.model(columns: columns, rows: rows)
        model.comms.destinations = [
            CommsDestination(
                name: "platform-status", kind: .slack(url: .environment("SLACK"), channel: "#platform-status")),
            CommsDestination(name: "eng-all", kind: .email(addresses: ["eng-all@example.com"]))
        ]
        model.comms.routes = [CommsRoute(services: ["registry"], to: ["platform-status", "eng-all"])]
        model.comms.retry = .init(attempts: 1, backoffSeconds: 30)
        return model
    }

    /// INC-12 with its update at 09:26, sent to email and, when `slackFails`, not to Slack (HTTP 500).
    static func registryDelivered(slackFails: Bool, _ model: ConsoleModel) -> Incident {
        var registry = sampleRegistryIncident()
        registry.perform(
            .postUpdate(text: "Uploads fail; pulls work.", phase: nil), by: "bob", at: "2026-11-22T09:26:00Z")
        let engine = CommsEngine(config: model.comms, people: [])
        for delivery in engine.decide(registry.incident, now: registry.clock, engine: ("h", 1)).deliveries {
            registry.perform(.comms(.attempt(delivery)), by: "comms-engine", after: 1)
            let fails = slackFails && delivery.destination.name == "platform-status"
            registry.perform(
                .comms(.result(delivery, delivered: !fails, detail: fails ? "HTTP 500" : "250 OK")), by: "comms-engine",
                after: 1)
        }
        return registry.incident
    }

    @Test func anUpdateNotSentIsRedOnTheHeaderAndOneSentSaysWhere() throws {
        for columns in [80, 120] {
            var model = Self.deliveringModel(columns: columns)
            model.setIncident(Self.registryDelivered(slackFails: true, model), readOnly: false)
            press([.enter], &model)
            let frame = ConsoleView.render(model)
            let line = frame.text(ofRow: IncidentLayout.headerTop + 2)
            // At 80 columns what is cut is the reason, never that it was not sent.
            let failure = "update #1 NOT SENT to #platform-stat"
            let range = try #require(line.range(of: failure), "\(columns): \(line)")
            let column = TextWidth.width(of: String(line[..<range.lowerBound]))
            for x in column..<(column + failure.count) {
                #expect(frame[IncidentLayout.headerTop + 2, x].style == .error)
            }
            #expect(line.hasPrefix(" acknowledged by bob"), "the paging state stays first: \(line)")
            if columns == 120 { #expect(line.contains("gave up after 1 attempts: HTTP 500"), "\(line)") }

            model.setIncident(Self.registryDelivered(slackFails: false, model), readOnly: false)
            let sent = ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 2)
            #expect(!sent.contains("NOT SENT"))
            let whole = "update #1 sent to #platform-status, email eng-all"
            #expect(sent.contains(columns == 80 ? "update #1 sent to #platform-status," : whole), "\(columns): \(sent)")
        }
    }

    /// An update waiting to be sent says "sending" only while a process sends; with no engine running
    /// (or the store not answering) it is NOT SENT, in red, and says why.
    @Test func anUpdateWaitingWhileNothingSendsIsNotSentInRed() throws {
        var model = Self.deliveringModel(columns: 120)
        var registry = sampleRegistryIncident()
        registry.perform(
            .postUpdate(text: "Uploads fail; pulls work.", phase: nil), by: "bob", at: "2026-11-22T09:26:00Z")
        model.setIncident(registry.incident, readOnly: false)
        press([.enter], &model)
        model.escalationEngine = .thisConsole
        #expect(
            ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 2).contains(
                "update #1 to #platform-status: sending"))
        for (engine, unreachable, why) in [
            (EscalationEngineHolder.nobody, false, "(no klaxon watch or console sends it)"),
            (.thisConsole, true, "(the journal store does not answer)")
        ] {
            model.escalationEngine = engine
            model.storeUnreachableSince = unreachable ? registry.clock : nil
            let frame = ConsoleView.render(model)
            let line = frame.text(ofRow: IncidentLayout.headerTop + 2)
            // Beside the paging state, what is cut is where to, never that it was not sent nor why.
            let unsent = "update #1 NOT SENT \(why): to #platform"
            let range = try #require(line.range(of: unsent), "\(line)")
            let column = TextWidth.width(of: String(line[..<range.lowerBound]))
            #expect(
                frame[IncidentLayout.headerTop + 2, column].style == .error
                    && frame[IncidentLayout.headerTop + 2, column + unsent.count - 1].style == .error)
            #expect(!line.contains("sending"), "\(line)")
        }
    }

    /// Found by a walkthrough: the CLI said an update no route sends went nowhere; the console did not.
    @Test func anUpdateNoRouteSendsSaysSoOnTheHeader() {
        var model = Self.deliveringModel(columns: 120)
        model.comms.routes = [CommsRoute(services: ["ci"], to: ["platform-status"])]
        var registry = sampleRegistryIncident()
        registry.perform(
            .postUpdate(text: "Uploads fail; pulls work.", phase: nil), by: "bob", at: "2026-11-22T09:26:00Z")
        model.setIncident(registry.incident, readOnly: false)
        press([.enter], &model)
        #expect(
            ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 2).contains(
                "updates sent nowhere: no comms route matches"))
        // Routed: nothing of the kind.
        model.comms.routes = [CommsRoute(services: ["registry"], to: ["platform-status"])]
        #expect(!ConsoleView.render(model).text(ofRow: IncidentLayout.headerTop + 2).contains("sent nowhere"))
    }

    // MARK: - Snapshots

    @Test func headerWithAnUpdateNotSent() {
        var model = Self.deliveringModel()
        model.setIncident(Self.registryDelivered(slackFails: true, model), readOnly: false)
        press([.enter], &model)
        check(model, "incident-update-not-sent-80x24")
    }

    @Test(arguments: [(80, 24), (120, 35)])
    func updateEditor(columns: Int, rows: Int) {
        var model = Self.model(columns: columns, rows: rows)
        press(
            [.enter, .character("U")] + type("Uploads to the artifact registry fail; pulls work.") + [.enter]
                + type("Next update by 10:00."), &model)
        check(model, "update-editor-\(columns)x\(rows)")
    }

    @Test(arguments: [(80, 24), (120, 35)])
    func headerOverdue(columns: Int, rows: Int) {
        var model = Self.model(columns: columns, rows: rows)
        press([.enter], &model)
        check(model, "incident-update-overdue-\(columns)x\(rows)")
    }

    @Test(arguments: [(80, 24), (120, 35)])
    func headerDue(columns: Int, rows: Int) {
        var model = Self.model(columns: columns, rows: rows)
        model.setIncident(Self.registryWithUpdate(), readOnly: false)
        // The cursor one up, so that the update is drawn in its own style.
        press([.enter, .character("k")], &model)
        check(model, "incident-update-due-\(columns)x\(rows)")
    }

    @Test(arguments: [(80, 24), (120, 35)])
    func dashboardOverdue(columns: Int, rows: Int) {
        check(Self.model(columns: columns, rows: rows), "dashboard-update-overdue-\(columns)x\(rows)")
    }

    @Test func finalUpdateOffer() {
        var model = Self.model()
        var registry = sampleRegistryIncident()
        registry.perform(.resolve(summary: "Blob store cleaned; uploads work"), at: "2026-11-22T09:29:00Z")
        model.setIncident(registry.incident, readOnly: false)
        model.currentIncidentID = "INC-12"
        model.screen = .incident
        _ = ConsoleUpdate.update(
            &model,
            .saved(
                incidentID: "INC-12", action: .resolve(summary: "Blob store cleaned; uploads work"), sequence: 16,
                kind: "resolved"))
        check(model, "update-final-offer-80x24")
    }
}
