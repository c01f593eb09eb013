import KlaxonCore

/// Screen 5: the runbook list, or the runbook being read.
enum RunbookView {
    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        if let open = model.runbookScreen.open, let runbook = model.runbook(named: open.name) {
            drawViewer(open, runbook, model, &frame)
        } else {
            drawList(model, &frame)
        }
    }

    static func drawList(_ model: ConsoleModel, _ frame: inout Frame) {
        let list = model.listedRunbooks
        var title = "Runbooks (\(model.runbooks.count))"
        if !model.runbookScreen.filter.isEmpty { title += " matching \"\(model.runbookScreen.filter)\": \(list.count)" }
        frame.put(title, row: 2, column: 1, style: .heading)
        guard !list.isEmpty else {
            frame.put(
                model.runbooks.isEmpty
                    ? "No runbooks. Put markdown files in Runbooks/ of the workspace."
                    : "None match; esc clears the filter.",
                row: 4, column: 2, style: .dim)
            return
        }
        let columns: [(String, Int)] = [("NAME", 24), ("OWNER", 9), ("REVIEWED", 18), ("TITLE", 0)]
        var x = 2
        for (name, width) in columns {
            frame.put(name, row: 3, column: x, style: .dim)
            x += width
        }
        let rows = ScreenGeometry(model).runbookListRows
        let first = ScreenGeometry.scrolledStart(
            selection: model.runbookScreen.selection, count: list.count, rows: rows)
        for (offset, runbook) in list.dropFirst(first).prefix(rows).enumerated() {
            let row = 4 + offset
            let selected = first + offset == model.runbookScreen.selection
            if selected { frame.fill(row: row, style: .selected) }
            frame.addClick(.row(.runbooks, first + offset), row: row)
            let stale = runbook.isStale(now: model.now, days: model.runbookStaleAfterDays)
            let reviewed = (runbook.metadata.lastReviewed?.isoDate ?? "never") + (stale ? " STALE" : "")
            var x = 2
            let cells: [(String, Style)] = [
                (runbook.name, .normal), (runbook.metadata.owner ?? "—", .normal),
                (reviewed, stale ? .stale : .normal), (runbook.title, .normal)
            ]
            for ((text, style), (_, width)) in zip(cells, columns) {
                let room = width == 0 ? model.columns - x - 1 : width - 1
                frame.put(
                    TextWidth.truncate(text, to: room), row: row, column: x, style: selected ? .selected : style,
                    width: room)
                x += width
            }
        }
    }

    static func drawViewer(
        _ open: ConsoleModel.OpenRunbook, _ runbook: Runbook, _ model: ConsoleModel, _ frame: inout Frame
    ) {
        // Header: what the runbook is, its review state, and where ticks go. Which incident `x` ticks
        // into never gives way, nor STALE; the review date goes first, then the owner, then the title
        // (at least 30 columns of it) is cut.
        let stale = runbook.isStale(now: model.now, days: model.runbookStaleAfterDays)
        let steps = open.page.targets.compactMap { target -> Bool? in
            if case .step(_, _, let done) = target.kind { return done }
            return nil
        }
        var right = ""
        if !steps.isEmpty {
            right =
                model.checklistIncident(for: open.name).map {
                    "\($0.id): \(steps.filter { $0 }.count)/\(Plural.count(steps.count, "step"))"
                }
                ?? "\(Plural.count(steps.count, "step")) · open an incident to record \(steps.count == 1 ? "it" : "them")"
        }
        var parts: [ColumnPlan.Column] = [.init(runbook.title, 30, fills: true)]
        if let owner = runbook.metadata.owner { parts.append(.init("  owner \(owner)", 0, givesWay: 2)) }
        parts.append(
            .init(
                runbook.metadata.lastReviewed.map { "  reviewed \($0.isoDate)" } ?? "  never reviewed", 0, givesWay: 1))
        if stale { parts.append(.init("  STALE", 0)) }
        if !right.isEmpty { parts.append(.init("  " + right, 0)) }
        for i in parts.indices.dropFirst() { parts[i].width = TextWidth.width(of: parts[i].title) }
        let widths = ColumnPlan(parts).widths(in: model.columns - 2)
        var x = frame.put(runbook.title, row: 2, column: 1, style: .heading, width: widths[0])
        for (part, width) in zip(parts, widths).dropFirst() where width > 0 {
            if part.title == "  " + right {
                frame.put(right, row: 2, column: model.columns - 1 - TextWidth.width(of: right), style: .accent)
            } else {
                x = frame.put(part.title, row: 2, column: x, style: part.title == "  STALE" ? .stale : .dim)
            }
        }
        let rows = ScreenGeometry(model).runbookRows
        let position = open.page.lines.isEmpty ? "" : "\(min(100, (open.top + rows) * 100 / open.page.lines.count))%"
        frame.put(runbook.name + ".md  " + position, row: 3, column: 1, style: .dim)

        let query = model.search?.query.lowercased()
        for (offset, line) in open.page.lines.dropFirst(open.top).prefix(rows).enumerated() {
            let row = 4 + offset
            var x = 2
            // Code lines scroll sideways; everything else was laid out to fit.
            var skip = line.isCode ? open.left : 0
            let targetsBefore = frame.clickTargets.count
            var step: (target: Int, column: Int)?
            for span in line.spans {
                var text = span.text
                if skip > 0 {
                    let dropped = dropColumns(text, skip)
                    skip -= TextWidth.width(of: text) - TextWidth.width(of: dropped)
                    text = dropped
                }
                let style = span.target != nil && span.target == open.selectedTarget ? Style.selected : span.style
                let start = x
                // Code lines scroll sideways (the `›` says there is more); the rest was laid out to fit.
                x = frame.put(
                    text, row: row, column: x, style: style, width: model.columns - 1 - x, ellipsis: !line.isCode)
                if let target = span.target, x > start {
                    frame.addClick(.runbookTarget(target), row: row, column: start, width: x - start)
                    if target < open.page.targets.count, case .step = open.page.targets[target].kind {
                        step = (target, start)
                    }
                }
                if span.style == .link, let target = span.target, target < open.page.targets.count,
                    case .link(let url) = open.page.targets[target].kind, RunbookLinks.isWebAddress(url), x > start
                {
                    frame.hyperlinks.append(Hyperlink(row: row, column: start, width: x - start, url: url))
                }
            }
            // A step is clicked by its words as well as its box (a link among them stays a link: its
            // target, drawn after this one, is the one a click finds).
            if let step, x > step.column {
                frame.clickTargets.insert(
                    ClickTarget(
                        row: row, column: step.column, width: x - step.column, click: .runbookTarget(step.target)),
                    at: targetsBefore)
            }
            if line.isCode && TextWidth.width(of: line.text) - open.left > model.columns - 3 {
                frame.put(ConsoleView.glyph(model, "›", ">"), row: row, column: model.columns - 1, style: .dim)
            }
            if let query, !query.isEmpty, !line.isCode || open.left == 0 {
                ConsoleView.highlight(query, in: line.text, row: row, column: 2, &frame)
            }
        }
        if open.page.lines.isEmpty { frame.put("(empty)", row: 4, column: 2, style: .dim) }
    }

    /// `text` without its first `columns` columns (a wide character cut in half goes whole).
    static func dropColumns(_ text: String, _ columns: Int) -> String {
        var dropped = 0
        var index = text.startIndex
        while index < text.endIndex && dropped < columns {
            dropped += TextWidth.width(of: text[index])
            index = text.index(after: index)
        }
        return String(text[index...])
    }
}
