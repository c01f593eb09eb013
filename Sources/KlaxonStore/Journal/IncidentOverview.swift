import Dispatch
import KlaxonCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every incident of a store, read as cheaply as its index allows (`IncidentStore.overview`):
/// the journals of open incidents, and of any the index does not cover, read; the resolved incidents
/// the index covers left unread, with their summaries taken from the index where asked for.
public struct IncidentOverview {
    public enum Item {
        /// Read from its journal (a summary, without records): open, or not covered by the index.
        case journal(IncidentJournal)
        /// A resolved incident whose journal is unchanged since the index took its summary; not read.
        case indexed(IndexedIncident)
        /// A journal that could not be read, and why.
        case unreadable(KlaxonError)
    }

    /// Every journal, in order of the incidents' numbers.
    public var items: [(id: String, item: Item)] = []
}

/// A resolved incident as the index holds it; its journal was only `stat`ed.
public struct IndexedIncident {
    /// Its summary, when the overview's `wanted` asked for it (nil otherwise: never decoded).
    public var summary: Incident? { decoded?.incident }
    /// The journal's stamp when the index was written: a later `IncidentStore.stamp(of:)` that differs
    /// means the journal changed (an append from another process, a replacement, a removal).
    public let stamp: JournalStamp
    /// In a box, and only when wanted: an overview holds thousands, and a summary is large.
    let decoded: DecodedSummary?
    let store: any JournalStore
    let id: String
    let mode: mode_t

    final class DecodedSummary {
        let incident: Incident
        init(_ incident: Incident) { self.incident = incident }
    }

    public var path: String { store.journal(id).path }
    /// Whether this process cannot write the journal (permissions, a read-only file system); the index
    /// only covers journals without damage, so this is all `IncidentJournal.isReadOnly` would say.
    public var isReadOnly: Bool { !store.journal(id).canWrite }
    /// The journal's mode warnings, as reading it would give.
    public var warnings: [String] { mode & S_IWOTH == 0 ? [] : IncidentStore.modeWarnings(path: path, mode: mode) }
}

extension IncidentStore {
    /// The incidents, read through the store's index (`IncidentIndex`, in `indexDirectory`). Every
    /// journal's stamp is listed (`incidentJournals()`); one whose stamp matches its index entry is not read, and its summary is decoded only when `wanted`
    /// says yes to its declared and last-update times. The others (open incidents, journals changed
    /// since, new, damaged, or all of them when the index is missing or damaged) are read as summaries,
    /// on every core. With `updatingIndex`, the index is written again when it missed a resolved
    /// incident or names a journal that changed or is gone, if the directory can be written: atomically,
    /// never under a journal's lock, and a failure to write it is never an error (it is a cache).
    public func overview(wanted: (_ declared: Timestamp, _ lastUpdate: Timestamp) -> Bool, updatingIndex: Bool)
        throws(KlaxonError) -> IncidentOverview
    {
        let indexDirectory = journals.indexDirectory
        // The index is read on another core while the journals are listed: each costs what the archive
        // holds (thousands of lines to parse; a directory entry and a `stat` per journal).
        let (listing, index) = Self.listing(journals, beside: indexDirectory)
        let listed = try listing.get()
        guard !listed.isEmpty else { return IncidentOverview() }
        let entries = index?.entries ?? []
        // By position in `listed`, the position of its entry in the index's, or -1 for a journal to read:
        // arrays, not dictionaries (thousands of lookups). Both the listing and the index's entries are in
        // order of the numbers, so they are walked side by side.
        var kept = [Int](repeating: -1, count: listed.count)
        var keptCount = 0
        var decoded = [IndexedIncident.DecodedSummary?](repeating: nil, count: listed.count)
        var toRead: [Int] = []
        var e = 0
        for (i, journal) in listed.enumerated() {
            while e < entries.count && entries[e].number < journal.number { e += 1 }
            guard let stamp = journal.stamp, e < entries.count, entries[e].number == journal.number,
                entries[e].stamp == stamp
            else {
                toRead.append(i)
                continue
            }
            if wanted(entries[e].declaredAt, entries[e].lastUpdate) {
                // A summary that does not check or decode is the index's fault: the journal is read instead.
                guard let incident = try? entries[e].incident() else {
                    toRead.append(i)
                    continue
                }
                decoded[i] = IndexedIncident.DecodedSummary(incident)
            }
            kept[i] = e
            keptCount += 1
        }
        var read = readSummaries(toRead.map { IncidentID.make(listed[$0].number) })[...]
        // The resolved journals just read, for the index; the entries kept are added only when it is
        // written (most starts find nothing changed, and write nothing).
        let next = IncidentIndex()
        var overview = IncidentOverview()
        overview.items.reserveCapacity(listed.count)
        for (i, journal) in listed.enumerated() {
            let id = IncidentID.make(journal.number)
            guard kept[i] < 0 else {
                let item = IndexedIncident(
                    stamp: entries[kept[i]].stamp, decoded: decoded[i], store: journals, id: id, mode: journal.mode)
                overview.items.append((id, .indexed(item)))
                continue
            }
            switch read.removeFirst() {
            case .success(let journal):
                next.add(journal)
                overview.items.append((id, .journal(journal)))
            case .failure(let error):
                overview.items.append((id, .unreadable(error)))
            }
        }
        // A database's index directory (a cache on this machine) is made when first written.
        if updatingIndex, let indexDirectory, access(indexDirectory, W_OK) == 0 || errno == ENOENT {
            let indexExists = access(indexDirectory + "/" + IncidentIndex.fileName, F_OK) == 0
            let changed = !next.entries.isEmpty || keptCount != entries.count || (index == nil && indexExists)
            if changed {
                for e in kept where e >= 0 { next.keep(entries[e]) }
                next.write(directory: indexDirectory)
            }
        }
        withExtendedLifetime(index) {}  // `next` keeps lines that live in its mapping
        return overview
    }

