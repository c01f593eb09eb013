/// The vendor payloads Klaxon reads, each turned into an observation with the details the board shows.
public enum StatusPayloads {
    /// A component of a Statuspage, or an alert of Prometheus/Alertmanager, as listed under a check.
    public struct Item: Hashable, Sendable {
        public var name: String
        /// `operational`, `partial_outage`…; or `firing`, `pending` (Prometheus), `silenced`, `inhibited`,
        /// `unprocessed` (Alertmanager).
        public var status: String
        /// Alerts only: active (firing or unprocessed), not pending, silenced or inhibited, and not the
        /// required alert.
        public var counted: Bool
        /// Alerts only: the alert `require:` names (a dead man's switch), neither counted nor ignored.
        public var required = false
        public var labels: [String: String]
        /// Alerts only: `summary`, `description`, `runbook_url`…
        public var annotations: [String: String] = [:]
        /// Alerts only: since when it has been active (Alertmanager's `startsAt`, Prometheus's `activeAt`).
        public var startsAt: Timestamp?
        /// Alerts only: the link to the expression that raised it.
        public var generatorURL: String?
        /// Alerts only: what it does to the check (nil when not counted, or when it is the required one).
        public var effect: SeverityRule.Effect?

        public init(name: String, status: String, counted: Bool = true, labels: [String: String] = [:]) {
            self.name = name
            self.status = status
            self.counted = counted
            self.labels = labels
        }

        public var severity: String? { labels["severity"] }
        public var summary: String? { annotations["summary"] }
        public var runbookURL: String? { annotations["runbook_url"] }
    }

    public struct Reading: Hashable, Sendable {
        public var observation: CheckObservation
        /// Whether the vendor itself says maintenance (Statuspage's `maintenance` indicator).
        public var vendorMaintenance = false
        public var items: [Item] = []
        /// Statuspage's open incidents, by name.
        public var incidents: [String] = []
    }

    public struct Unreadable: Error, Hashable, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Atlassian Statuspage `/api/v2/summary.json`: indicator `none` up, `minor` degraded,
    /// `major`/`critical` down, `maintenance` maintenance, anything else degraded with the raw value.
    public static func statuspage(_ body: [UInt8]) throws(Unreadable) -> Reading {
        let json = try parse(body)
        guard let status = json["status"], let indicator = status["indicator"]?.stringValue else {
            throw Unreadable(reason: "not a Statuspage summary: no status.indicator")
        }
        let description = status["description"]?.stringValue ?? indicator
        var reading: Reading
        switch indicator {
        case "none": reading = Reading(observation: .ok(description))
        case "minor": reading = Reading(observation: .degraded(description))
        case "major", "critical": reading = Reading(observation: .failed(description))
        case "maintenance": reading = Reading(observation: .ok(description), vendorMaintenance: true)
        default: reading = Reading(observation: .degraded("indicator \"\(indicator)\": \(description)"))
        }
        for component in json["components"]?.arrayValue ?? [] where component["group"]?.boolValue != true {
            guard let name = component["name"]?.stringValue else { continue }
            reading.items.append(Item(name: name, status: component["status"]?.stringValue ?? "unknown"))
        }
        for incident in json["incidents"]?.arrayValue ?? [] {
            if let name = incident["name"]?.stringValue, incident["status"]?.stringValue != "resolved" {
                reading.incidents.append(name)
            }
        }
        return reading
    }

