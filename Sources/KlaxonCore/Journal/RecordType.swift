/// The record types of an incident journal (docs/journal-format.md lists each payload).
/// A record whose type is not here is kept and shown as it is, never dropped.
public enum RecordType: String, CaseIterable, Sendable {
    case declared = "incident.declared"
    case note
    /// A public status update (text and phase) for the people who depend on the platform: what status
    /// messages and the status page carry. Unlike a note it is meant to leave the responders.
    case statusUpdate = "status.update"
    case statusChanged = "status.changed"
    case severityChanged = "severity.changed"
    case roleAssigned = "role.assigned"
    case acknowledged
    case mitigated
    case resolved
    case reopened
    case timeAmended = "time.amended"
    case actionItemAdded = "action.added"
    case actionItemDone = "action.done"
    case linkAdded = "link.added"
    case tagAdded = "tag.added"
    case runbookStep = "runbook.step"
    /// A status check changed state (on the platform journal, and on open incidents of its service).
    case checkChanged = "check.changed"
    /// The platform journal: a poller began recording (a start, or a takeover of the recording).
    case pollerStarted = "poller.started"
    /// The platform journal: the recording poller is still polling (every `PollerLife.beatSeconds`
    /// without another record), so that a poller that died unseen is known to until its last beat.
    case pollerAlive = "poller.alive"
    /// The platform journal: the recording poller stopped (a clean exit).
    case pollerStopped = "poller.stopped"
    /// Alerts of an alert group routed to the incident fired, repeated, were acknowledged or resolved
    /// (the alert router writes it, from the journal `alerts`).
    case alertsChanged = "alerts.changed"
    /// A policy started paging (also carried by `incident.declared` as `policy`).
    case escalationStarted = "escalation.started"
    /// One person paged directly.
    case pageRequested = "page.requested"
    /// Someone stopped the incident's escalations.
    case escalationStopped = "escalation.stopped"
    /// Someone moved the running policy on to its next step now, without waiting for the step to end.
    case escalationAdvanced = "escalation.advanced"
    /// The engine: a step began.
    case escalationStep = "escalation.step"
    /// The engine: an attempt to deliver a page is being sent.
    case pageAttempt = "page.attempt"
    /// The engine: how that attempt went.
    case pageResult = "page.result"
    /// The engine: a policy ran out of steps with nobody acknowledging.
    case escalationExhausted = "escalation.exhausted"
    /// The comms engine: a status update is being sent to a destination (`comms: destinations`).
    case updateAttempt = "update.attempt"
    /// The comms engine: how that attempt went.
    case updateResult = "update.result"
    /// The comms engine: an overdue status update is being reminded of (or nobody could be).
    case updateReminded = "update.reminded"
    /// The comms engine: how the reminder's delivery went.
    case reminderResult = "reminder.result"

    /// Whether Klaxon writes it by itself (the poller, the alert router, the escalation and comms
    /// engines), not a person: such records do not make an incident less stale.
    public var isMachine: Bool {
        switch self {
        case .checkChanged, .pollerStarted, .pollerAlive, .pollerStopped, .alertsChanged, .escalationStep,
            .pageAttempt, .pageResult, .escalationExhausted, .updateAttempt, .updateResult, .updateReminded,
            .reminderResult:
            true
        default: false
        }
    }
}
