import Foundation
import KlaxonCore
import KlaxonPostgres

/// One journal of a `PostgresJournalStore` as one reader or writer sees it: the rows read so far (their
/// lines fed to a `JournalScanner`, as `JournalFile` feeds its bytes) and the store's shared connection.
///
/// A row is whole or absent (its INSERT committed or not), so there is never a torn tail here: `tornTail`
/// is always nil, and a line that does not end with its newline (only a superuser's edit can make one)
/// is damage like any other.
public final class PostgresJournal: StoredJournal {
    let store: PostgresJournalStore
    let name: String
    private var scanner = JournalScanner()
    public private(set) var corruption: JournalScanner.Damage?
    /// Whether a read found the journal (so its disappearance is not taken for a new journal).
    private var found = false

    init(store: PostgresJournalStore, name: String) {
        self.store = store
        self.name = name
    }

    /// `journal INC-7 at postgresql://…` (no password): what messages name.
    public var path: String { "journal \(name) at \(store.location)" }
    public var tornTail: JournalScanner.Damage? { nil }
    public var warnings: [String] { [] }
    public var isEmpty: Bool { !found }
    public var lastSequence: Int { scanner.nextSequence - 1 }
    public var lastHash: RecordHash { scanner.lastHash }

    /// The stamp of the records read (`JournalStamp(records:lastHash:)`), nil when damage was found.
    public var changeStamp: JournalStamp? {
        guard corruption == nil, lastSequence > 0 else { return nil }
        return JournalStamp(records: lastSequence, lastHash: lastHash)
    }

    /// One indexed query: is there a row past the last one read?
    public var hasUnreadBytes: Bool {
        let answer = try? store.withConnection {
            try $0.query(
                "SELECT EXISTS (SELECT 1 FROM klaxon.records WHERE journal = $1 AND sequence > $2::bigint)",
                [name, String(lastSequence)], timeoutSeconds: PostgresJournalStore.statementSeconds
            ).scalar
        }
        return answer == "t"
    }

    /// Whether the role may INSERT into the journal tables: the store's answer
    /// (`PostgresJournalStore.writeProblem`), the same for every journal, asked at most every few seconds.
    public var writeProblem: String? { store.writeProblem }

    // MARK: - Reading

    public func readNewRecords() throws(KlaxonError) -> [JournalRecord] {
        try store.withConnection { connection in
            guard lastSequence == 0 else { return try self.readRows(connection) }
            // A whole journal is read in its primary key's order, never sorted: for a long journal that
            // is much of the table the server chose to scan the table and sort it on disk (340-470 ms for
            // 100,000 records), and the same with batches on a table without statistics yet.
            try connection.query("BEGIN", timeoutSeconds: PostgresJournalStore.statementSeconds)
            do {
                try connection.query(
                    "SET LOCAL enable_sort = off", timeoutSeconds: PostgresJournalStore.statementSeconds)
                let records = try self.readRows(connection)
                try connection.query("COMMIT", timeoutSeconds: PostgresJournalStore.statementSeconds)
                return records
            } catch {
                _ = try? connection.query("ROLLBACK", timeoutSeconds: PostgresJournalStore.statementSeconds)
                throw error
            }
        }
    }

    /// The rows after the last one read, decoded as one stretch of journal bytes. Damage sets
    /// `corruption`; the records before it are returned. Only the lines are fetched (their sequence and
    /// hash are in them), in binary: the server sends the bytes as they are, not in hex.
    private func readRows(_ connection: PostgresConnection) throws -> [JournalRecord] {
        guard corruption == nil else { return [] }
        let rows = try connection.query(
            "SELECT line FROM klaxon.records WHERE journal = $1 AND sequence > $2::bigint ORDER BY sequence",
            [name, String(lastSequence)], results: .binary, timeoutSeconds: PostgresJournalStore.statementSeconds)
        if rows.count == 0, !found {
            let exists = try connection.query(
                "SELECT count(*) FROM klaxon.journals WHERE name = $1", [name],
                timeoutSeconds: PostgresJournalStore.statementSeconds
            ).scalar
            guard exists == "1" else { throw KlaxonError.badInput("there is no \(path)") }
        }
        found = true
        var bytes: [UInt8] = []
        for row in 0..<rows.count {
            guard let line = rows.bytes(row, 0) else {
                throw KlaxonError.failed("\(path): the server sent a row without its line")
            }
            bytes += line
        }
        guard !bytes.isEmpty else { return [] }
        let outcome = bytes.withUnsafeBufferPointer {
            scanner.scan($0, isComplete: true, parallelism: JournalFile.decodingThreads)
        }
        if var damage = outcome.damage {
            // A row is whole: a line without its newline was changed, not torn.
            damage.kind = .corruption
            corruption = corruption ?? damage
        }
        return outcome.records
    }

