/// Something a responder does to an incident. `record(for:)` checks it against the incident's
/// current state and turns it into the record to append; the console and the CLI both go through it.
public enum IncidentAction: Hashable, Sendable {
    case note(String)
    /// A public status update: `text` for the people who depend on the platform, in `phase` (nil:
    /// `Incident.nextUpdatePhase` as it is written). `resolved` only once the incident is resolved (the
    /// final update is posted after resolving), and nothing else then.
    case postUpdate(text: String, phase: IncidentStatus?)
    case setStatus(IncidentStatus)
    case setSeverity(Severity)
    case assign(role: String, user: String)
    case acknowledge
    /// Acknowledge from a signed link (`origin` says whose page): refused, saying by whom and when, when
    /// someone already acknowledged since paging last started, so a second use records nothing.
    case acknowledgeFromLink(ActionOrigin)
    case mitigate
    case resolve(summary: String?)
    case reopen
    case amend(KeyTime, Timestamp)
    case addActionItem(text: String, owner: String?)
    case completeActionItem(Int)
    case link(String)
    case tag(String)
    /// A task-list step of a runbook ticked (or unticked) during this incident.
    case runbookStep(runbook: String, step: Int, text: String, done: Bool)
    /// A status check of the incident's service changed state (the poller records it).
    case checkChanged(check: String, from: String, to: String, detail: String)
    /// Alerts of a group routed to the incident changed (the alert router records it).
    case alertsChanged(AlertRouting.Note)
    /// Start paging by an escalation policy (a newer one replaces any running).
    case startEscalation(policy: String)
    /// Page one person now, through their notify rules, until someone acknowledges.
    case page(user: String)
    /// Stop every escalation of the incident (no more pages until someone starts one).
    case stopEscalation
    /// Move the running policy on to its next step now. The caller checked with the escalation engine that
    /// one is paging and has a next step (`EscalationEngine.escalateNowRefusal`) when the incident had
    /// `decidedAtRecord` records; it is refused if the escalation changed since. `origin`: from a link.
    case escalateNow(decidedAtRecord: Int, origin: ActionOrigin?)
    /// What the escalation engine records: steps, delivery attempts and outcomes, exhaustion. With
    /// `decidedAtRecord` (the incident's record count when the engine decided), a step or an exhaustion is
    /// refused, as an attempt always is (its own `decidedAtRecord`), when the escalation changed since.
    case escalation(EscalationRecord, decidedAtRecord: Int? = nil)
    /// What the comms engine records: status update deliveries and their outcomes, reminders. An attempt
    /// or a reminder someone recorded already (another process that sends) is refused: never sent twice.
    case comms(CommsRecord)

