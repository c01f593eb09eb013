import Foundation
import KlaxonCore
import Yams

/// `slo:` of a check: `{objective: 99.9, window: 28d, method: occurrences, minimum_events: 10,
/// severity: SEV2}`, and on a `prometheus_query` check `good:` and `total:`, two counters' selectors
/// whose events it counts instead of its polls (docs/slo.md).
extension CheckFiles {
    static let objectiveKeys = ["objective", "window", "method", "minimum_events", "severity", "good", "total"]

    static func objective(_ node: Node, _ file: YAMLFile) throws(KlaxonError) -> ServiceLevelObjective {
        var objective: Double?
        var windowDays = 28
        var method = ServiceLevelObjective.Method.occurrences
        var minimumEvents: Int?
        var severity: Severity?
        var good: String?
        var total: String?
        for (key, keyNode, value) in try file.mapping(node, what: "slo") {
            switch key {
            case "objective":
                let text = try file.string(value, what: "slo: objective")
                guard let number = Double(text.hasSuffix("%") ? String(text.dropLast()) : text), number > 0,
                    number < 100
                else {
                    throw file.error(
                        value,
                        "slo: objective is \"\(text)\"; expected the share of good events in percent, above 0 and below 100, such as 99.9"
                    )
                }
                objective = number
            case "window":
                let text = try file.string(value, what: "slo: window")
                let choices = ServiceLevelObjective.windowChoices
                guard text.hasSuffix("d"), let days = Int(text.dropLast()), choices.contains(days) else {
                    throw file.error(
                        value,
                        "slo: window is \"\(text)\"; expected a rolling window of \(choices.map { "\($0)d" }.joined(separator: " or ")) (the burn-rate alerts are worked out for these)"
                    )
                }
                windowDays = days
            case "method": method = try file.choice(value, what: "slo: method", ServiceLevelObjective.Method.allCases)
            case "minimum_events": minimumEvents = try file.integer(value, what: "slo: minimum_events", in: 1...100_000)
            case "severity":
                let text = try file.string(value, what: "slo: severity")
                guard let parsed = Severity(parsing: text) else {
                    throw file.error(value, "slo: severity is \"\(text)\"; expected a severity, SEV1 to SEV5")
                }
                severity = parsed
            case "good": good = try file.string(value, what: "slo: good")
            case "total": total = try file.string(value, what: "slo: total")
            default:
                throw file.error(
                    keyNode, "unknown key \"\(key)\" in slo (known: \(objectiveKeys.joined(separator: ", ")))")
            }
        }
        guard let objective else { throw file.error(node, "slo needs an objective:, in percent, such as 99.9") }
        var events: ServiceLevelObjective.EventQueries?
        switch (good, total) {
        case (let good?, let total?):
            guard method == .occurrences else {
                throw file.error(
                    node,
                    "slo: method: timeslices counts the minutes of polls; good: and total: count Prometheus's events: leave method: out (occurrences)"
                )
            }
            events = .init(good: good, total: total)
        case (nil, nil): break
        default:
            throw file.error(
                node,
                "slo: gives \(good == nil ? "total:" : "good:") without \(good == nil ? "good:" : "total:"); an objective on Prometheus's events needs both counters' selectors, such as good: 'http_requests_total{job=\"registry\",code!~\"5..\"}' and total: 'http_requests_total{job=\"registry\"}'"
            )
        }
        return ServiceLevelObjective(
            objective: objective, windowDays: windowDays, method: method, minimumEvents: minimumEvents,
            pageSeverity: severity, events: events)
    }
}
