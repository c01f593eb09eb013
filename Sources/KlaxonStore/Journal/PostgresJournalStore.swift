import Foundation
import KlaxonCore
import KlaxonPostgres
import Synchronization

/// The journals in a PostgreSQL database (the tables of `PostgresSchema`, docs/postgresql.md): each
/// record a row holding the exact line the file store writes, so reading decodes the same bytes with the
/// same `JournalScanner`, and damage (a row a superuser changed) is found and named by record as in a file.
///
/// One connection per store, opened at the first call (checking the schema is this Klaxon's version) and
/// kept in a `Mutex`: the store's `StoredJournal`s share it, so appends from several threads of one
/// process go one at a time, and the database's per-journal lock orders them with other processes'.
/// Every statement has a time limit; a connection found lost is reconnected once per call, and when that
/// fails too the call throws one line naming the server and what to do.
///
/// An append is one transaction (`PostgresJournal.append`): the journal's advisory transaction lock, the
/// records since the last read, `build`, the INSERT with a fresh `append_key`, COMMIT with
/// `synchronous_commit` on. A COMMIT whose outcome is unknown (the connection lost during it) is settled
/// after reconnecting by looking the key up: the record is there (success) or it is appended again, so
/// it is never lost and never written twice.
///
/// Following is `PostgresJournalFollower` (LISTEN/NOTIFY on a connection of its own); holds are
/// `PostgresHold`s (session advisory locks, each on a connection of its own).
public final class PostgresJournalStore: JournalStore {
    /// The connection URI as given (it may name a `passfile`, never a password: the workspace refuses one).
    let uri: String
    /// The URI without secrets: what messages show.
    public let location: String
    private let connection = Mutex<PostgresConnection?>(nil)

    /// Seconds any one statement may take, except waiting for a journal's lock (`LockWait`).
    static let statementSeconds = 30.0

    /// The last answer of `writeProblem` and when it was asked.
    private let privileges = Mutex<(problem: String?, asked: ContinuousClock.Instant)?>(nil)
    /// Seconds an answer of `writeProblem` is kept: the console asks on every change and tick, and a
    /// privilege revoked meanwhile is told by the append it refuses (which forgets the answer at once).
    static let privilegeSeconds = 5.0

    /// This machine's cache of the store's index (`IncidentIndex`): an entry is used only while its
    /// journal's stamp (record count and last hash) is the one it was made from, so a cache shared by
    /// any number of databases never shows a wrong summary.
    public let indexDirectory: String?

    public init(uri: String, indexDirectory: String? = nil) {
        self.uri = uri
        location = PostgresURI.redacted(uri)
        self.indexDirectory = indexDirectory
    }

    // MARK: - The connection

    /// Runs `body` on the store's connection, opening it first if needed. A connection found lost
    /// (`.connectionLost`, or closed by a timeout) is reconnected and `body` run again once when
    /// `retrying`; errors are thrown as the one line of `PostgresError.klaxonError`.
    func withConnection<T: Sendable>(retrying: Bool = true, _ body: (PostgresConnection) throws -> T)
        throws(KlaxonError) -> T
    {
        do {
            return try connection.withLock { (held: inout PostgresConnection?) throws -> T in
                let open = try self.open(&held)
                do {
                    return try body(open)
                } catch let error as PostgresError where retrying && Self.isLost(error, open) {
                    try open.reset()
                    return try body(open)
                }
            }
        } catch {
            throw Self.klaxonError(error)
        }
    }

    private func open(_ held: inout PostgresConnection?) throws -> PostgresConnection {
        if let held { return held }
        let made = try PostgresConnection(uri: uri, applicationName: "klaxon")
        try PostgresSchema.requireCurrent(made)
        held = made
        return made
    }

    /// Whether `error` means the connection is gone (so reconnecting may help), not a refusal.
    static func isLost(_ error: PostgresError, _ connection: PostgresConnection) -> Bool {
        error.kind == .connectionLost || !connection.isAlive
    }