    // MARK: - Appending

    /// One record in one transaction (see `PostgresJournalStore`). The wait for the journal's lock is
    /// the server's `lock_timeout`; no notice is given while waiting.
    public func append(wait: LockWait, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft)
        throws(KlaxonError) -> JournalRecord
    {
        try append(wait: wait, proof: nil, build)
    }

    /// The append, with `hold` proven in its transaction (`PostgresHold.prove`) before its INSERT.
    public func append(
        wait: LockWait, proving hold: any StoreHold, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft
    ) throws(KlaxonError) -> JournalRecord {
        // A hold of another kind (a lock file beside journals in a database) lasts as long as the process:
        // holding it is the proof, as for journal files.
        guard let proof = hold as? PostgresHold else {
            guard hold.isHeld else {
                throw .failed("\(path): this process does not hold the lock it writes under; nothing was written")
            }
            return try append(wait: wait, proof: nil, build)
        }
        return try append(wait: wait, proof: proof, build)
    }

    private func append(
        wait: LockWait, proof: PostgresHold?, _ build: ([JournalRecord]) throws(KlaxonError) -> RecordDraft
    ) throws(KlaxonError) -> JournalRecord {
        try refuseIfCorrupt()
        let key = UUID().uuidString
        // What each attempt wrote: an attempt whose COMMIT was not acknowledged may be the one in.
        var written: [[UInt8]: JournalRecord] = [:]
        let line = try store.withConnection(retrying: false) { (connection: PostgresConnection) throws -> [UInt8] in
            let committed = try Self.committing(connection, key: key, journal: self.path) { () throws -> [UInt8] in
                try connection.query(
                    "SET LOCAL lock_timeout = '\(max(1, Int(wait.limit * 1000)))ms'",
                    timeoutSeconds: PostgresJournalStore.statementSeconds)
                do {
                    try connection.query(
                        "SELECT pg_advisory_xact_lock($1::int, hashtext($2))",
                        [String(PostgresSchema.advisoryLockNamespace), self.name],
                        timeoutSeconds: wait.limit + PostgresJournalStore.statementSeconds)
                } catch let error as PostgresError where error.sqlState == SQLState("55P03") {
                    throw KlaxonError.failed(
                        "\(self.path) is locked by another writer and stayed locked for \(Int(wait.limit.rounded(.up))) s; nothing was written. If a klaxon is stuck, stop it and try again"
                    )
                }
                try proof?.prove(in: connection, for: self.path)
                let records = try self.readRows(connection)
                try self.refuseIfCorrupt()
                let draft = try build(records)
                let (line, record) = JournalCodec.encode(
                    draft, sequence: self.scanner.nextSequence, previousHash: self.scanner.lastHash)
                try Self.insert(
                    Row(line: line, record: record), into: self.name, key: key, connection, store: self.store)
                written[line] = record
                return line
            }
            if let committed { return committed }
            // An earlier attempt is in: its row tells which.
            let rows = try connection.query(
                "SELECT line FROM klaxon.records WHERE append_key = $1::uuid", [key], results: .binary,
                timeoutSeconds: PostgresJournalStore.statementSeconds)
            guard rows.count > 0, let line = rows.bytes(0, 0) else {
                throw KlaxonError.failed("\(self.path): an append's row vanished after it was committed")
            }
            return Array(line)
        }
        guard let record = written[line] else {
            throw .failed("\(path): the row committed for this append is not the one it wrote; check the journal")
        }
        if record.sequence == scanner.nextSequence {
            _ = line.withUnsafeBufferPointer { scanner.scan($0, isComplete: true) }
        }
        return record
    }

    private func refuseIfCorrupt() throws(KlaxonError) {
        if let corruption {
            throw .failed(
                "\(path) is damaged at \(corruption); nothing more will be written to it. Keep a copy (klaxon journal export), then see docs/journal-format.md, \"Damage\""
            )
        }
    }

    // MARK: - Transactions

