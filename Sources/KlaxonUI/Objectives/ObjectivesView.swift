import KlaxonCore

/// Screen 8: each check held to an objective (`slo:`), worst first (`ConsoleModel.objectiveRows`):
/// its objective, availability and budget left over its window, its burn rates over the workbook's
/// long windows and the alert they make; the selected check's figures below the list, with the budget's
/// line over the window (docs/slo.md).
enum ObjectivesView {
    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        frame.put("Objectives · " + rulesLine, row: 2, column: 1, style: .heading, width: model.columns - 2)
        let rows = model.objectiveRows
        guard !rows.isEmpty else {
            frame.put(
                "No check has an objective. Give one an slo: {objective: 99.9, window: 28d} in klaxon.yaml (docs/slo.md).",
                row: 4, column: 2, style: .dim, width: model.columns - 3)
            return
        }
        // Availability gives way first on a narrow screen.
        let figures: [(title: String, width: Int)] = [
            ("OBJECTIVE", 10), ("AVAILABILITY", 13), ("BUDGET LEFT", 18), ("1h", 7), ("6h", 7), ("3d", 7), ("ALERT", 6)
        ]
        let room = model.columns - 3
        let showsAvailability = room - figures.map(\.width).reduce(0, +) >= 16
        let shown = figures.filter { showsAvailability || $0.title != "AVAILABILITY" }
        // As wide as the longest name, no wider: the figures stay near the names they belong to.
        let longest = rows.map { TextWidth.width(of: $0.check.name) }.max() ?? 0
        let nameWidth = max(8, min(room - shown.map(\.width).reduce(0, +), max(12, longest + 2)))
        var x = 2 + nameWidth
        frame.put("CHECK", row: 3, column: 2, style: .dim, width: nameWidth - 1)
        for column in shown {
            frame.put(column.title, row: 3, column: x, style: .dim, width: column.width - 1)
            x += column.width
        }
        let listRows = ScreenGeometry(model).objectiveListRows
        let selection = min(model.objectiveSelection, rows.count - 1)
        let first = ScreenGeometry.scrolledStart(selection: selection, count: rows.count, rows: listRows)
        var row = 4
        for (index, entry) in rows.enumerated().dropFirst(first).prefix(listRows) {
            let isSelected = index == selection
            if isSelected { frame.fill(row: row, style: .selected) }
            frame.addClick(.row(.objectives, index), row: row)
            func s(_ style: Style) -> Style { isSelected ? style.selected : style }
            let status = entry.status
            let level = status?.level ?? .none
            var cells: [(String, Style)] = [
                ("\(SLOText.objective(entry.check.slo!.objective))", s(.normal)),
                (SLOText.availability(status?.availability), s(.normal)),
                (shortBudget(status), s((status?.budgetLeft ?? 1) < 0 ? .critical : .normal)),
                (SLOText.rate(status?.burn(overMinutes: 60)?.rate), s(.normal)),
                (SLOText.rate(status?.burn(overMinutes: 360)?.rate), s(.normal)),
                (SLOText.rate(status?.burn(overMinutes: 4320)?.rate), s(.normal)),
                (
                    status == nil ? "?" : level == .none ? "—" : level.rawValue,
                    s(level == .page ? .critical : level == .ticket ? .warning : .dim)
                )
            ]
            if !showsAvailability { cells.remove(at: 1) }
            frame.put(entry.check.name, row: row, column: 2, style: s(.normal), width: nameWidth - 1)
            var cx = 2 + nameWidth
            for ((text, style), column) in zip(cells, shown) {
                frame.put(text, row: row, column: cx, style: style, width: column.width - 1)
                cx += column.width
            }
            row += 1
        }
        drawDetail(rows[selection], model, from: ScreenGeometry(model).bottom - 5, &frame)
    }

    /// The alerts the screen judges by, from `BurnRateRule.workbook`: `page at ≥14.4× over 1h & 5m or …`.
    static var rulesLine: String {
        func rules(_ level: BurnRateRule.Level) -> String {
            BurnRateRule.workbook.filter { $0.level == level }.map {
                "≥\(SLOText.rate($0.factor)) over \(SLOText.window($0.longMinutes)) & \(SLOText.window($0.shortMinutes))"
            }.joined(separator: " or ")
        }
        return "page at \(rules(.page)) · ticket at \(rules(.ticket))"
    }

    /// `50.4 % 20.3 min`, `overspent 12.0 %`, `overspent 374 %`, `?`.
    static func shortBudget(_ status: SLOStatus?) -> String {
        guard let left = status?.budgetLeft, let minutes = status?.budgetMinutesLeft else { return "?" }
        // Overspent: by how much, in a word; the minutes are in the detail.
        if left < 0 { return "overspent \(SLOText.fixed(-left * 100, -left >= 10 ? 0 : 1)) %" }
        return "\(SLOText.percent(left)) \(SLOText.minutes(minutes))"
    }

    /// The selected check's figures, five lines from `top`.
    static func drawDetail(
        _ entry: (check: CheckDefinition, status: SLOStatus?), _ model: ConsoleModel, from top: Int,
        _ frame: inout Frame
    ) {
        let width = model.columns - 3
        let objective = entry.check.slo!
        let asOf = entry.status?.lastEvent.map {
            " · as of " + LocalTimeFormatter(timeZone: model.timeZone).civil($0).isoTime.prefix(5)
        }
        frame.put(
            "\(entry.check.name) · \(SLOText.objective(objective.objective)) over \(objective.windowDays)d, \(objective.method.rawValue)\(asOf ?? "") · a window needs \(objective.minimumEvents) events",
            row: top, column: 2, style: .heading, width: width)
        guard let status = entry.status else {
            frame.put(
                model.objectives == nil
                    ? "No figures yet: the outcomes are read from the store within a minute."
                    : "No figures yet: this check's outcomes are not known (not polled, or the store could not be read).",
                row: top + 1, column: 2, style: .dim, width: width)
            return
        }
        let labels = 14
        func line(_ offset: Int, _ label: String, _ text: String, _ style: Style = .normal) {
            frame.put(label, row: top + offset, column: 2, style: .dim, width: labels - 1)
            frame.put(text, row: top + offset, column: 2 + labels, style: style, width: width - labels)
        }
        line(
            1, "Budget left",
            status.budgetLeft == nil
                ? "unknown: no events yet"
                : SLOText.budgetLeft(status) + " of \(SLOText.minutes(objective.budgetMinutes)) · "
                    + "\(status.window.total) events, \(status.window.bad) bad, \(SLOText.availability(status.availability))",
            (status.budgetLeft ?? 1) < 0 ? .critical : .normal)
        line(
            2, "Budget by day",
            budgetSparkline(status.budgetLine, ascii: model.glyphs == .ascii)
                + "  full bar = the whole budget, oldest day first")
        line(
            3, "Burn rates",
            status.burns.map { "\(SLOText.window($0.minutes)) \(SLOText.rate($0.rate))" }.joined(separator: " · ")
                + "  (— too few events, or not recorded that long)")
        line(
            4, "Alert",
            status.firing.isEmpty
                ? "none firing" : status.firing.map { SLOText.rule($0, in: status) }.joined(separator: "; "),
            status.level == .page ? .critical : status.level == .ticket ? .warning : .normal)
    }

    /// The budget left at the end of each day, on a fixed scale: a full bar is the whole budget, the
    /// lowest one none left (or overspent); a day before the first poll is blank.
    static func budgetSparkline(_ line: [Double?], ascii: Bool) -> String {
        let bars: [Character] = ascii ? Array("_.:-=+*#") : Array("▁▂▃▄▅▆▇█")
        return String(
            line.map { left -> Character in
                guard let left else { return " " }
                return bars[Int((min(1, max(0, left)) * Double(bars.count - 1)).rounded())]
            })
    }
}
