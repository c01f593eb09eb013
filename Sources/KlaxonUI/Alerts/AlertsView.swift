import KlaxonCore

/// Screen 7: the alerts pushed to the intake, firing and acknowledged first (newest first), then the
/// resolved ones; the selected alert's labels and links below the list.
enum AlertsView {
    /// The most resolved alerts listed (the newest): `klaxon alert list --all` lists every one.
    static let resolvedShown = 200

    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        var x = frame.put("Alerts", row: 2, column: 1, style: .heading)
        guard let book = model.alertBook else {
            frame.put("  not read yet", row: 2, column: x, style: .dim)
            return
        }
        let rows = model.alertRows
        let firing = rows.filter { model.shownState(of: $0) == .firing }.count
        let acknowledged = rows.filter { model.shownState(of: $0) == .acknowledged }.count
        if firing > 0 { x = frame.put("  \(firing) firing", row: 2, column: x, style: .critical) }
        if acknowledged > 0 { x = frame.put("  \(acknowledged) acknowledged", row: 2, column: x, style: .warning) }
        let resolved = book.alerts.count - book.active.count
        if book.alerts.isEmpty || resolved > 0 {
            frame.put(
                book.alerts.isEmpty ? "  none received" : "  \(resolved) resolved", row: 2, column: x, style: .dim)
        }
        guard !rows.isEmpty else {
            frame.put(
                "No alerts received. Point Alertmanager's webhook or a PagerDuty-style sender at klaxon watch's intake (docs/intake.md).",
                row: 4, column: 2, style: .dim, width: model.columns - 3)
            return
        }
        let plan = plan(rows, book: book)
        let widths = plan.widths(in: model.columns - 3)
        var cx = 2
        for (column, width) in zip(plan.columns, widths) where width > 0 {
            frame.put(column.title, row: 3, column: cx, style: .dim, width: width)
            cx += width
        }
        let geometry = ScreenGeometry(model)
        let listRows = geometry.alertListRows
        let selection = min(model.alertListSelection, rows.count - 1)
        let first = ScreenGeometry.scrolledStart(selection: selection, count: rows.count, rows: listRows)
        var row = 4
        for (index, alert) in rows.enumerated().dropFirst(first).prefix(listRows) {
            let isSelected = index == selection
            if isSelected { frame.fill(row: row, style: .selected) }
            func s(_ style: Style) -> Style { isSelected ? style.selected : style }
            let state = model.shownState(of: alert)
            let cells: [(String, Style)] = [
                (alert.id, s(.normal)),
                (state.rawValue.uppercased(), s(style(state))),
                (alert.severity ?? "—", s(.normal)),
                (DurationText.short(seconds: alert.startsAt.seconds(until: model.now)), s(.dim)),
                (book.incident(of: alert) ?? "—", s(.accent)),
                (alert.source.rawValue, s(.dim)),
                (alert.summary == alert.name ? alert.name : "\(alert.name): \(alert.summary)", s(.normal))
            ]
            var x = 2
            for ((text, style), (column, width)) in zip(cells, zip(plan.columns, widths)) where width > 0 {
                frame.put(text, row: row, column: x, style: style, width: column.fills ? width : width - 1)
                x += width
            }
            row += 1
        }
        drawDetail(rows[selection], model, from: row + 1, &frame)
    }

    static func plan(_ rows: [Alert], book: AlertBook) -> ColumnPlan {
        ColumnPlan([
            .sized("ID", to: rows.map(\.id), minimum: 3),
            .init("STATE", 13),
            .sized("SEVERITY", to: rows.map { $0.severity ?? "—" }, maximum: 10, givesWay: 2),
            .init("AGE", 7),
            .sized("INCIDENT", to: rows.map { book.incident(of: $0) ?? "—" }, minimum: 8),
            .init("SOURCE", 13, givesWay: 1),
            .init("ALERT", 30, fills: true)
        ])
    }

    static func style(_ state: Alert.State) -> Style {
        switch state {
        case .firing: .critical
        case .acknowledged: .warning
        case .resolved: .ok
        }
    }

    /// The selected alert: its group, where it went, its labels and links, from `row` to the bottom.
    static func drawDetail(_ alert: Alert, _ model: ConsoleModel, from top: Int, _ frame: inout Frame) {
        let bottom = ScreenGeometry(model).bottom
        let width = model.columns - 3
        var lines: [(String, Style)] = [
            (
                "\(alert.id) \(alert.name) · \(alert.source.rawValue), token \(alert.token) · received \(Plural.count(alert.receivedCount, "time"))",
                .heading
            ),
            ("group: \(alert.group)", .dim)
        ]
        if let incident = model.alertBook?.incident(of: alert) {
            lines.append(("incident: \(incident) (enter opens it, a acknowledges it)", .normal))
        } else {
            lines.append(("incident: none (no route declared or attached one for it)", .dim))
        }
        lines.append(
            (
                "labels: "
                    + alert.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                .normal
            ))
        if let description = alert.annotations["description"] { lines.append((description, .normal)) }
        if let runbook = alert.runbookURL { lines.append(("runbook: " + runbook, .accent)) }
        if let link = alert.generatorURL { lines.append(("source: " + link, .dim)) }
        for (offset, (text, style)) in lines.enumerated() where top + offset < bottom {
            frame.put(text, row: top + offset, column: 2, style: style, width: width)
        }
    }
}

extension ConsoleModel {
    /// The alerts screen's rows: the firing and acknowledged alerts, newest first, then the newest
    /// `AlertsView.resolvedShown` resolved ones.
    public var alertRows: [Alert] {
        guard let book = alertBook else { return [] }
        let newestFirst = book.alerts.reversed()
        return newestFirst.filter(\.isActive) + newestFirst.filter { !$0.isActive }.prefix(AlertsView.resolvedShown)
    }

    /// The alert selected on the alerts screen.
    public var selectedAlert: Alert? {
        let rows = alertRows
        guard !rows.isEmpty else { return nil }
        return rows[min(alertListSelection, rows.count - 1)]
    }

    /// The incident `alert`'s group went to, when it is known here.
    public func incident(ofAlert alert: Alert) -> Incident? {
        alertBook?.incident(of: alert).flatMap { incidents[$0] }
    }

    /// What the screen shows of `alert`: acknowledged once its incident was (a person is on it).
    public func shownState(of alert: Alert) -> Alert.State {
        let incident = incident(ofAlert: alert)
        return alert.shownState(
            incidentAcknowledged: incident.map { $0.keyTimes[.acknowledged] != nil || !$0.isOpen } ?? false)
    }
}
