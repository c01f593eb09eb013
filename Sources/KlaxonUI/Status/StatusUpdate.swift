import KlaxonCore

/// Screen 3's part of `ConsoleUpdate`: moving on the board, a check's detail, and its runbook.
extension ConsoleUpdate {
    /// The actions that mean something else on the status board; nil lets the general handling run.
    static func statusAction(_ action: ConsoleAction, _ model: inout ConsoleModel) -> [ConsoleEffect]? {
        let rows = model.boardRows
        switch action {
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            // In an alert source's detail they select an alert (its description and links are shown).
            if model.showingCheckDetail, let alerts = model.detailAlerts {
                // The alert list's rows depend on what the detail shows above it and on the selected
                // alert's description and links, so its page stays a rough one.
                model.alertSelection = stepped(
                    action, model.alertSelection, count: alerts.count, page: max(1, model.rows - 8))
            } else {
                let page = ScreenGeometry(model).statusBoardRows(problems: model.checkProblems.count)
                model.checkSelection = stepped(action, model.checkSelection, count: rows.count, page: page)
            }
        case .open:
            guard !rows.isEmpty else { return [] }
            model.showingCheckDetail = true
            model.alertSelection = 0
        case .back:
            if model.showingCheckDetail { model.showingCheckDetail = false } else { model.screen = .dashboard }
        case .openRunbook:
            guard rows.indices.contains(model.checkSelection) else { return [] }
            let check = rows[model.checkSelection].definition
            guard let name = check.runbook, model.runbook(named: name) != nil else {
                model.message = .init(
                    text: check.runbook.map { "runbook \($0) of \(check.name) is not in Runbooks/" }
                        ?? "\(check.name) names no runbook (runbook: in klaxon.yaml)", isError: true)
                return []
            }
            if model.runbookScreen.open != nil { remember(&model) }
            openRunbook(name, anchor: nil, &model)
        default:
            return nil
        }
        return []
    }
}
