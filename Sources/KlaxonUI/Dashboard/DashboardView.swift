import KlaxonCore

/// Screen 1: open incidents, recently resolved ones, and the slots for the status board and on call.
enum DashboardView {
    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        let open = model.openIncidents
        let resolved = model.resolvedIncidents
        let geometry = ScreenGeometry(model).dashboard(open: open.count, resolved: resolved.count)
        let slotsRow = geometry.slotsRow
        let resolvedShown = geometry.resolvedRows
        let resolvedRow = geometry.resolvedRow
        let marker = ConsoleView.glyph(model, "▸ ", "> ")

        // While the store does not answer, what was read stays; an empty list is not known to be empty.
        let unknown = model.incidentsNotKnown
        frame.put(
            (model.dashboardPane == .open ? marker : "  ")
                + "Open incidents (\(open.isEmpty && unknown ? "?" : String(open.count)))", row: 2, column: 0,
            style: .heading)
        // One plan for the table, once per frame (it looks at every incident the console holds): each row
        // is laid out in the same columns.
        let plan = Self.plan(model)
        let side = ScreenGeometry(model).sidePanelColumn
        let columns = Array(zip(plan.columns, plan.widths(in: (side ?? model.columns) - 3)))
        header(row: ScreenGeometry.listTop - 1, columns, &frame)
        let openRows = geometry.openRows
        if open.isEmpty {
            frame.put(
                unknown
                    ? (model.storeUnreachableSince != nil
                        ? "Not known: the journal store does not answer (see the top bar)."
                        : "Not known: the incidents could not be read (the bottom line says why).")
                    : "No open incidents. d declares one.", row: ScreenGeometry.listTop, column: 2,
                style: unknown ? .critical : .dim)
        } else {
            let first = ScreenGeometry.scrolledStart(selection: model.openSelection, count: open.count, rows: openRows)
            for (offset, incident) in open[first..<min(open.count, first + openRows)].enumerated() {
                let index = first + offset
                row(
                    incident, model, columns, row: ScreenGeometry.listTop + offset,
                    selected: model.dashboardPane == .open && index == model.openSelection, &frame)
                frame.addClick(.row(.openIncidents, index), row: ScreenGeometry.listTop + offset)
            }
            if let more = more(first: first, shown: openRows, count: open.count) {
                frame.put(more, row: ScreenGeometry.listTop + openRows, column: 2, style: .dim)
            }
        }

        frame.put(
            (model.dashboardPane == .resolved ? marker : "  ")
                + "Resolved in the last 7 days (\(resolved.isEmpty && unknown ? "?" : String(resolved.count)))",
            row: resolvedRow, column: 0, style: .heading)
        if resolved.isEmpty {
            frame.put(unknown ? "Not known." : "None.", row: resolvedRow + 1, column: 2, style: .dim)
        } else {
            let first = ScreenGeometry.scrolledStart(
                selection: model.resolvedSelection, count: resolved.count, rows: resolvedShown)
            for (offset, incident) in resolved[first..<min(resolved.count, first + resolvedShown)].enumerated() {
                let index = first + offset
                row(
                    incident, model, columns, row: resolvedRow + 1 + offset,
                    selected: model.dashboardPane == .resolved && index == model.resolvedSelection, &frame)
                frame.addClick(.row(.resolvedIncidents, index), row: resolvedRow + 1 + offset)
            }
            // On the blank row before the slots (or the bottom line).
            if let more = more(first: first, shown: resolvedShown, count: resolved.count) {
                frame.put(more, row: resolvedRow + 1 + resolvedShown, column: 2, style: .dim)
            }
        }

