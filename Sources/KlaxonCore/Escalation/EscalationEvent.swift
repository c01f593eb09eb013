/// What an incident's journal says about its escalations, in journal order: the engine's input. Replay
/// collects these for summaries too, so the engine never needs an incident's whole timeline.
public struct EscalationEvent: Hashable, Sendable {
    public var sequence: Int
    public var at: Timestamp
    public var actor: String
    public var kind: Kind
    /// How an acknowledgement or an escalation moved on arrived when not from a terminal: `link` (a signed
    /// action link, `ActionOrigin`); nil otherwise.
    public var via: String?

    public enum Kind: Hashable, Sendable {
        /// A policy started (`incident declare --policy`, `incident page --policy`, a check that declares).
        case started(policy: String)
        /// One person paged directly (`incident page --user`).
        case pageRequested(user: String)
        case acknowledged
        /// Someone stopped every escalation of the incident.
        case stopped
        /// Someone moved the running policy on to its next step now.
        case advanced
        case resolved
        case reopened
        /// The engine recorded that a step began.
        case step(phase: String, cycle: Int, step: Int)
        /// The engine is about to send attempt `attempt` of page `page` to `user`, from this host and process.
        case attempt(page: String, attempt: Int, user: String, host: String, pid: Int)
        /// The outcome of an attempt; `delivered` is nil when nobody can know (the engine stopped mid-send).
        /// `detail` says what happened (why it failed), as recorded.
        case result(page: String, attempt: Int, delivered: Bool?, detail: String)
        /// The engine recorded that a phase ran out of steps unacknowledged.
        case exhausted(phase: String)
    }

    public init(sequence: Int, at: Timestamp, actor: String, kind: Kind, via: String? = nil) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.kind = kind
        self.via = via
    }

    /// The event a record carries, if it is one the engine reads.
    static func from(_ record: JournalRecord) -> EscalationEvent? {
        let d = record.data
        let kind: Kind
        switch RecordType(rawValue: record.type) {
        case .declared?:
            guard let policy = d["policy"]?.stringValue else { return nil }
            kind = .started(policy: policy)
        case .escalationStarted?:
            guard let policy = d["policy"]?.stringValue else { return nil }
            kind = .started(policy: policy)
        case .pageRequested?:
            guard let user = d["user"]?.stringValue else { return nil }
            kind = .pageRequested(user: user)
        case .acknowledged?: kind = .acknowledged
        case .escalationStopped?: kind = .stopped
        case .escalationAdvanced?: kind = .advanced
        case .resolved?: kind = .resolved
        case .reopened?: kind = .reopened
        case .escalationStep?:
            guard let phase = d["phase"]?.stringValue, let cycle = d["cycle"]?.intValue, let step = d["step"]?.intValue
            else { return nil }
            kind = .step(phase: phase, cycle: cycle, step: step)
        case .pageAttempt?:
            guard let page = d["page"]?.stringValue, let attempt = d["attempt"]?.intValue,
                let user = d["user"]?.stringValue
            else { return nil }
            kind = .attempt(page: page, attempt: attempt, user: user, host: record.host, pid: record.pid)
        case .pageResult?:
            guard let page = d["page"]?.stringValue, let attempt = d["attempt"]?.intValue else { return nil }
            let outcome = d["outcome"]?.stringValue
            kind = .result(
                page: page, attempt: attempt,
                delivered: outcome == "delivered" ? true : outcome == "failed" ? false : nil,
                detail: d["detail"]?.stringValue ?? "")
        case .escalationExhausted?:
            guard let phase = d["phase"]?.stringValue else { return nil }
            kind = .exhausted(phase: phase)
        default:
            return nil
        }
        let via = kind == .acknowledged || kind == .advanced ? d["via"]?.stringValue : nil
        return EscalationEvent(
            sequence: record.sequence, at: record.timestamp, actor: record.actor, kind: kind, via: via)
    }
}

/// A record the escalation engine writes on an incident's timeline.
public enum EscalationRecord: Hashable, Sendable {
    /// A step began: whom it pages (possibly nobody, with the reason in `note`).
    case step(
        phase: String, policy: String, cycle: Int, cycles: Int, step: Int, steps: Int, users: [String], note: String?)
    /// An attempt is about to be sent.
    case attempt(DeliveryAttempt)
    /// How an attempt went: delivered, failed (`detail` says why) or unknown.
    case result(DeliveryAttempt, delivered: Bool?, detail: String)
    /// A phase ran out of steps with nobody acknowledging.
    case exhausted(phase: String, policy: String)

    public var type: RecordType {
        switch self {
        case .step: .escalationStep
        case .attempt: .pageAttempt
        case .result: .pageResult
        case .exhausted: .escalationExhausted
        }
    }

    public var payload: JSONValue {
        switch self {
        case .step(let phase, let policy, let cycle, let cycles, let step, let steps, let users, let note):
            var data: [String: JSONValue] = [
                "phase": .string(phase), "policy": .string(policy), "cycle": .number(Double(cycle)),
                "cycles": .number(Double(cycles)),
                "step": .number(Double(step)), "steps": .number(Double(steps)),
                "users": .array(users.map(JSONValue.string))
            ]
            if let note { data["note"] = .string(note) }
            return .object(data)
        case .attempt(let a):
            return .object(a.fields)
        case .result(let a, let delivered, let detail):
            var data = a.fields
            data["outcome"] = .string(delivered == true ? "delivered" : delivered == false ? "failed" : "unknown")
            data["detail"] = .string(detail)
            return .object(data)
        case .exhausted(let phase, let policy):
            return ["phase": .string(phase), "policy": .string(policy)]
        }
    }
}

/// One attempt to reach one person through one contact for one page. Secrets stay references
/// (`env:NAME`, `file:PATH`) until the moment of sending.
public struct DeliveryAttempt: Hashable, Sendable {
    public var incidentID: String
    /// `phase/cycle/step/user/contact`: the page this attempt belongs to.
    public var page: String
    public var policy: String
    public var step: Int
    public var steps: Int
    public var user: String
    public var contact: Contact
    public var attempt: Int
    public var attempts: Int
    /// How many records the incident had when the engine decided on this attempt: recording it is
    /// refused if someone acknowledged, stopped, resolved or paged anew since (see `IncidentAction`).
    public var decidedAtRecord: Int = 0

    /// `INC-7/phase/cycle/step/user/contact`: the page's id for whoever receives it (`X-Klaxon-Page`, the
    /// webhook's `page.id`, `KLAXON_PAGE_ID`, the email's `Message-ID`). `page` alone repeats in every
    /// incident paged by the same policy; with the incident's id it is unique, so a receiver can
    /// de-duplicate by it. Every attempt of one page carries the same id (`attempt` tells them apart).
    public var pageID: String { "\(incidentID)/\(page)" }

    public init(
        incidentID: String, page: String, policy: String, step: Int, steps: Int, user: String, contact: Contact,
        attempt: Int, attempts: Int
    ) {
        self.incidentID = incidentID
        self.page = page
        self.policy = policy
        self.step = step
        self.steps = steps
        self.user = user
        self.contact = contact
        self.attempt = attempt
        self.attempts = attempts
    }

    var fields: [String: JSONValue] {
        [
            "page": .string(page), "policy": .string(policy), "step": .number(Double(step)),
            "steps": .number(Double(steps)),
            "user": .string(user), "contact": .string(contact.kind.rawValue),
            "attempt": .number(Double(attempt)), "attempts": .number(Double(attempts))
        ]
    }
}
