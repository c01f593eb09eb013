import KlaxonCore
import KlaxonPostgres
import Synchronization

/// A `StoreHold` of the PostgreSQL store: a session advisory lock,
/// `pg_try_advisory_lock(PostgresSchema.holdLockNamespace, hashtext(name))`, on a connection of its own,
/// so the server releases it when the holder closes the connection, dies (its socket closes) or loses its
/// connection, and the next to try takes over. A namespace apart from the journals' transaction locks:
/// a hold never blocks an append, whatever the hashes.
///
/// Lost connections, both sides (docs/postgresql.md, "Holds"):
/// - This side: `checkHeld()` is a round trip on the hold's connection (the engine asks it once per pass),
///   so a holder whose connection broke, or whose session the server ended, says it does not hold it and
///   stops paging; `isHeld` says what the last question found, and asks nothing.
/// - Between the question and a write: an append that `prove`s the hold checks, in its own transaction,
///   that the hold's session still holds the lock (`pg_locks`), under a shared transaction lock of the
///   hold's fence; a taker waits for that fence before it reads anything. So an append of a holder that
///   lost only its hold connection either ended before the taker read the journals, or is refused.
/// - The server's side: a holder whose host vanished keeps its session, and the lock, until the server
///   notices. libpq's keepalives are the client's only, so the connection sets the server's own for its
///   session (`tcp_keepalives_idle` 5 s, `tcp_keepalives_interval` 1 s, `tcp_keepalives_count` 3,
///   `tcp_user_timeout` 9 s): the server drops such a session within about 10 s, and the lock with it.
///
/// Who holds it: the taker inserts a row into `klaxon.holds` (the hold's name, `holder`, its session's
/// backend pid); `holder()` reads the row of the session `pg_locks` shows holding the lock in this
/// database (advisory locks are a database's own; `pg_locks` shows every database's). A row is
/// never changed (the table is append-only), so a takeover adds one.
final class PostgresHold: StoreHold {
    let name: String
    private let uri: String
    private let creating: Bool
    private let state = Mutex<State>(State())

    private struct State: ~Copyable {
        /// Opened at the first call that needs it; nil after it was found lost.
        var connection: PostgresConnection?
        var held = false
        /// The hold's session on the server while held (`pg_backend_pid()`): what `prove` looks for.
        var backendPID: Int32 = 0
    }

    /// The namespace of the holds' fences, `(0x4B4C5832, hashtext(name))`: a guarded append takes it
    /// shared for its transaction, a taker exclusively (and lets it go at once) before it reads anything.
    static let fenceNamespace: Int32 = 0x4B4C_5832

    /// Seconds the round trip of `checkHeld` may take before the hold counts as lost.
    static let checkSeconds = 5.0

    /// The server's keepalive settings for the hold's session: its side of noticing a vanished holder.
    static let serverKeepalives = [
        "tcp_keepalives_idle": "5", "tcp_keepalives_interval": "1", "tcp_keepalives_count": "3",
        "tcp_user_timeout": "9000"
    ]

    /// Nothing is sent to the server until the hold is taken or asked about. With `creating` false the
    /// hold is never taken: only `holder()` is asked.
    init(name: String, uri: String, creating: Bool) {
        self.name = name
        self.uri = uri
        self.creating = creating
    }

    deinit {
        state.withLock { $0.connection?.close() }  // closing the session releases the lock
    }

    /// What the last question found (`tryTake`, `checkHeld`, `prove`): no round trip.
    var isHeld: Bool { state.withLock { $0.held } }

    func checkHeld() -> Bool {
        state.withLock { state in
            guard state.held, let connection = state.connection else { return false }
            do {
                // The session stands, so its lock does: session advisory locks end only with it.
                try connection.query("SELECT 1", timeoutSeconds: Self.checkSeconds)
            } catch {
                Self.lose(&state)
            }
            return state.held
        }
    }

