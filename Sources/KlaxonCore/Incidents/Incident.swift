/// An incident as rebuilt by replaying its journal. Nothing here is stored anywhere else: the
/// journal is the truth, and `IncidentReplay` is the only way to get one of these.
public struct Incident: Sendable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var status: IncidentStatus
    public var services: [String] = []
    /// Role name → person; `commander`, `scribe` and `comms` are the usual ones, any other name is allowed.
    public var roles: [String: String] = [:]
    /// Everyone who wrote to the journal or holds a role, in order of first appearance.
    public private(set) var participants: [String] = []
    var participantSet: Set<String> = []

    /// Counts `record` and, unless this is a summary, keeps it on the timeline.
    mutating func record(_ record: JournalRecord) {
        recordCount += 1
        lastRecordTime = record.timestamp
        // A type this version does not know counts as a person's: never staler than it may be.
        if RecordType(rawValue: record.type)?.isMachine != true { lastPeopleRecordTime = record.timestamp }
        if keepsTimeline { timeline.append(record) }
    }

    /// Adds `name` to the participants unless already there.
    mutating func addParticipant(_ name: String) {
        if participantSet.insert(name).inserted { participants.append(name) }
    }
    /// The times of `KeyTime`, as last recorded or amended.
    public var keyTimes: [KeyTime: Timestamp] = [:]
    public var notes: [Note] = []
    /// The public status updates, in order (kept for summaries too: the status page and the update
    /// cadence need them, and an incident has few).
    public internal(set) var statusUpdates: [StatusUpdate] = []
    public var actionItems: [ActionItem] = []
    public var links: [Link] = []
    public var tags: [String] = []
    /// Runbook steps ticked during the incident: the latest state of each (runbook, step text).
    public var runbookSteps: [RunbookStepTick] = []
    /// What the journal says about paging, in order (kept for summaries too): the escalation engine's input.
    public internal(set) var escalationEvents: [EscalationEvent] = []
    /// What the journal says about sending the status updates and reminding of them, in order (kept for
    /// summaries too): the comms engine's input besides `statusUpdates`.
    public internal(set) var commsEvents: [CommsEvent] = []
    /// The summary given when it was last resolved.
    public var summary: String?
    /// Every record in journal order: the timeline. Empty for a summary (see `keepsTimeline`).
    public var timeline: [JournalRecord] = []
    /// False for a summary: the state of the incident without its records and notes, which is what a
    /// list of many incidents needs (the console keeps full timelines only for the incident on screen).
    public internal(set) var keepsTimeline = true
    /// How many records the journal holds (also for a summary).
    public internal(set) var recordCount = 0
    /// When the last record was written (also for a summary).
    public internal(set) var lastRecordTime = Timestamp(milliseconds: 0)
    /// When the last record a person wrote was written (not the poller's, the router's or an engine's).
    public internal(set) var lastPeopleRecordTime: Timestamp?
    /// Records whose payload this version could not read, and why (they stay on the timeline).
    public var unreadable: [(sequence: Int, reason: String)] = []

    public struct Note: Hashable, Sendable {
        public var sequence: Int
        public var timestamp: Timestamp
        public var author: String
        public var text: String
    }

    /// A `status.update` record: text meant for the people who depend on the platform.
    public struct StatusUpdate: Hashable, Sendable {
        public var sequence: Int
        public var at: Timestamp
        /// Who posted it (never published: the status page and messages leave people's names out).
        public var author: String
        public var phase: IncidentStatus
        public var text: String

        public init(sequence: Int, at: Timestamp, author: String, phase: IncidentStatus, text: String) {
            self.sequence = sequence
            self.at = at
            self.author = author
            self.phase = phase
            self.text = text
        }
    }

    /// The phase a new status update takes unless one is chosen (`IncidentStatus.publicPhase`): the
    /// updates posted before the last reopening no longer count.
    public var nextUpdatePhase: IncidentStatus {
        let reopened = escalationEvents.last { $0.kind == .reopened }?.sequence ?? 0
        return IncidentStatus.publicPhase(
            status: status, said: statusUpdates.last { $0.sequence > reopened }?.phase)
    }

    /// Whether `update`'s last attempt at some destination failed or may not have arrived (as recorded by
    /// the comms engine).
    func missedADestination(_ update: StatusUpdate) -> Bool {
        var arrived: [String: Bool] = [:]
        for event in commsEvents {
            if case .result(update.sequence, let destination, _, let delivered, _) = event.kind {
                arrived[destination] = delivered == true
            }
        }
        return arrived.values.contains(false)
    }

    /// When the last public status update was posted, if one was.
    public var lastStatusUpdateAt: Timestamp? { statusUpdates.last?.at }

    public struct ActionItem: Hashable, Sendable {
        /// 1-based, in the order the items were added.
        public var number: Int
        public var text: String
        public var owner: String?
        public var addedBy: String
        public var isDone: Bool
        public var doneBy: String?
        public var doneAt: Timestamp?
    }

    /// A runbook's task-list step as this incident last recorded it.
    public struct RunbookStepTick: Hashable, Sendable {
        public var runbook: String
        /// 1-based position among the runbook's task items when it was ticked.
        public var step: Int
        /// The step's text: ticks follow the text, so editing the runbook above a step keeps its tick.
        public var text: String
        public var done: Bool
        public var by: String
        public var at: Timestamp

        public init(runbook: String, step: Int, text: String, done: Bool, by: String, at: Timestamp) {
            self.runbook = runbook
            self.step = step
            self.text = text
            self.done = done
            self.by = by
            self.at = at
        }
    }

    /// The recorded state of a runbook step, by its text.
    public func runbookStep(_ runbook: String, text: String) -> RunbookStepTick? {
        runbookSteps.last { $0.runbook == runbook && $0.text == text }
    }

    public struct Link: Hashable, Sendable {
        public enum Kind: String, Sendable { case runbook, url }
        public var kind: Kind
        public var target: String
        public init(kind: Kind, target: String) {
            self.kind = kind
            self.target = target
        }
    }

    /// The role names shown first, in this order; others follow alphabetically.
    public static let standardRoles = ["commander", "scribe", "comms"]

    public var commander: String? { roles["commander"] }
    public var declaredAt: Timestamp { keyTimes[.declared] ?? timeline.first?.timestamp ?? lastRecordTime }
    /// When anything was last written on it (what the index follows).
    public var lastUpdate: Timestamp { recordCount > 0 ? lastRecordTime : declaredAt }
    /// When someone last wrote on it: what "updated 12m ago" and STALE count from (a page attempt or a
    /// check's change is not news from the responders).
    public var lastUpdateByPeople: Timestamp { lastPeopleRecordTime ?? declaredAt }
    public var isOpen: Bool { status.isOpen }

    /// Roles in display order.
    public var orderedRoles: [(role: String, user: String)] {
        let standard = Self.standardRoles.compactMap { role in roles[role].map { (role, $0) } }
        let others = roles.keys.filter { !Self.standardRoles.contains($0) }.sorted().map { ($0, roles[$0]!) }
        return standard + others
    }

    /// Key times that come before one that should precede them (e.g. mitigated before impact started).
    /// Such times are kept as recorded; these warnings say which look wrong.
    public var timeOrderWarnings: [String] {
        var warnings: [String] = []
        let recorded = KeyTime.allCases.compactMap { key in keyTimes[key].map { (key, $0) } }
        for (i, (laterKey, laterTime)) in recorded.enumerated() {
            // One warning per time: the first key time it should follow but precedes.
            let violated = recorded[..<i].first { earlierKey, earlierTime in
                // Acknowledging a page before the incident was declared is normal.
                laterTime < earlierTime && !(laterKey == .acknowledged && earlierKey == .declared)
            }
            if let (earlierKey, earlierTime) = violated {
                warnings.append(
                    "\(laterKey.label) (\(laterTime.rfc3339)) is before \(earlierKey.label) (\(earlierTime.rfc3339))")
            }
        }
        return warnings
    }

    /// Whether a policy or a direct page started since the last stop or resolution.
    public var hasEscalationToStop: Bool {
        for event in escalationEvents.reversed() {
            switch event.kind {
            case .started, .pageRequested: return true
            case .stopped, .resolved: return false
            default: continue
            }
        }
        return false
    }

    /// The latest acknowledgement since paging last started (a policy or a direct page) or the incident was
    /// reopened; nil when nobody acknowledged since.
    public var acknowledgementSincePaging: EscalationEvent? {
        var ack: EscalationEvent?
        for event in escalationEvents {
            switch event.kind {
            case .acknowledged: ack = event
            case .started, .pageRequested, .reopened: ack = nil
            default: break
            }
        }
        return ack
    }

    /// The latest event after record `sequence` that changes what the escalation engine decides: an
    /// acknowledgement, a stop, a resolution, a policy started, a person paged or an escalation moved on now.
    public func escalationChange(after sequence: Int) -> EscalationEvent? {
        escalationEvents.last { event in
            guard event.sequence > sequence else { return false }
            switch event.kind {
            case .acknowledged, .stopped, .resolved, .started, .pageRequested, .advanced: return true
            default: return false
            }
        }
    }

    /// The drill scenario the incident belongs to: it is a rehearsal, not a real incident.
    public internal(set) var drill: String?

    /// The status check that declared the incident, if one did.
    public internal(set) var declaringCheck: String?

    /// The alert group the incident was declared for (`incident.declared`'s `alert_group`), if one was.
    public internal(set) var declaringAlertGroup: String?

    /// The alert groups on the incident's timeline (the one it was declared for, and those its
    /// `alerts.changed` records carry), as the alert router last wrote them: a restarted or another
    /// engine goes on from there and never writes a change twice.
    public internal(set) var alertGroups: [String: AlertGroupMark] = [:]

    /// What an incident's timeline says of one alert group (`alertGroups`).
    public struct AlertGroupMark: Hashable, Sendable {
        /// The last record of the journal `alerts` whose changes of the group are on the timeline (0: none yet).
        public var through: Int
        /// The lowest alert number of the group on the timeline (0: none yet): the group's alerts from it
        /// on are this incident's.
        public var firstAlert: Int
        /// When a repeat or a new alert of the group was last noted (repeats are noted at most every 30
        /// minutes after either).
        public var repeatsNotedAt: Timestamp?
        /// Whether the last record of the group said all its alerts resolved.
        public var allResolved: Bool

        public init(through: Int = 0, firstAlert: Int = 0, repeatsNotedAt: Timestamp? = nil, allResolved: Bool = false)
        {
            self.through = through
            self.firstAlert = firstAlert
            self.repeatsNotedAt = repeatsNotedAt
            self.allResolved = allResolved
        }
    }

    /// How long it has run: to `now` while open, to the resolution when resolved.
    public func runningSeconds(now: Timestamp) -> Int64 {
        let end = status == .resolved ? (keyTimes[.resolved] ?? now) : now
        return max(0, declaredAt.seconds(until: end))
    }
}