    static func klaxonError(_ error: any Error) -> KlaxonError {
        switch error {
        case let error as KlaxonError: error
        case let error as PostgresError: error.klaxonError
        default: .failed("\(error)")
        }
    }

    // MARK: - Privileges

    /// Whether the role may INSERT into the journal tables (the everyday privileges of `journal init
    /// --grant`): one query, whose answer is kept for `privilegeSeconds` (privileges are the role's, the
    /// same for every journal). A database that cannot be reached is none: an outage passes (the console
    /// shows it on its top bar, not as a read-only incident), and an append meanwhile fails saying so.
    public var writeProblem: String? {
        if let kept = privileges.withLock({ $0 }), kept.asked.duration(to: .now) < .seconds(Self.privilegeSeconds) {
            return kept.problem
        }
        let rows: PostgresRows
        do {
            rows = try withConnection {
                try $0.query(
                    """
                    SELECT current_user, has_table_privilege('klaxon.records', 'INSERT')
                        AND has_table_privilege('klaxon.journals', 'INSERT')
                    """, timeoutSeconds: Self.statementSeconds)
            }
        } catch {
            return error.isUnreachable ? nil : error.message
        }
        var problem: String?
        if rows.rows.first?[1] == "f" {
            let role = rows.scalar ?? "?"
            problem =
                "the role \(TerminalText.printable(role)) may not insert into the journal tables at \(location); \(PostgresError.grantRemedy(role: role, uri: location))"
        }
        privileges.withLock { $0 = (problem, .now) }
        return problem
    }

    /// Drops the kept answer of `writeProblem` (an append was refused for want of a privilege).
    func forgetWriteProblem() { privileges.withLock { $0 = nil } }

    // MARK: - JournalStore

    /// One query: the incidents in order of their numbers, then `platform` and `alerts`.
    public func journalNames() throws(KlaxonError) -> [String] {
        let rows = try withConnection {
            try $0.query(
                """
                SELECT name FROM klaxon.journals
                ORDER BY name = 'alerts', name = 'platform',
                    CASE WHEN name LIKE 'INC-%' THEN substring(name FROM 5)::bigint END
                """, timeoutSeconds: Self.statementSeconds)
        }
        return rows.rows.compactMap { $0.first ?? nil }
    }

    public func journal(_ name: String) -> any StoredJournal { PostgresJournal(store: self, name: name) }

    /// The journal's row and its first record in one transaction; nil when the name is taken
    /// (`ON CONFLICT DO NOTHING`).
    public func create(_ name: String, firstRecord: RecordDraft) throws(KlaxonError) -> (any StoredJournal)? {
        try create(name, lines: [JournalCodec.encode(firstRecord, sequence: 1, previousHash: .genesis).line])
    }

    /// The journal's row and its first record with `hold` proven in the same transaction
    /// (`PostgresHold.prove`), before the INSERT.
    public func create(_ name: String, firstRecord: RecordDraft, proving hold: any StoreHold) throws(KlaxonError)
        -> (any StoredJournal)?
    {
        let line = JournalCodec.encode(firstRecord, sequence: 1, previousHash: .genesis).line
        guard let proof = hold as? PostgresHold else {
            guard hold.isHeld else {
                throw .failed("\(name): this process does not hold the lock it writes under; nothing was written")
            }
            return try create(name, lines: [line])
        }
        return try create(name, lines: [line], proof: proof)
    }

    /// The journal's row and every record in one transaction: all of them or none.
    public func create(_ name: String, records: [JournalRecord]) throws(KlaxonError) -> (any StoredJournal)? {
        let bytes: [UInt8]
        do { bytes = try JournalCodec.lines(copying: records) } catch {
            throw .failed("journal \(name) at \(location) was not created: \(error)")
        }
        return try create(name, lines: bytes.split(separator: 0x0A).map { Array($0) + [0x0A] })
    }