    /// Prometheus `/api/v1/alerts`; any other answer is unreadable, with the endpoint it looks like.
    public static func prometheus(_ body: [UInt8], rules: AlertRules) throws(Unreadable) -> Reading {
        let json = try parse(body)
        guard json["status"]?.stringValue == "success", let data = json["data"] else {
            if json.arrayValue != nil {
                throw Unreadable(
                    reason:
                        "a list, as Alertmanager's /api/v2/alerts answers: use type: alertmanager, or point url at Prometheus (a prometheus check reads /api/v1/alerts)"
                )
            }
            if json["status"]?.stringValue == "error" {
                throw Unreadable(
                    reason: "Prometheus answered an error: \(json["error"]?.stringValue ?? "no reason given")")
            }
            throw Unreadable(
                reason: "not a Prometheus answer (no \"status\": \"success\"): a prometheus check reads /api/v1/alerts")
        }
        guard let alerts = data["alerts"]?.arrayValue else {
            let looksLike =
                data["groups"] != nil
                ? "this is /api/v1/rules (rule groups)"
                : data["resultType"] != nil
                    ? "this is a query's result (/api/v1/query)"
                    : data.arrayValue != nil ? "this is Alertmanager's old v1 API" : "no data.alerts"
            throw Unreadable(
                reason:
                    "\(looksLike), not a list of alerts: a prometheus check reads /api/v1/alerts; point url at the server or at …/api/v1/alerts"
            )
        }
        var items: [Item] = []
        for alert in alerts {
            guard case .object? = alert["labels"], let state = alert["state"]?.stringValue else {
                throw Unreadable(
                    reason:
                        "alert \(alert["labels"]?["alertname"]?.stringValue ?? "\(items.count + 1)") has no labels or no state: a prometheus check reads /api/v1/alerts"
                )
            }
            let labels = self.labels(alert["labels"])
            guard rules.reads(labels) else { continue }
            // Prometheus lists firing and pending alerts; any other state is counted rather than missed.
            var item = Item(
                name: labels["alertname"] ?? "alert", status: state, counted: state != "pending", labels: labels)
            item.annotations = self.labels(alert["annotations"])
            item.startsAt = alert["activeAt"]?.stringValue.flatMap(Timestamp.parseRFC3339)
            item.generatorURL = alert["generatorURL"]?.stringValue
            items.append(item)
        }
        return Reading(observation: verdict(&items, rules), items: items)
    }

    /// Alertmanager `/api/v2/alerts`: active and unprocessed alerts are counted; silenced and inhibited
    /// ones are listed, not counted. Any other answer is unreadable, with the endpoint it looks like.
    public static func alertmanager(_ body: [UInt8], rules: AlertRules) throws(Unreadable) -> Reading {
        let json = try parse(body)
        guard let alerts = json.arrayValue else {
            if json["data"]?["alerts"]?.arrayValue != nil {
                throw Unreadable(
                    reason:
                        "this is Prometheus's /api/v1/alerts: use type: prometheus, or point url at Alertmanager (an alertmanager check reads /api/v2/alerts)"
                )
            }
            if json["status"]?.stringValue != nil {
                throw Unreadable(
                    reason: "this is Alertmanager's old v1 API: an alertmanager check reads /api/v2/alerts")
            }
            throw Unreadable(reason: "not a list of alerts: an alertmanager check reads /api/v2/alerts")
        }
        var items: [Item] = []
        for alert in alerts {
            if alert["alerts"]?.arrayValue != nil && alert["receiver"] != nil {
                throw Unreadable(
                    reason:
                        "this is /api/v2/alerts/groups (alerts grouped by route): an alertmanager check reads /api/v2/alerts; point url at the server or at …/api/v2/alerts"
                )
            }
            guard case .object? = alert["labels"] else {
                throw Unreadable(
                    reason: "alert \(items.count + 1) has no labels: an alertmanager check reads /api/v2/alerts")
            }
            let labels = self.labels(alert["labels"])
            let name = labels["alertname"] ?? "alert"
            guard let state = alert["status"]?["state"]?.stringValue else {
                throw Unreadable(
                    reason: "alert \(name) has no status.state: an alertmanager check reads /api/v2/alerts")
            }
            guard rules.reads(labels) else { continue }
            // Suppressed is silenced or inhibited; unprocessed is active, not yet routed; any other state is counted rather than missed.
            let status: String
            switch state {
            case "active": status = "firing"
            case "suppressed":
                let silenced = !(alert["status"]?["silencedBy"]?.arrayValue ?? []).isEmpty
                let inhibited = !(alert["status"]?["inhibitedBy"]?.arrayValue ?? []).isEmpty
                status = silenced ? "silenced" : inhibited ? "inhibited" : "suppressed"
            default: status = state
            }
            var item = Item(name: name, status: status, counted: state != "suppressed", labels: labels)
            item.annotations = self.labels(alert["annotations"])
            item.startsAt = alert["startsAt"]?.stringValue.flatMap(Timestamp.parseRFC3339)
            item.generatorURL = alert["generatorURL"]?.stringValue
            items.append(item)
        }
        return Reading(observation: verdict(&items, rules), items: items)
    }

