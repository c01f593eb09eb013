/// The alerts, replayed from the records of the store's journal `alerts` (`ReceivedAlerts`), in order:
/// what the intake received, de-duplicated.
///
/// - An alert's identity is its source's: Alertmanager's group key plus fingerprint (an HA pair of
///   Alertmanagers, and a sender's retries, send the same notification again: the same alerts), a
///   PagerDuty token plus `dedup_key`.
/// - A firing notification of an active alert is a repeat: it updates the alert, opens nothing.
/// - A resolved notification resolves it; an `acknowledge` acknowledges it.
/// - A firing notification after its identity's alert resolved opens a new alert (a new id), unless it
///   began when the resolved one did (Alertmanager's `startsAt`): that is a late copy of the same firing,
///   from the peer of an HA pair or a retry that crossed the resolution, and changes nothing.
/// - Resolving or acknowledging an alert that is not active changes nothing.
///
/// The journal also holds the router's progress (`alerts.routed`, written by the process that sends the
/// pages): the last record whose changes it put on incidents, and which incident each alert group went
/// to (`incidents`), so a restarted or another engine goes on from there and never declares twice.
///
/// Pure: it is fed records (`apply`) and says what changed (`AlertChange`), as values.
public struct AlertBook: Sendable {
    /// The record type of the router's progress.
    public static let routedRecordType = "alerts.routed"
    /// The record type of a person's request to put an alert's group on an incident (`klaxon alert
    /// attach`, the console): `{"alert": "A-3", "group": G, "incident": "INC-2"}`. The router carries
    /// it out (the group's note on that incident's timeline), as it routes.
    public static let attachRecordType = "alerts.attach"
    /// The incident a person last asked each alert group to be put on (`attachRecordType`).
    public private(set) var attachRequests: [String: String] = [:]
    /// The incident each alert group went to, as the router last recorded it (`INC-12`): where the
    /// group's next changes go. An alert's own incident is `incident(of:)`.
    public private(set) var incidents: [String: String] = [:]
    /// The incident each alert is on (by number): the one its group went to when the router first took
    /// it. A group whose incident was resolved and that fired again goes to a new incident, which takes
    /// its alerts still firing (its timeline notes them); those that resolved stay on the one whose
    /// timeline has them.
    private var incidentOfAlert: [Int: String] = [:]
    /// The alerts of each group, by number, in order.
    private var numbersByGroup: [String: [Int]] = [:]
    /// The last record of the journal `alerts` whose changes the router handled (0 for none).
    public private(set) var routedThrough = 0

    /// Every alert, in order of number (`alerts[n - 1]` is `A-n`).
    public private(set) var alerts: [Alert] = []
    /// The sequence number of the last record applied (0 for none).
    public private(set) var lastSequence = 0
    /// The last ping of each heartbeat check, by name (`HeartbeatPing`).
    public private(set) var lastPings: [String: Timestamp] = [:]
    /// When an intake last started listening (`HeartbeatPing.intakeStartedRecordType`), nil when none
    /// ever did on this store: a heartbeat check's silence counts from then at the earliest.
    public private(set) var intakeStarted: Timestamp?
    /// When the last intake listening stopped (`HeartbeatPing.intakeStoppedRecordType`), nil while one
    /// listens (or none ever did). A killed intake writes nothing: it is taken as listening.
    public var intakeStopped: Timestamp? { listening.isEmpty ? lastStop : nil }
    /// The intakes listening, by their host and process (several may: two machines, an HA pair).
    private var listening: Set<String> = []
    private var lastStop: Timestamp?
    /// When the newest request the intake accepted was recorded (repeats and copies that change no alert,
    /// and heartbeat pings, included): whether the intake still receives. Nil when it never received any.
    public private(set) var lastReceivedAt: Timestamp?
    /// The id of the key the latest intake to start checks action links with (`ActionLink.Key.id`), nil
    /// when it answers none or none started: a process that signs with another key makes links that would
    /// be refused, so it sends its pages without them.
    public private(set) var listenerLinkKey: String?
    /// The action links opened (GET) of each incident, oldest first (`ActionLink.Opening`).
    public private(set) var linkOpenings: [String: [ActionLink.Opening]] = [:]
    /// The number of each identity's latest alert, active or not.
    private var latest: [Identity: Int] = [:]

