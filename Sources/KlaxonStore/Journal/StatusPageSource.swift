import KlaxonCore

/// Reads what the status page is built from out of a workspace's journal store, writing nothing: the
/// platform journal's state changes (the new ones at each call after the first, so that a live page
/// reads only what was appended) and the public side of the open incidents. Not shared between threads.
public final class StatusPageSource {
    let store: any JournalStore
    let incidents: IncidentStore
    private var platform: (any StoredJournal)?
    /// The changes within the page's days, and the last one of each check before them (what it was
    /// when the first day began), in journal order.
    public private(set) var changes: [CheckChange] = []
    /// The pollers' signs (`poller.*` records) within the page's days, and the last one before them.
    public private(set) var signs: [PollerLife.Sign] = []

    public init(workspace: Workspace) throws(KlaxonError) {
        store = try workspace.journalStore
        incidents = try workspace.incidents
    }

    /// Reads the platform journal's records appended since the last call; returns what should be said
    /// (damage: the records after it are not read), or nil. A workspace with no platform journal yet has
    /// no changes.
    public func readChanges(now: Timestamp) throws(KlaxonError) -> String? {
        let journal = platform ?? store.journal(PlatformJournal.name)
        let records: [JournalRecord]
        do { records = try journal.readNewRecords() } catch {
            // None yet (as a missing file): nothing recorded, nothing to say.
            if error.kind == .badInput && journal.isEmpty { return nil }
            throw error
        }
        platform = journal
        changes += records.compactMap(CheckChange.init)
        signs += records.compactMap(PollerLife.Sign.init)
        prune(before: now.adding(seconds: -Int64(StatusPage.days + 2) * 86400))
        return journal.corruption.map {
            "\(journal.path) is damaged at \($0) (klaxon journal verify names the record); the state changes recorded after it are not on the status page"
        }
    }

    /// Keeps the changes since `horizon`, and before it only each check's last; the same of the signs.
    private func prune(before horizon: Timestamp) {
        if let last = signs.lastIndex(where: { $0.at < horizon }), last > 0 { signs.removeFirst(last) }
        guard let first = changes.first, first.at < horizon else { return }
        var lastBefore: [String: Int] = [:]
        for (i, change) in changes.enumerated() where change.at < horizon { lastBefore[change.check] = i }
        let kept = Set(lastBefore.values)
        changes = changes.enumerated().compactMap { i, change in change.at >= horizon || kept.contains(i) ? change : nil
        }
    }

    /// Whether a poller records now: another process holds the store's hold `poller` (asked without
    /// creating its lock file: reading never writes). When none does, what the journal last says is no
    /// longer known to be so.
    public func pollerRunning() throws(KlaxonError) -> Bool {
        try store.hold("poller", creating: false).holder() != nil
    }

    /// Each check's last recorded state and since when: what a page built from the journals alone shows
    /// as its state now while a poller records.
    public var lastStates: [String: CheckStateMachine.Recorded] {
        var states: [String: CheckStateMachine.Recorded] = [:]
        for change in changes { states[change.check] = .init(state: change.to, since: change.at) }
        return states
    }

    /// The open incidents, each read whole (for its public updates), through the index (resolved ones are
    /// not read), writing nothing (not even the index); with the problems met (a journal that cannot be
    /// read is left off the page and named). `ids`: only these (the ones a live engine knows open).
    public func openIncidents(ids: [String]? = nil) throws(KlaxonError) -> (
        incidents: [PublicIncident], problems: [String]
    ) {
        var open: [String] = []
        var problems: [String] = []
        if let ids {
            open = ids
        } else {
            for (id, item) in try incidents.overview(wanted: { _, _ in false }, updatingIndex: false).items {
                switch item {
                case .journal(let journal): if journal.incident.isOpen { open.append(id) }
                case .indexed: break
                case .unreadable(let error):
                    problems.append("\(id) cannot be read: \(error.message); it is not on the status page")
                }
            }
        }
        var result: [PublicIncident] = []
        for id in open {
            do {
                let incident = try incidents.open(id).incident
                if incident.isOpen { result.append(PublicIncident(incident)) }
            } catch {
                if error.isUnreachable { throw error }
                problems.append("\(id) cannot be read: \(error.message); it is not on the status page")
            }
        }
        return (result, problems)
    }
}