    /// A record's row: its line and what the line says.
    struct Row {
        var line: [UInt8]
        var record: JournalRecord
    }

    /// Inserts `row`; a role without INSERT is told what to do, and `store` forgets that it might write.
    static func insert(
        _ row: Row, into journal: String, key: String, _ connection: PostgresConnection, store: PostgresJournalStore
    ) throws {
        do {
            try insertRow(row, into: journal, key: key, connection)
        } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
            store.forgetWriteProblem()
            let role = error.role ?? "of journals:"
            throw KlaxonError.failed(
                "PostgreSQL at \(error.server): \(error.message) (SQLSTATE \(SQLState.insufficientPrivilege)); nothing was written: the role \(TerminalText.printable(role)) may read but not append; \(PostgresError.grantRemedy(role: role, uri: store.location))"
            )
        }
    }

    private static func insertRow(_ row: Row, into journal: String, key: String, _ connection: PostgresConnection)
        throws
    {
        try connection.query(
            """
            INSERT INTO klaxon.records (journal, sequence, type, recorded_at, hash, previous_hash, line, append_key)
            VALUES ($1, $2::bigint, $3, $4::timestamptz, $5, $6, $7::bytea, $8::uuid)
            """,
            [
                journal, String(row.record.sequence), row.record.type, row.record.timestamp.rfc3339,
                row.record.hash.hex, row.record.previousHash.hex, PostgresBytea.text(row.line), key
            ], timeoutSeconds: PostgresJournalStore.statementSeconds)
    }

    /// Runs `body` in a transaction with `synchronous_commit` on, and returns its value once COMMIT
    /// returned. Its rows are to carry `key` (an `append_key`). When the connection is lost before COMMIT,
    /// nothing was committed: it reconnects and runs `body` again. When it is lost during COMMIT, the
    /// outcome is unknown: it reconnects and looks `key` up; found, the value is returned, else `body`
    /// runs again. Returns nil when an earlier attempt turns out to be in (its second INSERT of `key`
    /// refused): the caller reads that row. Three attempts at most.
    static func committing<T>(
        _ connection: PostgresConnection, key: String, journal: String, _ body: () throws -> T
    ) throws -> T? {
        var attempt = 0
        while true {
            attempt += 1
            var value: T?
            do {
                try connection.query("BEGIN", timeoutSeconds: PostgresJournalStore.statementSeconds)
                try connection.query(
                    "SET LOCAL synchronous_commit TO on", timeoutSeconds: PostgresJournalStore.statementSeconds)
                value = try body()
            } catch let error as PostgresError where PostgresJournalStore.isLost(error, connection) && attempt < 3 {
                try connection.reset()  // the server rolled it back with the connection
                continue
            } catch let error as PostgresError where error.sqlState == .uniqueViolation {
                if connection.isInTransaction { _ = try? connection.query("ROLLBACK") }
                guard try isStored(key, connection) else { throw error }
                return nil
            } catch {
                if connection.isAlive, connection.isInTransaction { _ = try? connection.query("ROLLBACK") }
                throw error
            }
            do {
                let done = try connection.query("COMMIT", timeoutSeconds: PostgresJournalStore.statementSeconds)
                guard done.command == "COMMIT" else {
                    throw KlaxonError.failed(
                        "\(journal): the transaction failed and was rolled back; nothing was written")
                }
                return value
            } catch let error as PostgresError where PostgresJournalStore.isLost(error, connection) {
                // The COMMIT may or may not have happened: ask the server, on a new connection. When it
                // cannot be asked, the caller is told that it may be in (a draft kept is not to be resent blind).
                do {
                    try connection.reset()
                    if try isStored(key, connection) { return value }
                } catch let unknown as PostgresError where unknown.isUnreachable {
                    throw KlaxonError(
                        .outcomeUnknown,
                        "\(unknown.description); \(journal): the COMMIT was sent and its answer lost, so it may be in: read it once the server answers, before writing it again"
                    )
                }
                if attempt >= 3 { throw error }
            }
        }
    }

    /// Whether a row with `append_key` `key` is committed.
    static func isStored(_ key: String, _ connection: PostgresConnection) throws -> Bool {
        try connection.query(
            "SELECT count(*) FROM klaxon.records WHERE append_key = $1::uuid", [key],
            timeoutSeconds: PostgresJournalStore.statementSeconds
        ).scalar == "1"
    }
}
