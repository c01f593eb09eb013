import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// `klaxon journal init` and a workspace whose `journals:` is a PostgreSQL URI, in-process against the
/// tests' real cluster.
struct JournalInitCommandTests {
    @Test func initMakesTheSchemaOnceAndSaysSoAndADirectoryNeedsNothing() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        let ws = makeWorkspace("name: shared\njournals: \"\(database.ownerURI)\"\n")
        let klaxon = Klaxon(workspace: ws.path)
        let server = "127.0.0.1:\(database.server.port), database \(database.name)"

        let first = klaxon.run("journal", "init", "--grant", "klaxon_app")
        #expect(first.status == 0, "\(first.errors)")
        let lines = first.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines.first?.hasPrefix("PostgreSQL at \(server): applied schema version 1: the journal tables") == true)
        #expect(
            lines.dropFirst().first?.hasPrefix("PostgreSQL at \(server): applied schema version 2: who took each hold")
                == true)
        #expect(
            lines.dropFirst(2).first?.hasPrefix(
                "PostgreSQL at \(server): applied schema version 3: each journal's record count and last hash") == true)
        #expect(
            lines.dropFirst(3).first?.hasPrefix("PostgreSQL at \(server): applied schema version 4: the journal alerts")
                == true)
        #expect(
            lines.dropFirst(4).first?.hasPrefix(
                "PostgreSQL at \(server): applied schema version 5: the checks' outcome ledgers") == true)
        #expect(
            lines.last?.hasPrefix("granted klaxon_app: read and append on the journal tables (SELECT, INSERT)") == true)
        #expect(try database.psql("SELECT has_table_privilege('klaxon_app', 'klaxon.records', 'INSERT')") == "t\n")
        #expect(try database.psql("SELECT has_table_privilege('klaxon_app', 'klaxon.holds', 'INSERT')") == "t\n")
        #expect(try database.psql("SELECT has_table_privilege('klaxon_app', 'klaxon.outcomes', 'UPDATE')") == "t\n")
        #expect(try database.psql("SELECT has_table_privilege('klaxon_app', 'klaxon.records', 'UPDATE')") == "f\n")

        let second = klaxon.run("journal", "init")
        #expect(second.status == 0, "\(second.errors)")
        #expect(
            second.output
                == "PostgreSQL at \(server): the journal schema is at version 5, as this klaxon needs; nothing to apply\n"
        )
        #expect(try database.psql("SELECT count(*) FROM klaxon.schema_migrations") == "5\n")

        // --uri wins over the workspace; a directory workspace has nothing to initialise.
        let files = makeWorkspace()
        let other = try await PostgresServer.shared().makeDatabase()
        let byURI = Klaxon(workspace: files.path).run("journal", "init", "--uri", other.ownerURI)
        #expect(byURI.status == 0, "\(byURI.errors)")
        #expect(byURI.output.contains("database \(other.name): applied schema version 1"))
        let nothing = Klaxon(workspace: files.path).run("journal", "init")
        #expect(nothing.status == 0)
        #expect(
            nothing.output.hasPrefix(
                "journals: journals is a directory of journal files; there is nothing to initialise"))
        #expect(!FileManager.default.fileExists(atPath: files.path + "/journals"))
    }

    @Test func aWrongPasswordOrPortIsOneLineWithoutThePassword() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.makeDatabase()
        let ws = makeWorkspace()
        let secret = "not-the-Password-31337"
        // A password on the command line is refused before anything connects: ps and the shell's history
        // show it.
        for uri in [
            "postgresql://klaxon_owner:\(secret)@127.0.0.1:\(server.port)/\(database.name)",
            "postgresql://klaxon_owner@127.0.0.1:\(server.port)/\(database.name)?password=\(secret)"
        ] {
            let given = Klaxon(workspace: ws.path).run("journal", "init", "--uri", uri)
            #expect(given.status == 2, "\(given.errors)")
            #expect(given.errors.contains("--uri holds a password"), "\(given.errors)")
            #expect(!given.errors.contains(secret))
        }
        // A wrong password from a password file.
        ws.write("pgpass", "127.0.0.1:*:*:klaxon_owner:\(secret)\n")
        chmod(ws.path + "/pgpass", 0o600)
        let wrong = Klaxon(workspace: ws.path).run(
            "journal", "init", "--uri",
            "postgresql://klaxon_owner@127.0.0.1:\(server.port)/\(database.name)?passfile=\(ws.path)/pgpass")
        #expect(wrong.status == 1)
        #expect(wrong.output.isEmpty)
        #expect(!wrong.errors.contains(secret))
        #expect(wrong.errors.contains("password authentication failed for user \"klaxon_owner\""), "\(wrong.errors)")
        #expect(wrong.errors.split(separator: "\n").count == 1, "\(wrong.errors)")
        let port = try RealServer.freePort()
        let refused = Klaxon(workspace: ws.path).run(
            "journal", "init", "--uri",
            "postgresql://klaxon_owner@127.0.0.1:\(port)/\(database.name)?passfile=\(ws.path)/pgpass")
        #expect(refused.status == 1)
        #expect(refused.errors.contains("PostgreSQL at 127.0.0.1:\(port), database \(database.name): "))
        #expect(!refused.errors.contains(secret))
        #expect(try database.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'klaxon'") == "0\n")
    }

    /// A database that cannot be reached: every command that needs journals exits 1 with one line naming
    /// the server and what to do, and writes nothing.
    @Test func commandsOnADatabaseThatCannotBeReachedSayWhereInOneLine() throws {
        let ws = makeWorkspace("name: shared\njournals: \"postgresql://klaxon@127.0.0.1:1/klaxon\"\n")
        let klaxon = Klaxon(workspace: ws.path)
        for arguments in [
            ["incident", "list"], ["incident", "declare", "Registry down", "--severity", "SEV2"],
            ["incident", "note", "1", "hello"], ["journal", "verify"], ["review", "export", "1"]
        ] {
            let run = klaxon.run(arguments)
            #expect(run.status == 1, "\(arguments)")
            #expect(
                run.errors.hasPrefix("klaxon: error: PostgreSQL at 127.0.0.1:1, database klaxon: ")
                    && run.errors.hasSuffix(
                        "check that the server runs and that the URI's host, port, database and user are right\n")
                    && run.errors.filter { $0 == "\n" }.count == 1,
                "\(arguments): \(run.errors)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.path) == ["klaxon.yaml"])
    }
}
