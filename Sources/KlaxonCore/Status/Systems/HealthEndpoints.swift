/// The systems whose health is one small answer: Grafana's `/api/health`, GitLab's `/-/readiness`,
/// Argo CD's `/healthz`, Loki's and Tempo's `/ready`, etcd's `/health` and Splunk's splunkd health.
/// Each says up or down itself (Splunk also yellow); an error status is down, with what the body says.
public enum HealthEndpoints {
    public static func judge(_ kind: CheckDefinition.Kind, _ answer: SystemHealth.Answer) -> CheckEvaluation {
        switch kind {
        case .grafana: grafana(answer)
        case .gitlab: gitlab(answer)
        case .etcd: etcd(answer)
        case .splunk: splunk(answer)
        default: plain(answer, saying: kind == .argocd ? "ok" : "ready")
        }
    }

    /// Argo CD (`ok`), Loki and Tempo (`ready`): HTTP 200 with that word is up; anything else is down,
    /// with the body's first line (`Ingester not ready: waiting for 15s after being ready`).
    static func plain(_ answer: SystemHealth.Answer, saying word: String) -> CheckEvaluation {
        let line = answer.firstLine
        guard answer.isSuccess else { return SystemHealth.failed(answer.statusAndLine) }
        guard line.lowercased().hasPrefix(word) else {
            return SystemHealth.failed("\(answer.path) answers \"\(line)\", not \"\(word)\"")
        }
        return CheckEvaluation(observation: .ok(line))
    }

    /// `{"database": "ok", "version": "10.2.3"}`; `"database": "failing"` with HTTP 503 when Grafana
    /// cannot reach its database.
    static func grafana(_ answer: SystemHealth.Answer) -> CheckEvaluation {
        let database = answer.json?["database"]?.stringValue.map { TerminalText.printable($0) }
        guard answer.isSuccess, database == "ok" else {
            return SystemHealth.failed(
                database.map { "HTTP \(answer.statusCode): database \($0)" } ?? answer.statusAndLine)
        }
        let version = answer.json?["version"]?.stringValue.map { "; Grafana " + TerminalText.printable($0) } ?? ""
        return CheckEvaluation(observation: .ok("database ok\(version)"))
    }

    /// `{"status": "ok", "master_check": [{"status": "ok"}], "db_check": [{"status": "failed",
    /// "message": "…"}]}`: down names each check that failed and why.
    static func gitlab(_ answer: SystemHealth.Answer) -> CheckEvaluation {
        guard let json = answer.json, case .object(let fields) = json else {
            return SystemHealth.failed(answer.statusAndLine)
        }
        var failing: [String] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) where name != "status" {
            for result in value.arrayValue ?? [] where result["status"]?.stringValue != "ok" {
                let message = result["message"]?.stringValue.map { ": " + TerminalText.printable($0) } ?? ""
                failing.append(TerminalText.printable(name) + message)
            }
        }
        let status = json["status"]?.stringValue
        guard answer.isSuccess, status == "ok", failing.isEmpty else {
            let what =
                failing.isEmpty
                ? "status \(TerminalText.printable(status ?? "missing"))" : failing.joined(separator: "; ")
            return SystemHealth.failed("HTTP \(answer.statusCode): \(what)")
        }
        let checks = fields.keys.filter { $0 != "status" }.count
        return CheckEvaluation(observation: .ok(checks == 0 ? "ready" : "ready (\(Plural.count(checks, "check")) ok)"))
    }

    /// `{"health": "true"}` — a string, not a boolean; `{"health": "false", "reason": "RAFT NO LEADER"}`
    /// (HTTP 503) when the member has no leader or an alarm is raised.
    static func etcd(_ answer: SystemHealth.Answer) -> CheckEvaluation {
        let health = answer.json?["health"]?.stringValue
        guard answer.isSuccess, health == "true" else {
            let reason = answer.json?["reason"]?.stringValue.map { TerminalText.printable($0) } ?? ""
            let said = health.map { "health \(TerminalText.printable($0))" } ?? answer.firstLine
            return SystemHealth.failed("HTTP \(answer.statusCode): \(said)" + (reason.isEmpty ? "" : " (\(reason))"))
        }
        return CheckEvaluation(observation: .ok("health true"))
    }

    /// splunkd's health report (`/services/server/health/splunkd/details`): `entry[0].content.health`
    /// is green, yellow, red or grey (not known), and `features` a tree of the same; degraded or down names the features (leaves) that are not green, and why.
    static func splunk(_ answer: SystemHealth.Answer) -> CheckEvaluation {
        guard answer.isSuccess else { return SystemHealth.failed(answer.statusAndLine) }
        guard let content = answer.json?["entry"]?.arrayValue?.first?["content"],
            let health = content["health"]?.stringValue
        else {
            return SystemHealth.unknown("source unreadable: \(answer.path) answers no entry[0].content.health")
        }
        var items: [StatusPayloads.Item] = []
        collectUnwell(content["features"], path: [], into: &items)
        let named = items.prefix(3).map { item in
            "\(item.name) \(item.status)" + (item.annotations["reason"].map { " (\($0))" } ?? "")
        }
        let more = items.count > 3 ? " and \(items.count - 3) more" : ""
        let detail = health + (named.isEmpty ? "" : ": " + named.joined(separator: "; ") + more)
        let observation: CheckObservation
        switch health {
        case "green": observation = .ok(detail)
        case "yellow": observation = .degraded(detail)
        case "red": observation = .failed(detail)
        // Splunk 9 says grey for a feature it does not know the health of.
        case "grey": observation = .unknown(detail)
        default:
            return SystemHealth.unknown(
                "source unreadable: health \"\(TerminalText.printable(health))\" is none of green, yellow, red")
        }
        return CheckEvaluation(observation: observation, items: items)
    }

    /// The features under `node` whose health is not green and that have no features of their own.
    private static func collectUnwell(_ node: JSONValue?, path: [String], into items: inout [StatusPayloads.Item]) {
        guard case .object(let features)? = node else { return }
        for (name, feature) in features.sorted(by: { $0.key < $1.key }) {
            let here = path + [TerminalText.printable(name)]
            if case .object(let children)? = feature["features"], !children.isEmpty {
                collectUnwell(feature["features"], path: here, into: &items)
                continue
            }
            guard let health = feature["health"]?.stringValue, health != "green" else { continue }
            var item = StatusPayloads.Item(name: here.joined(separator: " > "), status: TerminalText.printable(health))
            if let reason = reasons(feature) { item.annotations["reason"] = reason }
            items.append(item)
        }
    }

    /// A feature's reasons (`reasons: {red: {…: {reason: "…"}}}`), as one line.
    private static func reasons(_ feature: JSONValue) -> String? {
        guard case .object(let colours)? = feature["reasons"] else { return nil }
        let texts = colours.values.flatMap { colour -> [String] in
            guard case .object(let indicators) = colour else { return [] }
            return indicators.values.compactMap { $0["reason"]?.stringValue }.map { TerminalText.printable($0) }
        }
        return texts.isEmpty ? nil : texts.sorted().joined(separator: "; ")
    }
}
