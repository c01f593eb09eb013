import KlaxonCore
import KlaxonPostgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The journal `platform` of the store (`platform.jsonl` in a journals directory): every state change of
/// the status checks, with the same format and guarantees as an incident journal (hash chain, one
/// `write`, fdatasync). Only the process holding the store's hold `poller` (`.poller.lock` for files, a
/// session advisory lock in a database) writes it, so two consoles or `klaxon watch` on one workspace,
/// or on one database from several machines, do not record each change twice.
public final class PlatformJournal: Sendable {
    public static let fileName = "platform.jsonl"
    /// Its name in a `JournalStore`.
    public static let name = "platform"

    public let path: String
    private let store: any JournalStore
    private let hold: any StoreHold
    private let file = Mutex<(any StoredJournal)?>(nil)

    /// The platform journal of `store`, if this process can become its writer (nil when another holds
    /// the hold `poller`), taken as `holder` (who this process is, for others to say: as the engine's,
    /// `WriterIdentity.holder(role:since:)`).
    public static func claim(store: any JournalStore, holder: String) throws(KlaxonError) -> PlatformJournal? {
        let hold = try store.hold("poller", creating: true)
        guard hold.tryTake(holder: holder) else { return nil }
        return PlatformJournal(store: store, hold: hold)
    }

    /// Whether this process still records, as the last question found (false once a write found its
    /// hold lost); no round trip.
    public var isHeld: Bool { hold.isHeld }

    /// Whether this process still holds the hold `poller`, asked now (a database's session can end
    /// under it: a restart, a cut connection; another process may then have taken it): a round trip.
    public func checkHeld() -> Bool { hold.checkHeld() }

    /// The recorder's hold: what its writes on incidents prove, as its writes here do.
    public var recorderHold: any StoreHold { hold }

    private init(store: any JournalStore, hold: any StoreHold) {
        self.store = store
        self.hold = hold
        path = store.journal(Self.name).path
    }

    /// How much of its end `lastStates` reads at most (4 MiB, some 13,000 state changes): enough for the
    /// last change of every check but one that has been as it is through thousands of others' changes;
    /// such a check starts unknown, as a new one does, and its next poll records it again (its first
    /// result). The read stops at this bound, not at the start of a journal of years.
    public static let restoreWindowBytes = 4 << 20

    /// The last recorded state of each of `checks` (by name) and since when, in the platform journal of
    /// `store`: what a restarted poller goes on from. For journal files, `lastStates(directory:of:)`
    /// (read backwards from the end). For another store, the journal's records as its reader gives them
    /// (checked from the first), looked at from the last: damage stops the reading there, and the
    /// states recorded after it are not restored, which `warning` says, as it says a journal that
    /// cannot be read. Writes nothing.
    public static func lastStates(store: any JournalStore, of checks: Set<String>) -> (
        states: [String: CheckStateMachine.Recorded], warning: String?
    ) {
        if let files = store as? FileJournalStore { return lastStates(directory: files.directory, of: checks) }
        if let database = store as? PostgresJournalStore { return lastStates(database: database, of: checks) }
        guard !checks.isEmpty else { return ([:], nil) }
        let journal = store.journal(name)
        let records: [JournalRecord]
        do { records = try journal.readNewRecords() } catch {
            // None yet (as a missing file): nothing to restore, nothing to say.
            return (
                [:],
                error.kind == .badInput
                    ? nil : "\(error.message); the checks' last states were not restored (each starts unknown)"
            )
        }
        var states: [String: CheckStateMachine.Recorded] = [:]
        var decided: Set<String> = []
        for record in records.reversed() where decided.count < checks.count {
            guard let (name, recorded) = lastState(record), checks.contains(name), !decided.contains(name) else {
                continue
            }
            decided.insert(name)
            if let recorded { states[name] = recorded }
        }
        let warning = journal.corruption.map {
            "\(journal.path) is damaged at \($0) (klaxon journal verify names the record); the states recorded after it were not restored"
        }
        return (states, warning)
    }