    /// Proves in the transaction `connection` runs (an append's, before its INSERT) that this process
    /// still holds the hold: takes the fence shared until the transaction ends, then finds the hold's
    /// session holding the lock in `pg_locks`. Throws, writing nothing, when it does not (the hold is then
    /// not held here: its session ended, and another process may hold it now).
    func prove(in connection: PostgresConnection, for journal: String) throws {
        let session = state.withLock { $0.held ? $0.backendPID : nil }
        if let session {
            try connection.query(
                "SELECT pg_advisory_xact_lock_shared($1::int, hashtext($2))", [String(Self.fenceNamespace), name],
                timeoutSeconds: PostgresJournalStore.statementSeconds)
            let held = try connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM pg_locks
                    WHERE locktype = 'advisory' AND granted AND objsubid = 2
                        AND classid = ($1::int)::oid AND objid = hashtext($2)::oid AND pid = $3::int)
                """, [String(PostgresSchema.holdLockNamespace), name, String(session)],
                timeoutSeconds: PostgresJournalStore.statementSeconds
            ).scalar
            if held == "t" { return }
            state.withLock { Self.lose(&$0) }
        }
        throw KlaxonError.failed(
            "\(journal): this process no longer holds the hold \(name) (its connection to the server ended, and another process may hold it now); nothing was written"
        )
    }

    /// Forgets the hold (closing its session, which releases the lock if the server still had it).
    private static func lose(_ state: inout State) {
        state.connection?.close()
        state.connection = nil
        state.held = false
        state.backendPID = 0
    }

    func tryTake(holder: String) -> Bool {
        guard creating else { return false }
        return state.withLock { state in
            if state.held { return true }
            do {
                let connection = try Self.connected(&state.connection, uri: uri, name: name)
                let taken = try connection.query(
                    "SELECT pg_try_advisory_lock($1::int, hashtext($2))",
                    [String(PostgresSchema.holdLockNamespace), name], timeoutSeconds: Self.checkSeconds
                ).scalar
                guard taken == "t" else { return false }
                // The holder before may have lost only its hold connection, with appends that proved its
                // hold still under way: wait for them (the fence) before anything is read, so that they
                // are in what this holder reads; any that begins later finds this session holding it.
                let fence = [String(Self.fenceNamespace), name]
                try connection.query(
                    "SELECT pg_advisory_lock($1::int, hashtext($2))", fence, timeoutSeconds: Self.checkSeconds)
                try connection.query(
                    "SELECT pg_advisory_unlock($1::int, hashtext($2))", fence, timeoutSeconds: Self.checkSeconds)
                state.held = true
                state.backendPID = connection.backendPID
                // Who took it, for others to say; a role that may not insert still holds it (others then
                // say "another process", as for a lock file without its line).
                _ = try? connection.query(
                    "INSERT INTO klaxon.holds (name, holder, backend_pid) VALUES ($1, $2, pg_backend_pid())",
                    [name, String(holder.prefix(512))], timeoutSeconds: Self.checkSeconds)
                return true
            } catch {
                state.connection?.close()
                state.connection = nil
                return false
            }
        }
    }

    func holder() -> String? {
        state.withLock { state in
            if state.held { return nil }
            do {
                let connection = try Self.connected(&state.connection, uri: uri, name: name)
                let rows = try connection.query(
                    """
                    SELECT (SELECT h.holder FROM klaxon.holds h
                            WHERE h.name = $2 AND h.backend_pid = l.pid ORDER BY h.taken_at DESC LIMIT 1)
                    FROM pg_locks l
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                        AND l.classid = ($1::int)::oid AND l.objid = hashtext($2)::oid
                        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """, [String(PostgresSchema.holdLockNamespace), name], timeoutSeconds: Self.checkSeconds)
                guard let row = rows.rows.first else { return nil }
                // Any role that may insert wrote it: never control sequences for a terminal.
                return row.first.flatMap { $0 }.map { TerminalText.printable($0) } ?? "another process"
            } catch {
                state.connection?.close()
                state.connection = nil
                return nil
            }
        }
    }

    /// The hold's connection, opened (as `klaxon hold NAME`, so `pg_stat_activity` shows it) when there
    /// is none or it was lost, with the server's keepalives set for its session.
    private static func connected(_ connection: inout PostgresConnection?, uri: String, name: String)
        throws -> PostgresConnection
    {
        if let open = connection, open.isAlive { return open }
        connection?.close()
        connection = nil
        let made = try PostgresConnection(uri: uri, applicationName: "klaxon hold \(name)")
        for (setting, value) in serverKeepalives.sorted(by: { $0.key < $1.key }) {
            try made.query("SELECT set_config($1, $2, false)", [setting, value], timeoutSeconds: checkSeconds)
        }
        connection = made
        return made
    }
}
