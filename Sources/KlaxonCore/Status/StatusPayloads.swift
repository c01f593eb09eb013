/// The vendor payloads Klaxon reads, each turned into an observation with the details the board shows.
public enum StatusPayloads {
    /// A component of a Statuspage, or an alert of Prometheus/Alertmanager, as listed under a check.
    public struct Item: Hashable, Sendable {
        public var name: String
        /// `operational`, `partial_outage`…; or `firing`, `pending`, `suppressed`.
        public var status: String
        /// Alerts only: not counted (pending, silenced or inhibited).
        public var counted: Bool
        public var labels: [String: String]

        public init(name: String, status: String, counted: Bool = true, labels: [String: String] = [:]) {
            self.name = name; self.status = status; self.counted = counted; self.labels = labels
        }
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
            if let name = incident["name"]?.stringValue, incident["status"]?.stringValue != "resolved" { reading.incidents.append(name) }
        }
        return reading
    }

    /// Prometheus `/api/v1/alerts`.
    public static func prometheus(_ body: [UInt8], matchers: [String: String]) throws(Unreadable) -> Reading {
        let json = try parse(body)
        guard json["status"]?.stringValue == "success", let alerts = json["data"]?["alerts"]?.arrayValue else {
            throw Unreadable(reason: "not a Prometheus alerts response: no data.alerts with status success")
        }
        let items = alerts.compactMap { alert -> Item? in
            let labels = self.labels(alert["labels"])
            guard matches(labels, matchers) else { return nil }
            let state = alert["state"]?.stringValue ?? "unknown"
            return Item(name: labels["alertname"] ?? "alert", status: state, counted: state == "firing", labels: labels)
        }
        return Reading(observation: verdict(items), items: items)
    }

    /// Alertmanager `/api/v2/alerts`: suppressed (silenced or inhibited) alerts are listed, not counted.
    public static func alertmanager(_ body: [UInt8], matchers: [String: String]) throws(Unreadable) -> Reading {
        guard let alerts = try parse(body).arrayValue else {
            throw Unreadable(reason: "not an Alertmanager alerts response: expected a list of alerts")
        }
        let items = alerts.compactMap { alert -> Item? in
            let labels = self.labels(alert["labels"])
            guard matches(labels, matchers) else { return nil }
            let state = alert["status"]?["state"]?.stringValue ?? "unknown"
            let counted = state == "active"
            return Item(name: labels["alertname"] ?? "alert", status: counted ? "firing" : state, counted: counted, labels: labels)
        }
        return Reading(observation: verdict(items), items: items)
    }

    /// A counted alert labelled `severity: critical` or `page` is down; any other counted one is degraded.
    static func verdict(_ items: [Item]) -> CheckObservation {
        let firing = items.filter(\.counted)
        let paging = firing.filter { ["critical", "page"].contains($0.labels["severity"] ?? "") }
        let listed = items.count - firing.count
        let quiet = listed > 0 ? " (\(listed) pending or silenced)" : ""
        if !paging.isEmpty { return .failed("\(paging.count) critical alert\(paging.count == 1 ? "" : "s") firing: \(names(paging))\(quiet)") }
        if !firing.isEmpty { return .degraded("\(firing.count) alert\(firing.count == 1 ? "" : "s") firing: \(names(firing))\(quiet)") }
        return .ok("no alerts firing" + quiet)
    }

    /// The first three distinct names and how many more: one pass with a set (a list searched for each
    /// name took seconds for 15,400 alerts).
    static func names(_ items: [Item]) -> String {
        var seen: Set<String> = [], first: [String] = []
        for item in items where seen.insert(item.name).inserted && first.count < 3 { first.append(item.name) }
        return first.joined(separator: ", ") + (seen.count > 3 ? " and \(seen.count - 3) more" : "")
    }

    static func labels(_ value: JSONValue?) -> [String: String] {
        guard case .object(let fields)? = value else { return [:] }
        return fields.compactMapValues(\.stringValue)
    }

    static func matches(_ labels: [String: String], _ matchers: [String: String]) -> Bool {
        matchers.allSatisfy { labels[$0.key] == $0.value }
    }

    static func parse(_ body: [UInt8]) throws(Unreadable) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw Unreadable(reason: "the body is not JSON: \(error)")
        }
    }
}
