import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// What the `klaxon` executable says on a database workspace when something is not as it should be (a
/// privilege missing, a URI libpq would refuse, damage) and what it says a review or a repair comes from:
/// found by the new-user walkthrough (session 12's note), each said with what to do.
struct PostgresCommandMessageTests {
    /// Runs `klaxon ARGUMENTS` as a process on `workspace`, off the cooperative pool.
    private func klaxon(_ workspace: String, _ arguments: String...) async throws -> (
        status: Int32, output: String, errors: String
    ) {
        let run = try await blocking { try runKlaxonProcess(arguments, workspace: workspace) }
        return (run.status, run.output, run.errors)
    }

    /// A database whose schema the owner made, without granting anything, and a workspace whose
    /// journals are that database as the everyday role.
    private func ungrantedDatabase() async throws -> (PostgresDatabase, TemporaryDirectory) {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try await blocking { try PostgresSchema.initialise(uri: database.ownerURI, grantTo: nil) }
        return (database, makeWorkspace("name: shared\njournals: \"\(database.everydayURI)\"\n"))
    }

    /// A database made by the owner, the everyday role granted, and a workspace on it as that role.
    private func grantedDatabase() async throws -> (PostgresDatabase, TemporaryDirectory) {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try await blocking {
            try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        }
        return (database, makeWorkspace("name: shared\njournals: \"\(database.everydayURI)\"\n"))
    }

    /// A superuser's edit of INC-1's second row (its triggers disabled): the line no longer hashes.
    private func damageTheSecondRecord(of database: PostgresDatabase) throws {
        try database.psql(
            """
            BEGIN;
            ALTER TABLE klaxon.records DISABLE TRIGGER append_only;
            UPDATE klaxon.records SET line = overlay(line PLACING '\\x23'::bytea FROM 31 FOR 1)
                WHERE journal = 'INC-1' AND sequence = 2;
            ALTER TABLE klaxon.records ENABLE TRIGGER append_only;
            COMMIT;
            """)
    }

    /// What the owner runs to give the everyday role its privileges, as every refusal for a missing
    /// privilege says it: the workspace's URI as the owner, and the role by name.
    private func grantCommand(_ database: PostgresDatabase) -> String {
        "klaxon journal init --uri postgresql://OWNER@127.0.0.1:\(database.server.port)/\(database.name)?passfile=\(database.server.passfile) --grant \(PostgresServer.everyday)"
    }

    /// A role never granted (no USAGE on the schema), a grant missing (SELECT on klaxon.tails, which the
    /// listing reads), and
    /// INSERT revoked (the `note` path): each refusal is one line naming the role the URI connects as,
    /// what the server refused, and the owner's command with that role; never "ROLE", never an outage.
    @Test func aMissingPrivilegeNamesTheRoleAndTheOwnersCommand() async throws {
        let (database, ws) = try await ungrantedDatabase()
        func expectRemedy(_ run: (status: Int32, output: String, errors: String), refused: String) {
            #expect(run.status == 1, "\(run)")
            #expect(run.errors.split(separator: "\n").count == 1, "one line: \(run.errors)")
            #expect(run.errors.contains(refused), "\(run.errors)")
            #expect(run.errors.contains("the role \(PostgresServer.everyday) "), "\(run.errors)")
            #expect(run.errors.contains(grantCommand(database)), "\(run.errors)")
            #expect(!run.errors.contains("ROLE") && !run.errors.contains("check that the server runs"), "\(run.errors)")
            #expect(!run.errors.contains(database.server.password(of: PostgresServer.everyday)))
        }
        expectRemedy(try await klaxon(ws.path, "incident", "list"), refused: "permission denied for schema klaxon")

        try database.psql("GRANT USAGE ON SCHEMA klaxon TO \(PostgresServer.everyday)")
        try database.psql(
            "GRANT SELECT ON klaxon.schema_migrations, klaxon.records, klaxon.holds, klaxon.journals TO \(PostgresServer.everyday)"
        )
        expectRemedy(try await klaxon(ws.path, "incident", "list"), refused: "permission denied for table tails")

        _ = try await blocking {
            try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        }
        let declared = try await klaxon(ws.path, "incident", "declare", "Registry returns 503", "--severity", "SEV3")
        #expect(declared.status == 0, "\(declared.errors)")
        try database.psql("REVOKE INSERT ON klaxon.records FROM \(PostgresServer.everyday)")
        let note = try await klaxon(ws.path, "incident", "note", "1", "refused")
        #expect(note.status == 1, "\(note)")
        #expect(note.errors.contains("the role \(PostgresServer.everyday) "), "\(note.errors)")
        #expect(note.errors.contains(grantCommand(database)), "\(note.errors)")
        #expect(!note.errors.contains("ROLE"), "\(note.errors)")
    }

