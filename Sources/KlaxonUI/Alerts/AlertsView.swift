import KlaxonCore

/// Screen 7: the alerts pushed to the intake in the order `Alert.listed` gives (firing first, newest
/// first within each state), at most the newest `resolvedShown` resolved ones; the selected alert's
/// labels and links below the list.
enum AlertsView {
    /// The most resolved alerts listed (the newest): `klaxon alert list --all` lists every one.
    static let resolvedShown = 200

    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        let x = frame.put("Alerts", row: 2, column: 1, style: .heading)
        guard let book = model.alertBook else {
            frame.put("  not read yet", row: 2, column: x, style: .dim)
            return
        }
        drawHeading(book, model, from: x, &frame)
        let rows = model.alertRows
        guard !rows.isEmpty else {
            frame.put(
                "No alerts received. Point Alertmanager's webhook or a PagerDuty-style sender at klaxon watch's intake (docs/intake.md).",
                row: 4, column: 2, style: .dim, width: model.columns - 3)
            return
        }
        let plan = plan(rows, model)
        var widths = plan.widths(in: model.columns - 3)
        // The incident's state, when it has room, is read in the incident's cell (`INC-11 paging`), one thing
        // to read rather than two columns apart: that cell spans both.
        let showsIncidentState = widths[5] > 0
        widths[4] += widths[5]
        widths[5] = 0
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
            frame.addClick(.row(.alerts, index), row: row)
            func s(_ style: Style) -> Style { isSelected ? style.selected : style }
            let shown = model.shown(alert)
            let cells: [(String, Style)] = [
                (alert.id, s(.normal)),
                (shown.text.uppercased(), s(style(shown))),
                (alert.severity ?? "—", s(.normal)),
                (DurationText.short(seconds: alert.startsAt.seconds(until: model.now)), s(.dim)),
                (
                    [book.incident(of: alert) ?? "—", showsIncidentState ? model.incidentState(ofAlert: alert) : nil]
                        .compactMap { $0 }.joined(separator: " "), s(.accent)
                ),
                ("", s(.dim)),
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

    /// `2 firing  1 acked by sender  1 acknowledged  3 resolved · last received 2m ago`, or `none
    /// received`: the time says whether the intake still receives (a stopped one looks the same
    /// otherwise). Where that is too wide, "acknowledged" is said "acked".
    static func drawHeading(_ book: AlertBook, _ model: ConsoleModel, from column: Int, _ frame: inout Frame) {
        guard let last = book.lastReceivedAt else {
            frame.put("  none received", row: 2, column: column, style: .dim)
            return
        }
        let counts = Dictionary(grouping: model.alertRows.filter(\.isActive), by: model.shown).mapValues(\.count)
        let resolved = book.alerts.count - book.active.count
        var parts: [(String, Style)] = [Alert.Shown.firing, .ackedBySender, .acknowledged].compactMap { shown in
            counts[shown].map { ("  \($0) \(shown.text)", style(shown)) }
        }
        if resolved > 0 { parts.append(("  \(resolved) resolved", .dim)) }
        parts.append((" · last received \(DurationText.short(seconds: last.seconds(until: model.now))) ago", .dim))
        // First, so it is never the part a narrow screen cuts: nothing receives alerts now.
        if let stopped = book.intakeStopped {
            parts.insert(
                ("  intake stopped \(DurationText.short(seconds: stopped.seconds(until: model.now))) ago ·", .warning),
                at: 0)
        }
        if column + parts.reduce(0, { $0 + TextWidth.width(of: $1.0) }) > model.columns - 1 {
            parts = parts.map { ($0.0.replacingOccurrences(of: " acknowledged", with: " acked"), $0.1) }
        }
        var x = column
        for (text, style) in parts { x = frame.put(text, row: 2, column: x, style: style) }
    }

    /// The columns; at 80 the source, then the severity, then the incident's state give way: the id, the
    /// state, the incident and the alert stay.
    static func plan(_ rows: [Alert], _ model: ConsoleModel) -> ColumnPlan {
        let ids = rows.map { model.alertBook?.incident(of: $0) ?? "—" }
        let incident = ColumnPlan.Column.sized("INCIDENT", to: ids, minimum: 1)
        // The incident's state continues its id's cell (`INC-11 paging`): the width it adds, at most 16.
        let withState = zip(ids, rows).map { id, alert in
            TextWidth.width(of: model.incidentState(ofAlert: alert).map { "\(id) \($0)" } ?? id) + 1
        }
        return ColumnPlan([
            .sized("ID", to: rows.map(\.id), minimum: 3),
            .sized("STATE", to: rows.map { model.shown($0).text.uppercased() }, minimum: 12),
            .sized("SEVERITY", to: rows.map { $0.severity ?? "—" }, maximum: 10, givesWay: 2),
            .init("AGE", 7),
            incident,
            .init("", min(16, max(0, (withState.max() ?? 0) - incident.width)), givesWay: 3),
            .init("SOURCE", 13, givesWay: 1),
            .init("ALERT", 30, fills: true)
        ])
    }

    static func style(_ shown: Alert.Shown) -> Style {
        switch shown {
        case .firing, .ackedBySender: .critical
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
            let state = model.incidentState(ofAlert: alert).map { " " + $0 } ?? ""
            let acknowledged = model.incident(ofAlert: alert).map {
                Alert.isAcknowledged($0, paging: model.pagingState(of: $0))
            }
            let keys = acknowledged == false ? "enter opens it, a acknowledges it" : "enter opens it"
            lines.append(("incident: \(incident)\(state) (\(keys))", .normal))
        } else {
            lines.append(
                (
                    "incident: none: " + AlertRouting.whyOnNoIncident(alert, routes: model.alertRoutes)
                        + " (d declares one)", .dim
                ))
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
    /// The alerts screen's rows, in the order `Alert.listed` gives: the alerts not resolved, then the
    /// newest `AlertsView.resolvedShown` resolved ones.
    public var alertRows: [Alert] {
        guard let book = alertBook else { return [] }
        let resolved = book.alerts.reversed().lazy.filter { !$0.isActive }.prefix(AlertsView.resolvedShown)
        return Alert.listed(book.active + resolved, shown: shown)
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

    /// What the incident `alert` went to is doing (`paging`, `acked by ana`), when it is known here.
    public func incidentState(ofAlert alert: Alert) -> String? {
        incident(ofAlert: alert).map { Alert.incidentState($0, paging: pagingState(of: $0)) }
    }

    /// What the screen shows of `alert`: acknowledged once its incident was (a person is on it), acked by
    /// sender when only its sender acknowledged it.
    public func shown(_ alert: Alert) -> Alert.Shown {
        let incident = incident(ofAlert: alert)
        return alert.shown(
            incidentAcknowledged: incident.map { Alert.isAcknowledged($0, paging: pagingState(of: $0)) } ?? false)
    }
}