    /// The record type and payload for this action on `incident`, or an error saying why it cannot be done.
    public func record(for incident: Incident) throws(KlaxonError) -> (type: RecordType, data: JSONValue) {
        let id = incident.id
        func requireOpen(_ what: String) throws(KlaxonError) {
            guard incident.isOpen else {
                throw .badInput(
                    "\(id) is resolved, so it cannot be \(what); reopen it first: klaxon incident reopen \(id)")
            }
        }
        switch self {
        case .note(let text):
            try InputLimits.check(text, "the note")
            guard !text.trimmingWhitespace.isEmpty else { throw .badInput("the note is empty; write some text") }
            return (.note, ["text": .string(text)])
        case .postUpdate(let text, let phase):
            let phase = phase ?? incident.nextUpdatePhase
            // The public must never read "resolved" while the responders are still at it, nor anything else
            // once they are done.
            if phase == .resolved && incident.isOpen {
                throw .badInput(
                    "\(id) is open: a resolved update would tell everyone it is over; resolve it first (klaxon incident resolve \(id)), then post the final update"
                )
            }
            if phase != .resolved && !incident.isOpen {
                throw .badInput(
                    "\(id) is resolved: its updates now say resolved; reopen it first (klaxon incident reopen \(id)) if it is not over"
                )
            }
            try InputLimits.check(text, "the status update")
            let text = text.trimmingWhitespace
            guard !text.isEmpty else {
                throw .badInput("the status update is empty; write what the people who depend on it should know")
            }
            // The same again is a slip (a second Enter), unless the last did not reach somewhere: then it
            // is how to send it again (the engine sends only the latest update).
            if let last = incident.statusUpdates.last, last.text == text && last.phase == phase,
                !incident.missedADestination(last)
            {
                throw .badInput("\(id)'s last status update already says this (\(phase)); write what changed")
            }
            return (.statusUpdate, ["text": .string(text), "phase": .string(phase.rawValue)])
        case .setStatus(let status):
            if status == .resolved { return try IncidentAction.resolve(summary: nil).record(for: incident) }
            try requireOpen("given a status")
            guard status != incident.status else { throw .badInput("\(id) is already \(status)") }
            return (.statusChanged, ["status": .string(status.rawValue), "from": .string(incident.status.rawValue)])
        case .setSeverity(let severity):
            guard severity != incident.severity else { throw .badInput("\(id) is already \(severity)") }
            return (.severityChanged, ["severity": .string(severity.name), "from": .string(incident.severity.name)])
        case .assign(let role, let user):
            let role = role.lowercased()
            guard IncidentAction.isName(role) else {
                throw .badInput(
                    "role \"\(role)\" is not a role name; use letters, digits and dashes, e.g. commander, scribe, comms"
                )
            }
            guard IncidentAction.isName(user) else {
                throw .badInput("\"\(user)\" is not a person's id; use letters, digits, dots, dashes and underscores")
            }
            guard incident.roles[role] != user else { throw .badInput("\(user) is already \(role) of \(id)") }
            var data: [String: JSONValue] = ["role": .string(role), "user": .string(user)]
            if let previous = incident.roles[role] { data["from"] = .string(previous) }
            return (.roleAssigned, .object(data))
        case .acknowledge:
            try requireOpen("acknowledged")
            return (.acknowledged, [:])
        case .acknowledgeFromLink(let origin):
            try requireOpen("acknowledged")
            if let ack = incident.acknowledgementSincePaging {
                throw .badInput("\(id) is already acknowledged by \(ack.actor) at \(ack.at.rfc3339)")
            }
            return (.acknowledged, .object(origin.fields))
        case .mitigate:
            try requireOpen("mitigated")
            if let at = incident.keyTimes[.mitigated] {
                throw .badInput(
                    "\(id) was already mitigated at \(at.rfc3339); to correct that time: klaxon incident amend \(id) mitigated TIME"
                )
            }
            return (.mitigated, [:])
        case .resolve(let summary):
            guard incident.isOpen else { throw .badInput("\(id) is already resolved") }
            if let summary { try InputLimits.check(summary, "the summary") }
            if let summary { return (.resolved, ["summary": .string(summary)]) }
            return (.resolved, [:])
        case .reopen:
            guard !incident.isOpen else { throw .badInput("\(id) is not resolved, so there is nothing to reopen") }
            return (.reopened, [:])
        case .amend(let key, let time):
            var data: [String: JSONValue] = ["field": .string(key.rawValue), "time": .string(time.rfc3339)]
            if let previous = incident.keyTimes[key] { data["from"] = .string(previous.rfc3339) }
            return (.timeAmended, .object(data))
        case .addActionItem(let text, let owner):
            try InputLimits.check(text, "the action item")
            guard !text.trimmingWhitespace.isEmpty else {
                throw .badInput("the action item is empty; say what is to be done")
            }
            if let owner, !IncidentAction.isName(owner) {
                throw .badInput("\"\(owner)\" is not a person's id; use letters, digits, dots, dashes and underscores")
            }
            var data: [String: JSONValue] = ["text": .string(text)]
            if let owner { data["owner"] = .string(owner) }
            return (.actionItemAdded, .object(data))
        case .completeActionItem(let number):
            guard number >= 1, number <= incident.actionItems.count else {
                let count = incident.actionItems.count
                throw .badInput(
                    "\(id) has no action item \(number); it has \(count == 0 ? "none" : "1 to \(count)") (klaxon incident show \(id))"
                )
            }
            guard !incident.actionItems[number - 1].isDone else {
                throw .badInput("action item \(number) of \(id) is already done")
            }
            return (.actionItemDone, ["number": .number(Double(number))])
        case .link(let target):
            try InputLimits.check(target, "the link")
            let trimmed = target.trimmingWhitespace
            guard !trimmed.isEmpty, !trimmed.contains(where: \.isNewline) else {
                throw .badInput("the link is empty; give a runbook name or a URL")
            }
            let kind: Incident.Link.Kind = trimmed.contains("://") ? .url : .runbook
            return (.linkAdded, ["target": .string(trimmed), "kind": .string(kind.rawValue)])
        case .tag(let tag):
            guard IncidentAction.isName(tag) else {
                throw .badInput("tag \"\(tag)\" must be letters, digits, dots, dashes or underscores")
            }
            guard !incident.tags.contains(tag) else { throw .badInput("\(id) is already tagged \(tag)") }
            return (.tagAdded, ["tag": .string(tag)])
        case .runbookStep(let runbook, let step, let text, let done):
            guard !runbook.isEmpty, step >= 1 else {
                throw .badInput("a runbook step needs the runbook's name and the step's number")
            }
            if incident.runbookStep(runbook, text: text)?.done == done {
                throw .badInput("step \(step) of \(runbook) is already \(done ? "ticked" : "unticked") on \(id)")
            }
            return (
                .runbookStep,
                ["runbook": .string(runbook), "step": .number(Double(step)), "text": .string(text), "done": .bool(done)]
            )
        case .checkChanged(let check, let from, let to, let detail):
            return (
                .checkChanged,
                ["check": .string(check), "from": .string(from), "to": .string(to), "detail": .string(detail)]
            )
        case .alertsChanged(let note):
            return (.alertsChanged, note.data)
        case .startEscalation(let policy):
            try requireOpen("paged")
            guard IncidentAction.isName(policy) else {
                throw .badInput("\"\(policy)\" is not a policy name (see Escalation/policies)")
            }
            return (.escalationStarted, ["policy": .string(policy)])
        case .page(let user):
            try requireOpen("paged")
            guard IncidentAction.isName(user) else {
                throw .badInput("\"\(user)\" is not a person's id; use letters, digits, dots, dashes and underscores")
            }
            return (.pageRequested, ["user": .string(user)])
        case .stopEscalation:
            // Resolving stopped its escalation: there is nothing to stop, and nothing to reopen for.
            guard incident.isOpen else {
                throw .badInput("\(id) is resolved, and resolving it stopped its paging: nothing to stop")
            }
            guard incident.hasEscalationToStop else { throw .badInput("\(id) has no escalation running to stop") }
            return (.escalationStopped, [:])
        case .escalateNow(let decidedAtRecord, let origin):
            try requireOpen("escalated")
            if let changed = incident.escalationChange(after: decidedAtRecord) {
                throw .badInput(
                    "\(id) changed (record #\(changed.sequence), by \(changed.actor)) after escalating was decided; look again"
                )
            }
            return (.escalationAdvanced, .object(origin?.fields ?? [:]))
        case .escalation(let record, var decidedAtRecord):
            if case .attempt(let attempt) = record {
                try requireOpen("paged")
                decidedAtRecord = attempt.decidedAtRecord
            }
            // Someone acknowledged, stopped, resolved or paged anew after the engine decided: a page is not
            // sent, and the timeline never says a step paged someone, or nobody acknowledged, after they did.
            if let decidedAtRecord, let changed = incident.escalationChange(after: decidedAtRecord) {
                let what =
                    switch record {
                    case .attempt: "page"
                    case .exhausted: "exhaustion"
                    default: "step"
                    }
                throw .badInput(
                    "\(id) changed (record #\(changed.sequence)) after this \(what) was decided; it is decided again")
            }
            return (record.type, record.payload)
        case .comms(let record):
            try record.check(against: incident)
            return (record.type, record.payload)
        }
    }

