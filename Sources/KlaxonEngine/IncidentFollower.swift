import KlaxonCore
import KlaxonStore

/// The workspace's incidents as the responder follows them: the open ones' journals (summaries; the
/// records only for the one a screen shows in full), and, when asked, the summaries of the resolved
/// ones updated recently (the console's dashboard and reports screen). Resolved incidents the index
/// covers are left unread, with their journals' stamps, until their journals change: the cost of
/// following grows with the open and recent incidents, not with the archive.
final class IncidentFollower {
    let store: IncidentStore
    /// Resolved incidents updated within this many seconds are followed as summaries; nil for none.
    let recentSeconds: Int64?
    /// A read-only responder writes nothing, the index included.
    let updatingIndex: Bool
    /// Told what each read found: whether the store answered.
    let reachability: StoreReachability
    private(set) var byID: [String: IncidentJournal] = [:]
    /// Resolved incidents left unread, by number, with their journals' stamps (as `fingerprint`s: a
    /// console of 10,000 incidents holds 10,000): one whose stamp changes (another process wrote to it,
    /// replaced or removed it) is read then.
    private var indexed: [Int: Int] = [:]
    /// Why the start's read of the incidents failed, as last said (`incidentsUnread`).
    private var saidUnread: String?

    init(store: IncidentStore, recentSeconds: Int64?, updatingIndex: Bool, reachability: StoreReachability) {
        self.store = store
        self.reachability = reachability
        self.recentSeconds = recentSeconds
        self.updatingIndex = updatingIndex
    }

    /// The open incidents, by id.
    var open: [IncidentJournal] { byID.values.filter(\.incident.isOpen).sorted { $0.id < $1.id } }

    /// Follows `journal` (one this process declared).
    func add(_ journal: IncidentJournal) {
        indexed[Self.number(journal.id)] = nil
        byID[journal.id] = journal
    }

    /// Reads the journals that appeared since the last call; the first time, the workspace's incidents
    /// through the index (`IncidentStore.overview`), tried again while that fails.
    func readNew(now: Timestamp) -> [ResponderEvent] {
        guard !byID.isEmpty || !indexed.isEmpty else { return readOverview(now: now) }
        let ids: [String]
        do {
            ids = try store.ids()
            reachability.note(nil)
        } catch {
            reachability.note(error)
            return []
        }
        var events: [ResponderEvent] = []
        for id in ids where byID[id] == nil && indexed[Self.number(id)] == nil {
            events += load(id)
        }
        return events
    }

    private func readOverview(now: Timestamp) -> [ResponderEvent] {
        let since = recentSeconds.map { now.adding(seconds: -$0) }
        let overview: IncidentOverview
        do {
            overview = try store.overview(
                wanted: { _, updated in since.map { updated >= $0 } ?? false },
                updatingIndex: updatingIndex)
            reachability.note(nil)
        } catch {
            reachability.note(error)
            // An outage is said as the store's; a refusal leaves the incidents not known, said once.
            guard !error.isUnreachable, saidUnread != error.message else { return [] }
            saidUnread = error.message
            return [.incidentsUnread(error.message)]
        }
        var events: [ResponderEvent] = saidUnread == nil ? [] : [.incidentsUnread(nil)]
        saidUnread = nil
        indexed.reserveCapacity(overview.items.count)  // thousands: grown once, not rehashed on the way
        for (id, item) in overview.items {
            switch item {
            case .journal(let journal):
                byID[id] = journal
                events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
                if let warning = journal.warnings.last { events.append(.journalProblem(warning)) }
            case .indexed(let resolved):
                indexed[Self.number(id)] = Self.fingerprint(resolved.stamp)
                if let summary = resolved.summary {
                    events.append(.incidentChanged(summary, readOnly: resolved.isReadOnly))
                }
                if let warning = resolved.warnings.last { events.append(.journalProblem(warning)) }
            case .unreadable(let error):
                reachability.note(error)
                if !error.isUnreachable { events.append(.journalProblem("\(id) cannot be read: \(error.message)")) }
            }
        }
        return events
    }

