/// `klaxon review report` as markdown and as JSON (`klaxon.report/1`, docs/review-format.md).
public enum ReviewReportText {
    public static let format = "klaxon.report/1"

    public static func markdown(_ r: ReviewReport, formatter: LocalTimeFormatter) -> String {
        var out: [String] = []
        let scope = r.service.map { " of service \($0)" } ?? ""
        out.append(
            "# Incident report: \(formatter.dateTime(r.since)) to \(formatter.dateTime(r.until)) (\(r.timeZone))")
        out.append("")
        out.append(
            "\(r.incidentCount) incident\(r.incidentCount == 1 ? "" : "s")\(scope) declared in the window, \(r.openCount) still open."
        )
        out.append("")
        out.append("## By severity")
        out.append("")
        out.append(
            ReviewMarkdown.table(["Severity", "Incidents"], r.bySeverity.map { [$0.severity.name, String($0.count)] }))
        out.append("")
        out.append("## By service")
        out.append("")
        out.append(
            r.byService.isEmpty
                ? "No incidents."
                : ReviewMarkdown.table(
                    ["Service", "Incidents"], r.byService.map { [ReviewMarkdown.inline($0.service), String($0.count)] })
        )
        out.append("")
        out.append("## Response times")
        out.append("")
        out.append(
            ReviewMarkdown.table(
                ["Figure", "Mean", "Median", "p90", "Measured", "Not recorded", "Out of order"],
                [
                    row("Time to acknowledge", r.timeToAcknowledge),
                    row("Time to resolve", r.timeToResolve)
                ]))
        out.append("")
        out.append(
            "Measured from detection (or the declaration, where no detection was recorded); incidents still open or never acknowledged count as not recorded."
        )
        out.append("")
        out.append("## On-call load")
        out.append("")
        out.append(
            r.load.isEmpty
                ? "Nobody was paged."
                : ReviewMarkdown.table(
                    ["Person", "Pages", "Incidents paged for", "Acknowledged"],
                    r.load.map {
                        [
                            ReviewMarkdown.inline($0.person), String($0.pages), String($0.incidents),
                            String($0.acknowledged)
                        ]
                    }))
        out.append("")
        out.append("## Incidents per week")
        out.append("")
        out.append(
            ReviewMarkdown.table(
                ["Week of (Monday)", "Incidents", ""],
                r.perWeek.map {
                    [$0.weekStarting.isoDate, String($0.count), String(repeating: "█", count: min($0.count, 60))]
                }))
        return out.joined(separator: "\n") + "\n"
    }

    /// A duration figure in words, or `—` when there is none.
    public static func duration(_ seconds: Int64?) -> String {
        seconds.map { DurationText.precise(seconds: $0) } ?? "—"
    }

    private static func row(_ name: String, _ s: ReviewReport.Spread) -> [String] {
        [
            name, duration(s.meanSeconds), duration(s.medianSeconds), duration(s.p90Seconds), String(s.measured),
            String(s.notRecorded), String(s.outOfOrder)
        ]
    }

    public static func json(_ r: ReviewReport) -> JSONValue {
        func n(_ v: Int) -> JSONValue { .number(Double(v)) }
        func seconds(_ v: Int64?) -> JSONValue { v.map { .number(Double($0)) } ?? .null }
        func spread(_ s: ReviewReport.Spread) -> JSONValue {
            .object([
                "measured": n(s.measured), "not_recorded": n(s.notRecorded), "out_of_order": n(s.outOfOrder),
                "mean_seconds": seconds(s.meanSeconds), "median_seconds": seconds(s.medianSeconds),
                "p90_seconds": seconds(s.p90Seconds)
            ])
        }
        var severities: [String: JSONValue] = [:]
        for (severity, count) in r.bySeverity { severities[severity.name] = n(count) }
        return .object([
            "format": .string(format),
            "since": .string(r.since.rfc3339), "until": .string(r.until.rfc3339),
            "service": r.service.map(JSONValue.string) ?? .null, "time_zone": .string(r.timeZone),
            "incidents": n(r.incidentCount), "open": n(r.openCount),
            "by_severity": .object(severities),
            "by_service": .array(
                r.byService.map { .object(["service": .string($0.service), "incidents": n($0.count)]) }),
            "time_to_acknowledge": spread(r.timeToAcknowledge),
            "time_to_resolve": spread(r.timeToResolve),
            "load": .array(
                r.load.map {
                    .object([
                        "person": .string($0.person), "pages": n($0.pages), "incidents": n($0.incidents),
                        "acknowledged": n($0.acknowledged)
                    ])
                }),
            "per_week": .array(
                r.perWeek.map { .object(["week_of": .string($0.weekStarting.isoDate), "incidents": n($0.count)]) })
        ])
    }
}
