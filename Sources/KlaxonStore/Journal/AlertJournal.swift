import KlaxonCore

/// The journal `alerts` of the store (`alerts.jsonl` in a journals directory, rows of journal `alerts` in
/// a database): every request the intake accepted, as `alerts.received` records (`ReceivedAlerts`), with
/// the same format and guarantees as an incident journal (hash chain, durable before an append returns).
/// Any intake appends to it (several may run: two machines, an HA pair); the engine replays it.
public final class AlertJournal {
    /// Its name in a `JournalStore`.
    public static let name = ReceivedAlerts.journalName
    public static let fileName = "alerts.jsonl"

    private let store: any JournalStore
    private var journal: (any StoredJournal)?

    /// Where it is, for messages.
    public var path: String { store.journal(Self.name).path }

    /// The journal `alerts` of `store`; nothing is read or written yet.
    public init(store: any JournalStore) { self.store = store }

    /// Appends `draft`, creating the journal with it when there is none (when another process created
    /// it first, appends after its records). It is durable when this returns. Not shared between
    /// threads: one writer thread owns it (`AlertJournalWriter`).
    @discardableResult
    public func append(_ draft: RecordDraft) throws(KlaxonError) -> JournalRecord {
        if let journal { return try journal.append { _ in draft } }
        if store.stamp(of: Self.name) == nil, let created = try store.create(Self.name, firstRecord: draft) {
            guard let first = try created.readNewRecords().last else {
                throw .failed("\(created.path) was created without its first record")
            }
            journal = created
            return first
        }
        let existing = store.journal(Self.name)
        let record = try existing.append { _ in draft }
        journal = existing
        return record
    }

    /// Records a person's request (`writer`, at `time`) to put `alert`'s group on incident `incident`
    /// (`AlertBook.attachRecordType`), which the engine's router carries out as it routes.
    public func requestAttach(_ alert: Alert, to incident: String, by writer: WriterIdentity, at time: Timestamp)
        throws(KlaxonError)
    {
        try append(
            RecordDraft(
                type: AlertBook.attachRecordType, data: AlertBook.attachDraftData(alert: alert, incident: incident),
                timestamp: time, actor: writer.actor, host: writer.host, pid: writer.pid))
    }
}

/// The journals a store holds besides the incidents', in the order `JournalStore.journalNames()` gives
/// them after the incidents: the checks' state changes (`PlatformJournal`) and the alerts received
/// (`AlertJournal`). Each is verified, exported and imported as the incidents' are, and is never an incident.
public enum NamedJournals {
    public static let names = [PlatformJournal.name, AlertJournal.name]

    /// Whether `name` is one of them.
    public static func contains(_ name: String) -> Bool { names.contains(name) }
}