    /// The summaries of the resolved incidents left unread that were updated at or after `since`
    /// (a screen that shows a longer past than the start read, the reports screen's 90 days), from the
    /// index; a journal that changed since the index took it is read.
    func readResolved(updatedSince since: Timestamp) -> [ResponderEvent] {
        guard !indexed.isEmpty else { return [] }
        let (summaries, changed) = store.indexedSummaries(updatedSince: since) { number, stamp in
            indexed[number].map { $0 == Self.fingerprint(stamp) }
        }
        var events: [ResponderEvent] = []
        for resolved in summaries {
            if let summary = resolved.summary {
                events.append(.incidentChanged(summary, readOnly: resolved.isReadOnly))
            }
        }
        for id in changed { events += load(id) }
        return events
    }

    /// Reads `id`'s journal (a summary; see `readFully`).
    private func load(_ id: String) -> [ResponderEvent] {
        indexed[Self.number(id)] = nil
        do {
            let journal = try store.open(id, keepingTimeline: false)
            reachability.note(nil)
            byID[id] = journal
            var events: [ResponderEvent] = [.incidentChanged(journal.incident, readOnly: journal.isReadOnly)]
            if let warning = journal.warnings.last { events.append(.journalProblem(warning)) }
            return events
        } catch {
            reachability.note(error)
            // An outage is said once, as the store's (`StoreReachability`), not once per journal.
            return error.isUnreachable ? [] : [.journalProblem("\(id) cannot be read: \(error.message)")]
        }
    }

    /// Reads what was appended to `id`'s journal; a resolved incident left unread is read once its
    /// journal changed, a new one now.
    func refresh(_ id: String) -> [ResponderEvent] {
        guard let journal = byID[id] else {
            // A notification is a hint (any role that may connect to a database may send one): a journal
            // that is not there is nothing to read, nor to say.
            guard let stamp = store.stamp(of: id) else { return [] }
            if indexed[Self.number(id)] == Self.fingerprint(stamp) { return [] }
            return load(id)
        }
        do {
            let read = try journal.refresh()
            reachability.note(nil)
            return read > 0 ? [.incidentChanged(journal.incident, readOnly: journal.isReadOnly)] : []
        } catch {
            reachability.note(error)
            return error.isUnreachable ? [] : [.journalProblem("\(id): \(error.message)")]
        }
    }

    /// The fallback for file systems that do not report other hosts' writes: the open incidents
    /// (each second), or all of them, the unread resolved ones included (`everything`, now and then:
    /// a resolved incident may be reopened elsewhere).
    /// Everything is compared through one listing of the store (`incidentJournals`: a `stat` each, or
    /// one query), not a request per journal.
    func update(everything: Bool) -> [ResponderEvent] {
        var events: [ResponderEvent] = []
        guard everything else {
            for (id, journal) in byID where journal.incident.isOpen && journal.file.hasUnreadBytes {
                events += refresh(id)
            }
            return events
        }
        guard let listed = try? store.journals.incidentJournals() else { return events }
        var gone = Set(indexed.keys)
        for journal in listed {
            let id = IncidentID.make(journal.number)
            gone.remove(journal.number)
            if let followed = byID[id] {
                // A stamp that differs from what was read is asked about (a torn tail or damage has none).
                if journal.stamp != followed.file.changeStamp && followed.file.hasUnreadBytes { events += refresh(id) }
            } else if let fingerprint = indexed[journal.number], journal.stamp.map(Self.fingerprint) != fingerprint {
                events += load(id)
            }
        }
        // A journal the index covered that is gone now is said to be unreadable.
        for number in gone.sorted() { events += load(IncidentID.make(number)) }
        return events
    }

    /// Replaces the summary of `id` by its full journal, records and all (for the incident a screen
    /// shows); nothing when it is read fully already.
    func readFully(_ id: String) -> [ResponderEvent] {
        guard byID[id].map({ !$0.incident.keepsTimeline }) ?? (indexed[Self.number(id)] != nil) else { return [] }
        do {
            let full = try store.open(id)
            reachability.note(nil)
            add(full)
            return [.incidentChanged(full.incident, readOnly: full.isReadOnly)]
        } catch {
            reachability.note(error)
            return [.journalProblem("\(id) cannot be read: \(error.message)")]
        }
    }

    /// The number of `id` (-1 for none: never a key of `indexed`).
    private static func number(_ id: String) -> Int { IncidentID.number(of: id) ?? -1 }

    /// 64 bits of `stamp` (this process's `Hasher`): equal stamps give equal fingerprints, and two
    /// stamps that differ the same one with a chance of 2^-64.
    private static func fingerprint(_ stamp: JournalStamp) -> Int { stamp.hashValue }
}
