import KlaxonCore

/// The console's update: applies a message to the model and returns the effects for the runtime to carry out.
public enum ConsoleUpdate {
    /// Applies `message` to `model` and returns what the runtime must do.
    public static func update(_ model: inout ConsoleModel, _ message: ConsoleMessage) -> [ConsoleEffect] {
        var effects = apply(message, &model)
        if let since = model.storeUnreachableSince, effects.contains(where: \.writes) {
            effects = refuseWrites(effects, since: since, &model)
        }
        // Saving runs beside the loop (a journal's lock may be held for a while): say so until it ends,
        // and keep a note's text until it is on disk.
        for case .perform(let action, let id) in effects {
            model.savesInFlight += 1
            if case .note(let text) = action { model.savingNotes[id] = text }
            if case .postUpdate(let text, _) = action { model.savingUpdates[id] = text }
            model.message = .init(text: "\(id): saving…", isError: false)
        }
        if model.screen == .incident { IncidentLayout.keepSelectionVisible(&model) }
        // Ignored keys are said, after whatever else the bottom line says, until a key counts again.
        if let notice = model.typeAhead.notice, model.message?.text.hasSuffix(notice) != true {
            model.message = .init(
                text: model.message.map { $0.text + " · " + notice } ?? notice, isError: model.message?.isError ?? false
            )
        }
        return effects
    }

    /// While the store does not answer, nothing is sent to be written (a dialog's write is refused by
    /// `submit`, which keeps the dialog open): a note from the editor goes to the drafts, and the bottom
    /// line says why and what to do. (A save already under way that fails keeps its note the same way.)
    static func refuseWrites(_ effects: [ConsoleEffect], since: Timestamp, _ model: inout ConsoleModel)
        -> [ConsoleEffect]
    {
        var kept = "; do it again once it answers"
        for case .perform(.note(let text), let id) in effects {
            model.drafts[id] = text + (model.drafts[id].map { "\n\n" + $0 } ?? "")
            kept = "; the note is kept as a draft (n)"
        }
        model.message = .init(text: refusal(since, model) + kept, isError: true)
        return effects.filter { !$0.writes }
    }

    /// What a write refused while the store does not answer says first.
    static func refusal(_ since: Timestamp, _ model: ConsoleModel) -> String {
        let time = LocalTimeFormatter(timeZone: model.timeZone).civil(since).isoTime
        let state = model.storeWaits ? "has not answered since" : "is unreachable since"
        return "NOT SAVED: the journal store \(state) \(time), nothing was written"
    }

