import KlaxonCore

/// Screen 3: the status board grouped as `klaxon.yaml` groups the checks, or one check's recent results.
enum StatusView {
    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        let rows = model.boardRows
        guard !rows.isEmpty else {
            frame.put("Status board", row: 2, column: 1, style: .heading)
            if drawProblems(model, from: 4, &frame) == 4 {
                frame.put(
                    "No checks. Add them under checks: in klaxon.yaml (see the README).", row: 4, column: 2, style: .dim
                )
            }
            return
        }
        let selected = rows[min(model.checkSelection, rows.count - 1)]
        if model.showingCheckDetail { drawDetail(selected, model, &frame) } else { drawBoard(rows, model, &frame) }
    }

    /// A state's style; unknown after a poll (its source cannot be read) has its own, unknown before
    /// any is dim.
    static func style(_ state: CheckState, polled: Bool = true) -> Style {
        switch state {
        case .up: .ok
        case .degraded, .pending: .warning
        case .down: .critical
        case .maintenance: .dim
        case .unknown: polled ? .blind : .dim
        }
    }

    /// The errors of `checks:` that no row shows, in the error style, from `row`; returns the next free row.
    static func drawProblems(_ model: ConsoleModel, from row: Int, _ frame: inout Frame) -> Int {
        var row = row
        for problem in model.checkProblems.prefix(2) {
            frame.put(problem, row: row, column: 2, style: .error, width: model.columns - 3)
            row += 1
        }
        if model.checkProblems.count > 2 {
            frame.put(
                "\(Plural.count(model.checkProblems.count - 2, "more problem", "more problems")): run klaxon config validate",
                row: row, column: 2, style: .error)
            row += 1
        }
        return row
    }

    static func drawBoard(_ rows: [ConsoleModel.CheckRow], _ model: ConsoleModel, _ frame: inout Frame) {
        let down = rows.filter { $0.state == .down }.count
        let degraded = rows.filter { $0.state == .degraded || $0.state == .pending }.count
        let blind = rows.filter { $0.state == .unknown && $0.lastReport != nil }.count
        let unpolled = rows.filter { $0.notPolled != nil }.count
        var x = frame.put("Status board", row: 2, column: 1, style: .heading)
        x = frame.put("  " + Plural.count(rows.count, "check"), row: 2, column: x, style: .dim)
        if unpolled > 0 { x = frame.put("  \(unpolled) not polled", row: 2, column: x, style: .error) }
        if down > 0 { x = frame.put("  \(down) down", row: 2, column: x, style: .critical) }
        if blind > 0 { x = frame.put("  \(blind) unknown", row: 2, column: x, style: .blind) }
        if degraded > 0 {
            frame.put("  \(degraded) degraded or \(CheckState.pending.displayName)", row: 2, column: x, style: .warning)
        }
        let titles = drawProblems(model, from: 3, &frame)
        let plan = plan(rows)
        let widths = plan.widths(in: model.columns - 3)
        var cx = 2
        for (column, width) in zip(plan.columns, widths) where width > 0 {
            frame.put(column.title, row: titles, column: cx, style: .dim, width: width)
            cx += width
        }
        var row = titles + 1
        var group: String?
        let geometry = ScreenGeometry(model)
        let bottom = geometry.bottom
        let first = ScreenGeometry.scrolledStart(
            selection: model.checkSelection, count: rows.count,
            rows: geometry.statusBoardRows(problems: model.checkProblems.count))
        for (index, check) in rows.enumerated() where index >= first && row < bottom {
            if check.definition.group != group {
                group = check.definition.group
                frame.put(group!.isEmpty ? "(no group)" : group!, row: row, column: 1, style: .heading)
                row += 1
                if row >= bottom { break }
            }
            let isSelected = index == model.checkSelection
            if isSelected { frame.fill(row: row, style: .selected) }
            frame.addClick(.row(.checks, index), row: row)
            // A selected row keeps its state's colour, reversed: the one DOWN row, selected by default, stays red.
            func s(_ style: Style) -> Style { isSelected ? style.selected : style }
            if let reason = check.notPolled {
                // The reason takes every column after the name: it is the one thing this row says.
                frame.put(check.definition.name, row: row, column: 2, style: s(.normal), width: widths[0] - 1)
                frame.put(
                    "NOT POLLED: " + reason, row: row, column: 2 + widths[0], style: s(.error),
                    width: model.columns - 3 - widths[0])
                row += 1
                continue
            }
            let latency =
                check.lastReport.flatMap {
                    $0.response.statusCode == nil ? nil : "\(Int($0.response.phases.total.rounded())) ms"
                } ?? "—"
            let age = check.since.map { DurationText.short(seconds: $0.seconds(until: model.now)) } ?? "—"
            // A check without TLS verification is marked after its detail, which is cut to make room.
            let mark = check.definition.verifyTLS ? "" : " [TLS not verified]"
            let detail =
                (check.recovering.map { "recovering, \($0.ok) of \($0.of) ok: " } ?? "")
                + (check.lastReport?.evaluation.observation.detail ?? "not polled yet")
            let cells: [(String, Style)] = [
                (check.definition.name, s(.normal)),
                (check.state.displayName.uppercased(), s(style(check.state, polled: check.lastReport != nil))),
                (latency, s(.normal)),
                (age, s(.dim)),
                (sparkline(check.history, ascii: model.glyphs == .ascii), s(.accent)),
                (detail, s(.normal))
            ]
            var x = 2
            for ((text, style), (column, width)) in zip(cells, zip(plan.columns, widths)) where width > 0 {
                if column.fills {
                    let room = width - TextWidth.width(of: mark)
                    x = frame.put(text, row: row, column: x, style: style, width: room)
                    frame.put(mark, row: row, column: x, style: s(.warning))
                } else {
                    frame.put(text, row: row, column: x, style: style, width: width - 1)
                    if column.title == "RECENT" {
                        // A failed poll in red, an unknown one as unknown: never in the bars' colour.
                        for (offset, mark) in text.prefix(width - 1).enumerated() where "×x?".contains(mark) {
                            frame.restyle(
                                row: row, column: x + offset, count: 1, style: s(mark == "?" ? .blind : .error))
                        }
                    }
                    x += width
                }
            }
            row += 1
        }
    }

    /// The board's columns and the order they give way in: the sparkline first, then the latency; the
    /// check, its state, since when and the reason (DETAIL, at least 36 columns) never.
    static func plan(_ rows: [ConsoleModel.CheckRow]) -> ColumnPlan {
        ColumnPlan([
            .sized("CHECK", to: rows.map(\.definition.name), minimum: 5, maximum: 24),
            .init("STATE", 12),
            .init("LATENCY", 9, givesWay: 2),
            .init("FOR", 8),
            .init("RECENT", 22, givesWay: 1),
            .init("DETAIL", 36, fills: true)
        ])
    }

    /// `uptime 1 h 99.95 %, 24 h 99.90 %`, saying over how long where the console has not watched a whole
    /// window yet: `uptime 100.00 % over the 30s seen` (not "1 h" after 30 seconds of data).
    static func uptimeLine(_ history: UptimeHistory, now: Timestamp) -> String {
        func percent(_ share: Double?) -> String { share.map { String(format: "%.2f %%", $0 * 100) } ?? "—" }
        let hour = history.seenSeconds(overLast: 3600, now: now)
        if hour < 3600 {
            let seen = hour == 0 ? "nothing seen yet" : "over the \(DurationText.short(seconds: hour)) seen"
            return "uptime \(percent(history.uptime(overLast: 3600, now: now))) \(seen)"
        }
        let day = history.seenSeconds(overLast: 86400, now: now)
        let dayLabel = day < 86400 ? "\(DurationText.short(seconds: day)) seen" : "24 h"
        return
            "uptime 1 h \(percent(history.uptime(overLast: 3600, now: now))), \(dayLabel) \(percent(history.uptime(overLast: 86400, now: now)))"
    }

    /// The bars' top is at least this (ms): a millisecond of jitter on a 2 ms check stays low, not a spike.
    static let sparklineFloorMilliseconds = 10.0

    /// The last latencies as bars from 0 to the label's top, and that top (`▁▂▁▁█ 40ms`): the slowest poll
    /// shown, or `sparklineFloorMilliseconds`. A failed poll is `×`, one whose outcome is not known `?`
    /// (a bar would read as up).
    static func sparkline(_ history: [CheckReport], ascii: Bool) -> String {
        let bars: [Character] = ascii ? Array(".:-=+*#%") : Array("▁▂▃▄▅▆▇█")
        let recent = history.suffix(14)
        let latencies = recent.compactMap { $0.response.statusCode == nil ? nil : $0.response.phases.total }
        let peak = max(sparklineFloorMilliseconds, latencies.max() ?? 0)
        let marks = String(
            recent.map { report -> Character in
                guard report.response.statusCode != nil, report.evaluation.observation.verdict != .failed else {
                    return ascii ? "x" : "×"
                }
                if report.evaluation.observation.verdict == .unknown { return "?" }
                let level = Int((report.response.phases.total / peak * Double(bars.count - 1)).rounded())
                return bars[max(0, min(bars.count - 1, level))]
            })
        // The scale only where there is a bar to read by it (not under failures alone).
        return latencies.isEmpty ? marks : marks + " \(Int(peak.rounded()))ms"
    }

    /// An alert source's alerts from `top`, in aligned columns: state, severity, name, since when and
    /// what it says (its summary, else its description); the selected one reversed, and under the list
    /// its description (up to three lines), its `runbook_url` and its `generator_url`. Leaves at least
    /// three rows above `bottom` for the recent results; returns the next free row.
    static func drawAlerts(
        _ items: [StatusPayloads.Item], selection: Int, from top: Int, bottom: Int, _ model: ConsoleModel,
        _ frame: inout Frame
    ) -> Int {
        let width = model.columns - 3
        let selection = min(selection, items.count - 1)
        let selected = items[selection]
        var notes: [(text: String, style: Style)] = []
        for line in TextWidth.wrap(selected.annotations["description"] ?? "", to: width - 1).prefix(3) {
            notes.append((line, .normal))
        }
        if let url = selected.runbookURL { notes.append((TextWidth.pad("runbook", to: 9) + url, .normal)) }
        if let url = selected.generatorURL { notes.append((TextWidth.pad("source", to: 9) + url, .dim)) }
        let listRows = max(1, min(items.count, bottom - top - 1 - notes.count - 3))
        var row = top
        frame.put("Alerts", row: row, column: 1, style: .heading)
        if items.count > 1 {
            frame.put("  \(selection + 1) of \(items.count) (j/k)", row: row, column: 7, style: .dim)
        }
        row += 1
        let nameWidth = min(items.map { TextWidth.width(of: $0.name) }.max() ?? 0, max(12, width / 3))
        let first = ScreenGeometry.scrolledStart(selection: selection, count: items.count, rows: listRows)
        for (index, item) in items.enumerated().dropFirst(first).prefix(listRows) where row < bottom {
            let isSelected = index == selection
            frame.addClick(.row(.checkAlerts, index), row: row)
            var itemStyle: Style = item.effect == .down ? .critical : item.effect == .degraded ? .warning : .normal
            if isSelected {
                frame.fill(row: row, style: .selected)
                itemStyle = itemStyle.selected
            }
            let since = item.startsAt.map { "for " + DurationText.short(seconds: $0.seconds(until: model.now)) } ?? ""
            let says = item.summary ?? item.annotations["description"] ?? ""
            let line =
                "\(TextWidth.pad(item.status, to: 10)) \(TextWidth.pad(item.severity ?? "—", to: 9)) \(TextWidth.pad(item.name, to: nameWidth))  "
                + TextWidth.pad(since, to: 10) + says
            frame.put(line, row: row, column: 2, style: itemStyle, width: width)
            row += 1
        }
        for note in notes where row < bottom {
            frame.put(note.text, row: row, column: 3, style: note.style, width: width - 1)
            row += 1
        }
        return row
    }

    static func drawDetail(_ check: ConsoleModel.CheckRow, _ model: ConsoleModel, _ frame: inout Frame) {
        let d = check.definition
        if let reason = check.notPolled {
            let x = frame.put(d.name, row: 2, column: 1, style: .heading)
            frame.put("  NOT POLLED", row: 2, column: x, style: .error)
            for (i, line) in TextWidth.wrap(reason, to: model.columns - 3).prefix(max(0, model.rows - 6)).enumerated() {
                frame.put(line, row: 4 + i, column: 2, style: .error)
            }
            return
        }
        var x = frame.put(d.name, row: 2, column: 1, style: .heading)
        x = frame.put(
            "  " + check.state.displayName.uppercased(), row: 2, column: x,
            style: style(check.state, polled: check.lastReport != nil))
        if let since = check.since {
            frame.put(
                "  for \(DurationText.short(seconds: since.seconds(until: model.now)))", row: 2, column: x, style: .dim)
        }
        let uptime = Self.uptimeLine(check.uptime, now: model.now)
        // The URL last: it is long, and cut with `…` rather than push the runbook off the line.
        let facts = [
            d.verifyTLS ? nil : "TLS NOT VERIFIED", d.runbook.map { "runbook \($0) (o)" },
            d.service.map { "service \($0)" },
            "every \(d.intervalSeconds)s",
            d.kind.rawValue + " " + URLCredentials.redacted(CheckEvaluation.requestURL(d))
        ].compactMap { $0 }
        frame.put(facts.joined(separator: " · "), row: 3, column: 1, style: .dim, width: model.columns - 2)
        frame.put(uptime + " (maintenance left out)", row: 4, column: 1, style: .dim, width: model.columns - 2)
        var row = 6
        let bottom = ScreenGeometry(model).bottom
        if d.kind == .prometheusQuery, let events = d.slo?.events {
            // The counters whose events it counts for its objective.
            frame.put(
                "good \(events.good) · total \(events.total)", row: 5, column: 1, style: .code, width: model.columns - 2
            )
            row = 7
        } else if d.kind == .prometheusQuery {
            // What the check asks and holds the answer to, as klaxon.yaml says it.
            let conditions = [d.query.down.map { "down \($0)" }, d.query.degraded.map { "degraded \($0)" }]
                .compactMap { $0 }.joined(separator: " · ")
            // The conditions first: a long query is cut at the right edge, they are not.
            frame.put(
                "\(conditions) · query \(d.query.query)", row: 5, column: 1, style: .code, width: model.columns - 2)
            row = 7
        }
        if let last = check.lastReport {
            // The whole detail, on up to three lines: it names what is wrong.
            for line in TextWidth.wrap(last.evaluation.observation.detail[...], to: model.columns - 3, maxLines: 3) {
                frame.put(line.text, row: row, column: 2, style: style(check.state), width: model.columns - 3)
                row += 1
            }
            let p = last.response.phases
            frame.put(
                String(
                    format: "dns %.0f ms · connect %.0f ms · tls %.0f ms · first byte %.0f ms · total %.0f ms", p.dns,
                    p.connect, p.tls, p.firstByte, p.total),
                row: row, column: 2, style: .dim, width: model.columns - 3)
            row += 2
            let items = last.evaluation.items
            if !items.isEmpty && row < bottom {
                if d.kind.isAlertSource {
                    row = drawAlerts(items, selection: model.alertSelection, from: row, bottom: bottom, model, &frame)
                } else {
                    frame.put(SystemHealth.itemsHeading(d.kind), row: row, column: 1, style: .heading)
                    row += 1
                    for item in items.prefix(max(0, (bottom - row) / 2)) where row < bottom {
                        let healthy = SystemHealth.healthyItemStatuses.contains(item.status)
                        let itemStyle: Style = item.counted && !healthy ? .warning : .normal
                        // A series' value, a queue's agents, why a node is offline: after the name.
                        let notes = item.annotations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                        frame.put(
                            "\(TextWidth.pad(item.status, to: 20)) \(item.name)"
                                + (notes.isEmpty ? "" : " · " + notes.joined(separator: " · ")),
                            row: row, column: 2, style: itemStyle, width: model.columns - 3)
                        row += 1
                    }
                }
                for incident in last.evaluation.incidents where row < bottom {
                    frame.put("incident: \(incident)", row: row, column: 2, style: .warning, width: model.columns - 3)
                    row += 1
                }
                row += 1
            }
            if row < bottom && !last.response.body.isEmpty && d.kind == .http {
                let excerpt = String(decoding: last.response.body.prefix(200), as: UTF8.self).replacingOccurrences(
                    of: "\n", with: " ")
                frame.put("body: " + excerpt, row: row, column: 2, style: .code, width: model.columns - 3)
                row += 2
            }
        }
        if row < bottom {
            frame.put("Recent results", row: row, column: 1, style: .heading)
            row += 1
        }
        let local = LocalTimeFormatter(timeZone: model.timeZone)
        for report in check.history.reversed() where row < bottom {
            let latency = report.response.statusCode == nil ? "—" : "\(Int(report.response.phases.total.rounded())) ms"
            let line =
                "\(local.civil(report.at).isoTime)  \(TextWidth.pad(report.state.displayName, to: 12)) \(TextWidth.pad(latency, to: 9)) \(report.evaluation.observation.detail)"
            frame.put(
                line, row: row, column: 2, style: report.state == .down ? .critical : .normal, width: model.columns - 3)
            row += 1
        }
    }
}
