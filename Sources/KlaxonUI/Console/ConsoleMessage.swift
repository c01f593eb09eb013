import KlaxonCore

/// What arrives at the console.
public enum ConsoleMessage: Sendable {
    /// A key on its own, as the tests send them: never typed ahead.
    case key(Key)
    /// The keys of one read from the terminal, in order, and when they were read (a monotonic clock).
    /// Characters in a row go into an open text field in one insert (a 1 MB paste into a note took
    /// minutes one key at a time, each update copying the whole text). Keys that arrive as a dialog
    /// closes are ignored (`ConsoleModel.TypeAhead`).
    case input([Key], at: Timestamp)
    case resize(columns: Int, rows: Int)
    case tick(Timestamp)
    /// An incident as its journal now reads (after a write here, or another responder's).
    case incidentChanged(Incident, readOnly: Bool)
    /// The schedules were read again (each minute, and at start).
    case onCallChanged(OnCallBoard)
    /// `Runbooks/` was read again.
    case runbooksChanged([Runbook])
    /// The checks of `klaxon.yaml` (at start), and each finished poll.
    case checksConfigured([CheckDefinition], unpolled: [UnpolledCheck] = [], problems: [String] = [])
    case checkReported(CheckReport)
    /// The alerts pushed to the intake, as the journal `alerts` now reads.
    case alertsChanged(AlertBook)
    /// Where each check held to an objective stands, by check name (`ResponderEvent.objectivesChanged`).
    case objectivesChanged([String: SLOStatus])
    /// The escalation engine's view of each incident, who sends the pages, and whom one can page.
    case escalationsChanged(
        [String: EscalationEngine.Status], engine: EscalationEngineHolder, pageTargets: [PageTarget])
    /// A declaration this console asked for went through.
    case declared(String)
    /// A `.declare` failed and wrote nothing: the dialog comes back with what was typed.
    case declareFailed(String)
    /// The incidents could not be read for `reason` (a password refused, a privilege missing): what the
    /// dashboard shows of them is not known; nil once they were read.
    case incidentsUnread(String?)
    /// The incident asked for with `.readIncident` was read (or is not there).
    case incidentRead(String)
    case info(String)
    case failure(String)
    /// The review asked for with `.exportReview` was written to `path`; `warnings` say what went wrong
    /// reading the journals.
    case reviewWritten(incidentID: String, path: String, warnings: [String])
    /// The drill's clock, its platform's recovery, and the pages its sink received.
    case drillChanged(DrillStatus)
    /// $EDITOR closed: the note's text, or nil when it was left empty.
    case editorFinished(incidentID: String, text: String?)
    /// An action asked for with `.perform` is on disk: the record's sequence number in the journal, and
    /// its kind (`TimelineText.kind`).
    case saved(incidentID: String, action: IncidentAction, sequence: Int, kind: String)
    /// An action asked for with `.perform` was not recorded (a lock held too long, a full disk, a
    /// journal removed); a note goes back to the drafts.
    /// `mayBeSaved`: the store's answer was lost with the connection (`KlaxonError.Kind.outcomeUnknown`).
    case saveFailed(incidentID: String, action: IncidentAction, reason: String, mayBeSaved: Bool = false)
    /// The journal store could not be reached (its database is down, the network to it cut), first at
    /// `since`: the top bar says so in red until `storeReachable`; what was read stays shown.
    case storeUnreachable(since: Timestamp, reason: String)
    /// A read or write of the store has waited since `since` (a locked table, a stopped server, a hung
    /// file system): shown as an outage is, until `storeReachable`.
    case storeNotAnswering(since: Timestamp)
    /// The store answered again.
    case storeReachable
}
