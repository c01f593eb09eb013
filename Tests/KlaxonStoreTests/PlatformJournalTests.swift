import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 19, point 5: where a restarted poller picks up, read from the end of `platform.jsonl`.
struct PlatformJournalTests {
    func bytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

    @Test func lastStatesAreTheNewestChangeOfEachConfiguredCheckAndReadingWritesNothing() throws {
        let dir = TemporaryDirectory()
        #expect(
            PlatformJournal.lastStates(directory: dir.path, of: ["a"]) == ([:], nil),
            "no journal: nothing restored, no warning")
        let journal = try #require(
            try PlatformJournal.claim(store: FileJournalStore(directory: dir.path), holder: "test"))
        try journal.record(check: "a", from: .unknown, to: .pending, detail: "503", at: t0, by: writer)
        try journal.record(check: "a", from: .pending, to: .down, detail: "503", at: t0.adding(seconds: 10), by: writer)
        // More than a megabyte of another check flapping after it: a is found only in an earlier chunk.
        let padding = String(repeating: "x", count: 3000)
        for i in 1...400 {
            try journal.record(
                check: "b", from: i % 2 == 1 ? .up : .down, to: i % 2 == 1 ? .down : .up, detail: padding,
                at: t0.adding(seconds: Int64(20 + i)), by: writer)
        }
        try journal.record(
            check: "renamed-away", from: .up, to: .down, detail: "503", at: t0.adding(seconds: 500), by: writer)
        try journal.record(check: "c", from: .unknown, to: .down, detail: "", at: t0.adding(seconds: 501), by: writer)
        // A state a later version may write.
        let path = dir.path + "/" + PlatformJournal.fileName
        _ = try JournalFile.open(path: path).append { _ in
            RecordDraft(
                type: RecordType.checkChanged.rawValue,
                data: ["check": "c", "from": "down", "to": "flapping", "detail": ""],
                timestamp: t0.adding(seconds: 502), actor: "status-poller", host: "h", pid: 1)
        }
        // An unfinished last line: a write under way.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"v\":1,\"seq\":404,".utf8))
        try handle.close()
        let before = bytes(path)
        #expect(before.count > 1 << 20)
        let (states, warning) = PlatformJournal.lastStates(directory: dir.path, of: ["a", "b", "c", "new"])
        #expect(warning == nil)
        #expect(states["a"] == .init(state: .down, since: t0.adding(seconds: 10)))
        #expect(states["b"] == .init(state: .up, since: t0.adding(seconds: 420)))
        #expect(states["c"] == nil, "a state this build does not know is not restored")
        #expect(states["new"] == nil && states["renamed-away"] == nil)
        #expect(bytes(path) == before)
    }

    @Test func damageStopsTheReadingThereAndIsNamed() throws {
        let dir = TemporaryDirectory()
        let journal = try #require(
            try PlatformJournal.claim(store: FileJournalStore(directory: dir.path), holder: "test"))
        try journal.record(check: "a", from: .unknown, to: .down, detail: "503", at: t0, by: writer)
        try journal.record(check: "b", from: .unknown, to: .down, detail: "503", at: t0.adding(seconds: 1), by: writer)
        try journal.record(check: "c", from: .unknown, to: .down, detail: "503", at: t0.adding(seconds: 2), by: writer)
        let path = dir.path + "/" + PlatformJournal.fileName
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"check\":\"b\"", with: "\"check\":\"B\"")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let (states, warning) = PlatformJournal.lastStates(directory: dir.path, of: ["a", "b", "c"])
        #expect(Set(states.keys) == ["c"], "the records after the damage, and only those")
        #expect(warning?.contains("platform.jsonl is damaged at byte") == true, "\(warning ?? "")")
    }

    @Test func aLinkIsNeverFollowed() throws {
        let dir = TemporaryDirectory()
        let victim = TemporaryDirectory()
        let journal = try #require(
            try PlatformJournal.claim(store: FileJournalStore(directory: victim.path), holder: "test"))
        try journal.record(check: "a", from: .unknown, to: .down, detail: "503", at: t0, by: writer)
        try FileManager.default.createSymbolicLink(
            atPath: dir.path + "/" + PlatformJournal.fileName,
            withDestinationPath: victim.path + "/" + PlatformJournal.fileName)
        let (states, warning) = PlatformJournal.lastStates(directory: dir.path, of: ["a"])
        #expect(states.isEmpty)
        #expect(
            warning?.contains("symbolic link") == true && warning?.contains("not restored") == true, "\(warning ?? "")")
    }
}

