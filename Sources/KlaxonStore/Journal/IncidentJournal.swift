import KlaxonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An incident and its journal: the incident as replayed so far, kept current as records arrive.
public final class IncidentJournal {
    /// The journal in its store.
    public let file: any StoredJournal
    public private(set) var incident: Incident

    /// How long `perform` waits for the journal's lock (see `LockWait`).
    public var lockWait: LockWait

    init(file: any StoredJournal, keepingTimeline: Bool = true, lockWait: LockWait = .standard) throws(KlaxonError) {
        self.file = file
        self.lockWait = lockWait
        let records = try file.readNewRecords()
        guard let first = records.first else {
            if let damage = file.corruption { throw .failed("\(file.path) is damaged at \(damage)") }
            if file.tornTail == nil && file.isEmpty {
                throw .failed(
                    "\(file.path) is empty, so it is not a journal Klaxon wrote (a journal always holds its first record); move it away"
                )
            }
            throw .failed("\(file.path) holds no complete record; run klaxon journal verify")
        }
        var incident = try IncidentReplay.start(first, keepingTimeline: keepingTimeline)
        try IncidentStore.checkName(of: file.path, declares: incident.id)
        if keepingTimeline { incident.timeline.reserveCapacity(records.count) }
        for record in records.dropFirst() { IncidentReplay.apply(record, to: &incident) }
        self.incident = incident
    }

    public var id: String { incident.id }
    /// Damage before the tail: the incident can be read but not written.
    public var isReadOnly: Bool { file.corruption != nil || !file.canWrite }
    /// What a person should know about the file (a torn tail waiting to be cut, a mode too loose).
    public var warnings: [String] {
        var all = file.warnings
        if let torn = file.tornTail {
            all.append(
                "\(file.path): \(torn); it is left as it is until the next write cuts it aside (or klaxon journal repair \(incident.id))"
            )
        }
        return all
    }

    /// Applies records appended by others since the last read; returns how many arrived.
    @discardableResult
    public func refresh() throws(KlaxonError) -> Int {
        let records = try file.readNewRecords()
        for record in records { IncidentReplay.apply(record, to: &incident) }
        return records.count
    }

    /// Checks `action` against the incident as it is on disk (under the journal's lock) and appends its
    /// record. `now` is read under the lock, so timestamps follow the journal's order. With `hold`, only
    /// while this process holds it, proven with the write (the engine's records: the engine lock).
    @discardableResult
    public func perform(
        _ action: IncidentAction, by writer: WriterIdentity, now: () -> Timestamp, proving hold: (any StoreHold)? = nil
    ) throws(KlaxonError) -> JournalRecord {
        func build(_ newRecords: [JournalRecord]) throws(KlaxonError) -> RecordDraft {
            // Apply what others wrote before checking, and keep it even when the action is refused.
            for record in newRecords { IncidentReplay.apply(record, to: &incident) }
            let (type, data) = try action.record(for: incident)
            return RecordDraft(
                type: type.rawValue, data: data, timestamp: now(), actor: writer.actor,
                host: writer.host, pid: writer.pid)
        }
        let record =
            if let hold { try file.append(wait: lockWait, proving: hold, build) } else {
                try file.append(wait: lockWait, build)
            }
        IncidentReplay.apply(record, to: &incident)
        return record
    }
}
