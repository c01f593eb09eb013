import Foundation
import KlaxonCore
import KlaxonPostgres
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// A `JournalStore` implementation as the contract tests meet it: how to make an empty one, how to open
/// it again (as a restarted process would), how another process names it (`klaxon-stress`'s STORE),
/// and the two faults a test causes from outside the store's code: a write cut short and a record
/// changed after it was written.
///
/// There are two: the file store on a temporary directory, and PostgreSQL, a fresh database on the
/// tests' own cluster on 127.0.0.1 (`PostgresServer.sharedFromSyncCode()`) reached as the everyday role, whose
/// `location` is its connection URI (klaxon-stress picks the store by the form of STORE); its `tear` and
/// `damage` work on the server as a killed writer and a superuser would. Every test below runs on both.
struct StoreUnderTest: Sendable, CustomTestStringConvertible {
    let name: String
    /// Whether a write is whole or absent (a database row): a writer killed in the middle of one leaves
    /// nothing, where a file is left with a torn tail.
    var writesAreWhole = false
    /// What each test awaits before it makes a store (a server started off the cooperative pool).
    var prepare: @Sendable () async throws -> Void = {}
    /// A new, empty store: the store, what names it to another process, and what keeps it alive.
    let make: @Sendable () throws -> (store: any JournalStore, location: String, keep: AnyObject)
    /// The store at `location` opened afresh.
    let reopen: @Sendable (_ location: String) -> any JournalStore
    /// Leaves journal `name`'s last record half-written, as a writer killed in the middle of it would.
    let tear: @Sendable (_ location: String, _ name: String) throws -> Void
    /// Changes one byte of record `sequence` of journal `name`, as tampering or a bad disk would.
    let damage: @Sendable (_ location: String, _ name: String, _ sequence: Int) throws -> Void

    var testDescription: String { name }

    static let files = StoreUnderTest(
        name: "files",
        make: {
            let dir = TemporaryDirectory("klaxon-store")
            let location = dir.path + "/journals"
            return (FileJournalStore(directory: location), location, dir)
        },
        reopen: { FileJournalStore(directory: $0) },
        tear: { location, name in
            let path = location + "/" + name + ".jsonl"
            var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
            let lastStart = bytes.dropLast().lastIndex(of: 0x0A)! + 1
            bytes.removeSubrange((lastStart + (bytes.count - lastStart) / 2)...)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        },
        damage: { location, name, sequence in
            let path = location + "/" + name + ".jsonl"
            var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
            let lineStart = sequence == 1 ? 0 : bytes.indices.filter { bytes[$0] == 0x0A }[sequence - 2] + 1
            bytes[lineStart + 30] = UInt8(ascii: "#")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        })

    static let postgres = StoreUnderTest(
        name: "postgres", writesAreWhole: true,
        prepare: { _ = try await PostgresServer.shared() },
        make: {
            let database = try PostgresServer.sharedFromSyncCode().makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            let store = PostgresJournalStore(uri: database.everydayURI)
            return (store, database.everydayURI, store)
        },
        reopen: { PostgresJournalStore(uri: $0) },
        tear: { location, name in
            // A writer inside its append's transaction, its row inserted, killed before COMMIT.
            let last = try #require(try PostgresJournalStore(uri: location).journal(name).readNewRecords().last)
            let writer = try PostgresConnection(uri: location, applicationName: "klaxon contract tear")
            let (line, record) = JournalCodec.encode(
                note("torn"), sequence: last.sequence + 1, previousHash: last.hash)
            try writer.query("BEGIN")
            try writer.query(
                "INSERT INTO klaxon.records (journal, sequence, type, recorded_at, hash, previous_hash, line, append_key) VALUES ($1, $2::bigint, 'note', now(), $3, $4, $5::bytea, gen_random_uuid())",
                [name, String(record.sequence), record.hash.hex, record.previousHash.hex, PostgresBytea.text(line)])
            try PostgresServer.sharedFromSyncCode().psql(
                "SELECT pg_terminate_backend(\(writer.backendPID))", database: StoreUnderTest.databaseName(location))
            #expect(throws: PostgresError.self) { try writer.query("COMMIT") }
        },
        damage: { location, name, sequence in
            // A superuser's edit of one byte of the line (offset 30, as for files), the append-only
            // trigger disabled for that statement.
            try PostgresServer.sharedFromSyncCode().psql(
                """
                BEGIN;
                ALTER TABLE klaxon.records DISABLE TRIGGER append_only;
                UPDATE klaxon.records SET line = overlay(line PLACING '\\x23'::bytea FROM 31 FOR 1)
                    WHERE journal = '\(name)' AND sequence = \(sequence);
                ALTER TABLE klaxon.records ENABLE TRIGGER append_only;
                COMMIT;
                """, database: StoreUnderTest.databaseName(location))
        })

