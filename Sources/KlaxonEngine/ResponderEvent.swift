import KlaxonCore

/// What happened during one of a `Responder`'s calls, as a value: the console turns each into a
/// `ConsoleMessage`, `klaxon watch` prints what it prints of them.
public enum ResponderEvent: Sendable {
    /// An incident was read, changed (by this process or any other) or declared: its state as replayed.
    case incidentChanged(Incident, readOnly: Bool)
    /// `declare` opened this incident (its `incidentChanged` comes first).
    case declared(String)
    /// `declare` failed, nothing was written: why.
    case declareFailed(String)
    /// The start's read of the incidents failed for a reason other than an outage (a password refused,
    /// a privilege missing): what is shown of them is not known; nil once a read succeeded.
    case incidentsUnread(String?)
    /// A report of the poller. A state change it carries (and a declaration it owes) is recorded
    /// before the event is returned: recorded first, then shown.
    case checkReported(CheckReport)
    /// A page's delivery ended, sent or failed; its outcome is recorded on the incident's timeline
    /// (or a `problem` says why not).
    case pageFinished(DeliveryAttempt, PageOutcome)
    /// After each escalation pass: each incident's escalation state, who sends the pages, and what may
    /// be paged (a policy or a person).
    case escalationsChanged([String: EscalationEngine.Status], engine: EngineHolder, pageTargets: [PageTarget])
    /// Who is on call now and next (at start, each minute and when `Escalation/` changes).
    case onCallChanged(OnCallBoard)
    /// `Runbooks/` changed (and at start): the caller reads them, with its markdown parser.
    case runbooksChanged
    /// A save asked for with `perform` is on the journal.
    case saved(incidentID: String, action: IncidentAction, record: JournalRecord)
    /// A save asked for with `perform` failed; nothing of it was written.
    case saveFailed(incidentID: String, action: IncidentAction, error: KlaxonError)
    /// A save waits for a journal's lock: who holds it.
    case saveWaiting(incidentID: String, text: String)
    /// The drill's progress (each second of a drill).
    case drillChanged(DrillStatus)
    /// A new second began (the once-a-second work ran): the caller's clock.
    case tick(Timestamp)
    /// At the start: another process (`holder`, as it named itself) records the checks' state changes;
    /// this one shows them, and takes
    /// the recording over once that one stops (`tookOverRecording`).
    case recordsElsewhere(holder: String)
    /// This process records the checks' state changes from now on: the process that did has stopped.
    case tookOverRecording
    /// This process no longer records the checks' state changes: its hold was lost (the store restarted,
    /// its connection was cut) and another process may record them now; it takes the recording over
    /// again once it is free (`tookOverRecording`).
    case lostRecording
    /// This process sends the workspace's pages from now on.
    case becameEngine
    /// The journal `alerts` changed (new alerts received, or the router's progress): the alerts as it
    /// says now (for the Alerts screen and `klaxon watch`).
    case alertsChanged(AlertBook)
    /// The alert router (in the process that sends the pages) declared an incident for an alert group,
    /// attached one to an incident, or wrote that all its alerts resolved.
    case alertGroupRouted(AlertGroupRouted)
    /// klaxon.yaml changed and its `intake.routes` are routed by from now on.
    case alertRoutesReloaded([IntakeRoute])
    /// Where each check held to an objective stands, by check name (when a figure changed, and each
    /// minute): from this process's outcomes while it records, from the store's otherwise.
    case objectivesChanged([String: SLOStatus])
    /// Something that failed and what to do, said once.
    case problem(String)
    /// A journal that cannot be read, or was repaired, as found while following the incidents.
    case journalProblem(String)
    /// The journal store could not be reached (`KlaxonError.isUnreachable`: its database is down or
    /// the network to it is cut), first found at `since`; said once per outage. Until `storeReachable`,
    /// nothing is written (the loop's own writes wait, saves fail) and what was read stays as it was.
    case storeUnreachable(since: Timestamp, reason: String)
    /// The store answered again after the outage that began at `unreachableSince`.
    case storeReachable(unreachableSince: Timestamp)
}

/// What the alert router did with one alert group (`ResponderEvent.alertGroupRouted`).
public struct AlertGroupRouted: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case declared, attached, resolved
    }
    public var group: String
    public var incident: String
    public var kind: Kind
    /// The incident's title (declared), else the line its timeline shows.
    public var text: String
    /// When it was written.
    public var at: Timestamp
    /// For `resolved`: what became of the incident (the route's `on_resolve`): left open (`note`),
    /// marked mitigated, or resolved.
    public var onResolve: IntakeRoute.OnResolve = .note
}

/// Which process sends a workspace's pages.
public enum EngineHolder: Equatable, Sendable {
    case thisProcess
    /// Another process, as its lock file names it.
    case other(String)
    case nobody
}
