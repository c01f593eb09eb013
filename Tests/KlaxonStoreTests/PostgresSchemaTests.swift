import Foundation
import KlaxonCore
import KlaxonPostgres
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The PostgreSQL journal schema and `PostgresSchema.initialise` against the tests' real cluster.
struct PostgresSchemaTests {
    /// A record line as the file store writes it, with its hash.
    func line(_ sequence: Int, after previous: RecordHash, note: String = "n") -> (text: String, hash: RecordHash) {
        let draft = RecordDraft(
            type: "note", data: .object(["text": .string(note)]), timestamp: Timestamp(milliseconds: 1_795_165_200_000),
            actor: "alice", host: "h", pid: 1)
        let (bytes, record) = JournalCodec.encode(draft, sequence: sequence, previousHash: previous)
        return (PostgresBytea.text(bytes), record.hash)
    }

    /// Inserts journal `journal`'s record `sequence` after `previous` as the connection's role.
    @discardableResult
    func append(
        _ connection: PostgresConnection, _ journal: String, _ sequence: Int, after previous: RecordHash,
        key: String = UUID().uuidString, hashColumn: RecordHash? = nil
    ) throws -> RecordHash {
        let (text, hash) = line(sequence, after: previous)
        try connection.query(
            """
            INSERT INTO klaxon.records (journal, sequence, type, recorded_at, hash, previous_hash, line, append_key)
            VALUES ($1, $2::bigint, 'note', '2026-11-20T09:00:00Z', $3, $4, $5::bytea, $6::uuid)
            """, [journal, String(sequence), (hashColumn ?? hash).hex, previous.hex, text, key])
        return hash
    }

    @Test func initTwiceChangesNothingAndANewerSchemaIsRefused() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let owner = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
        #expect(throws: KlaxonError.self) { try PostgresSchema.requireCurrent(owner) }
        let first = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        #expect(first.applied.map(\.version) == Array(1...PostgresSchema.latestVersion))
        #expect(first.version == PostgresSchema.latestVersion)
        #expect(first.granted == PostgresServer.everyday)
        try PostgresSchema.requireCurrent(owner)
        let dump = try database.schemaDump()
        let migrations = try database.psql("SELECT version, applied_at, applied_by FROM klaxon.schema_migrations")
        #expect(dump.contains("CREATE TABLE klaxon.records"))
        #expect(dump.contains("GRANT SELECT,INSERT ON TABLE klaxon.records TO klaxon_app;"))
        #expect(migrations.hasSuffix("|klaxon_owner\n"))

        let second = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        #expect(second.applied.isEmpty)
        #expect(second.version == PostgresSchema.latestVersion)
        #expect(try database.schemaDump() == dump)
        #expect(try database.psql("SELECT version, applied_at, applied_by FROM klaxon.schema_migrations") == migrations)

