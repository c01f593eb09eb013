/// One alert as the intake's records say (`AlertBook` replays them): from its first firing to its
/// resolution. A trigger after it resolved is another alert, with another id.
public struct Alert: Equatable, Sendable {
    /// Where it stands. An alert whose incident was acknowledged shows as acknowledged too (where the
    /// incident is known); this is what the alert's own records say (a PagerDuty `acknowledge`).
    public enum State: String, Equatable, Sendable {
        case firing, acknowledged, resolved
    }

    /// Its number in order of first firing: `A-<number>`.
    public var number: Int
    public var source: ReceivedAlerts.Source
    /// The name of the token its first firing came with.
    public var token: String
    /// The alert group it belongs to (one incident per group): Alertmanager's group key; a PagerDuty
    /// event's `payload.group`, else a group of its own, `pagerduty/TOKEN/DEDUP_KEY`.
    public var group: String
    /// Its identity within the source: Alertmanager's fingerprint, a PagerDuty `dedup_key`.
    public var key: String
    public var state: State
    /// As last received.
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Timestamp
    /// When it resolved, as the sender said (or as it was received).
    public var endsAt: Timestamp?
    public var generatorURL: String?
    /// When its first and last notification were recorded, and how many there were.
    public var firstReceived: Timestamp
    public var lastReceived: Timestamp
    public var receivedCount: Int
    /// The sequence numbers, in the journal `alerts`, of the records of its first and last notification.
    public var firstSequence: Int
    public var lastSequence: Int

    /// `A-12`.
    public var id: String { Self.id(number) }

    /// `A-<number>`.
    public static func id(_ number: Int) -> String { "A-\(number)" }

    /// The number of `A-12` (or `a-12`, `12`); nil for anything else.
    public static func number(of id: String) -> Int? {
        var text = Substring(id)
        if text.hasPrefix("A-") || text.hasPrefix("a-") { text = text.dropFirst(2) }
        guard let number = Int(text), number > 0, !text.hasPrefix("0"), !text.hasPrefix("+") else { return nil }
        return number
    }

    /// Its name: the `alertname` label; for a PagerDuty-style event (which has none), its summary; else
    /// its key (a dedup key made by the intake says nothing to a person).
    public var name: String {
        labels["alertname"] ?? (source == .pagerduty ? annotations["summary"] : nil) ?? key
    }

    /// One line saying what is wrong: the `summary` annotation, else `description`, else its name.
    public var summary: String { annotations["summary"] ?? annotations["description"] ?? name }

    /// Its `severity` label, when it has one.
    public var severity: String? { labels["severity"] }

    /// Its `runbook_url` annotation, when it has one.
    public var runbookURL: String? { annotations["runbook_url"] }

    /// Firing or acknowledged: not resolved.
    public var isActive: Bool { state != .resolved }
}

extension Alert {
    /// What a screen or a list shows: acknowledged when its own records say so, or when it is firing and
    /// its incident was acknowledged (a person is on it); else its own state.
    public func shownState(incidentAcknowledged: Bool) -> State {
        state == .firing && incidentAcknowledged ? .acknowledged : state
    }

    /// What a screen or a list shows of it, as `Shown`: acknowledged only when a person is on it (its
    /// incident was acknowledged); acked by its sender (a PagerDuty `acknowledge`) is said as such, since
    /// its incident may still page.
    public func shown(incidentAcknowledged: Bool) -> Shown {
        switch state {
        case .resolved: .resolved
        case _ where incidentAcknowledged: .acknowledged
        case .acknowledged: .ackedBySender
        case .firing: .firing
        }
    }

    /// `alerts` in the order the console's Alerts screen and `klaxon alert list` show them: by `Shown`
    /// (firing first), newest first within each.
    public static func listed(_ alerts: [Alert], shown: (Alert) -> Shown) -> [Alert] {
        alerts.map { ($0, shown($0)) }.sorted { ($0.1, $1.0.number) < ($1.1, $0.0.number) }.map(\.0)
    }

    /// Whether a person is on `incident` now, for its alerts' state: it is open and acknowledged since
    /// its paging last started (`paging`). An acknowledgement before a re-page (an ack timeout, a person
    /// paged by policy again) is not: the incident pages, and its alerts are firing. Nor is a resolved
    /// incident: an alert still firing on it is firing (shown beside "INC-7 resolved").
    public static func isAcknowledged(_ incident: Incident, paging: PagingState) -> Bool {
        guard incident.isOpen else { return false }
        if case .acknowledged = paging { return true }
        return false
    }

    /// What `incident` itself is doing, said beside its id on an alert's row and in `klaxon alert show`
    /// (`INC-3 paging`, `INC-3 acked by ana`): an alert acked by its sender leaves its incident paging.
    public static func incidentState(_ incident: Incident, paging: PagingState) -> String {
        guard incident.isOpen else { return "resolved" }
        switch paging {
        case .paging: return "paging"
        case .failing: return "page failing"
        case .acknowledged(let by, _, _, _): return "acked by \(by)"
        case .notPaging, .unknownPolicy: return incident.keyTimes[.mitigated] != nil ? "mitigated" : "not paging"
        }
    }

    /// The alert as JSON (`klaxon alert list --json`, `alert show --json`), with the incident its group
    /// went to and the state shown.
    public func json(incident: String?, shown: State) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(id), "state": .string(shown.rawValue), "source": .string(source.rawValue),
            "token": .string(token), "group": .string(group), "key": .string(key), "name": .string(name),
            "summary": .string(summary), "labels": ReceivedAlerts.object(labels),
            "annotations": ReceivedAlerts.object(annotations), "starts_at": .string(startsAt.rfc3339),
            "first_received": .string(firstReceived.rfc3339), "last_received": .string(lastReceived.rfc3339),
            "received": .number(Double(receivedCount))
        ]
        if let endsAt { fields["ends_at"] = .string(endsAt.rfc3339) }
        if let generatorURL { fields["generator_url"] = .string(generatorURL) }
        if let severity { fields["severity"] = .string(severity) }
        if let incident { fields["incident"] = .string(incident) }
        return .object(fields)
    }
}

extension Alert {
    /// An alert's state as the console and `klaxon alert list` show it, in the order they list alerts.
    public enum Shown: Int, CaseIterable, Comparable, Sendable {
        /// Firing, and nobody acknowledged its incident.
        case firing
        /// Its sender acknowledged it (a PagerDuty `acknowledge`), nobody its incident: that may still page.
        case ackedBySender
        /// Its incident was acknowledged: a person is on it.
        case acknowledged
        case resolved

        /// `firing`, `acked by sender`, `acknowledged`, `resolved`.
        public var text: String {
            switch self {
            case .firing: "firing"
            case .ackedBySender: "acked by sender"
            case .acknowledged: "acknowledged"
            case .resolved: "resolved"
            }
        }

        public static func < (a: Shown, b: Shown) -> Bool { a.rawValue < b.rawValue }
    }
}
