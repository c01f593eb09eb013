import KlaxonCore

/// Screen 5's part of `ConsoleUpdate`: the runbook list and the viewer.
extension ConsoleUpdate {
    /// The actions that mean something else on the runbook screen; nil lets the general handling run.
    static func runbookAction(_ action: ConsoleAction, _ model: inout ConsoleModel) -> [ConsoleEffect]? {
        guard var open = model.runbookScreen.open else {
            // The list.
            let count = model.listedRunbooks.count
            switch action {
            case .up, .down, .pageUp, .pageDown, .top, .bottom:
                model.runbookScreen.selection = stepped(
                    action, model.runbookScreen.selection, count: count,
                    page: ScreenGeometry(model).runbookListRows)
            case .open:
                let list = model.listedRunbooks
                guard list.indices.contains(model.runbookScreen.selection) else { return [] }
                openRunbook(list[model.runbookScreen.selection].name, anchor: nil, &model)
            case .back:
                if !model.runbookScreen.filter.isEmpty {
                    model.runbookScreen.filter = ""
                    model.runbookScreen.selection = 0
                } else {
                    model.screen = .dashboard
                }
            case .search: model.overlay = .searchInput(TextBuffer(model.runbookScreen.filter))
            default: return nil
            }
            return []
        }
        let geometry = ScreenGeometry(model)
        let rows = geometry.runbookRows
        let last = max(0, open.page.lines.count - rows)
        switch action {
        case .up: open.top = max(0, open.top - 1)
        case .down: open.top = min(last, open.top + 1)
        case .pageUp: open.top = max(0, open.top - geometry.runbookPage)
        case .pageDown: open.top = min(last, open.top + geometry.runbookPage)
        case .top: open.top = 0
        case .bottom: open.top = last
        case .scrollLeft: open.left = max(0, open.left - 8)
        case .scrollRight: open.left = min(max(0, open.page.widestCodeLine - (model.columns - 4)), open.left + 8)
        case .nextPane, .previousPane:
            selectTarget(step: action == .nextPane ? 1 : -1, &open, rows: rows)
        case .tableOfContents:
            guard !open.page.headings.isEmpty else {
                model.message = .init(text: "this runbook has no headings", isError: true)
                return []
            }
            let current = open.page.headings.lastIndex { $0.line <= open.top } ?? 0
            model.overlay = .tableOfContents(selection: current)
        case .historyBack, .historyForward:
            let backwards = action == .historyBack
            guard let place = (backwards ? model.runbookScreen.back : model.runbookScreen.forward).last else {
                model.message = .init(
                    text: backwards ? "nothing to go back to" : "nothing to go forward to", isError: true)
                return []
            }
            if backwards { model.runbookScreen.back.removeLast() } else { model.runbookScreen.forward.removeLast() }
            let here = (name: open.name, top: open.top)
            if backwards { model.runbookScreen.forward.append(here) } else { model.runbookScreen.back.append(here) }
            show(place.name, top: place.top, &model)
            return []
        case .open:
            guard let index = open.selectedTarget, open.page.targets.indices.contains(index) else {
                model.message = .init(
                    text: "tab selects a link or a checklist step; enter follows or ticks it", isError: false)
                return []
            }
            switch open.page.targets[index].kind {
            case .link(let url):
                model.runbookScreen.open = open
                follow(url, &model)
                return []
            case .step:
                model.runbookScreen.open = open
                return tick(&model)
            }
        case .tickStep:
            model.runbookScreen.open = open
            return tick(&model)
        case .back:
            if model.search != nil {
                model.search = nil
                return []
            }
            model.runbookScreen.open = nil
            return []
        case .search, .searchNext, .searchPrevious:
            return nil
        default:
            return nil
        }
        model.runbookScreen.open = open
        return []
    }

    /// A list selection moved by `action` (up, down, a page, to either end) within `count` items.
    static func stepped(_ action: ConsoleAction, _ value: Int, count: Int, page: Int) -> Int {
        guard count > 0 else { return 0 }
        switch action {
        case .up: return max(0, value - 1)
        case .down: return min(count - 1, value + 1)
        case .pageUp: return max(0, value - page)
        case .pageDown: return min(count - 1, value + page)
        case .top: return 0
        default: return count - 1
        }
    }

