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
            // In a dialog, only the lists that scroll: a form's arrows move between its fields.
            switch model.overlay {
            case nil, .help?, .palette?, .tableOfContents?: break
            default: return []
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
            let focused = model.dashboardPane == .open
            model.dashboardPane = .open
            return choose(&model.openSelection, paneFocused: focused)
        case .resolvedIncidents:
            let focused = model.dashboardPane == .resolved
            model.dashboardPane = .resolved
            return choose(&model.resolvedSelection, paneFocused: focused)
        case .checks: return choose(&model.checkSelection)
        case .checkAlerts:
            // Enter on the board opens a check; in its detail there is nothing more to open.
            model.alertSelection = index
            return false
        case .alerts: return choose(&model.alertListSelection)
        case .objectives: return choose(&model.objectiveSelection)
        case .runbooks: return choose(&model.runbookScreen.selection)
        case .actionItems:
            let focused = model.timeline.pane == .actionItems
            model.timeline.pane = .actionItems
            return choose(&model.timeline.actionItemSelection, paneFocused: focused)
        case .incidentLinks:
            let focused = model.timeline.pane == .links
            model.timeline.pane = .links
            return choose(&model.timeline.linkSelection, paneFocused: focused)
        case .timeline:
            let focused = model.timeline.pane == .timeline
            model.timeline.pane = .timeline
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