    /// Judges the alerts read by the check's severities, and marks each with its effect: counted alerts at
    /// a down severity are down; else a required alert missing is failed (a silence, down once it has
    /// lasted `silent_for`); else any other counted one is degraded.
    static func verdict(_ items: inout [Item], _ rules: AlertRules) -> CheckObservation {
        var required = 0
        var pending = 0
        var suppressed = 0
        var ignored = 0
        var down: [Item] = []
        var degraded: [Item] = []
        for i in items.indices {
            if !rules.requiredAlert.isEmpty && matches(items[i].labels, rules.requiredAlert) {
                required += 1
                items[i].required = true
                items[i].counted = false
                continue
            }
            guard items[i].counted else {
                if items[i].status == "pending" { pending += 1 } else { suppressed += 1 }
                continue
            }
            let effect = rules.severities.effect(of: items[i].severity)
            items[i].effect = effect
            switch effect {
            case .down: down.append(items[i])
            case .degraded: degraded.append(items[i])
            case .ignored: ignored += 1
            }
        }
        let quietParts = [
            pending > 0 ? "\(pending) pending" : nil, suppressed > 0 ? "\(suppressed) silenced or inhibited" : nil,
            ignored > 0 ? "\(ignored) ignored" : nil
        ].compactMap { $0 }
        let quiet = quietParts.isEmpty ? "" : " (\(quietParts.joined(separator: ", ")))"
        // An alert that is down is down at once; the required one missing waits for `silent_for`.
        if !down.isEmpty {
            var severities: [String] = []
            for item in down where !severities.contains(item.severity ?? "(no severity)") {
                severities.append(item.severity ?? "(no severity)")
            }
            return .failed(
                "\(down.count) \(severities.joined(separator: "/")) alert\(down.count == 1 ? "" : "s") firing: \(names(down))\(quiet)"
            )
        }
        if !rules.requiredAlert.isEmpty && required == 0 {
            var silent = CheckObservation.failed(
                "monitoring pipeline silent: no alert with \(matcherText(rules.requiredAlert))")
            silent.silentAlert = rules.requiredAlertName
            return silent
        }
        if !degraded.isEmpty {
            return .degraded(
                "\(degraded.count) alert\(degraded.count == 1 ? "" : "s") firing: \(names(degraded))\(quiet)")
        }
        return .ok("no alerts firing" + quiet)
    }

    /// `alertname=Watchdog`, `env=klaxon-real|""` for messages.
    static func matcherText(_ matchers: [String: [String]]) -> String {
        matchers.sorted { $0.key < $1.key }.map {
            "\($0.key)=" + $0.value.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: "|")
        }.joined(separator: ", ")
    }

    /// The first three distinct names and how many more: one pass with a set (a list searched for each
    /// name took seconds for 15,400 alerts).
    static func names(_ items: [Item]) -> String {
        var seen: Set<String> = []
        var first: [String] = []
        for item in items where seen.insert(item.name).inserted && first.count < 3 { first.append(item.name) }
        return first.joined(separator: ", ") + (seen.count > 3 ? " and \(seen.count - 3) more" : "")
    }

    static func labels(_ value: JSONValue?) -> [String: String] {
        guard case .object(let fields)? = value else { return [:] }
        return fields.compactMapValues(\.stringValue)
    }

    /// Whether every matcher holds: the label's value (`""` when absent) is one of those listed.
    static func matches(_ labels: [String: String], _ matchers: [String: [String]]) -> Bool {
        matchers.allSatisfy { $0.value.contains(labels[$0.key] ?? "") }
    }

    static func parse(_ body: [UInt8]) throws(Unreadable) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw Unreadable(reason: "the body is not JSON: \(error)")
        }
    }
}
