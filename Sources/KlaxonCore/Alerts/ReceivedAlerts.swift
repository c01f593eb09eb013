/// One request the intake accepted, as it is recorded: the alerts of one Alertmanager notification (one
/// group) or of one PagerDuty-style event. Each is recorded durably on the store's journal `alerts` before
/// the sender is answered 2xx, in a record of type `alerts.received` (`recordType`) whose data is
/// `{"batches": [...]}`: requests that arrive together share one record (one write, one sync), and a
/// record holds them all or none. `AlertBook` replays them. docs/journal-format.md describes the fields.
public struct ReceivedAlerts: Equatable, Sendable {
    /// Who sent it, by the endpoint it came to.
    public enum Source: String, Equatable, Sendable {
        case alertmanager, pagerduty
    }

    /// What one alert of a request says of itself.
    public enum Status: String, Equatable, Sendable {
        case firing, acknowledged, resolved
    }

    /// One alert as it came.
    public struct Alert: Equatable, Sendable {
        /// Its identity within its source: Alertmanager's fingerprint (within the group), a PagerDuty
        /// `dedup_key` (within the token).
        public var key: String
        public var status: Status
        public var labels: [String: String]
        public var annotations: [String: String]
        /// When it began (the sender's time); for a PagerDuty event without a timestamp, when it came.
        public var startsAt: Timestamp
        /// When it ended, when the sender says so.
        public var endsAt: Timestamp?
        /// The link to what fired it (Prometheus's graph), or the first link of a PagerDuty event.
        public var generatorURL: String?

        public init(
            key: String, status: Status, labels: [String: String] = [:], annotations: [String: String] = [:],
            startsAt: Timestamp, endsAt: Timestamp? = nil, generatorURL: String? = nil
        ) {
            self.key = key
            self.status = status
            self.labels = labels
            self.annotations = annotations
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.generatorURL = generatorURL
        }

        /// One line saying what is wrong: the `summary` annotation, else `description`, else the alert's name.
        public var summary: String {
            annotations["summary"] ?? annotations["description"] ?? labels["alertname"] ?? key
        }
    }

    public var source: Source
    /// The name of the intake token the request proved (`intake.tokens` in klaxon.yaml), never its secret.
    public var token: String
    /// The alert group: Alertmanager's `groupKey`; for PagerDuty, `payload.group` when given, else nil
    /// (each event then is a group of its own, and an `acknowledge` or `resolve`, which carries no payload,
    /// belongs to the group its trigger had).
    public var group: String?
    /// Alertmanager's receiver name, and the labels it grouped by (empty for PagerDuty).
    public var receiver: String?
    public var groupLabels: [String: String]
    /// Alertmanager's own address, for links back to it.
    public var externalURL: String?
    /// How many alerts the sender left out (Alertmanager's `max_alerts`).
    public var truncatedAlerts: Int
    public var alerts: [Alert]

    public init(
        source: Source, token: String, group: String?, receiver: String? = nil, groupLabels: [String: String] = [:],
        externalURL: String? = nil, truncatedAlerts: Int = 0, alerts: [Alert]
    ) {
        self.source = source
        self.token = token
        self.group = group
        self.receiver = receiver
        self.groupLabels = groupLabels
        self.externalURL = externalURL
        self.truncatedAlerts = truncatedAlerts
        self.alerts = alerts
    }

    /// The record type of a journal `alerts` record.
    public static let recordType = "alerts.received"
    /// The name of the store's journal of received alerts.
    public static let journalName = "alerts"

    /// An Alertmanager notification, as accepted with token `token`.
    public init(alertmanager notification: AlertmanagerNotification, token: String) {
        self.init(
            source: .alertmanager, token: token, group: notification.groupKey, receiver: notification.receiver,
            groupLabels: notification.groupLabels, externalURL: notification.externalURL,
            truncatedAlerts: notification.truncatedAlerts,
            alerts: notification.alerts.map { alert in
                Alert(
                    key: alert.fingerprint, status: alert.status == .firing ? .firing : .resolved,
                    labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt,
                    endsAt: alert.status == .resolved ? alert.endsAt : nil, generatorURL: alert.generatorURL)
            })
    }