    static let all: [StoreUnderTest] = [.files, .postgres]

    /// The database a test URI names (`postgresql://ROLE@HOST:PORT/NAME?…`).
    static func databaseName(_ uri: String) -> String {
        String(uri.split(separator: "?").first!.split(separator: "/").last!)
    }
}

private let actor = WriterIdentity(actor: "contract", host: "test-host", pid: 7)

/// The first record of incident `id`, as `incident declare` writes it.
private func declaration(_ id: String) throws -> RecordDraft {
    RecordDraft(
        type: RecordType.declared.rawValue, data: try Declaration(title: "Contract", severity: .sev3).payload(id: id),
        timestamp: t0, actor: actor.actor, host: actor.host, pid: actor.pid)
}

private func note(_ text: String) -> RecordDraft {
    RecordDraft(
        type: RecordType.note.rawValue, data: ["text": .string(text)], timestamp: t0, actor: actor.actor,
        host: actor.host, pid: actor.pid)
}

/// Every record of `name`, read by a new reader of a store opened afresh; checks numbering and chain.
private func readBack(_ store: any JournalStore, _ name: String) throws -> [JournalRecord] {
    let records = try store.journal(name).readNewRecords()
    #expect(records.map(\.sequence) == records.indices.map { $0 + 1 }, "contiguous from 1")
    for (before, after) in zip(records, records.dropFirst()) {
        #expect(after.previousHash == before.hash, "record \(after.sequence) links to record \(before.sequence)")
    }
    #expect(records.first?.previousHash == .genesis)
    return records
}

/// Starts `klaxon-stress STORE --hold NAME`; returns it once it said whether it has the hold.
func holdingProcess(_ location: String, _ name: String) throws -> (Process, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon-stress"))
    process.arguments = [location, "--hold", name]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    var output = Data()
    while !output.contains(UInt8(ascii: "\n")) {
        let chunk = pipe.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        output += chunk
    }
    return (process, String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Whether `descriptor` becomes readable within `milliseconds`.
private func readable(_ descriptor: Int32, within milliseconds: Int32) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, milliseconds) == 1 && entry.revents & Int16(POLLIN) != 0
}

/// What every `JournalStore` promises (see its documentation), run against each implementation.
// Several tests start processes that fsync hundreds of times: one at a time.
@Suite(.serialized)
struct JournalStoreContractTests {
    @Test(arguments: StoreUnderTest.all)
    func journalsAreListedAndCreatedOnce(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, _, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        #expect(try store.journalNames() == [])
        #expect(store.stamp(of: "INC-2") == nil)
        for id in ["INC-2", "INC-10", "INC-1"] {
            #expect(try store.create(id, firstRecord: try declaration(id)) != nil)
        }
        #expect(try store.create("INC-2", firstRecord: try declaration("INC-2")) == nil, "a journal is created once")
        // The journals that are not incidents' come after them, in NamedJournals' order, whichever came first.
        #expect(try store.create(AlertJournal.name, firstRecord: note("alerts")) != nil)
        #expect(try store.create(PlatformJournal.name, firstRecord: note("platform")) != nil)
        #expect(try store.journalNames() == ["INC-1", "INC-2", "INC-10", "platform", "alerts"])
        #expect(try readBack(store, "INC-2").map(\.data) == [try declaration("INC-2").data], "the first record only")
    }