extension PlatformJournalTests {
    /// In a database: one recorder across processes (the hold `poller`), and a restarted poller's last
    /// states read through the store (backwards from the end, as for files); damage (a superuser's edit)
    /// stops the reading, and is said.
    @Test func inADatabaseOneRecorderWritesAndTheLastStatesAreReadThroughTheStore() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let store = PostgresJournalStore(uri: database.everydayURI)
        #expect(PlatformJournal.lastStates(store: store, of: ["a"]) == ([:], nil), "no journal: nothing, no warning")
        let journal = try #require(try PlatformJournal.claim(store: store, holder: "test"))
        #expect(
            try PlatformJournal.claim(store: PostgresJournalStore(uri: database.everydayURI), holder: "test") == nil,
            "another recorder waits while this one records")
        try journal.record(check: "a", from: .unknown, to: .pending, detail: "503", at: t0, by: writer)
        try journal.record(check: "a", from: .pending, to: .down, detail: "503", at: t0.adding(seconds: 10), by: writer)
        try journal.record(check: "b", from: .up, to: .down, detail: "503", at: t0.adding(seconds: 20), by: writer)
        try journal.record(check: "b", from: .down, to: .up, detail: "200", at: t0.adding(seconds: 30), by: writer)
        let (states, warning) = PlatformJournal.lastStates(
            store: PostgresJournalStore(uri: database.everydayURI), of: ["a", "b", "new"])
        #expect(warning == nil)
        #expect(
            states == [
                "a": .init(state: .down, since: t0.adding(seconds: 10)),
                "b": .init(state: .up, since: t0.adding(seconds: 30))
            ])

        try database.server.psql(
            """
            BEGIN;
            ALTER TABLE klaxon.records DISABLE TRIGGER append_only;
            UPDATE klaxon.records SET line = overlay(line PLACING '\\x23'::bytea FROM 31 FOR 1)
                WHERE journal = 'platform' AND sequence = 3;
            ALTER TABLE klaxon.records ENABLE TRIGGER append_only;
            COMMIT;
            """, database: database.name)
        let damaged = PlatformJournal.lastStates(store: PostgresJournalStore(uri: database.everydayURI), of: ["a", "b"])
        // Read backwards, as a file is: the states after the damage are kept, those before it not.
        #expect(
            damaged.states == ["b": .init(state: .up, since: t0.adding(seconds: 30))], "the records after the damage"
        )
        #expect(
            damaged.warning?.contains("is damaged at record 3") == true
                && damaged.warning?.contains("the states recorded before it were not restored") == true,
            "\(damaged.warning ?? "")")
    }

    /// A platform journal of years (5,000 changes here): the last states are read from its end,
    /// backwards, and the reading stops once each check asked for is found, as for files (which read at
    /// most their last 4 MiB). Its first record is never read: damage there (a superuser's edit) is not
    /// met, and the states are restored without a warning. (Reading from the first record, as before, met
    /// the damage and restored nothing.)
    @Test func inADatabaseTheLastStatesAreReadFromTheEndOnly() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        var records: [JournalRecord] = []
        var previous = RecordHash.genesis
        for n in 0..<5_000 {
            let (from, to) = n % 2 == 0 ? ("up", "down") : ("down", "up")
            let draft = RecordDraft(
                type: RecordType.checkChanged.rawValue,
                data: [
                    "check": .string(n == 4_999 ? "a" : "b"), "from": .string(from), "to": .string(to),
                    "detail": .string("")
                ],
                timestamp: t0.adding(seconds: Int64(n)), actor: "status-poller", host: "h", pid: 1)
            let record = JournalCodec.encode(draft, sequence: n + 1, previousHash: previous).record
            previous = record.hash
            records.append(record)
        }
        #expect(try PostgresJournalStore(uri: database.ownerURI).create(PlatformJournal.name, records: records) != nil)
        try database.server.psql(
            """
            BEGIN;
            ALTER TABLE klaxon.records DISABLE TRIGGER append_only;
            UPDATE klaxon.records SET line = overlay(line PLACING '\\x23'::bytea FROM 31 FOR 1)
                WHERE journal = 'platform' AND sequence = 1;
            ALTER TABLE klaxon.records ENABLE TRIGGER append_only;
            COMMIT;
            """, database: database.name)
        let (states, warning) = PlatformJournal.lastStates(
            store: PostgresJournalStore(uri: database.everydayURI), of: ["a", "b"])
        #expect(warning == nil, "\(warning ?? "")")
        #expect(
            states == [
                "a": .init(state: .up, since: t0.adding(seconds: 4_999)),
                "b": .init(state: .down, since: t0.adding(seconds: 4_998))
            ])
    }

    /// A recorder that lost only its hold connection (the server ended that session, and another process
    /// took the recording over) writes nothing more: its write proves the hold in its transaction, and is
    /// refused, so the taker's records are the only ones after the takeover.
    @Test func aRecorderThatLostItsHoldConnectionWritesNothingMore() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let store = PostgresJournalStore(uri: database.everydayURI)
        let first = try #require(try PlatformJournal.claim(store: store, holder: "first"))
        try first.record(check: "a", from: .unknown, to: .down, detail: "503", at: t0, by: writer)
        let cut = try database.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'klaxon hold poller' AND datname = current_database()"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cut == "t")
        var second: PlatformJournal?
        for _ in 0..<100 where second == nil {
            second = try PlatformJournal.claim(store: PostgresJournalStore(uri: database.everydayURI), holder: "second")
            if second == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let taker = try #require(second, "another process takes the recording over")
        try taker.record(check: "a", from: .down, to: .up, detail: "200", at: t0.adding(seconds: 10), by: writer)
        #expect(throws: KlaxonError.self, "the first, still believing it records") {
            try first.record(check: "a", from: .down, to: .up, detail: "200", at: t0.adding(seconds: 20), by: writer)
        }
        let records = try PostgresJournalStore(uri: database.everydayURI).journal(PlatformJournal.name).readNewRecords()
        #expect(records.map(\.timestamp) == [t0, t0.adding(seconds: 10)], "\(records.map(\.timestamp))")
    }
}