    /// An alert's identity: within a group for Alertmanager, within a token for PagerDuty.
    private struct Identity: Hashable, Sendable {
        var source: ReceivedAlerts.Source
        var scope: String
        var key: String
    }

    public init() {}

    /// Replays `records` in order.
    public init(records: some Sequence<JournalRecord>) {
        for record in records { _ = apply(record) }
    }

    /// Applies the next record of the journal `alerts`; returns what it changed. Records of other types,
    /// and records this build cannot read, change nothing.
    public mutating func apply(_ record: JournalRecord) -> [AlertChange] {
        lastSequence = record.sequence
        if record.type == Self.routedRecordType {
            if let through = record.data["through"]?.intValue { routedThrough = max(routedThrough, through) }
            if case .object(let map)? = record.data["incidents"] {
                for (group, value) in map {
                    guard let incident = value.stringValue else { continue }
                    incidents[group] = incident
                    // Its alerts routed by this record: those it reached (through) not yet on an incident, and
                    // those still firing (a group whose incident was resolved fired again: its new incident
                    // carries them now, its timeline notes them). Resolved ones stay where they ended.
                    for number in numbersByGroup[group] ?? [] {
                        let alert = alerts[number - 1]
                        guard alert.firstSequence <= routedThrough, incidentOfAlert[number] == nil || alert.isActive
                        else { continue }
                        incidentOfAlert[number] = incident
                    }
                }
            }
            return []
        }
        if record.type == Self.attachRecordType {
            guard let group = record.data["group"]?.stringValue, let incident = record.data["incident"]?.stringValue,
                let named = record.data["alert"]?.stringValue.flatMap(alert), named.group == group
            else { return [] }
            attachRequests[group] = incident
            // Its alerts go where the router puts the group now (the routed record after this one).
            let numbers = alerts(of: group).filter(\.isActive).map(\.number)
            let attached = numbers.isEmpty ? [named.number] : numbers
            for number in attached { incidentOfAlert[number] = nil }
            return attached.map {
                AlertChange(alert: $0, kind: .attached, group: group, sequence: record.sequence, at: record.timestamp)
            }
        }
        if let opening = ActionLink.Opening(record: record) {
            linkOpenings[opening.incident, default: []].append(opening)
            return []
        }
        if record.type == HeartbeatPing.intakeStartedRecordType {
            if record.timestamp >= (intakeStarted ?? record.timestamp) {
                listenerLinkKey = record.data["link_key"]?.stringValue
            }
            intakeStarted = max(intakeStarted ?? record.timestamp, record.timestamp)
            listening.insert("\(record.host) \(record.pid)")
            return []
        }
        if record.type == HeartbeatPing.intakeStoppedRecordType {
            listening.remove("\(record.host) \(record.pid)")
            lastStop = record.timestamp
            return []
        }
        let pings = ReceivedAlerts.pings(of: record)
        for ping in pings {
            lastPings[ping.check] = max(lastPings[ping.check] ?? ping.at, ping.at)
        }
        guard let batches = ReceivedAlerts.batches(of: record) else { return [] }
        if !batches.isEmpty || !pings.isEmpty {
            lastReceivedAt = max(lastReceivedAt ?? record.timestamp, record.timestamp)
        }
        var changes: [AlertChange] = []
        for batch in batches {
            for alert in batch.alerts {
                if let change = apply(alert, of: batch, record: record) { changes.append(change) }
            }
        }
        return changes
    }

