/// What an incident's journal says about sending its status updates and reminding of them, in journal
/// order: the comms engine's input besides the updates themselves. Replay keeps these for summaries too.
public struct CommsEvent: Hashable, Sendable {
    public var sequence: Int
    public var at: Timestamp
    /// The process that wrote it: an attempt of another process with no outcome is one nobody can know.
    public var host: String
    public var pid: Int
    public var kind: Kind

    public enum Kind: Hashable, Sendable {
        /// Attempt `attempt` to send update `update` (its record's sequence) to `destination` is being made.
        case attempt(update: Int, destination: String, attempt: Int)
        /// How it went; `delivered` is nil when nobody can know (the sender stopped mid-send).
        case result(update: Int, destination: String, attempt: Int, delivered: Bool?, detail: String)
        /// The overdue update counted from `since` was reminded of (to `user`, or to nobody: then it says why).
        case reminded(since: Timestamp, user: String?)
        /// How the reminder's delivery went.
        case reminderResult(since: Timestamp, delivered: Bool?, detail: String)
    }

    /// Whether this is the reminder of the overdue update counted from `since` to `user` (nil: to nobody).
    func reminds(since: Timestamp, user: String?) -> Bool {
        if case .reminded(since, user) = kind { true } else { false }
    }

    public init(sequence: Int, at: Timestamp, host: String, pid: Int, kind: Kind) {
        self.sequence = sequence
        self.at = at
        self.host = host
        self.pid = pid
        self.kind = kind
    }

    /// The event a record carries, if it is a comms record that reads.
    static func from(_ record: JournalRecord) -> CommsEvent? {
        let d = record.data
        func outcome() -> Bool? {
            switch d["outcome"]?.stringValue {
            case "delivered": true
            case "failed": false
            default: nil
            }
        }
        let kind: Kind
        switch RecordType(rawValue: record.type) {
        case .updateAttempt?:
            guard let update = d["update"]?.intValue, let destination = d["destination"]?.stringValue,
                let attempt = d["attempt"]?.intValue
            else { return nil }
            kind = .attempt(update: update, destination: destination, attempt: attempt)
        case .updateResult?:
            guard let update = d["update"]?.intValue, let destination = d["destination"]?.stringValue,
                let attempt = d["attempt"]?.intValue
            else { return nil }
            kind = .result(
                update: update, destination: destination, attempt: attempt, delivered: outcome(),
                detail: d["detail"]?.stringValue ?? "")
        case .updateReminded?:
            guard let since = d["since"]?.stringValue.flatMap(Timestamp.parseRFC3339) else { return nil }
            kind = .reminded(since: since, user: d["user"]?.stringValue)
        case .reminderResult?:
            guard let since = d["since"]?.stringValue.flatMap(Timestamp.parseRFC3339) else { return nil }
            kind = .reminderResult(since: since, delivered: outcome(), detail: d["detail"]?.stringValue ?? "")
        default:
            return nil
        }
        return CommsEvent(
            sequence: record.sequence, at: record.timestamp, host: record.host, pid: record.pid, kind: kind)
    }
}

/// One attempt to send one status update to one destination.
public struct UpdateDelivery: Hashable, Sendable {
    public var incidentID: String
    /// The `status.update` record's sequence.
    public var update: Int
    /// Which update of the incident it is, from 1 (`update #2`).
    public var number: Int
    public var destination: CommsDestination
    public var attempt: Int
    public var attempts: Int

    public init(
        incidentID: String, update: Int, number: Int, destination: CommsDestination, attempt: Int, attempts: Int
    ) {
        self.incidentID = incidentID
        self.update = update
        self.number = number
        self.destination = destination
        self.attempt = attempt
        self.attempts = attempts
    }

    /// `INC-7/update/12`: the same for every attempt and destination of one update, so a receiver can
    /// de-duplicate by it.
    public var updateID: String { "\(incidentID)/update/\(update)" }

    var fields: [String: JSONValue] {
        [
            "update": .number(Double(update)), "number": .number(Double(number)),
            "destination": .string(destination.name), "to": .string(destination.label),
            "kind": .string(destination.kind.name), "attempt": .number(Double(attempt)),
            "attempts": .number(Double(attempts))
        ]
    }
}

/// A reminder that an open incident's status update is overdue, to the `comms` role's holder, else the
/// commander, through one of their contacts (never an escalation policy).
public struct UpdateReminder: Hashable, Sendable {
    public var incidentID: String
    /// What the cadence counts from (the last update, the declaration or the reopening): one reminder each.
    public var since: Timestamp
    public var dueAt: Timestamp
    /// Whom: nil when nobody holds either role.
    public var user: String?
    /// `comms` or `commander`.
    public var role: String?
    /// Through which contact; nil when there is none to use (`problem` says why).
    public var contact: Contact?
    /// Why nobody is reminded, or why the person cannot be reached.
    public var problem: String?

    public init(
        incidentID: String, since: Timestamp, dueAt: Timestamp, user: String?, role: String?, contact: Contact?,
        problem: String?
    ) {
        self.incidentID = incidentID
        self.since = since
        self.dueAt = dueAt
        self.user = user
        self.role = role
        self.contact = contact
        self.problem = problem
    }

    var fields: [String: JSONValue] {
        var data: [String: JSONValue] = ["since": .string(since.rfc3339), "due_at": .string(dueAt.rfc3339)]
        if let user { data["user"] = .string(user) }
        if let role { data["role"] = .string(role) }
        if let contact { data["contact"] = .string(contact.kind.rawValue) }
        if let problem { data["detail"] = .string(problem) }
        return data
    }
}

