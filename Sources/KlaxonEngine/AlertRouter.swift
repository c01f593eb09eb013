import KlaxonCore
import KlaxonStore

/// Follows the store's journal `alerts` (an `AlertBook` kept up to date from its new records) for every
/// responder, and, in the process that holds the engine hold (the one that sends the pages), routes the
/// alert groups to incidents: carries out `AlertRouting.plan` (declarations, `alerts.changed` records,
/// mitigations), then records how far it got (`alerts.routed`), each write proving the hold. A write
/// that fails leaves the rest for the next pass, which decides again from what the journals say: nothing
/// is lost, and nothing is written twice (`AlertRouting`'s `through`).
final class AlertRouter {
    private let store: any JournalStore
    private let journal: any StoredJournal
    /// The alerts as the journal says, through its last record read.
    private(set) var book = AlertBook()
    /// The changes of the records after the router's last `alerts.routed`, in order.
    private var pending: [AlertChange] = []
    /// The routes, compiled; nil when one does not compile (said once, by `problem`).
    private var router: IntakeRouter?
    /// Why nothing is routed (a route's expression does not compile), said once at the start.
    let problem: String?
    private var exists = false
    /// The last problem said: one that lasts is said once, not each second.
    private var said: String?
    /// The open incidents and the book's last record when the groups waiting to attach were last looked
    /// for (and routed): looked for again only when either changed.
    private var lookedForWaiting: (open: [String], through: Int)?
    private let writer: WriterIdentity
    private let clock: @Sendable () -> Timestamp

    /// `routes` are the intake's (`intake.routes` in klaxon.yaml), in order.
    init(
        store: any JournalStore, routes: [IntakeRoute], writer: WriterIdentity,
        clock: @escaping @Sendable () -> Timestamp
    ) {
        self.store = store
        journal = store.journal(ReceivedAlerts.journalName)
        do {
            router = try IntakeRouter(routes)
            problem = nil
        } catch {
            router = nil
            problem = "no alert is routed to an incident: \(error.message); fix klaxon.yaml and restart"
        }
        var routerWriter = writer
        routerWriter.actor = "klaxon"
        self.writer = routerWriter
        self.clock = clock
    }

    /// The routes in use.
    var routes: [IntakeRoute] { router?.routes ?? [] }

    /// Routes by `routes` from now on (klaxon.yaml changed); throws, and keeps the routes in use, when
    /// one does not compile. The changes not routed yet are routed by them, and the groups an `attach`
    /// route left waiting are looked for again.
    func replaceRoutes(_ routes: [IntakeRoute]) throws(KlaxonError) {
        router = try IntakeRouter(routes)
        lookedForWaiting = nil
    }

    /// Records a person's request to put `alertID`'s group on incident `incident` (`alerts.attach`), which
    /// the router carries out as it routes (here, or in the process that sends the pages).
    func requestAttach(_ alertID: String, to incident: String, by writer: WriterIdentity, at time: Timestamp)
        throws(KlaxonError)
    {
        guard let alert = book.alert(alertID) else {
            throw .badInput("there is no alert \(alertID) in what this console read")
        }
        try AlertJournal(store: store).requestAttach(alert, to: incident, by: writer, at: time)
    }

    /// Reads the records appended since the last read; true when there were any. Nothing while the
    /// journal does not exist (no alert received yet).
    func read() throws(KlaxonError) -> Bool {
        if !exists {
            guard store.stamp(of: ReceivedAlerts.journalName) != nil else { return false }
            exists = true
        }
        let records = try journal.readNewRecords()
        for record in records { take(record) }
        return !records.isEmpty
    }

    private func take(_ record: JournalRecord) {
        let changes = book.apply(record)
        if record.type == AlertBook.routedRecordType {
            pending.removeAll { $0.sequence <= book.routedThrough }
        } else {
            pending += changes.filter { $0.sequence > book.routedThrough }
        }
    }