    /// `incidentJournals()` lists the incidents' journals in order of their numbers (not the platform
    /// journal), each with its stamp as `stamp(of:)` gives it; an append moves that journal's only.
    /// The checks' outcome ledgers (issue 25): saved, read back by the store opened afresh (another
    /// process, a restart); a save replaces the ledgers it names and keeps the others; nothing is there
    /// before the first save; reading them changes nothing.
    @Test(arguments: StoreUnderTest.all)
    func outcomeLedgersAreSavedReplacedAndSharedAcrossProcesses(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        #expect(try store.outcomeLedgers().isEmpty)
        var registry = OutcomeLedger(windowDays: 28)
        var ci = OutcomeLedger(windowDays: 30)
        let t = Timestamp.parseRFC3339("2026-11-20T09:00:00Z")!
        for i in 0..<90 {
            registry.record(good: i % 9 != 0, at: t.adding(seconds: Int64(i * 30)))
            ci.record(good: true, at: t.adding(seconds: Int64(i * 60)))
        }
        try store.saveOutcomeLedgers(["registry": registry.bytes, "ci": ci.bytes])
        let reopened = kind.reopen(location)
        #expect(try reopened.outcomeLedgers() == ["registry": registry.bytes, "ci": ci.bytes])
        registry.record(good: false, at: t.adding(seconds: 3600))
        try reopened.saveOutcomeLedgers(["registry": registry.bytes])
        let read = try kind.reopen(location).outcomeLedgers()
        #expect(read == ["registry": registry.bytes, "ci": ci.bytes], "replaced the one saved, kept the other")
        #expect(OutcomeLedger(bytes: try #require(read["registry"]), windowDays: 28) == registry)
        #expect(try store.journalNames() == [], "outcomes are not a journal")
    }

    @Test(arguments: StoreUnderTest.all)
    func incidentJournalsAreListedWithTheirStamps(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, _, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        #expect(try store.incidentJournals().isEmpty)
        for id in ["INC-10", "INC-2", "INC-1"] { _ = try store.create(id, firstRecord: try declaration(id)) }
        _ = try store.create(PlatformJournal.name, firstRecord: note("platform"))
        let before = try store.incidentJournals()
        #expect(before.map(\.number) == [1, 2, 10])
        #expect(before.allSatisfy { $0.stamp != nil })
        #expect(before.map(\.stamp) == ["INC-1", "INC-2", "INC-10"].map { store.stamp(of: $0) })
        _ = try store.journal("INC-2").append { _ in note("more") }
        let after = try store.incidentJournals()
        #expect(after.map(\.number) == [1, 2, 10])
        #expect(after[1].stamp != before[1].stamp && after[1].stamp == store.stamp(of: "INC-2"))
        #expect(after[0].stamp == before[0].stamp && after[2].stamp == before[2].stamp)
    }

    /// Appends from several readers of one journal (each behind the others) continue one chain, and the
    /// change stamp moves with every append and only then.
    @Test(arguments: StoreUnderTest.all)
    func sequenceNumbersAreContiguousAndOneChainAcrossWriters(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, _, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        let first = try #require(try store.create("INC-1", firstRecord: try declaration("INC-1")))
        let second = store.journal("INC-1")
        #expect(try second.readNewRecords().count == 1)
        var stamp = store.stamp(of: "INC-1")
        for i in 1...10 {
            let writer = i % 3 == 0 ? second : first
            var seen = -1
            let record = try writer.append { others in
                seen = others.count
                return note("note \(i)")
            }
            #expect(record.sequence == i + 1)
            #expect(writer.lastSequence == i + 1 && writer.lastHash == record.hash)
            // A created journal has read nothing: its first append is given the first record. `second`
            // writes every third note and is given the two `first` wrote since; `first` then that one.
            #expect(seen == (i % 3 == 0 ? 2 : i % 3 == 1 ? 1 : 0), "append \(i) was given what others appended")
            let now = store.stamp(of: "INC-1")
            #expect(now != stamp, "append \(i) changed the stamp")
            stamp = now
        }
        _ = try second.readNewRecords()
        #expect(store.stamp(of: "INC-1") == stamp, "reading changes nothing")
        #expect(second.hasUnreadBytes == false)
        #expect(second.changeStamp == stamp, "a reader that has read everything holds the stamp of what it read")
        let records = try readBack(kind.reopen(store.location), "INC-1")
        #expect(records.count == 11)
        #expect(records.dropFirst().map { $0.data["text"]?.stringValue } == (1...10).map { "note \($0)" })
    }