    /// The last recorded state of each of `checks` in the platform journal of `database`, read as the
    /// file's: backwards from its last record, a thousand rows at a time, each record checked and linked to
    /// the one after it, until every check is found or `restoreWindowBytes` were read, never the whole
    /// journal. Damage stops the reading there (the states after it are kept) and is named in `warning`.
    static func lastStates(database: PostgresJournalStore, of checks: Set<String>) -> (
        states: [String: CheckStateMachine.Recorded], warning: String?
    ) {
        guard !checks.isEmpty else { return ([:], nil) }
        let path = database.journal(name).path
        let skipped = "the checks' last states were not restored (each starts unknown)"
        var states: [String: CheckStateMachine.Recorded] = [:]
        var decided: Set<String> = []
        // The record read just before (the next one in the journal): each must link to the one before it.
        var later: JournalRecord?
        var read = 0
        while decided.count < checks.count && read < restoreWindowBytes {
            let before = later?.sequence ?? Int.max
            let lines: [(sequence: Int, line: [UInt8])]
            do {
                lines = try database.withConnection { connection in
                    let rows = try connection.query(
                        """
                        SELECT sequence::text::bytea AS number, line FROM klaxon.records
                        WHERE journal = $1 AND sequence < $2::bigint ORDER BY sequence DESC LIMIT 1000
                        """, [name, String(before)], results: .binary,
                        timeoutSeconds: PostgresJournalStore.statementSeconds)
                    return (0..<rows.count).map { row in
                        (
                            Int(String(decoding: rows.bytes(row, 0) ?? [], as: UTF8.self)) ?? 0,
                            Array(rows.bytes(row, 1) ?? [])
                        )
                    }
                }
            } catch {
                return (states, "\(error.message); \(skipped)")
            }
            guard !lines.isEmpty else { break }
            for (sequence, line) in lines where decided.count < checks.count {
                read += line.count
                // A row is whole: a line without its newline, or one that does not hash, was changed.
                let decoded =
                    line.last == 0x0A
                    ? line.withUnsafeBufferPointer {
                        try? JournalCodec.decode(line: UnsafeBufferPointer(rebasing: $0[..<($0.count - 1)]))
                    } : nil
                guard let record = decoded, record.sequence == sequence,
                    later.map({ $0.sequence == record.sequence + 1 && $0.previousHash == record.hash }) ?? true
                else {
                    return (
                        states,
                        "\(path) is damaged at record \(sequence) (klaxon journal verify names it); the states recorded before it were not restored"
                    )
                }
                later = record
                if let (name, recorded) = lastState(record), checks.contains(name), !decided.contains(name) {
                    decided.insert(name)
                    if let recorded { states[name] = recorded }
                }
            }
        }
        return (states, nil)
    }

    /// The check `record` says changed, and its new state (nil for a state this build does not know:
    /// the check starts unknown); nil for any other record.
    private static func lastState(_ record: JournalRecord) -> (String, CheckStateMachine.Recorded?)? {
        guard record.type == RecordType.checkChanged.rawValue, let name = record.data["check"]?.stringValue else {
            return nil
        }
        let state = record.data["to"]?.stringValue.flatMap(CheckState.init(rawValue:))
        return (name, state.map { CheckStateMachine.Recorded(state: $0, since: record.timestamp) })
    }

