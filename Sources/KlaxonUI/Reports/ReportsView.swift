import KlaxonCore

/// Screen 6: the figures of `klaxon review report` for the incidents declared in the last 30 and the
/// last 90 days, side by side (`ReportLines`).
enum ReportsView {
    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        let zone = ConsoleView.zoneIdentifier(model.timeZone)
        frame.put(
            "Reports · declared in the last 30/90 days · weeks from Monday, \(zone)", row: 2, column: 1,
            style: .heading, width: model.columns - 2)
        let labelWidth = 22
        let columnWidth = max(10, (model.columns - 2 - labelWidth) / 2)
        let (left, right) = (1 + labelWidth, 1 + labelWidth + columnWidth)
        frame.put("Last 30 days", row: 3, column: left, style: .dim, width: columnWidth - 1)
        frame.put("Last 90 days", row: 3, column: right, style: .dim, width: columnWidth - 1)
        let all = ReportLines.lines(model)
        let shown = ScreenGeometry(model).reportLines
        let top = min(model.reportsScroll, max(0, all.count - 1))
        if top > 0 || top + shown < all.count {
            let hint = top + shown < all.count ? "· more below: j" : "· k for the top"
            frame.put(hint, row: 3, column: model.columns - 1 - hint.count, style: .dim)
        }
        for (i, line) in all.dropFirst(top).prefix(shown).enumerated() {
            let row = 4 + i
            frame.put(line.label, row: row, column: 1, style: line.labelStyle, width: labelWidth - 1)
            frame.put(line.last30, row: row, column: left, width: columnWidth - 1)
            frame.put(line.last90, row: row, column: right, width: columnWidth - 1)
        }
    }
}
