import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// `PostgresJournalFollower` when its connection is lost: it listens again by itself, and says that
/// changes may have gone untold (`missedChanges()`), once.
@Test func aFollowerListensAgainAfterTheServerRestartedAndSaysItMayHaveMissedChanges() async throws {
    // A cluster of its own, stopped and started again, on a thread of its own (not the cooperative pool).
    try await blocking { try followerComesBackAfterARestart() }
}

private func followerComesBackAfterARestart() throws {
    let server = try PostgresServer()
    let database = try server.makeDatabase()
    _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
    let store = PostgresJournalStore(uri: database.everydayURI)
    let first = RecordDraft(
        type: RecordType.declared.rawValue,
        data: try Declaration(title: "Restart", severity: .sev3).payload(id: "INC-1"), timestamp: t0,
        actor: "test", host: "test-host", pid: 7)
    let journal = try #require(try store.create("INC-1", firstRecord: first))
    _ = try journal.readNewRecords()
    let follower = try store.follow()
    #expect(!follower.missedChanges(), "listening from the start: nothing missed")

    try server.stopImmediately()
    // While the server is down the follower tries again and again, and has nothing to say.
    usleep(1_500_000)
    #expect(follower.changedJournals().isEmpty)
    try server.start()
    var entry = pollfd(fd: follower.descriptor, events: Int16(POLLIN), revents: 0)
    // Its next try comes within 5 s (the longest wait between tries), and the connection within a moment.
    #expect(poll(&entry, 1, 10_000) == 1, "the follower never came back")
    #expect(follower.changedJournals().isEmpty)
    #expect(follower.missedChanges(), "what was appended while it was away went untold")
    #expect(!follower.missedChanges(), "said once")

    // It listens again: the next append is told.
    _ = try journal.append { _ in
        RecordDraft(
            type: RecordType.note.rawValue, data: ["text": .string("back")], timestamp: t0, actor: "test",
            host: "test-host", pid: 7)
    }
    entry.revents = 0
    #expect(poll(&entry, 1, 2_000) == 1, "the append after the restart was not told")
    #expect(follower.changedJournals() == ["INC-1"])
}

/// Any role that may connect may NOTIFY on the channel: only a payload of a record's form (`INC-7 12`,
/// `platform 3`) names a journal; other text, control characters included, is not handed on.
@Test func aNotificationThatIsNoRecordsNamesNoJournal() async throws {
    let database = try await PostgresServer.shared().makeDatabase()
    _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
    let follower = try PostgresJournalStore(uri: database.everydayURI).follow()
    try database.psql(
        """
        SELECT pg_notify('klaxon_records', p) FROM unnest(ARRAY[
            E'\\x1b[2J 1', 'INC-7', 'INC-07 3', 'INC-7 3 4', 'INC-7 x', '../INC-7 3', 'INC-7 12', 'platform 3'
        ]) AS p
        """)
    // Delivered together at the commit, but perhaps taken in more than one read.
    var named: Set<String> = []
    for _ in 0..<20 where !named.contains("platform") {
        var entry = pollfd(fd: follower.descriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&entry, 1, 100)
        named.formUnion(follower.changedJournals())
    }
    #expect(named == ["INC-7", "platform"])
}