    /// journal init run by a role that may not make the schema is not told to grant itself: it is told
    /// to run init as the schema's owner.
    @Test func initByARoleThatMayNotMakeTheSchemaSaysWhoRunsIt() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let ws = makeWorkspace()
        let run = try await klaxon(ws.path, "journal", "init", "--uri", database.everydayURI)
        #expect(run.status == 1, "\(run)")
        #expect(run.errors.contains("permission denied for database \(database.name)"), "\(run.errors)")
        #expect(
            run.errors.contains(
                "the role \(PostgresServer.everyday) may not make or change the schema: run klaxon journal init as the role that owns schema klaxon"
            ), "\(run.errors)")
        #expect(!run.errors.contains("--grant"), "\(run.errors)")
    }

    /// A port or a setting in `journals:` that libpq would refuse before connecting is a mistake in
    /// klaxon.yaml: said at its line and column, exit 2 like any other, listed by `config validate`;
    /// never the advice for a server that does not run. `journal init --uri` refuses it the same way.
    @Test func aURISettingLibpqWouldRefuseIsReportedAtItsLine() async throws {
        for (uri, expected) in [
            ("postgresql://klaxon@127.0.0.1:99999/klaxon", "port \"99999\""),
            ("postgresql://klaxon@127.0.0.1:abc/klaxon", "port \"abc\""),
            ("postgresql://klaxon@127.0.0.1/klaxon?sslmode=bogus", "sslmode \"bogus\""),
            ("postgresql://klaxon@127.0.0.1/klaxon?connect_timeout=soon", "connect_timeout \"soon\"")
        ] {
            let ws = makeWorkspace("name: shared\njournals: \"\(uri)\"\n")
            let place = "\(ws.path)/klaxon.yaml:2:11: journals: "
            let list = try await klaxon(ws.path, "incident", "list")
            #expect(list.status == 2, "\(uri): \(list)")
            #expect(list.errors.contains(place) && list.errors.contains(expected), "\(uri): \(list.errors)")
            #expect(!list.errors.contains("check that the server runs"), "\(uri): \(list.errors)")
            let initialise = try await klaxon(makeWorkspace().path, "journal", "init", "--uri", uri)
            #expect(initialise.status == 2 && initialise.errors.contains(expected), "\(uri): \(initialise)")
            #expect(!initialise.errors.contains("check that the server runs"), "\(uri): \(initialise.errors)")
            let validate = try await klaxon(ws.path, "config", "validate")
            #expect(validate.status == 1, "\(uri): \(validate)")
            #expect(
                validate.output.contains("\(ws.path)/klaxon.yaml:2:11: error: journals: ")
                    && validate.output.contains(expected), "\(uri): \(validate.output)")
        }
    }

    /// A review exported from a database names the journal as the store has it (the incident in the
    /// database, without secrets), never a file; its JSON says the same in `journal.source`, and
    /// `journal.file` is null.
    @Test func aReviewFromADatabaseNamesTheDatabaseNotAFile() async throws {
        let (database, ws) = try await grantedDatabase()
        #expect(
            try await klaxon(ws.path, "incident", "declare", "Registry returns 503", "--severity", "SEV3").status == 0)
        let source = "journal INC-1 at \(database.everydayURI)"
        let markdown = try await klaxon(ws.path, "review", "export", "1")
        #expect(markdown.status == 0, "\(markdown.errors)")
        #expect(markdown.output.contains("UTC from `\(source)`: 1 record, final hash "), "\(markdown.output)")
        #expect(!markdown.output.contains(".jsonl"), "\(markdown.output)")
        let json = try await klaxon(ws.path, "review", "export", "1", "--format", "json")
        #expect(json.status == 0, "\(json.errors)")
        let journal = try JSONParser.parse(json.output)["journal"]
        #expect(journal?["source"] == .string(source), "\(json.output)")
        #expect(journal?["file"] == .null, "\(json.output)")
        #expect(journal?["records"] == 1)
    }

    /// `journal verify` names a row a superuser changed with the next step: the database owner's
    /// backup (docs/postgresql.md), in its text and in its JSON's `damage.next_step`.
    @Test func aDamagedJournalInADatabaseIsNamedWithTheNextStep() async throws {
        let (database, ws) = try await grantedDatabase()
        #expect(
            try await klaxon(ws.path, "incident", "declare", "Registry returns 503", "--severity", "SEV3").status == 0)
        #expect(try await klaxon(ws.path, "incident", "note", "1", "uploads fail").status == 0)
        try damageTheSecondRecord(of: database)
        let verify = try await klaxon(ws.path, "journal", "verify")
        #expect(verify.status == 1)
        #expect(
            verify.output.contains(
                "DAMAGED at record 2 (line 2, byte ")
                && verify.output.contains(
                    "; have the database's owner restore the journal's rows from a backup (klaxon journal export keeps its intact records first): see docs/postgresql.md, \"Damage and backups\""
                ), "\(verify.output)")
        let json = try await klaxon(ws.path, "journal", "verify", "--json")
        let next = try JSONParser.parse(json.output).arrayValue?.first?["damage"]?["next_step"]?.stringValue
        #expect(next?.hasSuffix("see docs/postgresql.md, \"Damage and backups\"") == true, "\(json.output)")
    }

    /// `journal repair` on a database: there is never a torn tail, so an intact journal is said to be
    /// intact (exit 0); a changed row is damage, named with the next step (exit 1); an incident that
    /// does not exist is bad input (exit 2).
    @Test func repairOnADatabaseSaysThereIsNoTornTailAndChecksTheJournal() async throws {
        let (database, ws) = try await grantedDatabase()
        #expect(
            try await klaxon(ws.path, "incident", "declare", "Registry returns 503", "--severity", "SEV3").status == 0)
        #expect(try await klaxon(ws.path, "incident", "note", "1", "uploads fail").status == 0)
        let intact = try await klaxon(ws.path, "journal", "repair", "1")
        #expect(intact.status == 0, "\(intact)")
        #expect(intact.output.hasPrefix("INC-1: intact, 2 records, last hash "), "\(intact.output)")
        #expect(intact.output.contains("nothing to repair"), "\(intact.output)")
        #expect(intact.errors.isEmpty, "\(intact.errors)")

        let missing = try await klaxon(ws.path, "journal", "repair", "7")
        #expect(missing.status == 2 && missing.errors.contains("there is no incident INC-7"), "\(missing)")

        try damageTheSecondRecord(of: database)
        let damaged = try await klaxon(ws.path, "journal", "repair", "1")
        #expect(damaged.status == 1, "\(damaged)")
        #expect(damaged.output.contains("journal INC-1 at ") && damaged.output.contains("DAMAGED at record 2"))
        #expect(damaged.output.contains("docs/postgresql.md, \"Damage and backups\""), "\(damaged.output)")
    }
}
