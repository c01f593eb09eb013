import KlaxonCore

/// The mouse's part of `ConsoleUpdate`: a click does what the view says the cell under it means
/// (`Frame.clickTargets` of the screen drawn from the model, which is the screen the responder sees),
/// and the wheel moves as the arrow keys do, `wheelLines` at a time.
extension ConsoleUpdate {
    /// How many rows (records, lines of a runbook) one notch of the wheel moves.
    public static let wheelLines = 3

    /// Handles a click or the wheel. A release, the middle and right buttons, and a click where nothing
    /// is do nothing (and leave the bottom line's message alone).
    static func mouse(_ event: MouseEvent, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        guard event.pressed else { return [] }
        switch event.button {
        case .wheelUp, .wheelDown:
            // In a dialog, only the lists that scroll: a form's arrows change its choices.
            switch model.overlay {
            case nil, .help?, .palette?, .tableOfContents?: break
            default: return []
            }
            // Over a row of another pane (the resolved incidents, the action items), that pane scrolls.
            if model.overlay == nil,
                case .row(let list, _)? = ConsoleView.render(model).click(row: event.row, column: event.column)
            {
                _ = focusPane(of: list, &model)
            }
            let key: Key = event.button == .wheelUp ? .up : .down
            return (0..<wheelLines).flatMap { _ in handle(key, &model) }
        case .left:
            guard let click = ConsoleView.render(model).click(row: event.row, column: event.column) else { return [] }
            return self.click(click, &model)
        default:
            return []
        }
    }

    /// Carries out what a click on a target means.
    static func click(_ click: Click, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        switch click {
        case .key(let key):
            return handle(key, &model)
        case .row(let list, let index):
            model.message = nil
            let wasSelected = select(list, index, &model)
            return wasSelected ? perform(.open, &model) : []
        case .runbookTarget(let index):
            model.message = nil
            guard var open = model.runbookScreen.open, open.page.targets.indices.contains(index) else { return [] }
            let wasSelected = open.selectedTarget == index
            open.selectedTarget = index
            model.runbookScreen.open = open
            // A link is followed at once, as a browser's is; a step, which writes, needs the second click.
            if case .link = open.page.targets[index].kind { return perform(.open, &model) }
            return wasSelected ? perform(.open, &model) : []
        case .paletteMatch(let index):
            guard case .palette(var palette)? = model.overlay else { return [] }
            palette.selection = index
            model.overlay = .palette(palette)
            return handle(.enter, &model)
        case .formField(let field):
            guard case .form(var form)? = model.overlay, form.fields.indices.contains(field) else { return [] }
            form.focus = field
            model.overlay = .form(form)
            return []
        case .formOption(let field, let option):
            guard case .form(var form)? = model.overlay, form.fields.indices.contains(field),
                case .choice(let options, let selected) = form.fields[field].value, options.indices.contains(option)
            else { return [] }
            // A picker (a dialog of choices only) goes ahead on a second click, as a list's row opens; a
            // severity picker at once, as its digits do. In a dialog with text fields the focus stays where
            // the typing goes: a title typed after a severity's click is the title, not digits choosing.
            let isPicker = form.fields.allSatisfy { $0.buffer == nil }
            let wasChosen = form.focus == field && selected == option
            if isPicker { form.focus = field }
            form.fields[field].value = .choice(options, selected: option)
            model.overlay = .form(form)
            if case .severity = form.purpose { return submit(form, &model) }
            return isPicker && wasChosen ? submit(form, &model) : []
        }
    }

    /// Puts the pane `list` is in (the dashboard's open or resolved incidents, the incident screen's
    /// timeline, action items or links) in focus; returns whether it was already. A screen of one list
    /// has its pane in focus always.
    static func focusPane(of list: ConsoleList, _ model: inout ConsoleModel) -> Bool {
        func focus<Pane: Equatable>(_ pane: inout Pane, _ wanted: Pane) -> Bool {
            defer { pane = wanted }
            return pane == wanted
        }
        switch list {
        case .openIncidents: return focus(&model.dashboardPane, .open)
        case .resolvedIncidents: return focus(&model.dashboardPane, .resolved)
        case .timeline: return focus(&model.timeline.pane, .timeline)
        case .actionItems: return focus(&model.timeline.pane, .actionItems)
        case .incidentLinks: return focus(&model.timeline.pane, .links)
        case .checks, .checkAlerts, .alerts, .objectives, .runbooks, .schedules: return true
        }
    }

    /// Selects row `index` of `list`, and its pane; returns whether it was the selection already (its
    /// pane in focus).
    static func select(_ list: ConsoleList, _ index: Int, _ model: inout ConsoleModel) -> Bool {
        func choose(_ value: inout Int, paneFocused: Bool = true) -> Bool {
            defer { value = index }
            return paneFocused && value == index
        }
        switch list {
        case .openIncidents:
            let focused = focusPane(of: list, &model)
            return choose(&model.openSelection, paneFocused: focused)
        case .resolvedIncidents:
            let focused = focusPane(of: list, &model)
            return choose(&model.resolvedSelection, paneFocused: focused)
        case .checks: return choose(&model.checkSelection)
        case .checkAlerts:
            // Enter on the board opens a check; in its detail there is nothing more to open.
            model.alertSelection = index
            return false
        case .alerts: return choose(&model.alertListSelection)
        case .objectives: return choose(&model.objectiveSelection)
        case .runbooks: return choose(&model.runbookScreen.selection)
        case .schedules:
            // Enter on the on-call screen opens nothing: a click selects the schedule `t` acts on.
            model.onCallSelection = index
            return false
        case .actionItems:
            let focused = focusPane(of: list, &model)
            return choose(&model.timeline.actionItemSelection, paneFocused: focused)
        case .incidentLinks:
            let focused = focusPane(of: list, &model)
            return choose(&model.timeline.linkSelection, paneFocused: focused)
        case .timeline:
            let focused = focusPane(of: list, &model)
            let records = model.visibleRecords
            if model.timeline.cursor == nil {
                // Following the end: the records shown stay where they are (their first is the top).
                let layout = IncidentLayout(model)
                model.timeline.top = layout.topForEnd(
                    of: records, formatter: model.formatter, cache: model.timelineCache)
            }
            let current = model.timeline.cursor ?? records.count - 1
            model.timeline.cursor = index
            return focused && current == index
        }
    }
}
