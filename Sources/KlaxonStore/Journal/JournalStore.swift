import KlaxonCore

/// Where a workspace's journals live: the incidents' journals (named by their ids, `INC-12`) and the
/// platform journal (named `platform`), with the locks that let one process send the pages and one
/// record the checks' changes. Everything that reads or writes journals goes through this, so the
/// files (`FileJournalStore`, the default) and a database can stand behind the same code.
///
/// What every store promises (`JournalStoreContractTests` checks each on every implementation):
/// - **Contiguous sequence numbers, one chain.** A journal's records are numbered 1, 2, 3… without gap,
///   each linking to the hash of the one before, however many writers, threads or processes, append at
///   once (`StoredJournal.append`).
/// - **Nothing acknowledged is lost.** An append that returned is durable: a journal opened afterwards
///   (by another process, after a crash) reads it back.
/// - **Torn writes are contained.** A write cut short leaves at most a torn tail, which readers ignore
///   and report (`StoredJournal.tornTail`) and the next append sets aside before it writes. (A database
///   row is whole or absent: there a killed writer leaves nothing, and `tornTail` is always nil.)
/// - **A copy is exact.** A journal created from another's records (`create(_:records:)`) reads back
///   the same records, all or none of them, as the very lines they were first written as.
/// - **Damage is named.** A record changed, removed or reordered after it was written stops the reading
///   there: the records before it are returned, `StoredJournal.corruption` names the record, and
///   nothing more is appended.
/// - **Changes are noticed within a second.** `follow()` tells of another process's append.
/// - **One holder at a time.** A named hold (`hold(_:)`) is had by one holder at a time, and is free
///   again when its holder closes it or dies (so another takes over).
public protocol JournalStore: Sendable {
    /// Where the journals are, for messages (a directory, a database).
    var location: String { get }

    /// The journals the store holds: the incidents' ids in order of their numbers, then `platform` and
    /// `alerts` (`NamedJournals`) if they exist.
    func journalNames() throws(KlaxonError) -> [String]

    /// The journal `name`. Nothing is read yet: the first `readNewRecords()` reads it, and fails when
    /// it does not exist.
    func journal(_ name: String) -> any StoredJournal

    /// Creates journal `name` holding `firstRecord` (sequence 1) only, durably; a journal never exists
    /// without its first record. Nil when `name` exists (so two writers can never both create it). The
    /// journal returned has read nothing yet: its first read gives the first record.
    func create(_ name: String, firstRecord: RecordDraft) throws(KlaxonError) -> (any StoredJournal)?

    /// `create(_:firstRecord:)` only while this process holds `hold` (the engine's, for an incident it
    /// declares), proven with the write itself as `StoredJournal.append(wait:proving:_:)` proves it:
    /// refused, nothing created, when it does not hold it.
    func create(_ name: String, firstRecord: RecordDraft, proving hold: any StoreHold) throws(KlaxonError)
        -> (any StoredJournal)?

    /// Creates journal `name` holding exactly `records`, a copy of another store's journal (`klaxon
    /// journal import` and `export`): all of them or nothing, durably, so no reader ever sees a part.
    /// Each record is stored as the very line it was first written as (`JournalCodec.lines(copying:)`),
    /// timestamps, actors, hosts and pids kept; records that are not a whole chain from 1, or whose line
    /// cannot be written again byte for byte, are refused (naming the first such record) and nothing is
    /// created. Nil when `name` exists.
    func create(_ name: String, records: [JournalRecord]) throws(KlaxonError) -> (any StoredJournal)?

    /// A stamp of journal `name` as it is now, nil when there is none: equal stamps mean the same
    /// records (what the index compares).
    func stamp(of name: String) -> JournalStamp?

    /// The incidents' journals as they are now, in order of their numbers, each with its stamp: what an
    /// overview compares with its index, in as few reads as the store allows (a directory listing and a
    /// `stat` each for files; one query for a database), never one request per journal.
    func incidentJournals() throws(KlaxonError) -> [ListedJournal]

    /// The directory of this store's index (`IncidentIndex`, a cache of resolved incidents' summaries
    /// by their journals' stamps), nil for none: the journals directory for files, a cache directory of
    /// this machine for a database.
    var indexDirectory: String? { get }

    /// Starts following the store: its follower is told of every journal appended to or created from now.
    func follow() throws(KlaxonError) -> any JournalFollower

    /// The named exclusive hold `name` (`engine`: the process that sends pages; `poller`: the one that
    /// records the checks' changes). With `creating` false (a process that only asks who holds it)
    /// the store is not changed.
    func hold(_ name: String, creating: Bool) throws(KlaxonError) -> any StoreHold

    /// The checks' outcome ledgers (`OutcomeLedger.bytes`) as last saved, by check name: what their
    /// objectives are computed from, shared as the journals are. Empty before the first save.
    func outcomeLedgers() throws(KlaxonError) -> [String: [UInt8]]

    /// Saves `ledgers`, each replacing its check's, all or none; the others are kept. The recorder's,
    /// once a minute and when it stops: outcomes are counts, and a crash loses at most that minute.
    func saveOutcomeLedgers(_ ledgers: [String: [UInt8]]) throws(KlaxonError)
}