    /// The summaries the index holds of the resolved incidents last updated at or after `since` that
    /// an overview left unread: what a screen that shows a longer past asks for later. `unchanged` says,
    /// for an incident number and the stamp its entry was made from, whether that is the stamp the
    /// overview found (nil: not one it left unread). One whose stamp differs, or whose summary is
    /// damaged, is in `changed`: its journal is to be read. One the index no longer holds is left out
    /// (nothing says it is in the window; its journal is read when it changes).
    public func indexedSummaries(
        updatedSince since: Timestamp, unchanged: (_ number: Int, _ stamp: JournalStamp) -> Bool?
    ) -> (summaries: [IndexedIncident], changed: [String]) {
        guard let index = journals.indexDirectory.flatMap(IncidentIndex.read(directory:)) else { return ([], []) }
        var summaries: [IndexedIncident] = []
        var changed: [String] = []
        for entry in index.entries {
            guard entry.lastUpdate >= since, let same = unchanged(entry.number, entry.stamp) else { continue }
            guard same, let incident = try? entry.incident() else {
                changed.append(entry.id)
                continue
            }
            summaries.append(
                IndexedIncident(stamp: entry.stamp, decoded: .init(incident), store: journals, id: entry.id, mode: 0))
        }
        return (summaries, changed)
    }

    /// `store.incidentJournals()`, and the index in `indexDirectory` read at the same time on another
    /// thread. Not the two as one `concurrentPerform`: the listing's own, nested in it, ran on one thread.
    private static func listing(_ store: any JournalStore, beside indexDirectory: String?) -> (
        Result<[ListedJournal], KlaxonError>, IncidentIndex?
    ) {
        let read = ReadIndex()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            read.index = indexDirectory.flatMap(IncidentIndex.read(directory:))
        }
        let listing = Result { () throws(KlaxonError) in try store.incidentJournals() }
        group.wait()
        return (listing, read.index)
    }

    /// The index as the other thread of `listing` read it: set there, read once it is done.
    private final class ReadIndex: @unchecked Sendable {
        var index: IncidentIndex?
    }

    /// The journal's stamp now (nil when it is gone): compared with `IndexedIncident.stamp`.
    public func stamp(of id: String) -> JournalStamp? { journals.stamp(of: id) }

    /// The summaries of `ids`' journals, read on every core when there are many.
    private func readSummaries(_ ids: [String]) -> [Result<IncidentJournal, KlaxonError>] {
        let slots = Slots(count: ids.count)
        let store = self
        if ids.count < 8 {
            for i in ids.indices { slots.set(i, store.readSummary(ids[i])) }
        } else {
            DispatchQueue.concurrentPerform(iterations: ids.count) { i in slots.set(i, store.readSummary(ids[i])) }
        }
        return slots.take()
    }

    private func readSummary(_ id: String) -> Result<IncidentJournal, KlaxonError> {
        Result { () throws(KlaxonError) in try open(id, keepingTimeline: false) }
    }
}

/// Journals read on several threads, collected by position: each slot is written by one iteration
/// only, and read once `concurrentPerform` has returned. Not a `Mutex`: a journal (not `Sendable`) made
/// on one thread and handed to the caller's is a transfer the compiler's region analysis does not see
/// through `Mutex.withLock` (Swift 6.3: "'inout sending' parameter cannot be task-isolated").
private final class Slots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result<IncidentJournal, KlaxonError>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func set(_ index: Int, _ result: Result<IncidentJournal, KlaxonError>) { slots[index] = result }

    func take() -> [Result<IncidentJournal, KlaxonError>] { slots.map { $0! } }
}