        if let side {
            return drawSidePanel(model, from: side, &frame)
        }
        let half = model.columns / 2
        frame.put("  Status board", row: slotsRow, column: 0, style: .heading)
        // The slots lead to their screens.
        for row in slotsRow...(slotsRow + 1) {
            frame.addClick(.key(.character("3")), row: row, width: half)
            frame.addClick(.key(.character("4")), row: row, column: half)
        }
        if model.checks.isEmpty {
            if model.checkProblems.isEmpty {
                frame.put("no checks in klaxon.yaml", row: slotsRow + 1, column: 4, style: .dim, width: half - 4)
            } else {
                frame.put(
                    "checks: has errors, nothing polled (3)", row: slotsRow + 1, column: 4, style: .error,
                    width: half - 4)
            }
        } else {
            let down = model.checks.filter { $0.state == .down }
            let warn = model.checks.filter { $0.state == .degraded || $0.state == .pending }.count
            // Unknown after a poll is a source that cannot be read: blind, never "all up".
            let blind = model.checks.filter { $0.state == .unknown && $0.lastReport != nil }.count
            let unpolled = model.checks.filter { $0.notPolled != nil }.count
            // Not polled yet (just started, or the poller waits for the store) is not known to be up.
            let waiting = model.checks.filter { $0.notPolled == nil && $0.lastReport == nil }.count
            var x = frame.put(Plural.count(model.checks.count, "check"), row: slotsRow + 1, column: 4, width: half - 4)
            if unpolled > 0 {
                x = frame.put(
                    " · \(unpolled) not polled", row: slotsRow + 1, column: x, style: .error, width: half - x - 1)
            }
            if down.isEmpty && warn == 0 && blind == 0 && unpolled == 0 && waiting == 0 {
                frame.put(" · nothing down", row: slotsRow + 1, column: x, style: .ok, width: half - x)
            }
            if !down.isEmpty {
                x = frame.put(
                    " · \(down.count) down: " + down.map(\.definition.name).joined(separator: ", "), row: slotsRow + 1,
                    column: x, style: .critical, width: half - x - 1)
            }
            if blind > 0 {
                x = frame.put(" · \(blind) unknown", row: slotsRow + 1, column: x, style: .blind, width: half - x - 1)
            }
            if waiting > 0 {
                x = frame.put(
                    " · \(waiting) not polled yet", row: slotsRow + 1, column: x, style: .blind, width: half - x - 1)
            }
            if warn > 0 {
                frame.put(
                    " · \(warn) degraded or \(CheckState.pending.displayName)", row: slotsRow + 1, column: x,
                    style: .warning, width: half - x - 1)
            }
        }
        if let drill = model.drill {
            // In a drill, the pages the sink received take the on-call slot: they are what happened to the people.
            frame.put(
                "DRILL sink (4): no real person is paged", row: slotsRow, column: half, style: .critical,
                width: half - 1)
            // Whom the last page went to first: it is what gets cut last.
            let count = drill.pages.count
            let pages = drill.pages.last.map { "last: \($0.summary) · \(Plural.count(count, "page"))" } ?? "no page yet"
            frame.put(
                (drill.recovered ? "platform recovered · " : "") + pages, row: slotsRow + 1, column: half + 2,
                width: half - 3)
            return
        }
        frame.put("On call", row: slotsRow, column: half, style: .heading)
        if let board = model.onCall, !board.entries.isEmpty {
            let gaps = board.entries.reduce(0) { $0 + $1.upcomingGaps }
            let summary = board.entries.map {
                "\($0.schedule): \($0.users.isEmpty ? "nobody" : $0.users.joined(separator: ","))"
            }
            let warning =
                gaps > 0
                ? "  ! \(Plural.count(gaps, "gap")) within \(Plural.count(board.dayStarts.count - 1, "day")) (4)" : ""
            frame.put(summary.joined(separator: " · "), row: slotsRow + 1, column: half + 2, width: half - 3)
            if !warning.isEmpty {
                frame.put(warning, row: slotsRow, column: half + 8, style: .critical, width: half - 9)
            }
        } else {
            frame.put(
                model.onCall == nil ? "…" : "no schedules in Escalation/", row: slotsRow + 1, column: half + 2,
                style: .dim, width: half - 2)
        }
    }

    /// The side panel of a wide terminal (`ScreenGeometry.sidePanelColumn`), right of `column`: the status
    /// board's checks, failing ones first, then who is on call with their next handoffs, or in a drill
    /// every page its sink received, the latest first.
    static func drawSidePanel(_ model: ConsoleModel, from column: Int, _ frame: inout Frame) {
        let x = column + 2
        let width = model.columns - x - 1
        let bottom = ScreenGeometry(model).bottom
        for row in 2...bottom {
            // A selected incident's reversed row stops at the panel.
            frame.put(String(repeating: " ", count: model.columns - column), row: row, column: column, style: .normal)
            frame.put(ConsoleView.glyph(model, "│", "|"), row: row, column: column, style: .dim)
        }
        // The lower part is on call's (or the drill's), at least eight rows; the checks take the rest.
        let lowerTop = max(2 + 4, min(bottom - 8, 2 + 2 + model.checks.count + 1))
        // A click in the panel opens its screen, never the incident drawn at that height on the left.
        for row in 2...bottom {
            frame.addClick(.key(.character(row < lowerTop ? "3" : "4")), row: row, column: column)
        }
        let rows = ConsoleModel.failuresFirst(model.checks)
        let down = rows.filter { $0.state == .down }.count
        var heading = "Status board (3)  " + Plural.count(rows.count, "check")
        if down > 0 { heading += " · \(down) down" }
        frame.put(heading, row: 2, column: x, style: .heading, width: width)
        if rows.isEmpty {
            frame.put(
                model.checkProblems.isEmpty ? "no checks in klaxon.yaml" : "checks: has errors, nothing polled (3)",
                row: 3, column: x, style: model.checkProblems.isEmpty ? .dim : .error, width: width)
        }
        let nameWidth = min(24, rows.map { TextWidth.width(of: $0.definition.name) }.max() ?? 0) + 2
        var row = 3
        for (index, check) in rows.enumerated() where row < lowerTop - 1 {
            if row == lowerTop - 2 && index < rows.count - 1 {
                frame.put(
                    "\(rows.count - index) more · 3 shows them all", row: row, column: x, style: .dim, width: width)
                break
            }
            frame.put(check.definition.name, row: row, column: x, width: nameWidth - 1)
            let polled = check.lastReport != nil
            var cx = frame.put(
                check.state.displayName.uppercased(), row: row, column: x + nameWidth,
                style: StatusView.style(check.state, polled: polled), width: 12)
            cx = max(cx, x + nameWidth + 12)
            let detail =
                check.notPolled.map { "NOT POLLED: " + $0 }
                ?? check.lastReport?.evaluation.observation.detail ?? "not polled yet"
            frame.put(detail, row: row, column: cx, style: .dim, width: max(0, x + width - cx))
            row += 1
        }
        let local = LocalTimeFormatter(timeZone: model.timeZone)
        if let drill = model.drill {
            frame.put("DRILL sink: no real person is paged", row: lowerTop, column: x, style: .critical, width: width)
            let pages = drill.pages.reversed().map { "\(OnCallView.shortTime($0.at, local, model.now))  \($0.summary)" }
            let lines = (drill.recovered ? ["platform recovered"] : []) + (pages.isEmpty ? ["no page yet"] : pages)
            for (offset, line) in lines.prefix(max(0, bottom - lowerTop)).enumerated() {
                frame.put(line, row: lowerTop + 1 + offset, column: x, width: width)
            }
            return
        }
        frame.put("On call (4)", row: lowerTop, column: x, style: .heading, width: width)
        guard let board = model.onCall, !board.entries.isEmpty else {
            frame.put(
                model.onCall == nil ? "…" : "no schedules in Escalation/", row: lowerTop + 1, column: x, style: .dim,
                width: width)
            return
        }
        row = lowerTop + 1
        for entry in board.entries where row <= bottom {
            let who = entry.users.isEmpty ? "nobody" : entry.users.joined(separator: ", ")
            let until = entry.until.map { " until " + OnCallView.shortTime($0, local, model.now) } ?? ""
            var cx = frame.put(entry.schedule + "  ", row: row, column: x, style: .heading, width: width)
            cx = frame.put(
                who, row: row, column: cx, style: entry.users.isEmpty ? .critical : .normal, width: x + width - cx)
            frame.put(until, row: row, column: cx, style: .dim, width: max(0, x + width - cx))
            row += 1
            for shift in entry.next.prefix(2) where row <= bottom {
                let next = shift.users.isEmpty ? "nobody" : shift.users.joined(separator: ", ")
                frame.put(
                    "  then \(next) until \(OnCallView.shortTime(shift.end, local, model.now))", row: row, column: x,
                    style: .dim, width: width)
                row += 1
            }
        }
    }

    /// Where the rows a list does not show are, `first` being the first shown of `count`: `3 more below`,
    /// `2 above, 3 below`, `5 more above`; nil when it shows them all.
    static func more(first: Int, shown: Int, count: Int) -> String? {
        let above = first
        let below = max(0, count - first - shown)
        switch (above, below) {
        case (0, 0): return nil
        case (0, _): return "\(below) more below · j/k scroll"
        case (_, 0): return "\(above) more above · j/k scroll"
        default: return "\(above) above, \(below) below · j/k scroll"
        }
    }

    /// The paging column's title: the column a resolved row's title takes over.
    static let pagingTitle = "PAGING"

    /// Red when pages fail or nobody is paged who should be; acknowledged in its own style.
    /// A SEV1 or SEV2 with no policy pages nobody: red, as the declare dialog warned, never calm.
    static func style(of paging: PagingState, _ severity: Severity) -> Style {
        switch paging {
        case _ where paging.isAlarming: .error
        case .notPaging(.noPolicy) where severity <= .sev2: .error
        case .paging: .warning
        case .acknowledged: .acked
        default: .dim
        }
    }

    /// The incident table's columns, for the incidents listed, and the order they give way in: RUNNING
    /// first (the incident screen shows it), then, when `comms.cadence` puts the NEXT UPDATE column
    /// there, COMMANDER (the incident's header names it; an update owed or overdue is what the comms
    /// role looks for here); the id, severity, status, time since the last update (and STALE), the next
    /// update and the paging state never. Each is as wide as what its rows show, so none keeps blank room
    /// the paging state needs to name everyone it pages; the paging state narrows (cut with `…`) only
    /// where the title would otherwise get fewer than its 12 columns.
    static func plan(_ model: ConsoleModel) -> ColumnPlan {
        // Open and resolved, in one pass (each incident the loop takes is a copy): their order does not
        // matter here.
        var statuses: [String] = []
        var commanders: [String] = []
        statuses.reserveCapacity(model.incidents.count)
        commanders.reserveCapacity(model.incidents.count)
        for incident in model.incidents.values {
            statuses.append(incident.status.rawValue)
            commanders.append(incident.commander ?? "—")
        }
        let open = model.openIncidents
        // No column at all where no incident owes updates (no `comms.cadence`, or none for their severities).
        let nextUpdates = open.compactMap { nextUpdate($0, model)?.text }
        return ColumnPlan([
            .sized("ID", to: Array(model.incidents.keys), minimum: 6),
            .init("SEV", 5),
            .sized("STATUS", to: statuses),
            .init("RUNNING", 8, givesWay: 1),
            .sized("UPDATED", to: open.map { updated($0, model) }),
            nextUpdates.isEmpty ? .init("NEXT UPDATE", 0) : .sized("NEXT UPDATE", to: nextUpdates),
            .sized("COMMANDER", to: commanders, maximum: 16, givesWay: nextUpdates.isEmpty ? nil : 2),
            .sized(
                pagingTitle, to: open.map { pagingText($0, model) },
                maximum: pagingMaximum(ScreenGeometry(model).sidePanelColumn ?? model.columns), narrowsTo: 10),
            .init("TITLE", 12, fills: true)
        ])
    }

    /// The time since the last update, and STALE: `4m`, `8h50m STALE`.
    static func updated(_ incident: Incident, _ model: ConsoleModel) -> String {
        DurationText.short(seconds: incident.lastUpdateByPeople.seconds(until: model.now))
            + (model.isStale(incident) ? " STALE" : "")
    }

    /// The next public update an open incident owes, in a row: `due in 4m`, or past due `OVERDUE 12m`
    /// (capitals, for a screen without colour), and whether it is overdue; nil when it owes none.
    static func nextUpdate(_ incident: Incident, _ model: ConsoleModel) -> (text: String, overdue: Bool)? {
        guard let due = model.updateDue(incident) else { return nil }
        let overdue = due.isOverdue(now: model.now)
        let span = DurationText.short(
            seconds: overdue ? due.at.seconds(until: model.now) : model.now.seconds(until: due.at))
        return (overdue ? "OVERDUE " + span : "due in " + span, overdue)
    }

    /// The paging state in a row: its short form ("ACK alice") below 120 columns; from there its line
    /// ("PAGE FAILING (4 of 5) → dave: HTTP 500").
    static func pagingText(_ incident: Incident, _ model: ConsoleModel) -> String {
        let state = model.pagingState(of: incident)
        return model.columns >= 120 ? state.text(now: model.now, formatter: model.formatter) : state.short
    }

    /// The most the paging column takes: below 120 columns, room for a few names; from there, a share
    /// of the room beside the fixed columns, the title keeping the rest.
    static func pagingMaximum(_ total: Int) -> Int { total >= 120 ? min(80, (total - 60) * 3 / 5) : 32 }

    static func header(row: Int, _ columns: [(ColumnPlan.Column, Int)], _ frame: inout Frame) {
        var x = 2
        for (column, width) in columns where width > 0 {
            frame.put(column.title, row: row, column: x, style: .dim, width: width - (column.fills ? 0 : 1))
            x += width
        }
    }

    static func row(
        _ incident: Incident, _ model: ConsoleModel, _ columns: [(ColumnPlan.Column, Int)], row: Int, selected: Bool,
        _ frame: inout Frame
    ) {
        if selected { frame.fill(row: row, style: .selected) }
        // A selected row keeps each state's colour, reversed.
        func style(_ style: Style) -> Style { selected ? style.selected : style }
        let stale = model.isStale(incident)
        let running = DurationText.short(seconds: incident.runningSeconds(now: model.now))
        var title = incident.title
        if model.readOnlyIncidents.contains(incident.id) { title += " [read-only]" }
        var paging = ("", style(.normal))
        if incident.isOpen {
            paging = (
                pagingText(incident, model), style(Self.style(of: model.pagingState(of: incident), incident.severity))
            )
        }
        let next = nextUpdate(incident, model)
        let cells: [(String, Style)] = [
            (incident.id, style(.normal)),
            (incident.severity.name, style(Style.of(incident.severity))),
            (incident.status.rawValue, style(incident.isOpen ? .normal : .resolved)),
            (running, style(.normal)),
            (incident.isOpen ? updated(incident, model) : "", style(stale ? .stale : .normal)),
            (next?.text ?? "", style(next?.overdue == true ? .critical : .normal)),
            (incident.commander ?? "—", style(.normal)),
            paging,
            (title, style(.normal))
        ]
        var x = 2
        var titleColumn = x
        // A resolved incident pages nobody: its title takes the paging column too (at 80 columns eleven
        // more of it; it was cut beside that empty column).
        var pagingStart: Int?
        for ((text, style), (column, width)) in zip(cells, columns) where width > 0 {
            if column.title == pagingTitle && !incident.isOpen {
                pagingStart = x
                x += width
                continue
            }
            if column.fills { titleColumn = pagingStart ?? x }
            let start = column.fills ? titleColumn : x
            frame.put(text, row: row, column: start, style: style, width: x + width - start - (column.fills ? 0 : 1))
            x += width
        }
        if model.dashboardPane == (incident.isOpen ? .open : .resolved), let search = model.search {
            ConsoleView.highlight(search.query, in: title, row: row, column: titleColumn, &frame)
        }
    }
}
