#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KlaxonCore

/// Who writes a record: the person acting, this host and this process.
public struct WriterIdentity: Sendable {
    public var actor: String
    public var host: String
    public var pid: Int

    public init(actor: String, host: String, pid: Int) {
        self.actor = actor
        self.host = host
        self.pid = pid
    }

    /// The acting person with this machine's host name and process id.
    public static func current(actor: String) -> WriterIdentity {
        WriterIdentity(actor: actor, host: SystemCall.hostName(), pid: Int(getpid()))
    }
}

/// An incident and its journal: the incident as replayed so far, kept current as records arrive.
public final class IncidentJournal {
    public let file: JournalFile
    public private(set) var incident: Incident

    init(file: JournalFile, keepingTimeline: Bool = true) throws(KlaxonError) {
        self.file = file
        let records = try file.readNewRecords()
        guard let first = records.first else {
            if let damage = file.corruption { throw .failed("\(file.path) is damaged at \(damage)") }
            throw .failed("\(file.path) holds no complete record; run klaxon journal verify")
        }
        var incident = try IncidentReplay.start(first, keepingTimeline: keepingTimeline)
        if keepingTimeline { incident.timeline.reserveCapacity(records.count) }
        for record in records.dropFirst() { IncidentReplay.apply(record, to: &incident) }
        self.incident = incident
    }

    public var id: String { incident.id }
    /// Damage before the tail: the incident can be read but not written.
    public var isReadOnly: Bool { file.corruption != nil || !file.canWrite }
    public var warnings: [String] { file.warnings }

    /// Applies records appended by others since the last read; returns how many arrived.
    @discardableResult
    public func refresh() throws(KlaxonError) -> Int {
        let records = try file.readNewRecords()
        for record in records { IncidentReplay.apply(record, to: &incident) }
        return records.count
    }

    /// Checks `action` against the incident as it is on disk (under the journal's lock) and appends its
    /// record. `now` is read under the lock, so timestamps follow the journal's order.
    @discardableResult
    public func perform(_ action: IncidentAction, by writer: WriterIdentity, now: () -> Timestamp) throws(KlaxonError) -> JournalRecord {
        let record = try file.append { (newRecords: [JournalRecord]) throws(KlaxonError) -> RecordDraft in
            // Apply what others wrote before checking, and keep it even when the action is refused.
            for record in newRecords { IncidentReplay.apply(record, to: &incident) }
            let (type, data) = try action.record(for: incident)
            return RecordDraft(type: type.rawValue, data: data, timestamp: now(), actor: writer.actor,
                               host: writer.host, pid: writer.pid)
        }
        IncidentReplay.apply(record, to: &incident)
        return record
    }
}

/// The incidents of a workspace: one journal file per incident in one directory.
public struct IncidentStore: Sendable {
    public let directory: String
    /// The drill scenario this store's incidents rehearse (see `WorkspaceConfig.drill`): written into
    /// every declaration, so a drill's journal says so itself wherever it is copied.
    public let drill: String?

    public init(directory: String, drill: String? = nil) { self.directory = directory; self.drill = drill }

    public func path(of id: String) -> String { directory + "/" + id + ".jsonl" }

    /// The incident ids that have a journal, in order of their numbers.
    public func ids() throws(KlaxonError) -> [String] {
        guard directoryExists else { return [] }
        let names = try SystemCall.listDirectory(directory)
        let numbers = names.compactMap { name -> Int? in
            guard name.hasSuffix(".jsonl"), !name.hasPrefix(".") else { return nil }
            return IncidentID.number(of: String(name.dropLast(6)))
        }
        return numbers.sorted().map(IncidentID.make)
    }

    private var directoryExists: Bool {
        var info = stat()
        return stat(directory, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Opens the journal of `idText` (`INC-3`, `inc-3` or `3`); without `keepingTimeline` the incident
    /// is a summary (its state without records and notes) and takes little memory.
    public func open(_ idText: String, keepingTimeline: Bool = true) throws(KlaxonError) -> IncidentJournal {
        guard let id = IncidentID.normalize(idText) else {
            throw .badInput("\"\(idText)\" is not an incident id; ids look like INC-12 (see klaxon incident list --all)")
        }
        let path = path(of: id)
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .badInput("there is no incident \(id) in \(directory); see klaxon incident list --all")
        }
        return try IncidentJournal(file: JournalFile.open(path: path), keepingTimeline: keepingTimeline)
    }

    /// Declares a new incident under the next free id, creating the journals directory if needed.
    public func declare(_ declaration: Declaration, by writer: WriterIdentity, at time: Timestamp) throws(KlaxonError) -> IncidentJournal {
        try SystemCall.makeDirectory(directory)
        var number = (try ids().last.flatMap(IncidentID.number(of:)) ?? 0) + 1
        // Another process may take the same number at the same moment; creation is exclusive, so retry.
        for _ in 0..<1000 {
            let id = IncidentID.make(number)
            var payload = try declaration.payload(id: id)
            if let drill, case .object(var fields) = payload {
                fields["drill"] = .string(drill)
                payload = .object(fields)
            }
            let draft = RecordDraft(type: RecordType.declared.rawValue, data: payload,
                                    timestamp: time, actor: writer.actor, host: writer.host, pid: writer.pid)
            if let file = try JournalFile.create(path: path(of: id), firstRecord: draft) {
                return try IncidentJournal(file: file)
            }
            number += 1
        }
        throw .failed("could not find a free incident id in \(directory)")
    }
}
