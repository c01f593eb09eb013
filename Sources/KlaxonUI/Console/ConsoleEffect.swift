import KlaxonCore

/// What the console asks the runtime to do; plain data, so tests compare them.
public enum ConsoleEffect: Equatable, Sendable {
    case perform(IncidentAction, incidentID: String)
    case declare(Declaration)
    /// Declare, then put `alert`'s group on the incident declared (the alerts screen's `d`).
    case declareForAlert(Declaration, alert: String)
    case openEditor(incidentID: String, initialText: String)
    /// Write the incident's review as markdown into `reviews/` and say where.
    case exportReview(incidentID: String)
    /// Read incident `id`, which the console does not hold (resolved before the dashboard's 7 days),
    /// then tell with `.incidentRead`.
    case readIncident(id: String)
    /// Put `user` on call in `schedule` from `from` to `to`, replacing whoever is on call: an override
    /// appended to `Escalation/overrides.yaml` exactly as `klaxon oncall override` appends it (the on-call
    /// screen's "take the pager").
    case takePager(schedule: String, user: String, from: Timestamp, to: Timestamp)
    /// Ring the terminal's bell and, where the terminal raises them and `notify` is `.desktop`, a desktop
    /// notification (`ConsoleNotice.notices`).
    case notify(ConsoleNotice)
    case redraw
    case quit

    /// Whether it writes on a journal (refused while the store does not answer).
    var writes: Bool {
        switch self {
        case .perform, .declare, .declareForAlert: true
        default: false
        }
    }
}