    /// A PagerDuty-style event, as accepted with token `token` at `receivedAt`; `dedupKey` is the event's
    /// own, or the one the intake made for a trigger that gave none (and answered). A trigger's payload
    /// becomes labels (`severity`, `source`, and `component`, `group`, `class` when given) that routes
    /// match on, and its summary an annotation; its custom details are not kept (they can be large, and
    /// the timeline needs the summary).
    public init(pagerDuty event: PagerDutyEvent, token: String, dedupKey: String, receivedAt: Timestamp) {
        var labels: [String: String] = [:]
        var annotations: [String: String] = [:]
        var startsAt = receivedAt
        if let payload = event.payload {
            labels["severity"] = payload.severity.rawValue
            labels["source"] = payload.source
            labels["component"] = payload.component
            labels["group"] = payload.group
            labels["class"] = payload.eventClass
            annotations["summary"] = payload.summary
            startsAt = payload.timestamp ?? receivedAt
        }
        if let client = event.client { annotations["client"] = client }
        if let clientURL = event.clientURL { annotations["client_url"] = clientURL }
        let status: Status =
            switch event.action {
            case .trigger: .firing
            case .acknowledge: .acknowledged
            case .resolve: .resolved
            }
        self.init(
            source: .pagerduty, token: token, group: event.payload?.group,
            alerts: [
                Alert(
                    key: dedupKey, status: status, labels: labels, annotations: annotations, startsAt: startsAt,
                    endsAt: status == .resolved ? receivedAt : nil, generatorURL: event.links.first?.href)
            ])
    }

    /// The data of an `alerts.received` record holding `batches`, in order, and the heartbeat `pings`
    /// that arrived with them.
    public static func draftData(_ batches: [ReceivedAlerts], pings: [HeartbeatPing] = []) -> JSONValue {
        var fields: [String: JSONValue] = ["batches": .array(batches.map(\.json))]
        if !pings.isEmpty { fields["pings"] = .array(pings.map(\.json)) }
        return .object(fields)
    }

    /// The heartbeat pings of an `alerts.received` record, in order; empty for a record of another type,
    /// and without the pings this build cannot read.
    public static func pings(of record: JournalRecord) -> [HeartbeatPing] {
        guard record.type == recordType, let items = record.data["pings"]?.arrayValue else { return [] }
        return items.compactMap(HeartbeatPing.init(json:))
    }

    /// The batches of an `alerts.received` record, in order; nil for a record of another type or one whose
    /// data this build cannot read (shown as it is, never dropped). Fields this build does not know are
    /// ignored.
    public static func batches(of record: JournalRecord) -> [ReceivedAlerts]? {
        guard record.type == recordType, let items = record.data["batches"]?.arrayValue else { return nil }
        var batches: [ReceivedAlerts] = []
        for item in items {
            guard let batch = ReceivedAlerts(json: item) else { return nil }
            batches.append(batch)
        }
        return batches
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "source": .string(source.rawValue), "token": .string(token),
            "alerts": .array(alerts.map(\.json))
        ]
        if let group { fields["group"] = .string(group) }
        if let receiver { fields["receiver"] = .string(receiver) }
        if !groupLabels.isEmpty { fields["group_labels"] = Self.object(groupLabels) }
        if let externalURL { fields["external_url"] = .string(externalURL) }
        if truncatedAlerts > 0 { fields["truncated_alerts"] = .number(Double(truncatedAlerts)) }
        return .object(fields)
    }

    init?(json: JSONValue) {
        guard let source = json["source"]?.stringValue.flatMap(Source.init(rawValue:)),
            let token = json["token"]?.stringValue, let items = json["alerts"]?.arrayValue
        else { return nil }
        var alerts: [Alert] = []
        for item in items {
            guard let alert = Alert(json: item) else { return nil }
            alerts.append(alert)
        }
        self.init(
            source: source, token: token, group: json["group"]?.stringValue, receiver: json["receiver"]?.stringValue,
            groupLabels: Self.strings(json["group_labels"]), externalURL: json["external_url"]?.stringValue,
            truncatedAlerts: json["truncated_alerts"]?.intValue ?? 0, alerts: alerts)
    }

    static func object(_ map: [String: String]) -> JSONValue { .object(map.mapValues { .string($0) }) }

    static func strings(_ value: JSONValue?) -> [String: String] {
        guard case .object(let map)? = value else { return [:] }
        return map.compactMapValues(\.stringValue)
    }
}

extension ReceivedAlerts.Alert {
    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "key": .string(key), "status": .string(status.rawValue), "starts_at": .string(startsAt.rfc3339)
        ]
        if !labels.isEmpty { fields["labels"] = ReceivedAlerts.object(labels) }
        if !annotations.isEmpty { fields["annotations"] = ReceivedAlerts.object(annotations) }
        if let endsAt { fields["ends_at"] = .string(endsAt.rfc3339) }
        if let generatorURL { fields["generator_url"] = .string(generatorURL) }
        return .object(fields)
    }

    init?(json: JSONValue) {
        guard let key = json["key"]?.stringValue,
            let status = json["status"]?.stringValue.flatMap(ReceivedAlerts.Status.init(rawValue:)),
            let startsAt = json["starts_at"]?.stringValue.flatMap(Timestamp.parseRFC3339)
        else { return nil }
        self.init(
            key: key, status: status, labels: ReceivedAlerts.strings(json["labels"]),
            annotations: ReceivedAlerts.strings(json["annotations"]), startsAt: startsAt,
            endsAt: json["ends_at"]?.stringValue.flatMap(Timestamp.parseRFC3339),
            generatorURL: json["generator_url"]?.stringValue)
    }
}
