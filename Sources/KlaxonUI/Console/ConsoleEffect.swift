import KlaxonCore

/// What the console asks the runtime to do; plain data, so tests compare them.
public enum ConsoleEffect: Equatable, Sendable {
    case perform(IncidentAction, incidentID: String)
    case declare(Declaration)
    case openEditor(incidentID: String, initialText: String)
    /// Write the incident's review as markdown into `reviews/` and say where.
    case exportReview(incidentID: String)
    case redraw
    case quit
}
