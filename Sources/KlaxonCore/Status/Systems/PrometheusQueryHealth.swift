/// A PromQL instant query's answer (`/api/v1/query`), judged by `QueryRules`: a scalar, or each series
/// of a vector, against `down:` and `degraded:`; the worst series decides, and the detail names it by
/// its labels. A query Prometheus cannot run (a syntax error, a timeout) is unknown, never down: the
/// check does not know what the query would have said.
public enum PrometheusQueryHealth {
    public static func judge(_ rules: QueryRules, _ answer: SystemHealth.Answer) -> CheckEvaluation {
        let json = answer.json
        guard answer.isSuccess, json?["status"]?.stringValue == "success" else {
            if let error = json?["error"]?.stringValue {
                let type = json?["errorType"]?.stringValue.map { TerminalText.printable($0) + ": " } ?? ""
                return SystemHealth.unknown("the query failed: \(type)\(TerminalText.printable(error))")
            }
            return SystemHealth.unknown("the Prometheus API answers \(answer.statusAndLine)")
        }
        let data = json?["data"]
        var values: [(labels: [String: String], value: Double)] = []
        // A scalar has no labels to name it by: it is called `scalar`.
        var isScalar = false
        switch data?["resultType"]?.stringValue {
        case "scalar":
            guard let value = sampleValue(data?["result"]) else { return unreadable(answer) }
            values = [([:], value)]
            isScalar = true
        case "vector":
            guard let series = data?["result"]?.arrayValue else { return unreadable(answer) }
            for one in series {
                guard let value = sampleValue(one["value"]) else { return unreadable(answer) }
                var labels: [String: String] = [:]
                if case .object(let metric)? = one["metric"] {
                    for (key, text) in metric { labels[key] = text.stringValue.map { TerminalText.printable($0) } }
                }
                values.append((labels, value))
            }
        case let other:
            return SystemHealth.unknown(
                "the query answers \(other.map { "a \(TerminalText.printable($0))" } ?? "no result type"); give one that answers a scalar or an instant vector"
            )
        }
        guard !values.isEmpty else {
            let detail =
                rules.whenEmpty == .unknown
                ? "no series: the query matched nothing (empty: says what that means: up, degraded or down)"
                : "no series: the query matched nothing"
            return CheckEvaluation(observation: .init(rules.whenEmpty, detail))
        }
        var items: [StatusPayloads.Item] = []
        var worst: (verdict: CheckObservation.Verdict, labels: [String: String], value: Double)?
        for (labels, value) in values {
            let verdict = rules.verdict(value)
            var item = StatusPayloads.Item(
                name: isScalar ? "scalar" : seriesName(labels),
                status: verdict == .ok ? "ok" : verdict == .degraded ? "degraded" : "down",
                labels: labels)
            item.annotations["value"] = QueryRules.text(value)
            items.append(item)
            if worst == nil || SystemHealth.worse(worst!.verdict, verdict) != worst!.verdict {
                worst = (verdict, labels, value)
            }
        }
        let worstOne = worst!
        let bad = values.filter { rules.verdict($0.value) != .ok }.count
        let condition = worstOne.verdict == .failed ? rules.down : worstOne.verdict == .degraded ? rules.degraded : nil
        let named =
            "\(isScalar ? "scalar" : seriesName(worstOne.labels)) = \(QueryRules.text(worstOne.value))"
            + (condition.map { " (\($0))" } ?? "")
        let detail: String
        if values.count == 1 {
            detail = named
        } else if bad == 0 {
            detail = "\(values.count) series, none past a condition; the highest \(highest(values))"
        } else {
            detail = "\(bad) of \(values.count) series past a condition; \(named)"
        }
        return CheckEvaluation(observation: .init(worstOne.verdict, detail), items: items)
    }

    /// `[1700000000.123, "0.05"]`: Prometheus sends a sample's value as a string (`NaN`, `+Inf` too).
    static func sampleValue(_ sample: JSONValue?) -> Double? {
        guard let pair = sample?.arrayValue, pair.count == 2, let text = pair[1].stringValue else { return nil }
        switch text {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }

    /// `{job="api", instance="a:9090"}`, as PromQL writes a series; `{}` for a scalar or no labels.
    public static func seriesName(_ labels: [String: String]) -> String {
        let name = labels["__name__"] ?? ""
        let rest = labels.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }
        return name + "{" + rest.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }

    private static func highest(_ values: [(labels: [String: String], value: Double)]) -> String {
        let top = values.filter { !$0.value.isNaN }.max { $0.value < $1.value } ?? values[0]
        return "\(seriesName(top.labels)) = \(QueryRules.text(top.value))"
    }

    /// The events of an objective counted by Prometheus (`slo: {good:, total:}`): the answers of the
    /// two queries `EventQueries.increase` makes, each a scalar or a vector of one series (none: no
    /// event). Up while the share of bad events is within the budget, degraded past it (the budget
    /// burns faster than it lasts), down at the fastest page's pace (14.4×: most requests failing is an
    /// outage, not a slow burn); unknown when either query failed or good exceeds total (the
    /// selectors do not count the same events). The counts go to the ledger (`CheckEvaluation.events`).
    public static func judgeEvents(
        _ objective: ServiceLevelObjective, seconds: Int64, good goodAnswer: SystemHealth.Answer,
        total totalAnswer: SystemHealth.Answer
    ) -> CheckEvaluation {
        /// The answer's one number: a scalar, or the one series of a vector (none: no event).
        func count(_ answer: SystemHealth.Answer, _ name: String) throws(SystemHealth.Unreadable) -> Double {
            func unknown(_ why: String) -> SystemHealth.Unreadable { .init(evaluation: SystemHealth.unknown(why)) }
            let json = answer.json
            guard answer.isSuccess, json?["status"]?.stringValue == "success" else {
                if let error = json?["error"]?.stringValue {
                    throw unknown("the \(name) query failed: \(TerminalText.printable(error))")
                }
                throw unknown("the Prometheus API answers \(answer.statusAndLine)")
            }
            let data = json?["data"]
            let sample: JSONValue?
            switch data?["resultType"]?.stringValue {
            case "scalar": sample = data?["result"]
            case "vector":
                guard let series = data?["result"]?.arrayValue else { throw .init(evaluation: unreadable(answer)) }
                guard series.count <= 1 else {
                    throw unknown("the \(name) query answers \(series.count) series, not one")
                }
                guard let one = series.first else { return 0 }
                sample = one["value"]
            default: throw .init(evaluation: unreadable(answer))
            }
            guard let value = sampleValue(sample) else { throw .init(evaluation: unreadable(answer)) }
            return value.isFinite ? value : 0
        }
        let good: Double
        let total: Double
        do throws(SystemHealth.Unreadable) {
            (good, total) = (try count(goodAnswer, "good"), try count(totalAnswer, "total"))
        } catch { return error.evaluation }
        // increase() extrapolates: fractions of events, rounded to whole ones.
        let events = OutcomeLedger.Counts(good: Int(good.rounded()), total: Int(total.rounded()))
        let span = "the last \(DurationText.short(seconds: seconds))"
        guard events.total > 0 else {
            return CheckEvaluation(observation: .ok("no events in \(span)"), events: events)
        }
        guard events.good <= events.total else {
            return SystemHealth.unknown(
                "good events (\(events.good)) exceed all events (\(events.total)) in \(span): good: and total: do not count the same events"
            )
        }
        let share = Double(events.good) / Double(events.total)
        let burn = (1 - share) / objective.budget
        let detail =
            "\(events.good) of \(events.total) events good in \(span) (\(SLOText.availability(share)))"
            + (burn > 1 ? ", burning \(SLOText.rate(burn)) the budget's pace" : "")
        let fastest = BurnRateRule.workbook.map(\.factor).max() ?? 14.4
        let verdict: CheckObservation.Verdict = burn >= fastest ? .failed : burn > 1 ? .degraded : .ok
        return CheckEvaluation(observation: .init(verdict, detail), events: events)
    }

    private static func unreadable(_ answer: SystemHealth.Answer) -> CheckEvaluation {
        SystemHealth.unknown("source unreadable: \(answer.path) answers a result Klaxon cannot read")
    }
}