    private mutating func apply(_ received: ReceivedAlerts.Alert, of batch: ReceivedAlerts, record: JournalRecord)
        -> AlertChange?
    {
        let identity = Identity(
            source: batch.source, scope: batch.source == .alertmanager ? batch.group ?? "" : batch.token,
            key: received.key)
        let at = record.timestamp
        if let number = latest[identity], alerts[number - 1].isActive {
            var alert = alerts[number - 1]
            let kind: AlertChange.Kind
            switch received.status {
            case .firing:
                kind = .repeated
            case .acknowledged:
                guard alert.state == .firing else { return nil }
                alert.state = .acknowledged
                kind = .acknowledged
            case .resolved:
                alert.state = .resolved
                alert.endsAt = received.endsAt ?? at
                kind = .resolved
            }
            // The latest says best what the alert is now (a description edited, a value in a label).
            if received.status == .firing || batch.source == .alertmanager {
                alert.labels = received.labels
                alert.annotations = received.annotations
            }
            alert.generatorURL = received.generatorURL ?? alert.generatorURL
            alert.lastReceived = at
            alert.receivedCount += 1
            alert.lastSequence = record.sequence
            alerts[number - 1] = alert
            return AlertChange(alert: number, kind: kind, group: alert.group, sequence: record.sequence, at: at)
        }
        guard received.status == .firing else { return nil }
        if let number = latest[identity], batch.source == .alertmanager,
            alerts[number - 1].startsAt == received.startsAt
        {
            return nil
        }
        let number = alerts.count + 1
        let group =
            batch.group ?? latest[identity].map { alerts[$0 - 1].group }
            ?? "pagerduty/\(batch.token)/\(received.key)"
        alerts.append(
            Alert(
                number: number, source: batch.source, token: batch.token, group: group, key: received.key,
                state: .firing, labels: received.labels, annotations: received.annotations,
                startsAt: received.startsAt, endsAt: nil, generatorURL: received.generatorURL, firstReceived: at,
                lastReceived: at, receivedCount: 1, firstSequence: record.sequence, lastSequence: record.sequence))
        latest[identity] = number
        numbersByGroup[group, default: []].append(number)
        return AlertChange(alert: number, kind: .fired, group: group, sequence: record.sequence, at: at)
    }

    /// The data of an `alerts.attach` record: put `alert`'s group on `incident`.
    public static func attachDraftData(alert: Alert, incident: String) -> JSONValue {
        .object(["alert": .string(alert.id), "group": .string(alert.group), "incident": .string(incident)])
    }

    /// The data of an `alerts.routed` record: the router handled every record through `through`, and
    /// sent the alert groups in `incidents` (only those new or changed) to those incidents.
    public static func routedDraftData(through: Int, incidents: [String: String]) -> JSONValue {
        .object(["through": .number(Double(through)), "incidents": .object(incidents.mapValues { .string($0) })])
    }

    /// Alert `A-n` (by `Alert.number(of:)`), or nil.
    public func alert(_ id: String) -> Alert? {
        guard let number = Alert.number(of: id), number <= alerts.count else { return nil }
        return alerts[number - 1]
    }

    /// The incident `alert` went to, nil while it is on none (its route only shows it, or the router
    /// has not taken it yet).
    public func incident(of alert: Alert) -> String? { incidentOfAlert[alert.number] }

    /// The alerts not resolved, in order of number.
    public var active: [Alert] { alerts.filter(\.isActive) }

    /// The alerts of `group`, in order of number.
    public func alerts(of group: String) -> [Alert] { (numbersByGroup[group] ?? []).map { alerts[$0 - 1] } }
}

/// What one record changed of one alert (`AlertBook.apply`).
public struct AlertChange: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable {
        /// A new alert (its first firing, or a firing after it resolved).
        case fired
        /// A firing notification of an active alert.
        case repeated
        case acknowledged
        case resolved
        /// Put on an incident by a person's request (`AlertBook.attachRecordType`), or by an `attach`
        /// route once an open incident of its service exists.
        case attached
    }

    /// The alert's number (`A-<alert>`).
    public var alert: Int
    public var kind: Kind
    public var group: String
    /// The record of the journal `alerts` that made it, and when that was recorded.
    public var sequence: Int
    public var at: Timestamp

    public init(alert: Int, kind: Kind, group: String, sequence: Int, at: Timestamp) {
        self.alert = alert
        self.kind = kind
        self.group = group
        self.sequence = sequence
        self.at = at
    }
}