    /// Selects the next (or previous) link or step, from the one selected or from the top of the screen,
    /// and scrolls it into view.
    static func selectTarget(step: Int, _ open: inout ConsoleModel.OpenRunbook, rows: Int) {
        let targets = open.page.targets
        guard !targets.isEmpty else { return }
        var next: Int
        if let current = open.selectedTarget, targets.indices.contains(current),
            targets[current].line >= open.top, targets[current].line < open.top + rows
        {
            next = (current + step + targets.count) % targets.count
        } else {
            // Nothing selected on screen: the first (or last) target on screen, else the next one below.
            let onScreen = targets.indices.filter { targets[$0].line >= open.top && targets[$0].line < open.top + rows }
            if let pick = step > 0 ? onScreen.first : onScreen.last {
                next = pick
            } else {
                next = targets.indices.first { targets[$0].line >= open.top } ?? 0
            }
        }
        open.selectedTarget = next
        let line = targets[next].line
        if line < open.top || line >= open.top + rows { open.top = max(0, line - rows / 3) }
    }

    /// Opens a runbook from the list or a link, at an anchor if given.
    static func openRunbook(_ name: String, anchor: String?, _ model: inout ConsoleModel) {
        show(name, top: 0, &model)
        if let anchor {
            if let line = model.runbookScreen.open?.page.line(ofAnchor: anchor) {
                model.runbookScreen.open?.top = line
            } else {
                model.message = .init(text: "\(name) has no heading #\(anchor); showing its top", isError: true)
            }
        }
    }

    /// Lays out runbook `name` for the screen and shows it from line `top`.
    static func show(_ name: String, top: Int, _ model: inout ConsoleModel) {
        guard let runbook = model.runbook(named: name) else {
            model.message = .init(text: "there is no runbook \(name) in Runbooks/", isError: true)
            return
        }
        let page = layout(runbook, &model)
        model.search = nil
        model.screen = .runbooks
        model.runbookScreen.open = ConsoleModel.OpenRunbook(
            name: name, page: page, top: min(top, max(0, page.lines.count - 1)))
    }

    static func layout(_ runbook: Runbook, _ model: inout ConsoleModel) -> RunbookPage {
        var ticks: [String: Bool] = [:]
        if let incident = model.checklistIncident(for: runbook.name) {
            for tick in incident.runbookSteps where tick.runbook == runbook.name { ticks[tick.text] = tick.done }
        }
        return RunbookLayout.page(
            runbook.document, width: model.columns - 4, ascii: model.glyphs == .ascii, ticks: ticks)
    }

    /// Lays the open runbook out again (the width, the ticks or the file changed), keeping the place.
    static func relayoutRunbook(_ model: inout ConsoleModel) {
        guard var open = model.runbookScreen.open else { return }
        guard let runbook = model.runbook(named: open.name) else {
            model.runbookScreen.open = nil
            model.message = .init(text: "\(open.name) is no longer in Runbooks/", isError: true)
            return
        }
        // Keep the same heading (or the same proportion of the document) at the top.
        let oldCount = max(1, open.page.lines.count)
        let page = layout(runbook, &model)
        open.top = min(max(0, page.lines.count - 1), open.top * page.lines.count / oldCount)
        open.page = page
        if let selected = open.selectedTarget, selected >= page.targets.count { open.selectedTarget = nil }
        model.runbookScreen.open = open
        refreshSearch(&model)
    }

