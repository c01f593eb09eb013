import KlaxonCore
import KlaxonPostgres

/// The PostgreSQL journal store's tables (schema `klaxon`), made and migrated by `klaxon journal init`
/// (docs/postgresql.md). Migrations are numbered; each runs in one transaction with the version it
/// brings recorded in `klaxon.schema_migrations`, under a transaction advisory lock, so two inits at
/// once apply each migration once. A database whose schema is newer than this Klaxon knows is refused.
///
/// What the tables give the store:
/// - `klaxon.journals`: one row per journal (`INC-N`, `platform`, or `alerts` from version 4), inserted with its first record in
///   one transaction; a second creation of the same name fails with `SQLState.uniqueViolation`.
/// - `klaxon.records`: one row per record holding the exact line the file store writes (`line`, bytea,
///   newline included) beside its `sequence`, `type`, `recorded_at` (the record's `ts`), `hash` and
///   `previous_hash` for queries. The primary key (journal, sequence) makes a double impossible; the
///   foreign key from (journal, sequence − 1, previous_hash) to the record before makes a gap or a
///   broken chain impossible (`foreignKeyViolation`); `hash` must be the hash the line ends with.
///   `append_key` (a UUID per append, outside the hashed line) is unique: an append whose commit
///   acknowledgement was lost is found by it after reconnecting, and a second insert of it fails with
///   `uniqueViolation`.
/// - Append-only: a statement trigger refuses UPDATE, DELETE and TRUNCATE on both tables, for every
///   role (`insufficientPrivilege`), besides the everyday role having no such privileges.
/// - Each inserted record notifies channel `klaxon_records` with the payload `JOURNAL SEQUENCE`
///   (`INC-7 12`), delivered when its transaction commits.
/// - `klaxon.holds` (version 2): a row per take of a hold (its name, the holder's text, the session's
///   backend pid), append-only as the others: who holds a hold is the row of the session that
///   `pg_locks` shows holding its session advisory lock (`PostgresHold`).
/// - `klaxon.tails` (version 3): a row per journal with its record count and last hash (its stamp),
///   kept by a trigger on every inserted record (running as the owner; the everyday role only reads it),
///   so that `PostgresJournalStore.incidentJournals()` is one scan. A cache: reads and `journal verify`
///   go by the records.
/// - Version 4 lets `klaxon.journals` hold the journal `alerts` (what the intake receives) beside the
///   incidents' and `platform`.
/// - `klaxon.outcomes` (version 5): a row per check with an objective holding its outcome ledger
///   (`OutcomeLedger.bytes`), replaced by the recorder each minute: counts, not records, so not a journal.
/// - `klaxon.incident_number`, a sequence: `nextval` gives incident numbers unique across writers
///   (a number taken by a declaration that failed is skipped). A journal `INC-N` inserted by other
///   means (an import) moves it past N, so it never hands out a number that exists.
public enum PostgresSchema {
    /// One step of the schema.
    public struct Migration: Sendable {
        public let version: Int
        /// What it makes, as `journal init` prints it.
        public let description: String
        let sql: String
    }

    /// The channel every inserted record is notified on.
    public static let notificationChannel = "klaxon_records"

    /// The two-key advisory lock namespace of Klaxon (`pg_advisory_xact_lock(namespace, key)`); key 0
    /// is `journal init`'s.
    public static let advisoryLockNamespace: Int32 = 0x4B4C_5830

    /// The namespace of the holds' session advisory locks (`pg_try_advisory_lock(namespace,
    /// hashtext(name))`): apart from `advisoryLockNamespace`, so a hold never collides with a journal's
    /// transaction lock, whatever the hashes.
    public static let holdLockNamespace: Int32 = 0x4B4C_5831