    /// The last recorded state of each of `checks` (by name) and since when, read backwards from the
    /// end of `platform.jsonl` in `directory`: what a restarted poller goes on from, so a restart
    /// records nothing that did not change. Reads only complete lines (a writer may be at work), takes
    /// no lock and writes nothing. Names no longer configured are ignored. A missing journal restores
    /// nothing; damage stops the reading there (the states after it are kept) and, like a journal that
    /// cannot be opened, is named in `warning`.
    public static func lastStates(directory: String, of checks: Set<String>) -> (
        states: [String: CheckStateMachine.Recorded], warning: String?
    ) {
        guard !checks.isEmpty else { return ([:], nil) }
        let path = directory + "/" + fileName
        let skipped = "the checks' last states were not restored (each starts unknown)"
        let fd: Int32
        do {
            (fd, _) = try SystemCall.openJournal(path, forAppending: false)
        } catch {
            return ([:], error.kind == .badInput ? nil : "\(error.message); \(skipped)")
        }
        defer { close(fd) }
        var states: [String: CheckStateMachine.Recorded] = [:]
        var decided: Set<String> = []
        // The record read just before (the next one in the file): each must link to the one before it.
        var later: JournalRecord?
        var end: Int
        do { end = try SystemCall.fileSize(fd, path: path) } catch { return ([:], "\(error.message); \(skipped)") }
        let floor = max(0, end - restoreWindowBytes)
        // Bytes of lines begun before the chunk read: the start of a line whose end was already read.
        var carry: [UInt8] = []
        var atEnd = true
        while end > floor && decided.count < checks.count {
            let start = max(floor, end - (1 << 20))
            let read: [UInt8]
            do { read = try SystemCall.read(fd, offset: start, count: end - start, path: path) } catch {
                return (states, "\(error.message); \(skipped)")
            }
            var bytes = read + carry
            end = start
            if atEnd {
                // An unfinished last line is a write under way (or torn): not a record yet.
                guard let last = bytes.lastIndex(of: 0x0A) else {
                    carry = bytes
                    continue
                }
                bytes.removeSubrange((last + 1)...)
                atEnd = false
            }
            // The first line may have begun before `start`: keep it for the next chunk, unless at the file's start.
            var first = 0
            if start > 0 {
                guard let newline = bytes.firstIndex(of: 0x0A) else {
                    carry = bytes
                    continue
                }
                first = newline + 1
                carry = Array(bytes[..<first])
            } else {
                carry = []
            }
            var lineEnd = bytes.count - 1  // the newline ending the line being looked at
            while lineEnd >= first && decided.count < checks.count {
                let lineStart = (bytes[first..<lineEnd].lastIndex(of: 0x0A) ?? (first - 1)) + 1
                let decoded = bytes.withUnsafeBufferPointer {
                    try? JournalCodec.decode(line: UnsafeBufferPointer(rebasing: $0[lineStart..<lineEnd]))
                }
                guard let record = decoded,
                    later.map({ $0.sequence == record.sequence + 1 && $0.previousHash == record.hash }) ?? true
                else {
                    let offset = start + lineStart
                    return (
                        states,
                        "\(path) is damaged at byte \(offset) (klaxon journal verify names the record); the states recorded before it were not restored"
                    )
                }
                later = record
                if let (name, recorded) = lastState(record), checks.contains(name), !decided.contains(name) {
                    decided.insert(name)
                    if let recorded { states[name] = recorded }
                }
                lineEnd = lineStart - 1
            }
        }
        return (states, nil)
    }

    /// Records a state change; it is on disk when this returns.
    @discardableResult
    public func record(
        check: String, from: CheckState, to: CheckState, detail: String, at t: Timestamp,
        by writer: WriterIdentity
    ) throws(KlaxonError) -> JournalRecord {
        try append(
            RecordDraft(
                type: RecordType.checkChanged.rawValue,
                data: [
                    "check": .string(check), "from": .string(from.rawValue), "to": .string(to.rawValue),
                    "detail": .string(detail)
                ],
                timestamp: t, actor: writer.actor, host: writer.host, pid: writer.pid))
    }

    /// Records a sign of this poller's life (`poller.started`, `poller.alive`, `poller.stopped`): when
    /// it was recording is what the status page counts as known (`PollerLife`). On disk when this returns.
    @discardableResult
    public func record(_ sign: PollerLife.Sign.Kind, at t: Timestamp, by writer: WriterIdentity) throws(KlaxonError)
        -> JournalRecord
    {
        let type: RecordType =
            switch sign {
            case .started: .pollerStarted
            case .alive: .pollerAlive
            case .stopped: .pollerStopped
            }
        return try append(
            RecordDraft(
                type: type.rawValue, data: [:], timestamp: t, actor: writer.actor, host: writer.host, pid: writer.pid))
    }

    private func append(_ draft: RecordDraft) throws(KlaxonError) -> JournalRecord {
        let store = self.store
        return try file.withLock { (file: inout (any StoredJournal)?) throws(KlaxonError) -> JournalRecord in
            // Only while this process holds the hold `poller`, proven with the write: a recorder that
            // lost it (its connection cut, another process recording) writes nothing more.
            if let file { return try file.append(wait: .standard, proving: hold) { _ in draft } }
            if let created = try store.create(Self.name, firstRecord: draft) {
                file = created
                guard let first = try created.readNewRecords().last else {
                    throw .failed("\(self.path) was created without its first record")
                }
                return first
            }
            let existing = store.journal(Self.name)
            file = existing
            return try existing.append(wait: .standard, proving: hold) { _ in draft }
        }
    }
}