        // A schema a newer klaxon migrated: refused, and nothing applied.
        let future = PostgresSchema.latestVersion + 1
        try database.psql(
            "INSERT INTO klaxon.schema_migrations (version, description) VALUES (\(future), 'from the future')")
        let refusal = #expect(throws: KlaxonError.self) {
            try PostgresSchema.initialise(uri: database.ownerURI, grantTo: nil)
        }
        #expect(refusal?.kind == .failed)
        #expect(
            refusal?.message
                == "PostgreSQL at 127.0.0.1:\(database.server.port), database \(database.name): the journal schema is version \(future), newer than this klaxon knows (\(PostgresSchema.latestVersion)); use the klaxon that migrated it, or a newer one"
        )
        #expect(throws: KlaxonError.self) { try PostgresSchema.requireCurrent(owner) }
        #expect(try database.schemaDump() == dump)
    }

    @Test func theEverydayRoleReadsAndAppendsAndNobodyChangesARecord() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let app = try PostgresConnection(uri: database.everydayURI, applicationName: "t")
        let owner = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
        let listener = try PostgresConnection(uri: database.everydayURI, applicationName: "t")
        try listener.listen(PostgresSchema.notificationChannel)

        // What an append needs: an incident number, the journal's row and its records, a lock, a read.
        let number = try #require(try app.query("SELECT nextval('klaxon.incident_number')").scalar)
        #expect(number == "1")
        var last = RecordHash.genesis
        try app.transaction {
            try app.query("SELECT pg_advisory_xact_lock(1, 2)")
            try app.query("INSERT INTO klaxon.journals (name) VALUES ($1)", ["INC-1"])
            last = try append(app, "INC-1", 1, after: last)
        }
        let key = UUID().uuidString
        last = try append(app, "INC-1", 2, after: last, key: key)
        let rows = try app.query(
            "SELECT sequence, hash, line FROM klaxon.records WHERE journal = 'INC-1' ORDER BY sequence")
        #expect(rows.rows.map { $0[0] } == ["1", "2"])
        #expect(rows.rows.last?[1] == last.hex)
        let stored = try #require(rows.rows.last?[2].flatMap(PostgresBytea.bytes))
        #expect(
            stored == Array(try #require(PostgresBytea.bytes(line(2, after: RecordHash(hex: rows.rows[0][1]!)!).text))))
        // Each commit's notification comes on its own: read until both are in, for a second at most.
        var payloads: [String] = []
        for _ in 0..<20 where payloads.count < 2 {
            var socket = pollfd(fd: listener.socketDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&socket, 1, 50)
            payloads += try listener.notifications().map(\.payload)
        }
        #expect(payloads == ["INC-1 1", "INC-1 2"])

        // Nobody writes a double, a gap, a broken chain, an append twice or a hash the line does not hold.
        #expect(caught(PostgresError.self) { try append(app, "INC-1", 2, after: last) }?.sqlState == .uniqueViolation)
        #expect(
            caught(PostgresError.self) { try append(app, "INC-1", 4, after: last) }?.sqlState == .foreignKeyViolation)
        #expect(
            caught(PostgresError.self) { try append(app, "INC-1", 3, after: .genesis) }?.sqlState == .checkViolation)
        let other = line(1, after: .genesis, note: "other").hash
        #expect(
            caught(PostgresError.self) { try append(app, "INC-1", 3, after: other) }?.sqlState == .foreignKeyViolation)
        #expect(
            caught(PostgresError.self) { try append(app, "INC-1", 3, after: last, key: key) }?.sqlState
                == .uniqueViolation)
        #expect(
            caught(PostgresError.self) { try append(app, "INC-1", 3, after: last, hashColumn: other) }?.sqlState
                == .checkViolation)
        #expect(
            caught(PostgresError.self) { try append(app, "INC-9", 1, after: .genesis) }?.sqlState
                == .foreignKeyViolation)
        #expect(
            caught(PostgresError.self) { try app.query("INSERT INTO klaxon.journals (name) VALUES ('INC-1')") }?
                .sqlState
                == .uniqueViolation)
        #expect(
            caught(PostgresError.self) { try app.query("INSERT INTO klaxon.journals (name) VALUES ('inc-2')") }?
                .sqlState
                == .checkViolation)
        // Besides the incidents', the journals platform and alerts (version 4), and no other.
        try app.query("INSERT INTO klaxon.journals (name) VALUES ('alerts')")
        #expect(
            caught(PostgresError.self) { try app.query("INSERT INTO klaxon.journals (name) VALUES ('alerts2')") }?
                .sqlState == .checkViolation)

        // The everyday role has no privilege to change anything; the owner is stopped by the triggers.
        for statement in [
            "UPDATE klaxon.records SET type = 'x'", "DELETE FROM klaxon.records", "TRUNCATE klaxon.records",
            "UPDATE klaxon.journals SET name = 'INC-5'", "DELETE FROM klaxon.journals", "TRUNCATE klaxon.journals",
            "SELECT setval('klaxon.incident_number', 1)", "DELETE FROM klaxon.schema_migrations",
            "UPDATE klaxon.holds SET holder = 'x'", "DELETE FROM klaxon.holds", "TRUNCATE klaxon.holds",
            "ALTER TABLE klaxon.records DISABLE TRIGGER append_only", "UPDATE klaxon.tails SET records = 9",
            "DELETE FROM klaxon.tails", "TRUNCATE klaxon.tails",
            "INSERT INTO klaxon.tails (journal, records, last_hash) VALUES ('INC-1', 9, repeat('0', 64))"
        ] {
            let error = caught(PostgresError.self) { try app.query(statement) }
            #expect(error?.sqlState == .insufficientPrivilege, "\(statement)")
            #expect(
                error?.message.contains("permission denied") == true
                    || error?.message.contains("must be owner") == true, "\(statement): \(error?.message ?? "")")
        }
        for statement in [
            "UPDATE klaxon.records SET type = 'x' WHERE false", "DELETE FROM klaxon.records", "TRUNCATE klaxon.records",
            "UPDATE klaxon.journals SET name = 'INC-5'", "DELETE FROM klaxon.journals",
            "TRUNCATE klaxon.journals CASCADE", "UPDATE klaxon.holds SET holder = 'x'", "DELETE FROM klaxon.holds",
            "TRUNCATE klaxon.holds"
        ] {
            let error = caught(PostgresError.self) { try owner.query(statement) }
            #expect(error?.sqlState == .insufficientPrivilege, "\(statement)")
            #expect(error?.message.contains("is append-only") == true, "\(statement): \(error?.message ?? "")")
        }
        #expect(try app.query("SELECT count(*) FROM klaxon.records").scalar == "2")

        // A journal made by other means (an import) moves the incident numbers past it, never back.
        try app.query("INSERT INTO klaxon.journals (name) VALUES ('INC-7')")
        try app.query("INSERT INTO klaxon.journals (name) VALUES ('INC-3')")
        #expect(try app.query("SELECT nextval('klaxon.incident_number')").scalar == "8")
        try app.query("INSERT INTO klaxon.journals (name) VALUES ('platform')")
        #expect(try app.query("SELECT nextval('klaxon.incident_number')").scalar == "9")
    }

    /// Version 3 on a database an older klaxon made and wrote: each journal's tail (count, last hash) is
    /// filled in, the everyday role reads it without another grant, and an INSERT from a connection
    /// opened before the migration (an older klaxon still running) keeps it, as the store's appends do.
    @Test func aDatabaseOfVersion2IsMigratedWithEveryJournalsTail() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let owner = try PostgresConnection(uri: database.ownerURI, applicationName: "t")
        let older = try PostgresSchema.initialise(owner, grantTo: nil, through: 2)
        #expect(older.version == 2)
        // What journal init --grant gave at version 2.
        try owner.execute(
            script: """
                GRANT USAGE ON SCHEMA klaxon TO klaxon_app;
                GRANT SELECT, INSERT ON klaxon.journals, klaxon.records, klaxon.holds TO klaxon_app;
                GRANT SELECT ON klaxon.schema_migrations TO klaxon_app;
                GRANT USAGE ON SEQUENCE klaxon.incident_number TO klaxon_app;
                """)
        let app = try PostgresConnection(uri: database.everydayURI, applicationName: "t")
        var hashes: [String: [RecordHash]] = [:]
        for (journal, count) in [("INC-1", 3), ("INC-2", 1), ("platform", 2)] {
            try app.query("INSERT INTO klaxon.journals (name) VALUES ($1)", [journal])
            var last = RecordHash.genesis
            for sequence in 1...count {
                last = try append(app, journal, sequence, after: last)
                hashes[journal, default: []].append(last)
            }
        }

        let report = try PostgresSchema.initialise(owner, grantTo: nil)
        #expect(report.applied.map(\.version).first == 3)
        #expect(
            try app.query("SELECT journal, records, last_hash FROM klaxon.tails ORDER BY journal").rows == [
                ["INC-1", "3", hashes["INC-1"]![2].hex], ["INC-2", "1", hashes["INC-2"]![0].hex],
                ["platform", "2", hashes["platform"]![1].hex]
            ])

        // The older klaxon's connection appends; a new journal, by the store.
        hashes["INC-1"]!.append(try append(app, "INC-1", 4, after: hashes["INC-1"]![2]))
        let store = PostgresJournalStore(uri: database.everydayURI)
        // Version 5 gave the role that appends the outcome ledgers too, without another --grant.
        let ledger = OutcomeLedger(windowDays: 28).bytes
        try store.saveOutcomeLedgers(["registry": ledger])
        try store.saveOutcomeLedgers(["registry": ledger])
        #expect(try store.outcomeLedgers() == ["registry": ledger])
        let draft = RecordDraft(
            type: "note", data: .object(["text": .string("n")]), timestamp: Timestamp(milliseconds: 1_795_165_200_000),
            actor: "alice", host: "h", pid: 1)
        let created = try #require(try store.create("INC-3", firstRecord: draft))
        let second = try created.append(wait: .standard) { _ in draft }
        // Many records in one transaction (an import): the tail is the last of them.
        var chain: [JournalRecord] = []
        for sequence in 1...3 {
            chain.append(
                JournalCodec.encode(draft, sequence: sequence, previousHash: chain.last?.hash ?? .genesis).record)
        }
        #expect(try store.create("INC-4", records: chain) != nil)
        let listed = try store.incidentJournals()
        #expect(listed.map(\.number) == [1, 2, 3, 4])
        #expect(
            listed.map(\.stamp) == [
                JournalStamp(records: 4, lastHash: hashes["INC-1"]![3]),
                JournalStamp(records: 1, lastHash: hashes["INC-2"]![0]),
                JournalStamp(records: 2, lastHash: second.hash),
                JournalStamp(records: 3, lastHash: chain[2].hash)
            ])
        #expect(listed.map(\.stamp) == [1, 2, 3, 4].map { store.stamp(of: "INC-\($0)") })
    }

    @Test func aMissingRoleIsNamedAndANonURIRefused() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let error = #expect(throws: KlaxonError.self) {
            try PostgresSchema.initialise(uri: database.ownerURI, grantTo: "nobody_here")
        }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("there is no role nobody_here on PostgreSQL at 127.0.0.1:") == true)
        // The schema was made all the same, and the grant can be given later.
        #expect(try PostgresSchema.initialise(uri: database.ownerURI, grantTo: nil).applied.isEmpty)
        let notURI = #expect(throws: KlaxonError.self) { try PostgresSchema.initialise(uri: "journals", grantTo: nil) }
        #expect(notURI?.kind == .badInput)
        // The everyday role cannot make the schema (no CREATE on the database): refused, nothing made.
        let fresh = try await PostgresServer.shared().makeDatabase()
        let refused = #expect(throws: KlaxonError.self) {
            try PostgresSchema.initialise(uri: fresh.everydayURI, grantTo: nil)
        }
        #expect(refused?.message.contains("permission denied for database") == true, "\(refused?.message ?? "")")
        #expect(try fresh.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'klaxon'") == "0\n")
    }
}
