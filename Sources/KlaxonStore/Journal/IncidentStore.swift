import KlaxonCore

#if canImport(Glibc)
    import Glibc
#endif

/// The incidents of a workspace: one journal per incident in its `JournalStore`.
public struct IncidentStore: Sendable {
    /// Where the journals are.
    public let journals: any JournalStore
    /// The journals' location (the directory, for the file store).
    public var directory: String { journals.location }
    /// The drill scenario this store's incidents rehearse (see `WorkspaceConfig.drill`): written into
    /// every declaration, so a drill's journal says so itself wherever it is copied.
    public let drill: String?

    /// How long writers wait for a journal's lock (see `LockWait`).
    public var lockWait: LockWait

    /// The incidents of the journal files in `directory` (`FileJournalStore`).
    public init(directory: String, drill: String? = nil, lockWait: LockWait = .standard) {
        self.init(store: FileJournalStore(directory: directory), drill: drill, lockWait: lockWait)
    }

    /// The incidents of `store`.
    public init(store: any JournalStore, drill: String? = nil, lockWait: LockWait = .standard) {
        journals = store
        self.drill = drill
        self.lockWait = lockWait
    }

    /// Refuses a journal whose first record declares another incident than its file name says (a file
    /// copied or renamed by hand): every command would otherwise act on the wrong incident.
    static func checkName(of path: String, declares id: String) throws(KlaxonError) {
        let name = SystemCall.basename(of: path)
        guard name.hasSuffix(".jsonl"), let fileID = IncidentID.normalize(String(name.dropLast(6))), fileID != id else {
            return
        }
        throw .failed(
            "\(path) declares \(id) in its first record, not \(fileID): the file was copied or renamed by hand. Rename it back to \(id).jsonl (if that name is free) or move it away"
        )
    }

    /// Where the journal of `id` is, for messages (its file, for the file store).
    public func path(of id: String) -> String { journals.journal(id).path }

    /// The incident ids that have a journal, in order of their numbers.
    public func ids() throws(KlaxonError) -> [String] {
        // Not `platform`, nor `alerts` (NamedJournals), nor anything else a store may list.
        try journals.journalNames().filter { IncidentID.number(of: $0) != nil }
    }

    /// Opens the journal of `idText` (`INC-3`, `inc-3` or `3`); without `keepingTimeline` the incident
    /// is a summary (its state without records and notes) and takes little memory.
    public func open(_ idText: String, keepingTimeline: Bool = true) throws(KlaxonError) -> IncidentJournal {
        guard let id = IncidentID.normalize(idText) else {
            throw .badInput(
                "\"\(idText)\" is not an incident id; ids look like INC-12 (see klaxon incident list --all)")
        }
        // A link is "there" (the file store's stamp does not follow it), and refused by name when read.
        // A stamp is also nil when the store cannot answer in time (unreachable, a table locked): a
        // journal the listing names is then read, and the read says why it fails (one listing, only on
        // this path).
        if journals.stamp(of: id) == nil, try !journals.journalNames().contains(id) {
            throw .badInput("there is no incident \(id) in \(directory); see klaxon incident list --all")
        }
        return try IncidentJournal(file: journals.journal(id), keepingTimeline: keepingTimeline, lockWait: lockWait)
    }

    /// Declares a new incident under the next free id, creating the journals directory if needed; with
    /// `hold`, only while this process holds it, proven with the creation itself (the engine's router).
    public func declare(
        _ declaration: Declaration, by writer: WriterIdentity, at time: Timestamp, proving hold: (any StoreHold)? = nil
    ) throws(KlaxonError) -> IncidentJournal {
        var number = (try ids().last.flatMap(IncidentID.number(of:)) ?? 0) + 1
        // Another process may take the same number at the same moment; creation is exclusive, so retry.
        for _ in 0..<1000 {
            let id = IncidentID.make(number)
            var payload = try declaration.payload(id: id)
            if let drill, case .object(var fields) = payload {
                fields["drill"] = .string(drill)
                payload = .object(fields)
            }
            let draft = RecordDraft(
                type: RecordType.declared.rawValue, data: payload,
                timestamp: time, actor: writer.actor, host: writer.host, pid: writer.pid)
            let created: (any StoredJournal)?
            if let hold {
                created = try journals.create(id, firstRecord: draft, proving: hold)
            } else {
                created = try journals.create(id, firstRecord: draft)
            }
            if let file = created {
                return try IncidentJournal(file: file, lockWait: lockWait)
            }
            number += 1
        }
        throw .failed("could not find a free incident id in \(directory)")
    }

    /// What makes a journal that verified unusable as an incident: an empty file, or a first record
    /// that declares another incident than the file's name. `platform.jsonl` and `alerts.jsonl` only need to
    /// verify.
    public static func problems(of verification: JournalFile.Verification) throws(KlaxonError) -> [String] {
        let path = verification.path
        if verification.byteCount == 0 {
            return [
                "\(path) is empty, so it is not a journal Klaxon wrote (a journal always holds its first record); move it away"
            ]
        }
        guard !NamedJournals.names.contains(where: { SystemCall.basename(of: path) == $0 + ".jsonl" }),
            verification.damage == nil
        else { return [] }
        let first = try JournalFile.open(path: path).readFirstRecord()
        guard let first else { return [] }
        do {
            let incident = try IncidentReplay.start(first, keepingTimeline: false)
            try checkName(of: path, declares: incident.id)
        } catch {
            return [error.message]
        }
        return []
    }

    /// A warning when the journal at `path`, whose mode was read as `mode`, can be written by every
    /// user of the host.
    public static func modeWarnings(path: String, mode: mode_t) -> [String] {
        guard mode & S_IWOTH != 0 else { return [] }
        return [
            "\(path) is writable by every user of this host (mode \(String(mode & 0o777, radix: 8))); anyone could append to or truncate it: chmod o-w \(path)"
        ]
    }
}