    /// The schema versions in order; the last is the version this Klaxon needs.
    public static let migrations: [Migration] = [
        Migration(
            version: 1,
            description:
                "the journal tables (klaxon.journals, klaxon.records: append-only, one chain per journal, an idempotency key per append), the incident number sequence, notifications on klaxon_records",
            sql: """
                CREATE SCHEMA klaxon;
                CREATE TABLE klaxon.schema_migrations (
                    version integer PRIMARY KEY,
                    description text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by name NOT NULL DEFAULT current_user
                );
                CREATE TABLE klaxon.journals (
                    name text PRIMARY KEY CHECK (name ~ '^(INC-[1-9][0-9]{0,17}|platform)$'),
                    created_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE TABLE klaxon.records (
                    journal text NOT NULL REFERENCES klaxon.journals (name),
                    sequence bigint NOT NULL CHECK (sequence >= 1),
                    previous_sequence bigint GENERATED ALWAYS AS (CASE WHEN sequence > 1 THEN sequence - 1 END) STORED,
                    type text NOT NULL,
                    recorded_at timestamptz NOT NULL,
                    hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
                    previous_hash text NOT NULL,
                    line bytea NOT NULL,
                    append_key uuid NOT NULL UNIQUE,
                    inserted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (journal, sequence),
                    UNIQUE (journal, sequence, hash),
                    FOREIGN KEY (journal, previous_sequence, previous_hash)
                        REFERENCES klaxon.records (journal, sequence, hash),
                    CHECK ((sequence = 1) = (previous_hash = repeat('0', 64))),
                    -- The line ends with ,"hash":"<hash>"} and its newline: the column says what the line says.
                    CHECK (length(line) > 76
                        AND substring(line FROM length(line) - 75) = convert_to(',"hash":"' || hash || '"}' || chr(10), 'UTF8'))
                );
                CREATE INDEX records_by_time ON klaxon.records (recorded_at);

                CREATE FUNCTION klaxon.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'klaxon.% is append-only: % refused', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'insufficient_privilege',
                            HINT = 'journals change only by appending records; klaxon journal verify checks them';
                END $$;
                CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON klaxon.journals
                    FOR EACH STATEMENT EXECUTE FUNCTION klaxon.refuse_change();
                CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON klaxon.records
                    FOR EACH STATEMENT EXECUTE FUNCTION klaxon.refuse_change();

                CREATE FUNCTION klaxon.notify_record() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('klaxon_records', NEW.journal || ' ' || NEW.sequence);
                    RETURN NULL;
                END $$;
                CREATE TRIGGER notify AFTER INSERT ON klaxon.records
                    FOR EACH ROW EXECUTE FUNCTION klaxon.notify_record();

                CREATE SEQUENCE klaxon.incident_number AS bigint MINVALUE 1;
                -- Runs as the schema's owner (who may setval), for any role that inserts a journal.
                CREATE FUNCTION klaxon.note_incident_number() RETURNS trigger LANGUAGE plpgsql
                    SECURITY DEFINER SET search_path = pg_catalog AS $$
                DECLARE
                    number bigint;
                    given bigint;
                BEGIN
                    IF NEW.name LIKE 'INC-%' THEN
                        number := substring(NEW.name FROM 5)::bigint;
                        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO given
                            FROM klaxon.incident_number;
                        IF number > given THEN
                            PERFORM setval('klaxon.incident_number', number, true);
                        END IF;
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER note_incident_number AFTER INSERT ON klaxon.journals
                    FOR EACH ROW EXECUTE FUNCTION klaxon.note_incident_number();
                """),
        Migration(
            version: 2,
            description:
                "who took each hold (klaxon.holds: append-only, a row per take naming the holder and its session)",
            sql: """
                -- The session advisory lock is the hold; a row says who took it, for holder(): the row of
                -- the session pg_locks shows holding it (rows are never changed, so a takeover adds one).
                CREATE TABLE klaxon.holds (
                    name text NOT NULL CHECK (name ~ '^[a-z]{1,32}$'),
                    holder text NOT NULL CHECK (length(holder) BETWEEN 1 AND 512),
                    backend_pid integer NOT NULL,
                    taken_at timestamptz NOT NULL DEFAULT clock_timestamp()
                );
                CREATE INDEX holds_by_session ON klaxon.holds (name, backend_pid, taken_at);
                CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON klaxon.holds
                    FOR EACH STATEMENT EXECUTE FUNCTION klaxon.refuse_change();
                """),
        Migration(
            version: 3,
            description:
                "each journal's record count and last hash (klaxon.tails, kept by every inserted record), so that listing the journals is one scan",
            sql: """
                -- Listing every journal's stamp was a search for each journal's last record (10,000
                -- journals, 10,000 index descents). A row per journal holding that record's sequence and
                -- hash makes it one scan. A trigger keeps it, whoever inserts (an older klaxon still
                -- connected while this migrates, an import, psql), and runs as the owner: the journal
                -- tables stay append-only, and the everyday role may only read it. It is a cache: replay
                -- and journal verify read the records themselves.
                -- No record is inserted from here to the commit, so the backfill misses none.
                LOCK TABLE klaxon.records IN SHARE ROW EXCLUSIVE MODE;
                CREATE TABLE klaxon.tails (
                    journal text PRIMARY KEY REFERENCES klaxon.journals (name),
                    records bigint NOT NULL CHECK (records >= 1),
                    last_hash text NOT NULL CHECK (last_hash ~ '^[0-9a-f]{64}$')
                );
                -- Deferred to the commit, where only each journal's last row of the transaction writes its
                -- tail: a row updated again and again in one transaction (an import of 100,000 records)
                -- costs time in the square of the updates.
                CREATE FUNCTION klaxon.note_tail() RETURNS trigger LANGUAGE plpgsql
                    SECURITY DEFINER SET search_path = pg_catalog AS $$
                BEGIN
                    IF NOT EXISTS (SELECT 1 FROM klaxon.records WHERE journal = NEW.journal AND sequence = NEW.sequence + 1)
                    THEN
                        INSERT INTO klaxon.tails AS tail (journal, records, last_hash)
                            VALUES (NEW.journal, NEW.sequence, NEW.hash)
                            ON CONFLICT (journal) DO UPDATE SET records = EXCLUDED.records, last_hash = EXCLUDED.last_hash
                            WHERE tail.records < EXCLUDED.records;
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER note_tail AFTER INSERT ON klaxon.records
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION klaxon.note_tail();
                INSERT INTO klaxon.tails (journal, records, last_hash)
                    SELECT DISTINCT ON (journal) journal, sequence, hash FROM klaxon.records
                    ORDER BY journal, sequence DESC;
                -- Whoever may read the journals may read their tails (without it, the listing of every
                -- klaxon would be refused until journal init --grant ran again).
                DO $$
                DECLARE
                    reader record;
                BEGIN
                    FOR reader IN
                        SELECT DISTINCT grantee FROM pg_class, aclexplode(relacl)
                        WHERE oid = 'klaxon.journals'::regclass AND privilege_type = 'SELECT' AND grantee <> relowner
                    LOOP
                        EXECUTE 'GRANT SELECT ON klaxon.tails TO '
                            || CASE WHEN reader.grantee = 0 THEN 'PUBLIC' ELSE reader.grantee::regrole::text END;
                    END LOOP;
                END $$;
                """),
        Migration(
            version: 4,
            description: "the journal alerts (what the alert intake receives) beside the incidents' and platform",
            sql: """
                -- The names a journal may have: the check that version 1 wrote inline (its name is
                -- PostgreSQL's, journals_name_check), with alerts added. Existing rows all pass it.
                ALTER TABLE klaxon.journals DROP CONSTRAINT journals_name_check,
                    ADD CONSTRAINT journals_name_check CHECK (name ~ '^(INC-[1-9][0-9]{0,17}|platform|alerts)$');
                """),
        Migration(
            version: 5,
            description:
                "the checks' outcome ledgers (klaxon.outcomes: a row per check with an objective, replaced by the recorder each minute)",
            sql: """
                -- Not a journal: per-minute and per-hour counts of good and all polls, rolled as the
                -- objective's window moves (OutcomeLedger.bytes, about 8 KB a check). The recorder
                -- replaces its checks' rows; nothing else writes them.
                CREATE TABLE klaxon.outcomes (
                    check_name text PRIMARY KEY CHECK (length(check_name) BETWEEN 1 AND 512),
                    ledger bytea NOT NULL,
                    saved_at timestamptz NOT NULL DEFAULT now()
                );
                -- Whoever may write the journals may keep the outcomes (as version 3 granted the tails).
                DO $$
                DECLARE
                    writer record;
                BEGIN
                    FOR writer IN
                        SELECT DISTINCT grantee FROM pg_class, aclexplode(relacl)
                        WHERE oid = 'klaxon.records'::regclass AND privilege_type = 'INSERT' AND grantee <> relowner
                    LOOP
                        EXECUTE 'GRANT SELECT, INSERT, UPDATE ON klaxon.outcomes TO '
                            || CASE WHEN writer.grantee = 0 THEN 'PUBLIC' ELSE writer.grantee::regrole::text END;
                    END LOOP;
                END $$;
                """)
    ]

