import KlaxonCore

/// The lines of the reports screen: the figures of `klaxon review report` for the incidents declared
/// in the last 30 and the last 90 days, worked out from the incidents the console already holds. The
/// view draws them; `ConsoleUpdate` scrolls through them.
enum ReportLines {
    /// One line: a label and the figure for each window.
    struct Line: Equatable {
        var label: String
        var last30: String
        var last90: String
        var labelStyle: Style = .normal
    }

    static let windows: [Int64] = [30, 90]

    static func reports(_ model: ConsoleModel) -> [ReviewReport] {
        let incidents = Array(model.incidents.values)
        let formatter = LocalTimeFormatter(timeZone: model.timeZone)
        // `until` is exclusive: one millisecond past now, so an incident declared this instant counts.
        let until = Timestamp(milliseconds: model.now.milliseconds + 1)
        return windows.map { days in
            ReviewReport(
                incidents: incidents, since: model.now.adding(seconds: -days * 86400), until: until, timeZone: formatter
            )
        }
    }

    static func lines(_ model: ConsoleModel) -> [Line] {
        let r = reports(model)
        let (a, b) = (r[0], r[1])
        var lines: [Line] = []
        func add(_ label: String, _ f: (ReviewReport) -> String, style: Style = .normal) {
            lines.append(Line(label: label, last30: f(a), last90: f(b), labelStyle: style))
        }
        func list(_ label: String, _ items: (ReviewReport) -> [String]) {
            let (left, right) = (Array(items(a).prefix(8)), Array(items(b).prefix(8)))
            let count = max(1, left.count, right.count)
            for i in 0..<count {
                lines.append(
                    Line(
                        label: i == 0 ? label : "", last30: i < left.count ? left[i] : (i == 0 ? "—" : ""),
                        last90: i < right.count ? right[i] : (i == 0 ? "—" : ""), labelStyle: .heading))
            }
        }
        add("Incidents", { "\($0.incidentCount), \($0.openCount) open" }, style: .heading)
        for severity in Severity.allCases {
            add(
                "  " + severity.name, { r in String(r.bySeverity.first { $0.severity == severity }?.count ?? 0) },
                style: Style.of(severity))
        }
        for (name, spread) in [
            ("Time to acknowledge", \ReviewReport.timeToAcknowledge), ("Time to resolve", \ReviewReport.timeToResolve)
        ] {
            add(name, { "\($0[keyPath: spread].measured) measured" }, style: .heading)
            add("  mean", { ReviewReportText.duration($0[keyPath: spread].meanSeconds) })
            add("  median", { ReviewReportText.duration($0[keyPath: spread].medianSeconds) })
            add("  p90", { ReviewReportText.duration($0[keyPath: spread].p90Seconds) })
        }
        add(
            "Incidents per week", { sparkline($0.perWeek.map(\.count), ascii: model.glyphs == .ascii) }, style: .heading
        )
        list("By service") { $0.byService.map { "\($0.service) \($0.count)" } }
        list("Pages per person") { $0.load.map { "\($0.person) \($0.pages) (acked \($0.acknowledged))" } }
        return lines
    }

    static func sparkline(_ counts: [Int], ascii: Bool) -> String {
        let bars: [Character] = ascii ? Array("_.:-=+*#") : Array("▁▂▃▄▅▆▇█")
        let peak = max(1, counts.max() ?? 1)
        return String(
            counts.map { count in
                count == 0
                    ? bars[0] : bars[max(1, Int((Double(count) / Double(peak) * Double(bars.count - 1)).rounded()))]
            })
    }
}
