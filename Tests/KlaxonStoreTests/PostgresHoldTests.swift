import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// What only the PostgreSQL store's holds have to get right (the rest is the store contract suite): a
/// holder whose connection is lost stops saying it holds, and another takes over.
@Suite(.serialized)
struct PostgresHoldTests {
    /// The server ends the holder's session (`pg_terminate_backend` of its hold connection's backend, as
    /// an administrator or a dropped connection would): the holder says it no longer holds it at its next
    /// question (`checkHeld`, once per engine pass), another process takes it, and the first cannot take it back while that one holds it.
    @Test func aHoldWhoseConnectionIsTerminatedIsNotHeldAndAnotherProcessTakesIt() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let hold = try PostgresJournalStore(uri: database.everydayURI).hold("engine", creating: true)
        #expect(hold.tryTake(holder: "first holder") && hold.isHeld)
        #expect(
            try PostgresJournalStore(uri: database.everydayURI).hold("engine", creating: false).holder()
                == "first holder")
        // The session holding the lock, as pg_locks shows it (docs/postgresql.md, "Holds": the keys).
        let backend = try database.psql(
            """
            SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = \(PostgresSchema.holdLockNamespace)
                AND l.objid = hashtext('engine')::oid AND l.objsubid = 2 AND a.application_name = 'klaxon hold engine'
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(backend) != nil, "one session holds it: \(backend)")
        #expect(try database.psql("SELECT pg_terminate_backend(\(backend))").hasPrefix("t"))

        #expect(hold.isHeld, "not asked yet: isHeld says what the last question found")
        // A declaration by the engine's router proves the hold with its creation: refused, nothing made,
        // although this process has not asked yet (the window before the engine's next question).
        let incidents = IncidentStore(store: PostgresJournalStore(uri: database.everydayURI))
        #expect(throws: KlaxonError.self) {
            try incidents.declare(
                Declaration(title: "RegistryDown", severity: .sev2),
                by: WriterIdentity(actor: "klaxon", host: "h", pid: 1),
                at: Timestamp(milliseconds: 0), proving: hold)
        }
        #expect(try incidents.ids().isEmpty, "nothing created")
        #expect(!hold.isHeld, "the refused write found it lost")
        #expect(!hold.checkHeld() && !hold.isHeld, "a holder whose session ended does not hold it")
        let (taker, said) = try holdingProcess(database.everydayURI, "engine")
        defer {
            kill(taker.processIdentifier, SIGKILL)
            taker.waitUntilExit()
        }
        #expect(said == "held \(taker.processIdentifier)", "another process takes it")
        #expect(!hold.tryTake(holder: "first holder again") && !hold.isHeld)
        #expect(hold.holder() == "klaxon-stress \(taker.processIdentifier)")
    }

    /// Two workspaces on one server, each its own database (staging and production): a hold taken in
    /// one is not the other's. Advisory locks are a database's own, but `pg_locks` shows every
    /// database's, and the other workspace was told "another process" sends its pages when none did.
    @Test func aHoldInAnotherDatabaseOfTheServerIsNotThisOnes() async throws {
        let server = try await PostgresServer.shared()
        let (staging, production) = try await blocking { (try server.makeDatabase(), try server.makeDatabase()) }
        for database in [staging, production] {
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        }
        let hold = try PostgresJournalStore(uri: staging.everydayURI).hold("engine", creating: true)
        #expect(hold.tryTake(holder: "klaxon watch in staging"))
        let elsewhere = try PostgresJournalStore(uri: production.everydayURI).hold("engine", creating: true)
        #expect(elsewhere.holder() == nil, "nobody holds production's: \(elsewhere.holder() ?? "")")
        #expect(elsewhere.tryTake(holder: "klaxon watch in production") && elsewhere.isHeld)
        #expect(
            try PostgresJournalStore(uri: staging.everydayURI).hold("engine", creating: false).holder()
                == "klaxon watch in staging")
    }

    /// `isHeld` asks the server nothing: a holding console asked it three or four times a second, each a
    /// round trip on the hold's connection. The hold's session runs no statement however often it is
    /// asked (its `query_start` stays as it was).
    @Test func askingWhetherItIsHeldSendsNothing() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let hold = try PostgresJournalStore(uri: database.everydayURI).hold("engine", creating: true)
        #expect(hold.tryTake(holder: "the holder"))
        let lastStatement = {
            try database.psql(
                "SELECT query_start FROM pg_stat_activity WHERE application_name = 'klaxon hold engine' AND datname = current_database()"
            )
        }
        let before = try lastStatement()
        #expect(!before.isEmpty)
        for _ in 0..<10 { #expect(hold.isHeld) }
        #expect(try lastStatement() == before, "isHeld sent a statement")
    }

    /// Any role that may insert names the holder: what others are told never holds a control sequence.
    @Test func theHoldersWordsReachNoTerminalAsControlSequences() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let hold = try PostgresJournalStore(uri: database.everydayURI).hold("poller", creating: true)
        #expect(hold.tryTake(holder: "evil\u{1B}]52;c;cm0gLXJmIH4K\u{07} \u{1B}[2Jwatch"))
        let told = try #require(
            try PostgresJournalStore(uri: database.everydayURI).hold("poller", creating: false).holder())
        #expect(!told.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(told.debugDescription)")
        #expect(told.hasPrefix("evil") && told.hasSuffix("watch"))
    }
}
