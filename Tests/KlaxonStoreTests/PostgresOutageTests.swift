import Foundation
import KlaxonCore
import KlaxonPostgres
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 21, point 6: a database that cannot be reached is an outage (`KlaxonError.isUnreachable`), told
/// apart from a refusal without reading the message; the store reconnects by itself once it answers,
/// and nothing acknowledged is lost. The server that is stopped is a private cluster of the test's own
/// (the shared one serves other tests meanwhile).
struct PostgresOutageTests {
    private static let writer = WriterIdentity(actor: "pg", host: "test-host", pid: 7)

    private static func draft(_ type: RecordType, _ data: JSONValue) -> RecordDraft {
        RecordDraft(
            type: type.rawValue, data: data, timestamp: t0, actor: writer.actor, host: writer.host, pid: writer.pid)
    }

    /// Nobody listens on the port: every call is one line naming HOST:PORT, libpq's reason and what to
    /// do, and it is an outage.
    @Test func aPortNobodyListensOnIsUnreachable() throws {
        let port = try RealServer.freePort()
        let store = PostgresJournalStore(uri: "postgresql://klaxon_app@127.0.0.1:\(port)/klaxon")
        let error = try #require(throws: KlaxonError.self) { try store.journalNames() }
        #expect(error.isUnreachable && error.exitStatus == 1)
        #expect(error.message.hasPrefix("PostgreSQL at 127.0.0.1:\(port), database klaxon: "), "\(error.message)")
        #expect(error.message.contains("refused"), "\(error.message)")
        #expect(
            error.message.hasSuffix(
                "check that the server runs and that the URI's host, port, database and user are right"))
        #expect(!error.message.contains("\n"))
        let read = try #require(throws: KlaxonError.self) { try store.journal("INC-1").readNewRecords() }
        #expect(read.isUnreachable)
    }

    /// A server that answers and refuses is no outage: a wrong password, a table that is not there.
    @Test func aRefusalIsNotAnOutage() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.makeDatabase()
        let wrong = PostgresJournalStore(
            uri:
                "postgresql://\(PostgresServer.everyday)@127.0.0.1:\(server.port)/\(database.name)?passfile=/nonexistent"
        )
        let login = try #require(throws: KlaxonError.self) { try wrong.journalNames() }
        #expect(!login.isUnreachable && login.kind == .failed, "\(login.message)")
        // No `journal init` yet: the server answers that the tables are missing.
        let uninitialised = try #require(throws: KlaxonError.self) {
            try PostgresJournalStore(uri: database.everydayURI).journalNames()
        }
        #expect(!uninitialised.isUnreachable, "\(uninitialised.message)")
    }

    /// The connection is cut after the server got the COMMIT, and the network stays gone, so the store
    /// cannot ask whether the record is in: the append fails as an outage saying that it may be in (it
    /// is), so that a draft kept is not written again blind.
    @Test func aCommitWhoseAnswerIsLostWithTheNetworkSaysItMayBeIn() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let declared = try Declaration(title: "Cut", severity: .sev3).payload(id: "INC-1")
        _ = try PostgresJournalStore(uri: database.everydayURI).create(
            "INC-1", firstRecord: Self.draft(.declared, declared))
        let proxy = try CommitCuttingProxy(target: server.port, cut: .afterCommit, thenGone: true)
        defer { proxy.stop() }
        let secrets = TemporaryDirectory("klaxon-pgpass")
        let uri = database.everydayURI(throughPort: proxy.port, passwordFileIn: secrets.path)

        let error = try #require(throws: KlaxonError.self) {
            try PostgresJournalStore(uri: uri).journal("INC-1").append { _ in
                Self.draft(.note, .object(["text": .string("maybe")]))
            }
        }
        #expect(proxy.didCut)
        #expect(error.isUnreachable && error.kind == .outcomeUnknown, "\(error.message)")
        #expect(
            error.message.hasSuffix(
                "the COMMIT was sent and its answer lost, so it may be in: read it once the server answers, before writing it again"
            ), "\(error.message)")
        #expect(error.message.hasPrefix("PostgreSQL at 127.0.0.1:\(proxy.port)") && !error.message.contains("\n"))
        let stored = try PostgresJournalStore(uri: database.everydayURI).journal("INC-1").readNewRecords()
        #expect(stored.compactMap { $0.data["text"]?.stringValue } == ["maybe"], "it is in, once")
    }

    /// The server stops (as a crash would) under a store that was connected: reads and appends are
    /// outages, nothing is written; once it runs again the same store reconnects by itself, and the
    /// journal holds exactly what was acknowledged.
    @Test func theStoreReconnectsByItselfAndLosesNothing() async throws {
        let (server, database) = try await PostgresServer.ownWithDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        defer { server.stop() }
        let store = PostgresJournalStore(uri: database.everydayURI)
        let declared = try Declaration(title: "Outage", severity: .sev3).payload(id: "INC-1")
        let journal = try #require(try store.create("INC-1", firstRecord: Self.draft(.declared, declared)))
        _ = try journal.readNewRecords()
        let acknowledged = try journal.append { _ in Self.draft(.note, .object(["text": .string("before")])) }

        try await blocking { try server.stopImmediately() }
        let refused = try #require(throws: KlaxonError.self) {
            try journal.append { _ in Self.draft(.note, .object(["text": .string("during")])) }
        }
        #expect(refused.isUnreachable, "\(refused.message)")
        #expect(refused.message.contains("127.0.0.1:\(server.port)"), "\(refused.message)")
        #expect((try? store.journalNames()) == nil)
        #expect(store.stamp(of: "INC-1") == nil)

        try await blocking { try server.start() }
        let after = try journal.append { _ in Self.draft(.note, .object(["text": .string("after")])) }
        #expect(after.sequence == 3 && after.previousHash == acknowledged.hash)
        let stored = try PostgresJournalStore(uri: database.everydayURI).journal("INC-1").readNewRecords()
        #expect(stored.map(\.sequence) == [1, 2, 3])
        #expect(stored.compactMap { $0.data["text"]?.stringValue } == ["before", "after"])
    }

    /// A journal that cannot be read in time (its table locked by another session: here the server's
    /// `lock_timeout` at 1 s, through the URI's `options`, where a slow or locked database would make
    /// the statement time out after 30 s) is said as such, never "there is no incident" (the walkthrough's
    /// `incident show` said so, exit 2).
    @Test func aJournalThatCannotBeReadInTimeIsNotAMissingIncident() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let writer = WriterIdentity(actor: "ops", host: "test-host", pid: 7)
        _ = try IncidentStore(store: PostgresJournalStore(uri: database.everydayURI))
            .declare(Declaration(title: "Locked", severity: .sev3), by: writer, at: t0)
        let locker = try PostgresConnection(uri: database.ownerURI, applicationName: "test locker")
        _ = try locker.query("BEGIN")
        _ = try locker.query("LOCK TABLE klaxon.records IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? locker.query("ROLLBACK") }
        let impatient = database.everydayURI + "&options=-c%20lock_timeout%3D1000"
        let error = #expect(throws: KlaxonError.self) {
            try IncidentStore(store: PostgresJournalStore(uri: impatient)).open("INC-1")
        }
        #expect(error?.message.contains("there is no incident") == false, "\(error?.message ?? "")")
        #expect(error?.message.contains("lock") == true, "\(error?.message ?? "")")
    }
}
