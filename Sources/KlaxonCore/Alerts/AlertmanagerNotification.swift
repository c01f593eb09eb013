/// What Alertmanager POSTs to a webhook receiver (`webhook_configs`, version 4): one notification of an
/// alert group, with the group's alerts as Alertmanager last saw them, firing or resolved.
///
/// Parsing is strict where Klaxon relies on a field (the group key and each alert's fingerprint are the
/// alerts' identity; `startsAt` is the impact's start) and lenient elsewhere (unknown fields are
/// ignored, as Alertmanager adds some across versions). A body is taken whole or not at all.
public struct AlertmanagerNotification: Equatable, Sendable {
    /// Firing or resolved: of the group (resolved once every alert is), and of each alert.
    public enum Status: String, Equatable, Sendable {
        case firing, resolved
    }

    /// One alert of the group.
    public struct Alert: Equatable, Sendable {
        public var status: Status
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: Timestamp
        /// When it ended (resolved), or when Alertmanager will consider it ended unless it is sent again
        /// (firing); nil for Go's zero time (`0001-01-01T00:00:00Z`), which Alertmanager sends for none.
        public var endsAt: Timestamp?
        /// The link to the expression that fired (Prometheus's graph), when one is given.
        public var generatorURL: String?
        /// Alertmanager's identity of the alert: a hash of its labels.
        public var fingerprint: String

        /// The alert's name (its `alertname` label), or nil.
        public var name: String? { labels["alertname"] }
    }

    /// The receiver of Alertmanager's configuration that sent it.
    public var receiver: String
    public var status: Status
    /// The group's identity in Alertmanager (its route and group-by labels): one incident per group.
    public var groupKey: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    /// Alertmanager's own address, for links back to it.
    public var externalURL: String?
    /// How many alerts Alertmanager left out (`max_alerts` in its webhook configuration).
    public var truncatedAlerts: Int
    public var alerts: [Alert]

    /// The version of the webhook body this reads.
    public static let version = "4"

    /// The most alerts one notification may carry (a group of 1,000 is about 1.5 MB).
    public static let maximumAlerts = 20_000

    /// Parses a notification's JSON body; throws every problem found, each naming its field.
    public static func parse<Bytes: Collection<UInt8>>(_ body: Bytes) throws(InvalidAlertBody)
        -> AlertmanagerNotification
    {
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            throw InvalidAlertBody(["the body is not JSON: \(error)"])
        }
        var reader = AlertBodyReader()
        guard let fields = reader.object(json, "the body") else { throw InvalidAlertBody(reader.problems) }
        let version = reader.string(fields, "version", at: "", required: true)
        if let version, version != Self.version {
            reader.problem(
                "version", "is \(version); this reads Alertmanager's webhook version \(Self.version) (Alertmanager 0.x)"
            )
        }
        let receiver = reader.string(fields, "receiver", at: "", required: false) ?? ""
        let status = Self.status(fields["status"], "status", &reader)
        let groupKey = reader.string(fields, "groupKey", at: "", required: true)
        let groupLabels = reader.strings(fields, "groupLabels", at: "", required: false)
        let commonLabels = reader.strings(fields, "commonLabels", at: "", required: false)
        let commonAnnotations = reader.strings(fields, "commonAnnotations", at: "", required: false)
        let externalURL = reader.string(fields, "externalURL", at: "", required: false)
        var truncated = 0
        switch fields["truncatedAlerts"] {
        case nil, .null?: break
        case .number(let count)? where count >= 0 && count == count.rounded(): truncated = Int(count)
        default: reader.problem("truncatedAlerts", "must be a whole number of 0 or more")
        }
        var alerts: [Alert] = []
        switch fields["alerts"] {
        case .array(let items)?:
            if items.count > Self.maximumAlerts {
                reader.problem("alerts", "holds \(items.count) alerts; at most \(Self.maximumAlerts) are taken at once")
            } else {
                for (index, item) in items.enumerated() {
                    if let alert = Self.alert(item, "alerts[\(index)]", &reader) { alerts.append(alert) }
                }
            }
        case nil, .null?: reader.problem("alerts", "missing")
        default: reader.problem("alerts", "must be an array")
        }
        guard reader.problems.isEmpty, let status, let groupKey else { throw InvalidAlertBody(reader.problems) }
        return AlertmanagerNotification(
            receiver: receiver, status: status, groupKey: groupKey, groupLabels: groupLabels,
            commonLabels: commonLabels, commonAnnotations: commonAnnotations, externalURL: externalURL,
            truncatedAlerts: truncated, alerts: alerts)
    }

    private static func status(_ value: JSONValue?, _ path: String, _ reader: inout AlertBodyReader) -> Status? {
        guard case .string(let text)? = value else {
            reader.problem(path, value == nil ? "missing" : "must be \"firing\" or \"resolved\"")
            return nil
        }
        guard let status = Status(rawValue: text) else {
            reader.problem(path, "is \"\(text)\"; must be \"firing\" or \"resolved\"")
            return nil
        }
        return status
    }

    private static func alert(_ value: JSONValue, _ path: String, _ reader: inout AlertBodyReader) -> Alert? {
        guard let fields = reader.object(value, path) else { return nil }
        let before = reader.problems.count
        let status = Self.status(fields["status"], path + ".status", &reader)
        let labels = reader.strings(fields, "labels", at: path, required: true)
        let annotations = reader.strings(fields, "annotations", at: path, required: false)
        let starts = Self.time(fields, "startsAt", path, required: true, &reader)
        if case .some(.none) = starts { reader.problem(path + ".startsAt", "is Go's zero time, not when it began") }
        let endsAt = Self.time(fields, "endsAt", path, required: false, &reader)
        let generatorURL = reader.string(fields, "generatorURL", at: path, required: false)
        let fingerprint = reader.string(fields, "fingerprint", at: path, required: true, maximum: 256)
        guard reader.problems.count == before, let status, let startsAt = starts ?? nil, let fingerprint else {
            return nil
        }
        return Alert(
            status: status, labels: labels, annotations: annotations, startsAt: startsAt,
            endsAt: endsAt.flatMap { $0 }, generatorURL: generatorURL.flatMap { $0.isEmpty ? nil : $0 },
            fingerprint: fingerprint)
    }

    /// An RFC 3339 time; `.some(nil)` for Go's zero time (Alertmanager's "none").
    private static func time(
        _ fields: [String: JSONValue], _ key: String, _ path: String, required: Bool, _ reader: inout AlertBodyReader
    ) -> Timestamp?? {
        guard let text = reader.string(fields, key, at: path, required: required, maximum: 64) else { return nil }
        guard let time = Timestamp.parseRFC3339(text) else {
            reader.problem("\(path).\(key)", "is \"\(text)\", not an RFC 3339 time")
            return nil
        }
        return time.milliseconds <= Self.goZeroTime.milliseconds ? .some(nil) : .some(time)
    }

    /// `0001-01-01T00:00:00Z`, Go's zero time.
    static let goZeroTime = Timestamp.earliest
}