/// A record the comms engine writes on an incident's timeline.
public enum CommsRecord: Hashable, Sendable {
    /// A delivery is about to be sent.
    case attempt(UpdateDelivery)
    /// How it went: delivered, failed (`detail` says why) or unknown.
    case result(UpdateDelivery, delivered: Bool?, detail: String)
    /// A reminder is about to be sent (or, naming no contact, could not be: its `problem` says why).
    case reminded(UpdateReminder)
    /// How the reminder's delivery went.
    case reminderResult(UpdateReminder, delivered: Bool?, detail: String)

    public var type: RecordType {
        switch self {
        case .attempt: .updateAttempt
        case .result: .updateResult
        case .reminded: .updateReminded
        case .reminderResult: .reminderResult
        }
    }

    public var payload: JSONValue {
        func outcome(_ delivered: Bool?) -> JSONValue {
            .string(delivered == true ? "delivered" : delivered == false ? "failed" : "unknown")
        }
        switch self {
        case .attempt(let d): return .object(d.fields)
        case .result(let d, let delivered, let detail):
            var data = d.fields
            data["outcome"] = outcome(delivered)
            data["detail"] = .string(detail)
            return .object(data)
        case .reminded(let r): return .object(r.fields)
        case .reminderResult(let r, let delivered, let detail):
            var data: [String: JSONValue] = ["since": .string(r.since.rfc3339), "outcome": outcome(delivered)]
            data["detail"] = .string(detail)
            if let user = r.user { data["user"] = .string(user) }
            if let contact = r.contact { data["contact"] = .string(contact.kind.rawValue) }
            return .object(data)
        }
    }
}

extension CommsRecord {
    /// Refuses what another process recorded first: an attempt of the same number (or a later one) of the
    /// same update to the same destination, a reminder of the same overdue period, or one for an incident
    /// resolved meanwhile. What is refused is never sent: the next pass decides again from the journal.
    func check(against incident: Incident) throws(KlaxonError) {
        switch self {
        case .attempt(let d):
            let taken = incident.commsEvents.contains {
                if case .attempt(d.update, d.destination.name, let n) = $0.kind { n >= d.attempt } else { false }
            }
            if taken {
                throw .badInput(
                    "\(incident.id): attempt \(d.attempt) of update #\(d.number) to \(d.destination.label) is recorded already (by another process that sends)"
                )
            }
        case .reminded(let r):
            guard incident.isOpen else { throw .badInput("\(incident.id) is resolved: no update is owed") }
            if incident.commsEvents.contains(where: { $0.reminds(since: r.since, user: r.user) }) {
                throw .badInput("\(incident.id): the overdue update was reminded of already")
            }
        case .result, .reminderResult:
            break
        }
    }
}

extension CommsEvent {
    /// The event as the index keeps it in an incident summary (`IncidentSummaryCodec`):
    /// `[sequence, ms, host, pid, kind, …]`.
    var summaryRow: JSONValue {
        func int(_ n: Int) -> JSONValue { .number(Double(n)) }
        func time(_ t: Timestamp) -> JSONValue { .number(Double(t.milliseconds)) }
        func outcome(_ delivered: Bool?) -> JSONValue { delivered.map(JSONValue.bool) ?? .null }
        let head: [JSONValue] = [int(sequence), time(at), .string(host), int(pid)]
        switch kind {
        case .attempt(let update, let destination, let attempt):
            return .array(head + ["attempt", int(update), .string(destination), int(attempt)])
        case .result(let update, let destination, let attempt, let delivered, let detail):
            return .array(
                head + ["result", int(update), .string(destination), int(attempt), outcome(delivered), .string(detail)])
        case .reminded(let since, let user):
            return .array(head + ["reminded", time(since), user.map(JSONValue.string) ?? .null])
        case .reminderResult(let since, let delivered, let detail):
            return .array(head + ["reminder_result", time(since), outcome(delivered), .string(detail)])
        }
    }

    /// The event `summaryRow` wrote; nil for anything else.
    init?(summaryRow row: [JSONValue]) {
        func at(_ n: Int) -> JSONValue? { row.indices.contains(n) ? row[n] : nil }
        func time(_ n: Int) -> Timestamp? { at(n)?.intValue.map { Timestamp(milliseconds: Int64($0)) } }
        func outcome(_ n: Int) -> Bool?? {
            switch at(n) {
            case .null?: .some(nil)
            case .bool(let b)?: .some(b)
            default: nil
            }
        }
        guard let sequence = at(0)?.intValue, let t = time(1), let host = at(2)?.stringValue, let pid = at(3)?.intValue
        else { return nil }
        let kind: Kind
        switch at(4)?.stringValue {
        case "attempt":
            guard let update = at(5)?.intValue, let destination = at(6)?.stringValue, let attempt = at(7)?.intValue
            else { return nil }
            kind = .attempt(update: update, destination: destination, attempt: attempt)
        case "result":
            guard let update = at(5)?.intValue, let destination = at(6)?.stringValue, let attempt = at(7)?.intValue,
                let delivered = outcome(8), let detail = at(9)?.stringValue
            else { return nil }
            kind = .result(
                update: update, destination: destination, attempt: attempt, delivered: delivered, detail: detail)
        case "reminded":
            guard let since = time(5), let user = at(6) else { return nil }
            kind = .reminded(since: since, user: user.stringValue)
        case "reminder_result":
            guard let since = time(5), let delivered = outcome(6), let detail = at(7)?.stringValue else { return nil }
            kind = .reminderResult(since: since, delivered: delivered, detail: detail)
        default:
            return nil
        }
        self.init(sequence: sequence, at: t, host: host, pid: pid, kind: kind)
    }
}