    static func apply(_ message: ConsoleMessage, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        switch message {
        case .storeUnreachable(let since, let reason):
            model.storeUnreachableSince = since
            model.storeWaits = false
            model.message = .init(text: reason, isError: true)
            return []
        case .storeNotAnswering(let since):
            // An outage already said goes on (a write waiting for a cut network's timeout).
            guard model.storeUnreachableSince == nil else { return [] }
            model.storeUnreachableSince = since
            model.storeWaits = true
            let time = LocalTimeFormatter(timeZone: model.timeZone).civil(since).isoTime
            model.message = .init(
                text:
                    "the journal store has not answered since \(time): what is shown was read before; nothing is written until it answers",
                isError: true)
            return []
        case .storeReachable:
            if let since = model.storeUnreachableSince {
                let time = LocalTimeFormatter(timeZone: model.timeZone).civil(since).isoTime
                let what = model.storeWaits ? "it did not answer from" : "unreachable since"
                model.message = .init(text: "the journal store answers again (\(what) \(time))", isError: false)
            }
            model.storeUnreachableSince = nil
            model.storeWaits = false
            return []
        case .input(let keys, let time):
            return input(keys, at: time, &model)
        case .resize(let columns, let rows):
            model.columns = columns
            model.rows = rows
            relayoutRunbook(&model)
            return []
        case .tick(let now):
            model.now = now
            return []
        case .incidentChanged(let incident, let readOnly):
            let notices =
                model.notify == .off
                ? []
                : ConsoleNotice.notices(
                    before: model.incidents[incident.id], after: incident, user: model.user, now: model.now)
            model.setIncident(incident, readOnly: readOnly)
            if model.runbookScreen.open != nil { relayoutRunbook(&model) }
            refreshSearch(&model)
            return notices.map { .notify($0) }
        case .checksConfigured(let definitions, let unpolled, let problems):
            model.setChecks(definitions, unpolled: unpolled, problems: problems)
            return []
        case .checkReported(let report):
            model.record(report)
            return []
        case .alertsChanged(let book):
            // The selection stays on its alert as others arrive (a key pressed on it acts on it).
            let selected = model.selectedAlert?.number
            model.alertBook = book
            if let selected, let index = model.alertRows.firstIndex(where: { $0.number == selected }) {
                model.alertListSelection = index
            }
            return []
        case .objectivesChanged(let statuses):
            model.objectives = statuses
            return []
        case .runbooksChanged(let runbooks):
            model.setRunbooks(runbooks)
            relayoutRunbook(&model)
            return []
        case .onCallChanged(let board):
            model.onCall = board
            model.onCallSelection = min(model.onCallSelection, max(0, board.entries.count - 1))
            return []
        case .escalationsChanged(let statuses, let engine, let targets):
            model.escalations = statuses
            model.escalationEngine = engine
            model.pageTargets = targets
            return []
        case .incidentRead(let id):
            if model.incidents[id] != nil {
                open(id, &model)
            } else if model.storeUnreachableSince != nil {
                // Not read is not "not there".
                model.message = .init(
                    text: "\(id) cannot be read while the journal store does not answer; try again once it does",
                    isError: true)
            } else {
                model.message = .init(
                    text: "there is no incident \(id); klaxon incident list --all lists them all", isError: true)
            }
            return []
        case .declareFailed(let reason):
            // Nothing was written; what was typed comes back in its dialog.
            if let form = model.declaring { model.overlay = .form(form) }
            model.declaring = nil
            model.message = .init(text: "NOT DECLARED: \(reason); what you typed is kept here", isError: true)
            return []
        case .incidentsUnread(let reason):
            model.incidentsUnread = reason
            if let reason { model.message = .init(text: reason, isError: true) }
            return []
        case .declared(let id):
            model.declaring = nil
            model.message = .init(text: "\(id) declared", isError: false)
            // As `klaxon incident declare` warns: a serious incident nobody is paged for is said, in red.
            if let incident = model.incidents[id], incident.severity <= .sev2, !incident.hasEscalationToStop {
                model.message = .init(
                    text:
                        "\(id) declared; it is \(incident.severity.name) and pages nobody: it has no escalation policy; P pages a policy or a person",
                    isError: true)
            }
            open(id, &model)
            return []
        case .drillChanged(let status):
            if let page = status.pages.last, status.pages.count > (model.drill?.pages.count ?? 0) {
                model.message = .init(text: "DRILL sink: \(page.summary)", isError: false)
            }
            model.drill = status
            return []
        case .info(let text):
            model.message = .init(text: text, isError: false)
            return []
        case .failure(let text):
            model.message = .init(text: text, isError: true)
            return []
        case .reviewWritten(let id, let path, let warnings):
            // Anything that went wrong reading the journals is shown in the error style, beside the path.
            model.message = .init(
                text: (["review of \(id) written to \(path)"] + warnings).joined(separator: "; "),
                isError: !warnings.isEmpty, path: path)
            return []
        case .editorFinished(let id, let text):
            guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                model.message = .init(text: "the editor left the note empty; nothing was written", isError: false)
                return []
            }
            model.drafts[id] = nil
            return [.perform(.note(text), incidentID: id)]
        case .saved(let id, let action, let sequence, let kind):
            model.savesInFlight = max(0, model.savesInFlight - 1)
            if case .note(let text) = action, model.savingNotes[id] == text { model.savingNotes[id] = nil }
            if case .postUpdate(let text, _) = action, model.savingUpdates[id] == text { model.savingUpdates[id] = nil }
            model.message = .init(text: "\(id) #\(sequence) \(kind) recorded", isError: false)
            // A resolution (r, or s and resolved) is followed by the offer of the final update.
            if case .resolve = action {
                offerFinalUpdate(id, &model)
            } else if action == .setStatus(.resolved) {
                offerFinalUpdate(id, &model)
            }
            return []
        case .saveFailed(let id, let action, let reason, let mayBeSaved):
            model.savesInFlight = max(0, model.savesInFlight - 1)
            if case .note(let text) = action {
                if model.savingNotes[id] == text { model.savingNotes[id] = nil }
                // Whatever was begun meanwhile is kept after the note that failed.
                let later = model.drafts[id].map { "\n\n" + $0 } ?? ""
                model.drafts[id] = text + later
                // Sent, its answer lost: perhaps saved, so the draft is not to be saved again blind.
                let state =
                    mayBeSaved
                    ? "MAY BE SAVED (the store's answer was lost), note kept as a draft (n): check the timeline once the store answers before saving it again"
                    : "NOT SAVED, note kept as a draft (n)"
                model.message = .init(text: "\(id): \(state): \(reason)", isError: true)
            } else if case .postUpdate(let text, _) = action {
                if model.savingUpdates[id] == text { model.savingUpdates[id] = nil }
                // Public text typed for the people waiting on it is kept as a note is.
                model.updateDrafts[id] = text + (model.updateDrafts[id].map { "\n\n" + $0 } ?? "")
                let state =
                    mayBeSaved
                    ? "status update MAY BE POSTED (the store's answer was lost), kept as a draft (U): check the timeline once the store answers before posting it again"
                    : "status update NOT POSTED, kept as a draft (U)"
                model.message = .init(text: "\(id): \(state): \(reason)", isError: true)
            } else {
                let state = mayBeSaved ? "may be recorded (the store's answer was lost)" : "not recorded"
                model.message = .init(text: "\(id): \(state): \(reason)", isError: true)
            }
            return []
        case .key(let key):
            model.typeAhead = .init()
            return handle(key, &model)
        }
    }

    /// The keys of one read. After a key that ends a dialog, the rest of the read is typed ahead and
    /// ignored, as are the reads that follow it closely (`ConsoleModel.TypeAhead`).
    static func input(_ keys: [Key], at time: Timestamp, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        if model.typeAhead.continues(at: time) {
            model.typeAhead.since = time
            model.typeAhead.ignored += typed(keys)
            return []
        }
        model.typeAhead = .init()
        var effects: [ConsoleEffect] = []
        var i = keys.startIndex
        while i < keys.endIndex {
            if case .character = keys[i], textFieldIsOpen(model) {
                let run = keys[i...].prefix { if case .character = $0 { true } else { false } }
                var text = ""
                for case .character(let c) in run { text.append(c) }
                var fits = true
                _ = editTextField(&model) { fits = $0.insert(text) }
                if !fits { model.message = .init(text: fieldFullMessage, isError: true) }
                i += run.count
                continue
            }
            let before = model.overlay
            effects += handle(keys[i], &model)
            i += 1
            // A click's release comes in the read of the press that answered the dialog: not a key typed.
            if endsDialog(before, model.overlay) && typed(keys[i...]) > 0 {
                model.typeAhead = .init(since: time, ignored: typed(keys[i...]))
                break
            }
        }
        return effects
    }

    /// How many of `keys` were typed: mouse reports are not keys, and none is counted as typed ahead.
    static func typed(_ keys: some Collection<Key>) -> Int {
        keys.count { if case .mouse = $0 { false } else { true } }
    }

    /// Whether a key ended the dialog it was typed into: closed it, or put another in its place (the
    /// palette's enter opening a form or a confirmation, which would take the next keys as answers).
    static func endsDialog(_ before: ConsoleModel.Overlay?, _ after: ConsoleModel.Overlay?) -> Bool {
        switch (before, after) {
        case (nil, _): false
        case (_, nil): true
        case (.form(let a)?, .form(let b)?): a.purpose != b.purpose
        case (.confirm(let a)?, .confirm(let b)?): a != b
        case (.help?, .help?), (.tableOfContents?, .tableOfContents?), (.palette?, .palette?),
            (.searchInput?, .searchInput?):
            false
        default: true
        }
    }

    // MARK: - Keys

    static func handle(_ key: Key, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        if model.isTooSmall {
            if key == .character("q") || key == .control("c") {
                model.quitting = true
                return [.quit]
            }
            return []
        }
        if case .mouse(let event) = key { return mouse(event, &model) }
        if case .paste(let text, let cut) = key {
            paste(text, cut: cut, &model)
            return []
        }
        if let overlay = model.overlay { return handleOverlay(key, overlay, &model) }
        model.message = nil
        if key == .control("c") { return perform(.quit, &model) }
        // `n` is "next match" while a search is shown, and "note" otherwise.
        let screen = model.screen
        let candidates = Keymap.bindings.filter { $0.keys.contains(key) && $0.scope.applies(on: screen) }.map(\.action)
            .filter { action in
                if action == .searchNext || action == .searchPrevious { return model.search != nil }
                return true
            }
        guard let action = candidates.first else { return [] }
        return perform(action, &model)
    }

    /// Carries out `action` (from a key or the palette).
    public static func perform(_ action: ConsoleAction, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        if model.screen == .runbooks, let effects = runbookAction(action, &model) { return effects }
        if model.screen == .status, let effects = statusAction(action, &model) { return effects }
        if action.writes && model.readOnly {
            model.message = .init(
                text: "read-only console: \(Keymap.binding(for: action)?.summary ?? "that") is not available",
                isError: true)
            return []
        }
        switch action {
        case .help: model.overlay = .help(scroll: 0)
        case .quit:
            if model.hasUnsavedDraft {
                model.overlay = .confirm(.quitLosingDrafts)
            } else {
                return quitUnlessItStopsPages(&model)
            }
        case .back:
            if model.search != nil {
                model.search = nil
            } else if model.screen == .incident {
                model.screen = model.incidentOpenedFrom
            } else if model.screen != .dashboard {
                model.screen = .dashboard
            }
        case .redraw: return [.redraw]
        case .palette: model.overlay = .palette(.init())
        case .dashboard: model.screen = .dashboard
        case .incidentScreen:
            if model.currentIncidentID == nil, let first = model.targetIncident ?? model.openIncidents.first {
                open(first.id, &model)
            } else {
                showIncidentScreen(&model)
            }
        case .statusScreen: model.screen = .status
        case .worst: openWorst(&model)
        case .failuresFirst:
            let selected =
                model.boardRows.indices.contains(model.checkSelection)
                ? model.boardRows[model.checkSelection].definition.name : nil
            model.failuresFirst.toggle()
            model.checkSelection = model.boardRows.firstIndex { $0.definition.name == selected } ?? 0
            model.message = .init(
                text: model.failuresFirst ? "failures first (F: as configured)" : "as configured (F: failures first)",
                isError: false)
        case .onCallScreen: model.screen = .onCall
        case .runbooksScreen:
            model.screen = .runbooks
            relayoutRunbook(&model)
        case .reportsScreen: model.screen = .reports
        case .alertsScreen: model.screen = .alerts
        case .objectivesScreen: model.screen = .objectives
        case .takePager: askToTakePager(&model)
        case .exportReview:
            guard let incident = model.targetIncident else {
                model.message = .init(text: "select an incident first", isError: true)
                return []
            }
            return [.exportReview(incidentID: incident.id)]
        case .nextPane, .previousPane:
            let step = action == .nextPane ? 1 : -1
            if model.screen == .dashboard { model.dashboardPane = model.dashboardPane.cycled(by: step) }
            if model.screen == .incident { model.timeline.pane = model.timeline.pane.cycled(by: step) }
        case .up, .down, .pageUp, .pageDown, .top, .bottom: move(action, &model)
        case .open:
            if model.screen == .dashboard, let target = model.targetIncident { open(target.id, &model) }
            if model.screen == .alerts, let alert = model.selectedAlert {
                guard let incident = model.incident(ofAlert: alert) else {
                    model.message = .init(
                        text:
                            "\(alert.id) is on no incident: \(AlertRouting.whyOnNoIncident(alert, routes: model.alertRoutes)) (d declares one for it)",
                        isError: true)
                    return []
                }
                open(incident.id, &model)
            }
        case .search: model.overlay = .searchInput(TextBuffer(model.search?.query ?? ""))
        case .searchNext, .searchPrevious: stepSearch(action == .searchNext ? 1 : -1, &model)
        case .toggleUTC: model.timeline.showUTC.toggle()
        case .openRunbook:
            // An alert on no incident may still name its runbook (`runbook_url`): a link, shown to be opened.
            if model.screen == .alerts, let alert = model.selectedAlert, model.incident(ofAlert: alert) == nil {
                model.message = .init(
                    text: alert.runbookURL.map { "\(alert.id)'s runbook: \($0)" }
                        ?? "\(alert.id) names no runbook and is on no incident",
                    isError: alert.runbookURL == nil)
                return []
            }
            return openIncidentRunbook(&model)
        case .filterKind:
            guard model.screen == .incident, let incident = model.currentIncident else { return [] }
            var kinds: [ConsoleModel.Form.Option] = [.kind(nil)]
            for record in incident.timeline {
                let kind = ConsoleModel.Form.Option.kind(TimelineText.kind(of: record))
                if !kinds.contains(kind) { kinds.append(kind) }
            }
            let selected = kinds.firstIndex(of: .kind(model.timeline.kindFilter)) ?? 0
            model.overlay = .form(
                .init(
                    purpose: .filterKind, title: "Show only",
                    fields: [.choice(.kind, "kind", kinds, selected: selected)],
                    hint: "j/k choose · enter apply · esc cancel"))
        case .declare:
            // Paging is chosen, never a default: `d`, a title and enter declare an incident that pages nobody
            // (klaxon.yaml names no default policy), and the line under the choice says what each one does.
            let policies = model.pageTargets.compactMap(\.policy)
            // On the alerts screen, for the alert selected: titled by it, and its group goes on the incident.
            let alert = model.screen == .alerts ? model.selectedAlert : nil
            let title = alert.map {
                TerminalText.printable($0.summary == $0.name ? $0.name : "\($0.name): \($0.summary)")
            }
            // On the status board, the selected check's service (`service:` in klaxon.yaml).
            let rows = model.boardRows
            let check =
                model.screen == .status && rows.indices.contains(model.checkSelection)
                ? rows[model.checkSelection].definition.service : nil
            var form = ConsoleModel.Form(
                purpose: .declare(attaching: alert?.id),
                title: alert.map { "Declare an incident for \($0.id)" } ?? "Declare an incident",
                fields: [
                    .text(.title, "Title", TextBuffer(String((title ?? "").prefix(200)))),
                    .choice(.severity, "Severity", Severity.allCases.map { .severity($0) }, selected: 2),
                    .text(.service, "Service", TextBuffer(alert?.labels["service"] ?? check ?? ""))
                ], hint: "enter declare · tab complete/next · 1-5 severity · esc set aside")
            if !policies.isEmpty {
                form.fields.append(
                    .choice(
                        .pageBy, "Page by", [.policy(nil)] + policies.map { .policy($0) },
                        notes: ["none: pages nobody (P pages a person or a policy later)"]
                            + policies.map { "\($0): pages now, step by step, until someone acknowledges" }))
            }
            if alert == nil, let draft = model.declareDraft {
                form = draft
                form.focus = 0
            }
            model.overlay = .form(form)
        default:
            return incidentAction(action, &model)
        }
        return []
    }

    /// The actions on one incident: the shown one, or the dashboard's selection.
    static func incidentAction(_ action: ConsoleAction, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        guard let incident = model.targetIncident else {
            // On the alerts screen, the selected alert says why it has no incident to act on.
            if model.screen == .alerts, let alert = model.selectedAlert {
                model.message = .init(
                    text:
                        "\(alert.id) is on no incident: \(AlertRouting.whyOnNoIncident(alert, routes: model.alertRoutes)) (d declares one for it)",
                    isError: true)
                return []
            }
            model.message = .init(text: "select an incident first", isError: true)
            return []
        }
        let id = incident.id
        if model.readOnlyIncidents.contains(id) {
            model.message = .init(
                text:
                    "\(id) is read-only here: its journal is damaged (klaxon journal verify \(id) says where) or this process may not write it (the file's permissions, or the database role's privileges: klaxon journal init --grant)",
                isError: true)
            return []
        }
        switch action {
        case .note:
            openNoteEditor(id, text: model.drafts[id] ?? "", &model)
        case .noteInEditor:
            return [.openEditor(incidentID: id, initialText: model.drafts[id] ?? "")]
        case .postUpdate:
            openUpdateEditor(
                id, text: model.updateDrafts[id] ?? "", phase: incident.nextUpdatePhase, offered: nil, &model)
        case .setStatus:
            model.overlay = .form(
                .init(
                    purpose: .status(id), title: "Status of \(id)",
                    fields: [
                        .choice(
                            .status, "status", IncidentStatus.allCases.map { .status($0) },
                            selected: IncidentStatus.allCases.firstIndex(of: incident.status) ?? 0)
                    ],
                    hint: "j/k choose · enter set · esc cancel"))
        case .setSeverity:
            model.overlay = .form(
                .init(
                    purpose: .severity(id), title: "Severity of \(id)",
                    fields: [
                        .choice(
                            .severity, "severity", Severity.allCases.map { .severity($0) },
                            selected: Severity.allCases.firstIndex(of: incident.severity) ?? 0)
                    ],
                    hint: "1-5 or j/k and enter · esc cancel"))
        case .assignRole:
            model.overlay = .form(
                .init(
                    purpose: .assignRole(id), title: "Assign a role on \(id)",
                    fields: [
                        .choice(.role, "Role", Incident.standardRoles.map { .role($0) }),
                        .text(.person, "Person", TextBuffer(model.user))
                    ], hint: "tab completes/next field · enter assign · esc cancel"))
        case .acknowledge:
            // A second ack records nothing: the incident stays acknowledged by whoever did it first.
            if case .acknowledged(let by, let at, _, _) = model.pagingState(of: incident) {
                model.message = .init(
                    text:
                        "\(id) was already acknowledged by \(by) at \(PagingState.when(at, now: model.now, formatter: model.formatter))",
                    isError: false)
                return []
            }
            return [.perform(.acknowledge, incidentID: id)]
        case .mitigate: model.overlay = .confirm(.mitigate(id))
        case .resolve:
            // Not a y/n question as m's is: a `y` typed as for m lands in the summary, and alone it is read as that yes.
            model.overlay = .form(
                .init(
                    purpose: .resolve(id), title: "Resolve \(id)? \(incident.title)",
                    fields: [.text(.summary, "Summary")],
                    hint: "enter resolves · esc cancels · summary optional (a lone y is none)"))
        case .reopen: model.overlay = .confirm(.reopen(id))
        case .page:
            guard !model.pageTargets.isEmpty else {
                model.message = .init(text: "nobody to page: Escalation/ has no people or policies", isError: true)
                return []
            }
            model.overlay = .form(
                .init(
                    purpose: .page(id), title: "Page for \(id)",
                    fields: [.choice(.whom, "whom", model.pageTargets.map { .target($0) })],
                    hint: "j/k choose · enter page now · esc cancel"))
        case .escalateNow:
            // The engine's own check, on the state this console shows (the engine's, each second).
            if let refusal = model.pagingState(of: incident).escalateNowRefusal(
                id, now: model.now, formatter: model.formatter)
            {
                model.message = .init(text: refusal, isError: true)
                return []
            }
            model.overlay = .confirm(.escalateNow(id, decidedAtRecord: incident.recordCount))
        case .stopEscalation:
            guard incident.hasEscalationToStop else {
                model.message = .init(text: "\(id) has no escalation running", isError: true)
                return []
            }
            model.overlay = .confirm(.stopEscalation(id))
        case .addActionItem:
            model.overlay = .form(
                .init(
                    purpose: .actionItem(id), title: "Action item on \(id)",
                    fields: [
                        .text(.toDo, "To do"), .text(.owner, "Owner")
                    ], hint: "tab completes/next field · enter add · esc cancel"))
        case .completeActionItem:
            guard model.screen == .incident, model.timeline.pane == .actionItems else {
                model.message = .init(text: "select an action item first (tab to the action items pane)", isError: true)
                return []
            }
            let open = incident.actionItems
            guard open.indices.contains(model.timeline.actionItemSelection) else { return [] }
            return [.perform(.completeActionItem(open[model.timeline.actionItemSelection].number), incidentID: id)]
        case .addLink:
            model.overlay = .form(
                .init(
                    purpose: .link(id), title: "Link on \(id)", fields: [.text(.link, "Runbook or URL")],
                    hint: "tab completes a runbook · enter link · esc cancel"))
        default: break
        }
        return []
    }

    /// Opens the note dialog on incident `id` with `text` in it.
    static func openNoteEditor(_ id: String, text: String, _ model: inout ConsoleModel) {
        model.overlay = .form(
            .init(
                purpose: .note(id), title: "Note on \(id)",
                fields: [.text(.note, "", TextBuffer(text, multiline: true))],
                hint: "enter save · alt-enter new line · esc set aside as a draft"))
    }

    // MARK: - Take the pager

    /// `t` on the on-call screen: asks whether this console's user takes the pager of the selected
    /// schedule from now until the end of the current shift; says why not when they cannot.
    static func askToTakePager(_ model: inout ConsoleModel) {
        func refuse(_ why: String) { model.message = .init(text: why, isError: true) }
        guard model.screen == .onCall else { return refuse("take the pager from the on-call screen (4)") }
        guard let entry = model.selectedOnCallEntry else {
            return refuse("no schedule to take the pager of: Escalation/schedules/ has none")
        }
        let user = model.user
        let local = LocalTimeFormatter(timeZone: model.timeZone)
        if entry.users.contains(user) {
            let until = entry.until.map { " until " + OnCallView.shortTime($0, local, model.now) } ?? ""
            return refuse("you (\(user)) are already on call in \(entry.schedule)\(until)")
        }
        guard let board = model.onCall, board.people[user] != nil else {
            return refuse(
                "you (\(user)) are not in Escalation/people.yaml: add yourself there to go on call (klaxon config validate)"
            )
        }
        guard let until = entry.until else {
            return refuse(
                "\(entry.schedule) has no handoff within a year: klaxon oncall override \(entry.schedule) --user \(user) --from now --to TIME"
            )
        }
        guard until > ScheduleOverride.minute(model.now) else {
            return refuse("the current shift of \(entry.schedule) ends within the minute")
        }
        model.overlay = .confirm(.takePager(schedule: entry.schedule, until: until, replacing: entry.users))
    }

    // MARK: - A second incident for the same thing

    /// The answer to "INC-7 is open for registry": `n` notes the declaration's title on it instead, `d`
    /// declares anyway, esc goes back to the dialog as it was typed; any other key leaves the question up.
    static func answerDeclareBeside(
        _ key: Key, _ confirmation: ConsoleModel.Confirmation, _ model: inout ConsoleModel
    ) -> [ConsoleEffect] {
        guard case .declareBeside(let open, let declaration, let alert) = confirmation else { return [] }
        switch key {
        case .character("n"):
            model.declaring = nil
            guard model.incidents[open.id] != nil, !model.readOnlyIncidents.contains(open.id) else {
                model.message = .init(
                    text: "\(open.id) cannot be written here (klaxon journal verify \(open.id)); nothing was noted",
                    isError: true)
                return []
            }
            self.open(open.id, &model)
            let draft = model.drafts[open.id].map { $0 + "\n\n" } ?? ""
            openNoteEditor(open.id, text: draft + declaration.title, &model)
            model.message = .init(
                text: "not declared: the note goes on \(open.id) (enter saves it, esc sets it aside)", isError: false)
            return []
        case .character("d"):
            if let since = model.storeUnreachableSince {
                if let form = model.declaring { model.overlay = .form(form) }
                model.declaring = nil
                model.message = .init(text: refusal(since, model) + "; what you typed is kept here", isError: true)
                return []
            }
            return [alert.map { .declareForAlert(declaration, alert: $0) } ?? .declare(declaration)]
        case .escape:
            if let form = model.declaring { model.overlay = .form(form) }
            model.declaring = nil
            return []
        default:
            model.overlay = .confirm(confirmation)
            model.message = .init(
                text: "\(open.id) is open for \(open.service): n notes it there, d declares anyway, esc goes back",
                isError: true)
            return []
        }
    }

    // MARK: - Status updates

    /// Opens the status update's editor on incident `id`: `text`, and `phase` chosen (one of the
    /// incident's statuses). The text is public: the title says so, as notes are not.
    static func openUpdateEditor(
        _ id: String, text: String, phase: IncidentStatus, offered: String?, _ model: inout ConsoleModel
    ) {
        // Only what can be posted: `resolved` on a resolved incident and only then (found by a walkthrough:
        // the final update's editor offered phases that its save refused).
        let phases = phase == .resolved ? [.resolved] : IncidentStatus.allCases.filter { $0 != .resolved }
        model.overlay = .form(
            .init(
                purpose: .update(id, offered: offered),
                title: offered == nil
                    ? "Public status update on \(id)" : "\(id) is resolved: post the final public status update?",
                fields: [
                    .text(.update, "", TextBuffer(text, multiline: true)),
                    .choice(.phase, "Phase", phases.map { .status($0) }, selected: phases.firstIndex(of: phase) ?? 0)
                ],
                hint: offered == nil
                    ? "ctrl-s post · tab phase · enter new line · esc set aside as a draft"
                    : "ctrl-s post · tab phase · enter new line · esc posts nothing"))
    }

    /// Once this console's resolution is on disk, the final update is offered, never posted by itself: the
    /// editor opens with phase `resolved` (and an update's draft, if one was set aside), never with the
    /// resolution's summary: that is internal, and would be one ctrl-s from the public. A dialog opened
    /// meanwhile is left alone; the bottom line then says how to post it.
    static func offerFinalUpdate(_ id: String, _ model: inout ConsoleModel) {
        guard model.overlay == nil else {
            model.message?.text += " · U posts the final status update"
            return
        }
        openUpdateEditor(
            id, text: model.updateDrafts[id] ?? "", phase: .resolved,
            offered: model.updateDrafts[id] == nil ? "" : nil, &model)
    }

    /// esc in the update's editor: what was typed is set aside as a draft (`U` continues it); the text the
    /// console offered, untouched, is dropped (the offer is declined, nothing is posted).
    static func setUpdateAside(_ id: String, _ form: ConsoleModel.Form, offered: String?, _ model: inout ConsoleModel) {
        let text = form.rawText(.update)
        if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && text != offered {
            model.updateDrafts[id] = text
            model.message = .init(text: "status update set aside; U continues it", isError: false)
        } else if offered != nil {
            model.message = .init(text: "no final status update posted; U posts one", isError: false)
        } else {
            model.updateDrafts[id] = nil
        }
    }

    /// Opens incident `id` at its newest entries (following the end), even when it is the one last
    /// shown and was left scrolled up; `2` goes back to it as it was left.
    /// `!`: the most urgent thing. The most severe incident nobody has acknowledged (the oldest of those),
    /// else the check down longest (the status board, it selected, its detail open); else says so.
    static func openWorst(_ model: inout ConsoleModel) {
        let unacknowledged = model.openIncidents.filter { $0.keyTimes[.acknowledged] == nil }
        if let worst = unacknowledged.min(by: { ($0.severity, $0.declaredAt) < ($1.severity, $1.declaredAt) }) {
            open(worst.id, &model)
            model.message = .init(text: "\(worst.id): the most severe incident nobody has acknowledged", isError: false)
            return
        }
        let rows = model.boardRows
        let down = rows.indices.filter { rows[$0].state == .down }
        if let longest = down.min(by: { (rows[$0].since ?? model.now) < (rows[$1].since ?? model.now) }) {
            model.screen = .status
            model.checkSelection = longest
            model.showingCheckDetail = true
            model.message = .init(text: "\(rows[longest].definition.name): down longest", isError: false)
            return
        }
        model.message = .init(
            text: "nothing urgent: every open incident is acknowledged and no check is down", isError: false)
    }

    static func open(_ id: String, _ model: inout ConsoleModel) {
        if model.currentIncidentID != id {
            model.timeline = .init()
            model.search = nil
        } else {
            model.timeline.cursor = nil
            model.timeline.top = 0
            model.timeline.pane = .timeline
        }
        model.currentIncidentID = id
        showIncidentScreen(&model)
    }

    /// Shows the incident screen; esc goes back to the screen it came from (the Alerts screen, on its alert).
    static func showIncidentScreen(_ model: inout ConsoleModel) {
        if model.screen != .incident { model.incidentOpenedFrom = model.screen }
        model.screen = .incident
    }

    // MARK: - Movement

    /// Moves the selection of the list shown; a page is as many rows as the list shows (`ScreenGeometry`).
    static func move(_ action: ConsoleAction, _ model: inout ConsoleModel) {
        func stepped(_ value: Int, count: Int, page: Int) -> Int {
            Self.stepped(action, value, count: count, page: max(1, page))
        }
        let geometry = ScreenGeometry(model)
        switch model.screen {
        case .dashboard:
            let resolved = model.resolvedIncidents
            let lists = geometry.dashboard(open: model.openIncidents.count, resolved: resolved.count)
            switch model.dashboardPane {
            case .open:
                model.openSelection = stepped(
                    model.openSelection, count: model.openIncidents.count, page: lists.openRows)
            case .resolved:
                model.resolvedSelection = stepped(
                    model.resolvedSelection, count: resolved.count, page: lists.resolvedRows)
            }
        case .incident:
            guard let incident = model.currentIncident else { return }
            let layout = IncidentLayout(model)
            switch model.timeline.pane {
            case .actionItems:
                model.timeline.actionItemSelection = stepped(
                    model.timeline.actionItemSelection, count: incident.actionItems.count,
                    page: layout.actionItemRows)
            case .links:
                model.timeline.linkSelection = stepped(
                    model.timeline.linkSelection, count: incident.links.count, page: layout.linkRows)
            case .timeline:
                // A record takes a line or more: a page of records never skips one that was not shown.
                let count = model.visibleRecords.count
                if action == .bottom {
                    model.timeline.cursor = nil
                    return
                }
                let current = model.timeline.cursor ?? max(0, count - 1)
                model.timeline.cursor = stepped(current, count: count, page: layout.timelineRows)
            }
        case .alerts:
            model.alertListSelection = stepped(
                model.alertListSelection, count: model.alertRows.count, page: geometry.alertListRows)
        case .onCall:
            let count = model.onCall?.entries.count ?? 0
            model.onCallSelection = stepped(model.onCallSelection, count: count, page: count)
        case .objectives:
            model.objectiveSelection = stepped(
                model.objectiveSelection, count: model.objectiveRows.count, page: geometry.objectiveListRows)
        case .reports:
            let hidden = ReportLines.lines(model).count - geometry.reportLines
            model.reportsScroll = stepped(model.reportsScroll, count: max(1, hidden + 1), page: geometry.reportLines)
        default: break
        }
    }

    // MARK: - Search

    static func startSearch(_ query: String, _ model: inout ConsoleModel) {
        guard !query.isEmpty else {
            model.search = nil
            return
        }
        model.search = .init(query: query, matches: [], current: 0)
        refreshSearch(&model)
        // On the dashboard, the other list when the one in focus has no match.
        if model.screen == .dashboard, model.search?.matches.isEmpty ?? true {
            model.dashboardPane = model.dashboardPane == .open ? .resolved : .open
            refreshSearch(&model)
            if model.search?.matches.isEmpty ?? true {
                model.dashboardPane = model.dashboardPane == .open ? .resolved : .open
                refreshSearch(&model)
            }
        }
        guard let search = model.search, !search.matches.isEmpty else {
            let scope =
                model.screen == .dashboard
                ? " in the open incidents or those resolved in the last 7 days (/ and an id opens an older one)" : ""
            model.message = .init(text: "no match for \"\(query)\"\(scope)", isError: true)
            return
        }
        // From the selection (or the top of the runbook shown) on, the first match.
        let from = model.screen == .runbooks ? (model.runbookScreen.open?.top ?? 0) : (model.timeline.cursor ?? 0)
        model.search?.current = search.matches.firstIndex { $0 >= from } ?? 0
        showCurrentMatch(&model)
    }

    static func refreshSearch(_ model: inout ConsoleModel) {
        guard let query = model.search?.query.lowercased() else { return }
        let formatter = model.formatter
        let matches: [Int]
        if model.screen == .runbooks {
            let lines = model.runbookScreen.open?.page.lines ?? []
            matches = lines.indices.filter { lines[$0].text.lowercased().contains(query) }
        } else if model.screen == .incident {
            let records = model.visibleRecords
            matches = records.indices.filter { i in
                let record = records[i]
                return
                    (record.actor + " " + TimelineText.kind(of: record) + " "
                    + TimelineText.text(of: record, formatter: formatter))
                    .lowercased().contains(query)
            }
        } else {
            let list = model.dashboardPane == .open ? model.openIncidents : model.resolvedIncidents
            matches = list.indices.filter { i in
                (list[i].id + " " + list[i].title + " " + list[i].services.joined(separator: " ")).lowercased()
                    .contains(query)
            }
        }
        model.search?.matches = matches
        if let search = model.search, search.current >= search.matches.count { model.search?.current = 0 }
    }

    static func stepSearch(_ step: Int, _ model: inout ConsoleModel) {
        guard var search = model.search, !search.matches.isEmpty else { return }
        search.current = (search.current + step + search.matches.count) % search.matches.count
        model.search = search
        showCurrentMatch(&model)
    }

    static func showCurrentMatch(_ model: inout ConsoleModel) {
        guard let search = model.search, search.matches.indices.contains(search.current) else { return }
        let target = search.matches[search.current]
        if model.screen == .runbooks, let open = model.runbookScreen.open {
            let rows = ScreenGeometry(model).runbookRows
            if target < open.top || target >= open.top + rows {
                model.runbookScreen.open?.top = max(0, target - rows / 3)
            }
        } else if model.screen == .incident {
            model.timeline.pane = .timeline
            model.timeline.cursor = target
        } else if model.dashboardPane == .open {
            model.openSelection = target
        } else {
            model.resolvedSelection = target
        }
        model.message = .init(
            text:
                "\"\(search.query)\": match \(search.current + 1) of \(search.matches.count) · n next · N previous · esc clears",
            isError: false)
    }

    /// Quits, unless this console sends the workspace's pages and some are due: then it asks first,
    /// since quitting could stop every escalation (nobody else pages now; whether a `klaxon watch` or
    /// another console is waiting to take over, this console cannot know: they try the engine lock each
    /// second without queueing on it).
    static func quitUnlessItStopsPages(_ model: inout ConsoleModel) -> [ConsoleEffect] {
        let paging = model.incidentsThisConsolePages
        guard paging.isEmpty else {
            model.overlay = .confirm(.quitStoppingPages(paging))
            return []
        }
        model.quitting = true
        return [.quit]
    }

    // MARK: - Text fields

    static let fieldFullMessage = "a field holds at most \(TextBuffer.maximumCount) characters; the rest was left out"

    static func textFieldIsOpen(_ model: ConsoleModel) -> Bool {
        switch model.overlay {
        case .searchInput?, .palette?: true
        case .form(let form)?: form.fields[form.focus].buffer != nil
        default: false
        }
    }

    /// Applies `edit` to the open text field (the search line, the palette's, a form's focused text
    /// field); false when none is open.
    static func editTextField(_ model: inout ConsoleModel, _ edit: (inout TextBuffer) -> Void) -> Bool {
        switch model.overlay {
        case .searchInput(var buffer)?:
            edit(&buffer)
            model.overlay = .searchInput(buffer)
            narrowRunbookList(to: buffer.text, &model)
        case .palette(var palette)?:
            edit(&palette.input)
            palette.selection = 0
            model.overlay = .palette(palette)
        case .form(var form)?:
            guard case .text(var buffer) = form.fields[form.focus].value else { return false }
            let before = buffer.text
            edit(&buffer)
            form.fields[form.focus].value = .text(buffer)
            model.overlay = .form(form)
            if buffer.text != before { dropDialogError(&model) }
        default:
            return false
        }
        return true
    }

    /// What a dialog said was wrong (a missing title, a service nobody names) goes once the field it was
    /// about changes: a warning about "regsitry" left beside "registry" would be false.
    static func dropDialogError(_ model: inout ConsoleModel) {
        if model.message?.isError == true { model.message = nil }
    }

    /// A paste goes into the open text field as text, whatever it holds (`TextBuffer.paste`: a line
    /// break never submits); with no text field open it is ignored. Pasted text is never keys.
    static func paste(_ text: String, cut: Bool, _ model: inout ConsoleModel) {
        var fits = true
        guard editTextField(&model, { fits = $0.paste(text) }) else {
            model.message = .init(text: "paste ignored: no text field is open", isError: true)
            return
        }
        if !fits {
            model.message = .init(text: fieldFullMessage, isError: true)
        } else if cut {
            model.message = .init(
                text:
                    "only the start of the paste was kept: it was longer than \(InputLimits.textBytes) bytes, or it never ended",
                isError: true)
        }
    }

    // MARK: - Overlays

    static func handleOverlay(_ key: Key, _ overlay: ConsoleModel.Overlay, _ model: inout ConsoleModel)
        -> [ConsoleEffect]
    {
        switch overlay {
        case .help(let scroll):
            switch key {
            case .character("j"), .down: model.overlay = .help(scroll: scroll + 1)
            case .character("k"), .up: model.overlay = .help(scroll: max(0, scroll - 1))
            case .pageDown, .character(" "): model.overlay = .help(scroll: scroll + model.rows / 2)
            case .pageUp: model.overlay = .help(scroll: max(0, scroll - model.rows / 2))
            case .character("q"):
                model.overlay = nil
                return perform(.quit, &model)
            default: model.overlay = nil
            }
            return []
        case .confirm(let confirmation):
            model.overlay = nil
            if case .declareBeside = confirmation { return answerDeclareBeside(key, confirmation, &model) }
            guard key == .character("y") || key == .character("Y") else {
                model.message = .init(text: "cancelled", isError: false)
                return []
            }
            switch confirmation {
            case .quitLosingDrafts:
                return quitUnlessItStopsPages(&model)
            case .quitStoppingPages:
                model.quitting = true
                return [.quit]
            case .reopen(let id):
                return [.perform(.reopen, incidentID: id)]
            case .stopEscalation(let id):
                return [.perform(.stopEscalation, incidentID: id)]
            case .escalateNow(let id, let decidedAtRecord):
                return [.perform(.escalateNow(decidedAtRecord: decidedAtRecord, origin: nil), incidentID: id)]
            case .mitigate(let id):
                return [.perform(.mitigate, incidentID: id)]
            case .takePager(let schedule, let until, _):
                let from = ScheduleOverride.minute(model.now)
                guard until > from else {
                    model.message = .init(
                        text: "the shift of \(schedule) has ended; nothing was recorded", isError: true)
                    return []
                }
                model.message = .init(text: "taking the pager of \(schedule)…", isError: false)
                return [.takePager(schedule: schedule, user: model.user, from: from, to: until)]
            case .declareBeside:
                return []
            }
        case .searchInput(var buffer):
            switch key {
            case .escape:
                model.overlay = nil
                narrowRunbookList(to: "", &model)
            case .enter:
                model.overlay = nil
                // In the runbook list, `/` is the fuzzy find: the list is already narrowed.
                if !isRunbookList(model) { startSearch(buffer.text, &model) }
                // An incident id the dashboard does not list (resolved before its 7 days) is opened.
                if model.screen == .dashboard, model.search?.matches.isEmpty ?? true,
                    let id = IncidentID.normalize(buffer.text.trimmingCharacters(in: .whitespaces))
                {
                    model.search = nil
                    model.message = nil
                    if model.incidents[id] != nil {
                        open(id, &model)
                    } else {
                        return [.readIncident(id: id)]
                    }
                }
            default:
                _ = buffer.handle(key)
                model.overlay = .searchInput(buffer)
                narrowRunbookList(to: buffer.text, &model)
            }
            return []
        case .palette(var palette):
            let matches = Keymap.paletteMatches(palette.input.text, readOnly: model.readOnly, on: model.screen)
            switch key {
            case .escape: model.overlay = nil
            case .enter:
                model.overlay = nil
                guard matches.indices.contains(palette.selection) else { return [] }
                return perform(matches[palette.selection].action, &model)
            case .down, .control("n"):
                palette.selection = min(max(0, matches.count - 1), palette.selection + 1)
                model.overlay = .palette(palette)
            case .up, .control("p"):
                palette.selection = max(0, palette.selection - 1)
                model.overlay = .palette(palette)
            default:
                _ = palette.input.handle(key)
                palette.selection = 0
                model.overlay = .palette(palette)
            }
            return []
        case .form(var form):
            return handleForm(key, &form, &model)
        case .tableOfContents(let selection):
            return handleTableOfContents(key, selection, &model)
        }
    }

    static func isRunbookList(_ model: ConsoleModel) -> Bool {
        model.screen == .runbooks && model.runbookScreen.open == nil
    }

    /// The runbook list's find narrows the list as it is typed (`esc` shows the whole list again).
    static func narrowRunbookList(to query: String, _ model: inout ConsoleModel) {
        guard isRunbookList(model), model.runbookScreen.filter != query else { return }
        model.runbookScreen.filter = query
        model.runbookScreen.selection = 0
    }

    static func handleForm(_ key: Key, _ form: inout ConsoleModel.Form, _ model: inout ConsoleModel) -> [ConsoleEffect]
    {
        let isMultiline = form.fields[form.focus].buffer?.multiline ?? false
        if key == .escape {
            model.overlay = nil
            if case .note(let id) = form.purpose {
                let text = form.rawText(.note)
                model.drafts[id] = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : text
                if model.drafts[id] != nil {
                    model.message = .init(text: "draft set aside; n continues it", isError: false)
                }
            }
            if case .update(let id, let offered) = form.purpose { setUpdateAside(id, form, offered: offered, &model) }
            if case .declare(attaching: nil) = form.purpose {
                model.declareDraft = form.text(.title).isEmpty ? nil : form
                if model.declareDraft != nil {
                    model.message = .init(text: "declaration set aside; d continues it", isError: false)
                }
            }
            return []
        }
        if key == .tab, complete(&form, &model) {
            model.overlay = .form(form)
            dropDialogError(&model)
            return []
        }
        if key == .tab || key == .backTab {
            form.focus = (form.focus + (key == .tab ? 1 : form.fields.count - 1)) % form.fields.count
            model.overlay = .form(form)
            return []
        }
        // A note is saved with enter, as a chat message is sent (alt-enter for a new line, E for the editor;
        // ctrl-s, XOFF in many terminals, still saves). A public update takes ctrl-s: enter is a new line
        // there, so that a stray one never posts to everyone.
        let enterSaves: Bool
        if case .note = form.purpose { enterSaves = true } else { enterSaves = !isMultiline }
        if (key == .enter && enterSaves) || key == .control("s") {
            return submit(form, &model)
        }
        let key = key == .altEnter ? Key.enter : key
        switch form.fields[form.focus].value {
        case .text(var buffer):
            let before = buffer.text
            _ = buffer.handle(key)
            form.fields[form.focus].value = .text(buffer)
            if buffer.text != before { dropDialogError(&model) }
        case .choice(let options, var selected):
            let was = selected
            switch key {
            case .character("j"), .down, .right, .character(" "): selected = (selected + 1) % options.count
            case .character("k"), .up, .left: selected = (selected + options.count - 1) % options.count
            case .character(let c) where c.isNumber:
                // Digits pick directly: 1-5 for severities; a severity picker submits at once.
                guard let n = c.wholeNumberValue, n >= 1, n <= options.count else { break }
                selected = n - 1
                form.fields[form.focus].value = .choice(options, selected: selected)
                if case .severity = form.purpose { return submit(form, &model) }
            default: break
            }
            if selected != was { dropDialogError(&model) }
            form.fields[form.focus].value = .choice(options, selected: selected)
        }
        model.overlay = .form(form)
        return []
    }

    /// Turns a filled form into effects, or keeps it open with a message saying what is missing.
    static func submit(_ form: ConsoleModel.Form, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        func keepOpen(_ why: String) -> [ConsoleEffect] {
            model.overlay = .form(form)
            model.message = .init(text: why, isError: true)
            return []
        }
        /// Keeps the dialog open once with `warnings` (names the workspace does not know), unless this is
        /// the enter after that same warning: then nil, and the dialog goes ahead.
        func warnOnce(_ warnings: [String]) -> [ConsoleEffect]? {
            guard !warnings.isEmpty else { return nil }
            let text = warnings.joined(separator: "; ") + " · enter again to go ahead"
            guard form.warned != text else { return nil }
            var warnedForm = form
            warnedForm.warned = text
            model.overlay = .form(warnedForm)
            model.message = .init(text: text, isError: true)
            return []
        }
        model.overlay = nil
        // Whatever was typed stays in its dialog while the store does not answer (keys read together, as
        // `n`, the text and ctrl-s may be, open and submit it in one message).
        if let since = model.storeUnreachableSince {
            if case .filterKind = form.purpose {
            } else {
                return keepOpen(
                    refusal(since, model)
                        + "; what you typed is kept here: save again once it answers (esc keeps a note as a draft)")
            }
        }
        switch form.purpose {
        case .declare(let alert):
            let title = form.text(.title)
            let service = form.text(.service)
            guard !title.isEmpty else { return keepOpen("the incident needs a title") }
            var severity = Severity.sev3
            var policy: String?
            if case .severity(let chosen)? = form.choice(.severity) { severity = chosen }
            if case .policy(let name)? = form.choice(.pageBy) { policy = name }
            let services =
                service.isEmpty ? [] : service.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            // A service nothing in the workspace names: said once, with the closest (issue 26, point 3).
            if let warned = warnOnce(services.compactMap(model.workspaceNames.serviceWarning)) { return warned }
            model.declaring = form  // given back if the declaration fails
            if alert == nil { model.declareDraft = nil }
            let declaration = Declaration(
                title: title, severity: severity,
                services: services, commander: model.user, policy: policy)
            // A service that already has an open incident: asked whether to note it there instead.
            if let open = OpenIncidentForService.find(for: declaration.services, among: model.openIncidents) {
                model.overlay = .confirm(.declareBeside(open, declaration, alert: alert))
                return []
            }
            return [alert.map { .declareForAlert(declaration, alert: $0) } ?? .declare(declaration)]
        case .note(let id):
            guard !form.text(.note).isEmpty else { return keepOpen("the note is empty") }
            model.drafts[id] = nil
            return [.perform(.note(form.rawText(.note).trimmingCharacters(in: .newlines)), incidentID: id)]
        case .update(let id, _):
            let text = form.text(.update)
            guard !text.isEmpty else {
                return keepOpen(
                    "the status update is empty: write what the people who depend on the platform should know")
            }
            guard case .status(let phase)? = form.choice(.phase) else { return [] }
            model.updateDrafts[id] = nil
            return [.perform(.postUpdate(text: text, phase: phase), incidentID: id)]
        case .status(let id):
            guard case .status(let status)? = form.choice(.status) else { return [] }
            return [.perform(.setStatus(status), incidentID: id)]
        case .severity(let id):
            guard case .severity(let severity)? = form.choice(.severity) else { return [] }
            return [.perform(.setSeverity(severity), incidentID: id)]
        case .assignRole(let id):
            let person = form.text(.person)
            guard !person.isEmpty else { return keepOpen("whom? type the person's id") }
            guard case .role(let role)? = form.choice(.role) else { return [] }
            if let warned = warnOnce([model.workspaceNames.personWarning(person, as: role)].compactMap { $0 }) {
                return warned
            }
            return [.perform(.assign(role: role, user: person), incidentID: id)]
        case .actionItem(let id):
            let toDo = form.text(.toDo)
            let owner = form.text(.owner)
            guard !toDo.isEmpty else { return keepOpen("say what is to be done") }
            return [.perform(.addActionItem(text: toDo, owner: owner.isEmpty ? nil : owner), incidentID: id)]
        case .resolve(let id):
            // A lone "y" is a yes typed as for m's question, not a summary of the incident.
            let summary = form.text(.summary)
            return [
                .perform(
                    .resolve(summary: summary.isEmpty || summary.lowercased() == "y" ? nil : summary), incidentID: id)
            ]
        case .link(let id):
            let target = form.text(.link)
            guard !target.isEmpty else { return keepOpen("give a runbook name or a URL") }
            // As the CLI: a runbook that does not exist is refused (tab completes the names).
            guard WorkspaceNames.isURL(target) || model.runbooksRead else {
                return keepOpen("the runbooks are not read yet; try again in a moment, or link a URL")
            }
            do throws(KlaxonError) {
                return [.perform(.link(try model.workspaceNames.linkTarget(target)), incidentID: id)]
            } catch {
                return keepOpen(error.message)
            }
        case .page(let id):
            guard case .target(let target)? = form.choice(.whom) else { return [] }
            switch target {
            case .policy(let name): return [.perform(.startEscalation(policy: name), incidentID: id)]
            case .person(let user): return [.perform(.page(user: user), incidentID: id)]
            }
        case .filterKind:
            guard case .kind(let kind)? = form.choice(.kind) else { return [] }
            model.timeline.kindFilter = kind
            model.timeline.cursor = nil
            model.timeline.top = 0
            refreshSearch(&model)
            return []
        }
    }
}