    /// Person ids, roles and tags: non-empty, printable, no spaces.
    public static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.@".unicodeScalars.contains($0)
            }
    }
}

/// What `incident declare` records.
public struct Declaration: Hashable, Sendable {
    public var title: String
    public var severity: Severity
    public var services: [String]
    public var commander: String?
    public var impactStarted: Timestamp?
    public var detected: Timestamp?
    public var tags: [String]
    /// The escalation policy that starts paging as the incident is declared (one record: no incident
    /// is ever left declared without the paging it asked for).
    public var policy: String?
    /// The status check that declared it, if one did.
    public var check: String?
    /// Runbooks linked from the start.
    public var runbooks: [String]
    /// The alert group it was declared for, if the alert router declared it (`alert_group`).
    public var alertGroup: String?

    public init(
        title: String, severity: Severity, services: [String] = [], commander: String? = nil,
        impactStarted: Timestamp? = nil, detected: Timestamp? = nil, tags: [String] = [],
        policy: String? = nil, check: String? = nil, runbooks: [String] = [], alertGroup: String? = nil
    ) {
        self.title = title
        self.severity = severity
        self.services = services
        self.commander = commander
        self.impactStarted = impactStarted
        self.detected = detected
        self.tags = tags
        self.policy = policy
        self.check = check
        self.runbooks = runbooks
        self.alertGroup = alertGroup
    }

    /// The payload of the `incident.declared` record for incident `id`.
    public func payload(id: String) throws(KlaxonError) -> JSONValue {
        try InputLimits.check(self.title, "the title")
        let title = self.title.trimmingWhitespace
        guard !title.isEmpty else {
            throw .badInput(
                "the incident needs a title: klaxon incident declare \"Registry returns 503\" --severity SEV2")
        }
        guard !title.contains(where: \.isNewline) else { throw .badInput("the title must be one line") }
        if let commander, !IncidentAction.isName(commander) {
            throw .badInput("\"\(commander)\" is not a person's id; use letters, digits, dots, dashes and underscores")
        }
        for name in services + tags + runbooks + [policy, check].compactMap({ $0 }) where !IncidentAction.isName(name) {
            throw .badInput(
                "\"\(name)\" is not a service, tag, policy, check or runbook name; use letters, digits, dots, dashes and underscores"
            )
        }
        var data: [String: JSONValue] = [
            "id": .string(id), "title": .string(title), "severity": .string(severity.name),
            "services": .array(services.map(JSONValue.string))
        ]
        if !tags.isEmpty { data["tags"] = .array(tags.map(JSONValue.string)) }
        if let commander { data["commander"] = .string(commander) }
        if let policy { data["policy"] = .string(policy) }
        if let check { data["check"] = .string(check) }
        if let alertGroup { data["alert_group"] = .string(alertGroup) }
        if !runbooks.isEmpty { data["runbooks"] = .array(runbooks.map(JSONValue.string)) }
        if let impactStarted { data[KeyTime.impactStarted.rawValue] = .string(impactStarted.rfc3339) }
        if let detected { data[KeyTime.detected.rawValue] = .string(detected.rfc3339) }
        return .object(data)
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
