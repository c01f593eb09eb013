import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// What only the PostgreSQL store has to get right (the rest is the store contract suite): an append
/// whose COMMIT acknowledgement is lost.
@Suite(.serialized)
struct PostgresJournalStoreTests {
    private static let writer = WriterIdentity(actor: "pg", host: "test-host", pid: 7)

    private static func note(_ text: String) -> RecordDraft {
        RecordDraft(
            type: RecordType.note.rawValue, data: ["text": .string(text)], timestamp: t0, actor: writer.actor,
            host: writer.host, pid: writer.pid)
    }

    /// The connection is cut at the append's COMMIT, once after the server committed and once before it
    /// got the COMMIT: either way the append returns the record that is in the journal, exactly once,
    /// and the chain goes on.
    @Test(arguments: CommitCuttingProxy.Cut.allCases)
    func anAppendWhoseCommitIsCutOffIsInExactlyOnce(_ cut: CommitCuttingProxy.Cut) async throws {
        let server = try await PostgresServer.shared()
        let database = try server.makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let direct = PostgresJournalStore(uri: database.everydayURI)
        let declared = try Declaration(title: "Cut", severity: .sev3).payload(id: "INC-1")
        _ = try direct.create(
            "INC-1",
            firstRecord: RecordDraft(
                type: RecordType.declared.rawValue, data: declared, timestamp: t0, actor: Self.writer.actor,
                host: Self.writer.host, pid: Self.writer.pid))

        let proxy = try CommitCuttingProxy(target: server.port, cut: cut)
        defer { proxy.stop() }
        let secrets = TemporaryDirectory("klaxon-pgpass")
        let uri = database.everydayURI(throughPort: proxy.port, passwordFileIn: secrets.path)

        let journal = PostgresJournalStore(uri: uri).journal("INC-1")
        var builds = 0
        let record = try journal.append { _ in
            builds += 1
            return Self.note("through the cut")
        }
        #expect(proxy.didCut, "the connection was cut at the COMMIT")
        #expect(builds == (cut == .afterCommit ? 1 : 2), "appended again only when it was not in")
        let stored = try PostgresJournalStore(uri: database.everydayURI).journal("INC-1").readNewRecords()
        #expect(stored.map(\.sequence) == [1, 2], "in exactly once")
        #expect(stored.last == record)
        #expect(journal.lastSequence == 2 && journal.lastHash == record.hash)
        let next = try journal.append { _ in Self.note("after the cut") }
        #expect(next.sequence == 3 && next.previousHash == record.hash)
    }
}

extension PostgresJournalStoreTests {
    /// A role that may read but not insert: its journals say why they cannot be written and what to do,
    /// and an append is refused in one line naming the server and what to do, with nothing written.
    @Test func aRoleWithoutInsertIsToldWhyItCannotWrite() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let store = PostgresJournalStore(uri: database.everydayURI)
        let journal = try #require(try store.create(PlatformJournal.name, firstRecord: Self.note("first")))
        #expect(journal.writeProblem == nil)
        try database.psql("REVOKE INSERT ON klaxon.records FROM \(PostgresServer.everyday)")
        // The answer is kept for a few seconds (it is asked on every change and tick): not asked again yet,
        // for this journal or any other of the store.
        #expect(journal.writeProblem == nil)
        #expect(store.journal("INC-1").writeProblem == nil)
        // The append the revoked privilege refuses says why, and the answer is asked again at once.
        let refusal = #expect(throws: KlaxonError.self) { try journal.append { _ in Self.note("refused") } }
        #expect(
            refusal?.message.hasPrefix("PostgreSQL at 127.0.0.1:\(database.server.port), database \(database.name): ")
                == true && refusal?.message.contains("klaxon journal init --grant ROLE") == true,
            "\(refusal?.message ?? "")")
        let problem = try #require(journal.writeProblem)
        #expect(
            problem
                == "the role \(PostgresServer.everyday) may not insert into the journal tables at \(store.location); have the tables' owner run klaxon journal init --grant \(PostgresServer.everyday)"
        )
        #expect(PostgresJournalStore(uri: database.everydayURI).writeProblem == problem, "a new store asks")
        #expect(try store.journal(PlatformJournal.name).readNewRecords().count == 1, "nothing was written")
    }
}

extension PostgresJournalStoreTests {
    /// A database's index is a cache on this machine (`indexDirectory`, made when first written): a
    /// second overview leaves the resolved incidents unread, and one another writer appended to since is
    /// read again; an overview that may not update the index writes nothing.
    @Test func theIndexOfADatabaseIsKeptInItsCacheDirectory() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let cache = TemporaryDirectory("klaxon-index-cache")
        let indexDirectory = cache.path + "/klaxon/index-test"
        let incidents = IncidentStore(
            store: PostgresJournalStore(uri: database.everydayURI, indexDirectory: indexDirectory))
        for title in ["One", "Two", "Three"] {
            _ = try incidents.declare(Declaration(title: title, severity: .sev3), by: Self.writer, at: t0)
        }
        for id in ["INC-1", "INC-3"] {
            try incidents.open(id).perform(.resolve(summary: nil), by: Self.writer) { t0.adding(seconds: 60) }
        }
        func kinds(updatingIndex: Bool) throws -> [String] {
            try incidents.overview(wanted: { _, _ in true }, updatingIndex: updatingIndex).items.map { id, item in
                switch item {
                case .journal: "\(id) read"
                case .indexed: "\(id) indexed"
                case .unreadable: "\(id) unreadable"
                }
            }
        }
        #expect(try kinds(updatingIndex: false) == ["INC-1 read", "INC-2 read", "INC-3 read"])
        #expect(!FileManager.default.fileExists(atPath: indexDirectory), "reading without updating writes nothing")
        #expect(try kinds(updatingIndex: true) == ["INC-1 read", "INC-2 read", "INC-3 read"])
        #expect(FileManager.default.fileExists(atPath: indexDirectory + "/.index"))
        #expect(try kinds(updatingIndex: true) == ["INC-1 indexed", "INC-2 read", "INC-3 indexed"])
        // Another writer (another machine: no cache of its own) appends to INC-3.
        try IncidentStore(store: PostgresJournalStore(uri: database.everydayURI)).open("INC-3")
            .perform(.note("later"), by: Self.writer) { t0.adding(seconds: 120) }
        #expect(try kinds(updatingIndex: true) == ["INC-1 indexed", "INC-2 read", "INC-3 read"])
    }
}