    /// Follows a link of the open runbook: other runbooks and anchors open here (with history);
    /// URLs are shown in full, never opened; paths outside `Runbooks/` are refused.
    static func follow(_ url: String, _ model: inout ConsoleModel) {
        guard let open = model.runbookScreen.open else { return }
        switch RunbookLinks.resolve(url, from: open.name) {
        case .anchor(let anchor):
            guard let line = open.page.line(ofAnchor: anchor) else {
                model.message = .init(text: "there is no heading #\(anchor) in \(open.name)", isError: true)
                return
            }
            remember(&model)
            model.runbookScreen.open?.top = line
            model.runbookScreen.open?.selectedTarget = nil
        case .runbook(let name, let anchor):
            guard model.runbook(named: name) != nil else {
                model.message = .init(text: "the link goes to \(name).md, which is not in Runbooks/", isError: true)
                return
            }
            remember(&model)
            openRunbook(name, anchor: anchor, &model)
        case .external(let target):
            model.message = .init(text: "URL (copy it; Klaxon does not open a browser): \(target)", isError: false)
        case .file(let path):
            model.message = .init(text: "not opened: \(path) is not a runbook inside Runbooks/", isError: true)
        }
    }

    /// Pushes the current place on the back history (and forgets the forward one).
    static func remember(_ model: inout ConsoleModel) {
        guard let open = model.runbookScreen.open else { return }
        model.runbookScreen.back.append((open.name, open.top))
        model.runbookScreen.forward.removeAll()
    }

    /// Ticks (or unticks) the selected step on the incident it is recorded on.
    static func tick(_ model: inout ConsoleModel) -> [ConsoleEffect] {
        guard let open = model.runbookScreen.open, let index = open.selectedTarget,
            open.page.targets.indices.contains(index),
            case .step(let number, let text, let done) = open.page.targets[index].kind
        else {
            model.message = .init(text: "select a checklist step first (tab)", isError: true)
            return []
        }
        if model.readOnly {
            model.message = .init(text: "read-only console: steps cannot be recorded", isError: true)
            return []
        }
        guard let incident = model.checklistIncident(for: open.name) else {
            model.message = .init(
                text:
                    "open the incident to record steps on (2, or enter on it in the dashboard); with one open incident, it is used",
                isError: true)
            return []
        }
        return [
            .perform(.runbookStep(runbook: open.name, step: number, text: text, done: !done), incidentID: incident.id)
        ]
    }

    /// `o`: the runbook the incident links to, else one whose services match the incident's.
    static func openIncidentRunbook(_ model: inout ConsoleModel) -> [ConsoleEffect] {
        guard let incident = model.targetIncident else {
            model.message = .init(text: "select an incident first", isError: true)
            return []
        }
        let linked = incident.links.filter { $0.kind == .runbook }.map(\.target).reversed()
            .map { $0.hasSuffix(".md") ? String($0.dropLast(3)) : $0 }
        let byService = model.runbooks.filter { !Set($0.metadata.services).isDisjoint(with: incident.services) }.map(
            \.name)
        guard let name = (linked + byService).first(where: { model.runbook(named: $0) != nil }) else {
            model.message = .init(
                text:
                    "\(incident.id) has no runbook: link one with L, or give a runbook services: \(incident.services.joined(separator: ", "))",
                isError: true)
            return []
        }
        if model.runbookScreen.open != nil { remember(&model) }
        model.currentIncidentID = incident.id
        openRunbook(name, anchor: nil, &model)
        return []
    }

    /// The table of contents overlay: j/k choose, enter jumps.
    static func handleTableOfContents(_ key: Key, _ selection: Int, _ model: inout ConsoleModel) -> [ConsoleEffect] {
        guard let open = model.runbookScreen.open else {
            model.overlay = nil
            return []
        }
        let count = open.page.headings.count
        switch key {
        case .character("j"), .down: model.overlay = .tableOfContents(selection: min(count - 1, selection + 1))
        case .character("k"), .up: model.overlay = .tableOfContents(selection: max(0, selection - 1))
        case .character("g"), .home: model.overlay = .tableOfContents(selection: 0)
        case .character("G"), .end: model.overlay = .tableOfContents(selection: max(0, count - 1))
        case .enter:
            model.overlay = nil
            guard open.page.headings.indices.contains(selection) else { return [] }
            remember(&model)
            model.runbookScreen.open?.top = open.page.headings[selection].line
        default: model.overlay = nil
        }
        return []
    }
}