/// One journal of a store as one reader or writer sees it: what it has read so far, and the records
/// that follow. Not shared between threads (each keeps its own).
public protocol StoredJournal: AnyObject {
    /// Where the journal is, for messages (the file's path).
    var path: String { get }

    /// Reads the records appended since the last call (all of them, the first time), in order, and
    /// changes nothing. Damage sets `corruption` (the records before it are returned); an unfinished
    /// last record with no writer at work sets `tornTail`.
    func readNewRecords() throws(KlaxonError) -> [JournalRecord]

    /// Appends one record, exclusively among all writers (waiting at most `wait`): `build` gets the
    /// records others appended since the last read (it must keep them even when it throws) and returns
    /// the draft, which gets the next sequence number and the chain's last hash. When this returns the
    /// record is durable. A torn tail is set aside first; a damaged journal is refused.
    func append(wait: LockWait, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft) throws(KlaxonError)
        -> JournalRecord

    /// `append(wait:_:)` only while this process holds `hold` (the engine's pages, the recorder's
    /// changes), proven with the write itself: a database checks, in the append's transaction, that the
    /// hold's session still holds its lock, and a taker waits for such appends before it reads. Refused,
    /// nothing written, when it does not hold it (it lost its connection, and another process may hold it).
    func append(
        wait: LockWait, proving hold: any StoreHold, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft
    ) throws(KlaxonError) -> JournalRecord

    /// Damage found in complete records; once set, nothing more is appended.
    var corruption: JournalScanner.Damage? { get }
    /// An unfinished last record seen with no writer at work, until an append sets it aside.
    var tornTail: JournalScanner.Damage? { get }
    /// What a person should know (a torn tail set aside, a journal anyone may write).
    var warnings: [String] { get }
    /// True when nothing at all was read: not even an unfinished record.
    var isEmpty: Bool { get }
    /// The sequence number of the last record read (0 for none), and its hash.
    var lastSequence: Int { get }
    var lastHash: RecordHash { get }
    /// The stamp of exactly the records read, whole and intact, when nothing changed the journal while
    /// it was read; nil otherwise.
    var changeStamp: JournalStamp? { get }
    /// Whether the store holds more than was read (cheap: a `stat` for files).
    var hasUnreadBytes: Bool { get }
    /// Why this process cannot append, or nil.
    var writeProblem: String? { get }
}

extension JournalStore {
    /// For a store whose holds last as long as the process (a lock file's `flock`): holding it is the proof.
    public func create(_ name: String, firstRecord: RecordDraft, proving hold: any StoreHold) throws(KlaxonError)
        -> (any StoredJournal)?
    {
        guard hold.isHeld else {
            throw .failed("\(name): this process does not hold the lock it writes under; nothing was written")
        }
        return try create(name, firstRecord: firstRecord)
    }
}

extension StoredJournal {
    /// False when this process cannot append (permissions, a read-only file system).
    public var canWrite: Bool { writeProblem == nil }
    /// `append(wait:_:)` with the standard wait.
    public func append(_ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft) throws(KlaxonError)
        -> JournalRecord
    {
        try append(wait: .standard, build)
    }

    /// For a store whose holds last as long as the process (a lock file's `flock`): holding it is the proof.
    public func append(
        wait: LockWait, proving hold: any StoreHold, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft
    ) throws(KlaxonError) -> JournalRecord {
        guard hold.isHeld else {
            throw .failed("\(path): this process does not hold the lock it writes under; nothing was written")
        }
        return try append(wait: wait, build)
    }
}

/// Tells which journals changed, so a reader follows other writers without rereading everything.
public protocol JournalFollower: AnyObject {
    /// Poll this for readability: it becomes readable when a journal changed (for files an inotify
    /// descriptor; for PostgreSQL a pipe the follower's listening thread wakes). It never changes.
    var descriptor: Int32 { get }
    /// The names of the journals changed since the last call, without blocking.
    func changedJournals() -> Set<String>
    /// True, once, when changes may have gone untold since the last call (a database follower lost
    /// its connection and listens again): the reader then rereads everything it follows. Ask it after
    /// `changedJournals()`, which empties what makes `descriptor` readable.
    func missedChanges() -> Bool
}

extension JournalFollower {
    /// A follower that never misses a change it could tell of (inotify) says false.
    public func missedChanges() -> Bool { false }
}

/// A named exclusive hold of a store, such as the engine lock. The holder writes who it is, so others
/// can say who holds it.
public protocol StoreHold: AnyObject, Sendable {
    /// Whether this holds it, as last found (asks nothing: cheap to ask often).
    var isHeld: Bool { get }
    /// Whether this holds it, asked where it can be lost without this process knowing (a database's
    /// session ended: one round trip); the engine asks once per pass.
    func checkHeld() -> Bool
    /// Takes the hold if nobody has it, writing `holder` (one line) as who has it; true when held.
    func tryTake(holder: String) -> Bool
    /// Who has the hold, as it wrote itself down; nil when nobody does (or this does).
    func holder() -> String?
}