    /// Four processes append 100 notes each at once (`klaxon-stress`, through an `IncidentStore` over
    /// the store, as `incident note` writes): one chain, every note once, each at the sequence number
    /// its writer was told.
    @Test(arguments: StoreUnderTest.all)
    func oneChainUnderConcurrentAppendsFromSeveralProcesses(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        _ = try store.create("INC-1", firstRecord: try declaration("INC-1"))
        let swarm = try WriterSwarm(
            stress: BuiltProducts.path("klaxon-stress"), journals: location, writers: 4, notesEach: 100)
        #expect(swarm.waitUntilExit() == [0, 0, 0, 0])
        let acknowledged = swarm.acknowledgements
        #expect(acknowledged.count == 400)
        let records = try readBack(kind.reopen(location), "INC-1")
        #expect(records.count == 401)
        let texts = records.dropFirst().compactMap { $0.data["text"]?.stringValue }
        #expect(Set(texts).count == 400, "every note exactly once")
        let bySequence = Dictionary(uniqueKeysWithValues: records.map { ($0.sequence, $0.data["text"]?.stringValue) })
        for ack in acknowledged {
            #expect(bySequence[ack.sequence] == ack.text, "\(ack.text) is record \(ack.sequence)")
        }
    }

    /// A writer process killed at random moments: every append it acknowledged is read back from the
    /// store opened afresh, and a write it was killed in the middle of never costs a record.
    @Test(arguments: StoreUnderTest.all)
    func nothingAcknowledgedIsLost(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        _ = try store.create("INC-1", firstRecord: try declaration("INC-1"))
        var acknowledged: [WriterSwarm.Acknowledgement] = []
        for round in 1...5 {
            let swarm = try WriterSwarm(
                stress: BuiltProducts.path("klaxon-stress"), journals: location, writers: 1, notesEach: 1_000_000)
            while swarm.acknowledgements.isEmpty && swarm.running { usleep(1_000) }
            usleep(UInt32.random(in: 0...30_000))
            swarm.kill()
            swarm.waitUntilExit()
            acknowledged += swarm.acknowledgements
            #expect(
                !swarm.acknowledgements.isEmpty, "round \(round): the writer acknowledged appends before it was killed")
            let records = try readBack(kind.reopen(location), "INC-1")
            let bySequence = Dictionary(
                uniqueKeysWithValues: records.map { ($0.sequence, $0.data["text"]?.stringValue) })
            for ack in acknowledged {
                #expect(bySequence[ack.sequence] == ack.text, "round \(round): record \(ack.sequence) lost")
            }
        }
        // The next writer continues the same chain after whatever the last kill left.
        let next = kind.reopen(location).journal("INC-1")
        let record = try next.append { _ in note("after the kills") }
        #expect(try readBack(kind.reopen(location), "INC-1").last == record)
    }

    /// A journal created from another store's records (`create(_:records:)`, what `journal export` and
    /// `import` use) reads back the very same records: timestamps, actors, hosts and pids kept, the same
    /// hashes, so the same lines. Appending the records' drafts one by one would give the same chain; a
    /// copy is created once, and records that are not a whole chain create nothing at all.
    @Test(arguments: StoreUnderTest.all)
    func aCopyOfAJournalHoldsTheVeryRecordsAllOrNothing(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (source, _, keepSource) = try kind.make()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime((keepSource, keep)) {} }
        let original = try #require(try source.create("INC-1", firstRecord: try declaration("INC-1")))
        let texts = [
            "漢字とかな", "مرحبا بالعالم", "שלום", "Привет", "नमस्ते", "🚒🔥👩🏽‍🚒", String(repeating: "long ", count: 40_000)
        ]
        for (i, text) in texts.enumerated() {
            _ = try original.append { _ in
                RecordDraft(
                    type: RecordType.note.rawValue, data: ["text": .string(text)],
                    timestamp: t0.adding(seconds: Int64(i)),
                    actor: "writer-\(i)", host: "host-\(i)", pid: 100 + i)
            }
        }
        let records = try readBack(source, "INC-1")

        let copy = try #require(try store.create("INC-1", records: records))
        #expect(try copy.readNewRecords() == records)
        #expect(try readBack(kind.reopen(location), "INC-1") == records, "durable: read back by a store opened afresh")
        let stamp = store.stamp(of: "INC-1")
        #expect(try store.create("INC-1", records: records) == nil, "a journal is created once")
        #expect(store.stamp(of: "INC-1") == stamp)

        // The drafts appended one by one give the same chain: what a copy holds is what writers wrote.
        let (drafted, _, keepDrafted) = try kind.make()
        defer { withExtendedLifetime(keepDrafted) {} }
        let again = try #require(try drafted.create("INC-1", firstRecord: records[0].draft))
        for record in records.dropFirst() { _ = try again.append { _ in record.draft } }
        #expect(try readBack(drafted, "INC-1") == records)

        // The copy goes on as any journal does.
        let next = try copy.append { _ in note("after the copy") }
        #expect(next.sequence == records.count + 1 && next.previousHash == records.last?.hash)

        var gap = records
        gap.remove(at: 3)
        var edited = records
        edited[5].data = ["text": "changed after it was written"]
        for (name, bad, first) in [("INC-2", gap, 4), ("INC-3", edited, 6), ("INC-4", [], 1)] {
            let refusal = #expect(throws: KlaxonError.self) { try store.create(name, records: bad) }
            #expect(refusal?.message.contains("record \(first) ") == true, "\(refusal?.message ?? "")")
            #expect(store.stamp(of: name) == nil, "\(name): nothing created, not even its first records")
        }
        #expect(try store.journalNames() == ["INC-1"])
    }

    /// A last record cut in half is no record: readers leave it alone and name it, and the next append
    /// sets it aside and takes its sequence number. Where writes are whole (a database row), a writer
    /// killed in the middle of one leaves nothing: no torn tail, and the next append takes its number.
    @Test(arguments: StoreUnderTest.all)
    func aTornTailIsReportedAndTheNextAppendRepairsIt(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        let journal = try #require(try store.create("INC-1", firstRecord: try declaration("INC-1")))
        for i in 2...3 { _ = try journal.append { _ in note("note \(i)") } }
        try kind.tear(location, "INC-1")
        let stamp = store.stamp(of: "INC-1")
        let reader = kind.reopen(location).journal("INC-1")
        let records = try reader.readNewRecords()
        let kept = kind.writesAreWhole ? 3 : 2
        #expect(records.map(\.sequence) == Array(1...kept))
        #expect(reader.tornTail?.expectedSequence == (kind.writesAreWhole ? nil : 3))
        #expect(reader.corruption == nil, "a torn tail is not damage")
        if kind.writesAreWhole {
            #expect(reader.changeStamp == stamp, "the journal is whole")
        } else {
            #expect(reader.changeStamp == nil, "a journal with a torn tail is not whole")
        }
        #expect(store.stamp(of: "INC-1") == stamp, "reading changes nothing")
        let repaired = try reader.append { _ in note("after the tear") }
        #expect(repaired.sequence == kept + 1 && repaired.previousHash == records[kept - 1].hash)
        #expect(reader.tornTail == nil)
        if !kind.writesAreWhole { #expect(!reader.warnings.isEmpty, "the torn record's setting aside is said") }
        let after = try readBack(kind.reopen(location), "INC-1")
        #expect(after.map(\.sequence) == Array(1...(kept + 1)) && after.last == repaired)
    }

    /// A record changed in the middle stops the reading there, is named with its journal and sequence,
    /// and nothing more is appended.
    @Test(arguments: StoreUnderTest.all)
    func damageIsNamedAndStopsWriting(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        let journal = try #require(try store.create("INC-1", firstRecord: try declaration("INC-1")))
        for i in 2...5 { _ = try journal.append { _ in note("note \(i)") } }
        try kind.damage(location, "INC-1", 3)
        let reader = kind.reopen(location).journal("INC-1")
        #expect(try reader.readNewRecords().map(\.sequence) == [1, 2], "the records before the damage")
        #expect(reader.corruption?.expectedSequence == 3)
        #expect(reader.corruption?.kind == .corruption)
        let refusal = #expect(throws: KlaxonError.self) { try reader.append { _ in note("more") } }
        #expect(
            refusal?.message.contains(reader.path) == true && refusal?.message.contains("record 3") == true,
            "\(refusal?.message ?? "")")
        let again = kind.reopen(location).journal("INC-1")
        #expect(
            try again.readNewRecords().count == 2 && again.corruption?.expectedSequence == 3, "nothing was appended")
    }

    /// Another process's append is noticed within a second of its acknowledgement.
    @Test(arguments: StoreUnderTest.all)
    func anotherProcesssAppendIsNoticedWithinASecond(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        _ = try store.create("INC-1", firstRecord: try declaration("INC-1"))
        _ = try store.create("INC-2", firstRecord: try declaration("INC-2"))
        let follower = try store.follow()
        #expect(!readable(follower.descriptor, within: 0) && follower.changedJournals().isEmpty, "nothing changed yet")
        let swarm = try WriterSwarm(
            stress: BuiltProducts.path("klaxon-stress"), journals: location, incident: "INC-2", writers: 1, notesEach: 1
        )
        #expect(swarm.waitUntilExit() == [0])
        #expect(swarm.acknowledgements.count == 1)
        #expect(readable(follower.descriptor, within: 1000), "noticed within a second")
        #expect(follower.changedJournals() == ["INC-2"])
    }

    /// One holder at a time, in this process or another; the hold of a killed process is taken over.
    @Test(arguments: StoreUnderTest.all)
    func oneHolderAtATimeAndADeadHoldersHoldIsTakenOver(_ kind: StoreUnderTest) async throws {
        try await kind.prepare()
        let (store, location, keep) = try kind.make()
        defer { withExtendedLifetime(keep) {} }
        var mine: (any StoreHold)? = try store.hold("engine", creating: true)
        #expect(mine?.tryTake(holder: "this test") == true && mine?.isHeld == true)
        let other = try kind.reopen(location).hold("engine", creating: true)
        #expect(!other.tryTake(holder: "another") && !other.isHeld, "one holder at a time, even in one process")
        #expect(other.holder() == "this test")
        #expect(try store.hold("poller", creating: true).tryTake(holder: "recorder"), "holds of other names are apart")
        let (busy, said) = try holdingProcess(location, "engine")
        if busy.isRunning { kill(busy.processIdentifier, SIGKILL) }  // it took the hold: the test fails, but ends
        busy.waitUntilExit()
        #expect(said == "busy")
        mine = nil  // released: closed, as at a clean exit
        let (holder, held) = try holdingProcess(location, "engine")
        defer {
            if holder.isRunning {
                kill(holder.processIdentifier, SIGKILL)
                holder.waitUntilExit()
            }
        }
        #expect(held == "held \(holder.processIdentifier)")
        #expect(!other.tryTake(holder: "another"))
        #expect(other.holder() == "klaxon-stress \(holder.processIdentifier)")
        #expect(
            try store.hold("engine", creating: false).holder() == "klaxon-stress \(holder.processIdentifier)",
            "asking changes nothing")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        var tookOver = false
        for _ in 0..<20 where !tookOver {
            tookOver = other.tryTake(holder: "another")
            if !tookOver { usleep(50_000) }
        }
        #expect(tookOver, "the killed holder's hold is taken over within a second")
        #expect(try kind.reopen(location).hold("engine", creating: false).holder() == "another")
    }
}