    /// Routes the changes not routed yet onto `open` (the open incidents, read just now), declaring in
    /// `incidents`, every write proving `hold` (the engine's). Returns the incidents written on or
    /// declared, what it did, and the problems met (each said once).
    func route(open: [IncidentJournal], incidents: IncidentStore, hold: any StoreHold) -> (
        changed: [IncidentJournal], routed: [AlertGroupRouted], problems: [String]
    ) {
        guard let router else { return ([], [], []) }
        let openIncidents = open.map { AlertRouting.OpenIncident($0.incident) }
        let looking = (open: openIncidents.map(\.id).sorted(), through: book.lastSequence)
        var changes = pending
        if lookedForWaiting.map({ $0.open != looking.open || $0.through != looking.through }) ?? true {
            // Groups an `attach` route left on no incident, now that one of their service may be open.
            let pendingGroups = Set(pending.map(\.group))
            changes += AlertRouting.waitingToAttach(book: book, router: router, open: openIncidents).filter {
                !pendingGroups.contains($0.group)
            }
        }
        guard !changes.isEmpty else {
            lookedForWaiting = looking
            return ([], [], [])
        }
        let through = book.lastSequence
        let actions = AlertRouting.plan(changes: changes, book: book, router: router, open: openIncidents)
        // Only waiting groups, and nothing to write for them (already noted before a crash): no record,
        // and not looked for again until something changes.
        guard !pending.isEmpty || !actions.isEmpty else {
            lookedForWaiting = looking
            return ([], [], [])
        }
        var changed: [IncidentJournal] = []
        var routed: [AlertGroupRouted] = []
        var sent: [String: String] = [:]
        func journal(_ id: String) -> IncidentJournal? {
            changed.first { $0.id == id } ?? open.first { $0.id == id }
        }
        func write(_ action: IncidentAction, on journal: IncidentJournal) throws(KlaxonError) {
            try journal.perform(action, by: writer, now: clock, proving: hold)
            if !changed.contains(where: { $0 === journal }) { changed.append(journal) }
        }
        do throws(KlaxonError) {
            for action in actions {
                switch action {
                case .declare(let group, let declaration, let links, let note):
                    // Proven with the creation itself: an engine that lost its hold declares nothing.
                    let declared = try incidents.declare(declaration, by: writer, at: clock(), proving: hold)
                    changed.append(declared)
                    sent[group] = declared.id
                    for url in links { try write(.link(url), on: declared) }
                    try write(.alertsChanged(note), on: declared)
                    routed.append(
                        .init(
                            group: group, incident: declared.id, kind: .declared, text: declaration.title, at: clock()))
                case .note(let id, let note):
                    guard let target = journal(id) else { continue }
                    let attached = target.incident.alertGroups[note.group] == nil
                    try write(.alertsChanged(note), on: target)
                    sent[note.group] = id
                    let line = TimelineText.alertsText(note.data)
                    if attached {
                        routed.append(.init(group: note.group, incident: id, kind: .attached, text: line, at: clock()))
                    }
                    if note.allResolved != nil {
                        // What the route does to the incident now (the actions after this note).
                        let closing = actions.lazy.compactMap { action -> IntakeRoute.OnResolve? in
                            switch action {
                            case .mitigate(let target) where target == id: .mitigate
                            case .resolve(let target, _) where target == id: .resolve
                            default: nil
                            }
                        }.first
                        routed.append(
                            .init(
                                group: note.group, incident: id, kind: .resolved, text: line, at: clock(),
                                onResolve: closing ?? .note))
                    }
                case .mitigate(let id):
                    if let target = journal(id) { try write(.mitigate, on: target) }
                case .resolve(let id, let summary):
                    if let target = journal(id) { try write(.resolve(summary: summary), on: target) }
                }
            }
            let progress = try self.journal.append(wait: .brief, proving: hold) { records in
                // The intake's records since the last read: their changes are routed at the next pass.
                for record in records { take(record) }
                return RecordDraft(
                    type: AlertBook.routedRecordType,
                    data: AlertBook.routedDraftData(through: through, incidents: sent), timestamp: clock(),
                    actor: writer.actor, host: writer.host, pid: writer.pid)
            }
            // The book takes `through`, and the pending changes before it go.
            take(progress)
            lookedForWaiting = (open: (open.map(\.id) + changed.map(\.id)).sorted(), through: book.lastSequence)
            said = nil
            return (changed, routed, [])
        } catch {
            let text = "alerts not routed yet (tried again each second): \(error.message)"
            defer { said = text }
            return (changed, routed, error.isUnreachable || said == text ? [] : [text])
        }
    }
}