    /// The version this Klaxon needs and knows.
    public static var latestVersion: Int { migrations.last!.version }

    /// What `initialise` did.
    public struct Report: Sendable {
        /// `HOST:PORT, database NAME`.
        public var server: String
        /// The migrations it applied now (none when the schema was current).
        public var applied: [Migration]
        /// The schema's version after it.
        public var version: Int
        /// The role granted the everyday privileges, if one was named.
        public var granted: String?
    }

    /// Connects to `uri` (as `klaxon journal init`) and runs `initialise(_:grantTo:)`.
    public static func initialise(uri: String, grantTo role: String?) throws(KlaxonError) -> Report {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection(uri: uri, applicationName: "klaxon journal init")
        } catch {
            // A URI libpq would refuse (or none) is bad input; nothing was sent.
            throw error.kind == .invalidInput ? .badInput(error.message) : error.klaxonError
        }
        return try initialise(connection, grantTo: role)
    }

    /// Brings the schema to `latestVersion` (as the connection's role, which owns what it makes) and,
    /// with `grantTo`, gives that role the everyday privileges: USAGE on the schema, SELECT and INSERT
    /// on the journal tables and `klaxon.holds`, SELECT on `klaxon.schema_migrations` and `klaxon.tails`, USAGE (nextval) on the incident
    /// number sequence; never UPDATE, DELETE or TRUNCATE (advisory locks and NOTIFY need no grant).
    /// Running it again changes nothing. Refuses a schema newer than this Klaxon knows. `through` stops
    /// at an older version (what an older klaxon made: the tests of migrating an existing database).
    public static func initialise(
        _ connection: PostgresConnection, grantTo role: String?, through last: Int = latestVersion
    ) throws(KlaxonError) -> Report {
        var report = Report(server: connection.server, applied: [], version: 0, granted: nil)
        do {
            for migration in migrations where migration.version <= last {
                try connection.transaction {
                    try connection.query(
                        "SELECT pg_advisory_xact_lock($1::int, 0)", [String(advisoryLockNamespace)])
                    let current = try version(connection) ?? 0
                    report.version = current
                    guard current < migration.version else { return }
                    try connection.execute(script: migration.sql)
                    try connection.query(
                        "INSERT INTO klaxon.schema_migrations (version, description) VALUES ($1::int, $2)",
                        [String(migration.version), migration.description])
                    report.applied.append(migration)
                    report.version = migration.version
                }
            }
            if let role { try grant(connection, to: role) }
            report.granted = role
        } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
            // Not the everyday role's missing grant: the role running init may not make the schema.
            throw .failed(
                "PostgreSQL at \(error.server): \(error.message) (SQLSTATE \(SQLState.insufficientPrivilege)); the role \(TerminalText.printable(error.role ?? "of --uri")) may not make or change the schema: run klaxon journal init as the role that owns schema klaxon, or is to own it (it needs CREATE on the database); see docs/postgresql.md, \"Roles\""
            )
        } catch {
            throw klaxonError(error, connection)
        }
        return report
    }

    /// `error` as one KlaxonError: ours as it is, the driver's with its server and what to do.
    private static func klaxonError(_ error: any Error, _ connection: PostgresConnection) -> KlaxonError {
        switch error {
        case let error as KlaxonError: error
        case let error as PostgresError: error.klaxonError
        default: .failed("\(connection.server): \(error)")
        }
    }

    /// The schema's version, nil when the database has no Klaxon schema. Throws when it is newer than
    /// this Klaxon knows.
    public static func version(_ connection: PostgresConnection) throws -> Int? {
        let exists = try connection.query("SELECT to_regclass('klaxon.schema_migrations') IS NOT NULL").scalar
        guard exists == "t" else { return nil }
        let newest = try connection.query("SELECT max(version) FROM klaxon.schema_migrations").scalar
        guard let newest, let version = Int(newest) else { return nil }
        guard version <= latestVersion else {
            throw KlaxonError.failed(
                "PostgreSQL at \(connection.server): the journal schema is version \(version), newer than this klaxon knows (\(latestVersion)); use the klaxon that migrated it, or a newer one"
            )
        }
        return version
    }

    /// Throws unless the database's schema is exactly the version this Klaxon needs, saying what to do
    /// (`klaxon journal init`, or a newer klaxon). What a store checks when it opens.
    public static func requireCurrent(_ connection: PostgresConnection) throws(KlaxonError) {
        let found: Int?
        do {
            found = try version(connection)
        } catch {
            throw klaxonError(error, connection)
        }
        guard let found else {
            throw .failed(
                "PostgreSQL at \(connection.server): the database has no journal tables; run klaxon journal init as the role that is to own them"
            )
        }
        guard found == latestVersion else {
            throw .failed(
                "PostgreSQL at \(connection.server): the journal schema is version \(found), older than this klaxon needs (\(latestVersion)); run klaxon journal init to migrate it"
            )
        }
    }

    /// The everyday privileges for `role`, in one transaction.
    static func grant(_ connection: PostgresConnection, to role: String) throws {
        let exists = try connection.query("SELECT count(*) FROM pg_roles WHERE rolname = $1", [role]).scalar
        guard exists == "1" else {
            throw KlaxonError.badInput(
                "there is no role \(TerminalText.printable(role)) on PostgreSQL at \(connection.server); create it first (CREATE ROLE name LOGIN), then run journal init --grant again"
            )
        }
        let name = PostgresConnection.quoteIdentifier(role)
        _ = try connection.transaction {
            try connection.execute(
                script: """
                    GRANT USAGE ON SCHEMA klaxon TO \(name);
                    GRANT SELECT, INSERT ON klaxon.journals, klaxon.records, klaxon.holds TO \(name);
                    GRANT SELECT ON klaxon.schema_migrations, klaxon.tails TO \(name);
                    GRANT SELECT, INSERT, UPDATE ON klaxon.outcomes TO \(name);
                    GRANT USAGE ON SEQUENCE klaxon.incident_number TO \(name);
                    """)
        }
    }
}