    private func create(_ name: String, lines: [[UInt8]], proof: PostgresHold? = nil) throws(KlaxonError)
        -> (any StoredJournal)?
    {
        var rows: [PostgresJournal.Row] = []
        var scanner = JournalScanner()
        for line in lines {
            guard let record = line.withUnsafeBufferPointer({ scanner.scan($0, isComplete: true).records.first })
            else { throw .failed("journal \(name) at \(location) was not created: a line did not read back") }
            rows.append(PostgresJournal.Row(line: line, record: record))
        }
        let key = UUID().uuidString
        let created = try withConnection(retrying: false) { (connection: PostgresConnection) throws -> Bool in
            try PostgresJournal.committing(connection, key: key, journal: name) { () throws -> Bool in
                try proof?.prove(in: connection, for: name)
                let made = try connection.query(
                    "INSERT INTO klaxon.journals (name) VALUES ($1) ON CONFLICT DO NOTHING", [name],
                    timeoutSeconds: Self.statementSeconds)
                guard made.affectedRows == 1 else { return false }
                for (n, row) in rows.enumerated() {
                    // The first row carries the key the lost-commit check looks for.
                    try PostgresJournal.insert(
                        row, into: name, key: n == 0 ? key : UUID().uuidString, connection, store: self)
                }
                return true
            } ?? true  // an earlier attempt is in
        }
        return created ? journal(name) : nil
    }

    /// `JournalStamp(records:lastHash:)` of the journal's last row: one indexed query.
    public func stamp(of name: String) -> JournalStamp? {
        let rows = try? withConnection {
            try $0.query(
                "SELECT sequence, hash FROM klaxon.records WHERE journal = $1 ORDER BY sequence DESC LIMIT 1", [name],
                timeoutSeconds: Self.statementSeconds)
        }
        guard let row = rows?.rows.first, let count = row[0].flatMap({ Int($0) }),
            let hash = row[1].flatMap({ RecordHash(hex: $0) })
        else { return nil }
        return JournalStamp(records: count, lastHash: hash)
    }

    /// One scan of `klaxon.tails`, the row per journal that every inserted record keeps (its count and
    /// last hash: the stamp), not a search for each journal's last record. Incidents are picked and put in
    /// order here: on the server that took longer than the scan.
    public func incidentJournals() throws(KlaxonError) -> [ListedJournal] {
        let rows = try withConnection {
            try $0.query("SELECT journal, records, last_hash FROM klaxon.tails", timeoutSeconds: Self.statementSeconds)
        }
        return rows.rows.compactMap { row -> ListedJournal? in
            guard let name = row[0], name.hasPrefix("INC-"), let number = Int(name.dropFirst(4)) else { return nil }
            guard let count = row[1].flatMap({ Int($0) }), let hash = row[2].flatMap({ RecordHash(hex: $0) }) else {
                return ListedJournal(number: number, stamp: nil)
            }
            return ListedJournal(number: number, stamp: JournalStamp(records: count, lastHash: hash))
        }.sorted { $0.number < $1.number }
    }

    /// A `PostgresJournalFollower`: LISTEN on a connection of its own (the store's serves queries).
    public func follow() throws(KlaxonError) -> any JournalFollower { try PostgresJournalFollower(uri: uri) }

    /// A session advisory lock on a connection of its own (`PostgresHold`).
    public func hold(_ name: String, creating: Bool) throws(KlaxonError) -> any StoreHold {
        PostgresHold(name: name, uri: uri, creating: creating)
    }
}

extension JournalStamp {
    /// The stamp of a journal in a database: `size` is its record count and the other four fields are the
    /// four 64-bit words of its last record's hash (`inode`, `device`, `modified`, `changed` in that
    /// order). As every hash covers the one before it, equal stamps mean the same records.
    public init(records count: Int, lastHash: RecordHash) {
        let hex = Array(lastHash.hex.utf8)
        let words = (0..<4).map { UInt64(String(decoding: hex[($0 * 16)..<($0 * 16 + 16)], as: UTF8.self), radix: 16)! }
        self.init(
            device: words[1], inode: words[0], size: Int64(count), modified: Int64(bitPattern: words[2]),
            changed: Int64(bitPattern: words[3]))
    }
}
