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
