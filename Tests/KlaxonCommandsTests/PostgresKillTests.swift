import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Synchronization
import Testing

/// Issue 21's kill tests: a stream of appends to one incident of a database workspace by `klaxon-stress`
/// writers (the code of `klaxon incident note`: an `IncidentStore` over the PostgreSQL store, each
/// acknowledgement printed after COMMIT returned) while writers are SIGKILLed, the server is stopped as a
/// crash would stop it and restarted, or the writers' connections are terminated in the middle of their
/// COMMIT. After recovery every acknowledged note is the record its writer was told, once; the records
/// are numbered without a gap; `klaxon journal verify` exits 0.
extension PostgresUnderLoad {
    @Suite(.serialized)
    struct PostgresKillTests {
        @Test func writersKilledAtRandomMomentsLoseNoAcknowledgedNote() async throws {
            let database = try await PostgresServer.shared().makeDatabase()
            let workspace = try await blocking { try PostgresWorkspace(database) }
            // Flat out, so that most kills land inside an append; two, to leave the other tests some CPU.
            let stream = WriterStream(uri: database.everydayURI, writers: 2)
            let killed = try await blocking { () -> Int in
                var killed = 0
                let deadline = Date().addingTimeInterval(60)
                // Each kill lands on a writer that is appending (it has acknowledged a note already).
                while killed < 20 && Date() < deadline {
                    usleep(UInt32.random(in: 10_000...80_000))
                    if stream.killOne() { killed += 1 }
                }
                return killed
            }
            let acknowledged = try await blocking { stream.stop() }
            #expect(killed == 20)
            #expect(stream.killedBySignal >= 20, "the kills landed on running writers")
            #expect(stream.failed == 0, "no writer was refused: a killed writer's transaction held nobody up")
            try await expectWhole(workspace, acknowledged: acknowledged)
        }

        @Test func theServerStoppedLikeACrashAndRestartedLosesNoAcknowledgedNote() async throws {
            // A cluster of its own: the shared one serves other tests meanwhile.
            let server = try await blocking { try PostgresServer() }
            let database = try await blocking { try server.makeDatabase() }
            let workspace = try await blocking { try PostgresWorkspace(database) }
            let stream = WriterStream(uri: database.everydayURI, writers: 4, rate: 50)
            var before: [Int] = []
            for _ in 1...3 {
                try await blocking { try stream.waitForMore(20) }
                before.append(stream.acknowledgements.count)
                try await blocking {
                    try server.stopImmediately()
                    usleep(300_000)
                    try server.start()
                }
            }
            // The stream goes on after the last restart.
            try await blocking { try stream.waitForMore(20) }
            let acknowledged = try await blocking { stream.stop() }
            #expect(stream.failed >= 3, "writers were appending when the server stopped, and were refused")
            #expect(acknowledged.count >= (before.last ?? 0) + 20)
            try await expectWhole(workspace, acknowledged: acknowledged)
        }

        @Test func connectionsTerminatedInTheMiddleOfCommitLoseAndDoubleNothing() async throws {
            let database = try await PostgresServer.shared().makeDatabase()
            let workspace = try await blocking { try PostgresWorkspace(database) }
            let stream = WriterStream(uri: database.everydayURI, writers: 4, rate: 50)
            try await blocking { try stream.waitForMore(10) }
            // The server's own view: a writer's backend running its COMMIT (the WAL being flushed).
            let terminated = try await blocking { () -> Int in
                var terminated = 0
                let deadline = Date().addingTimeInterval(30)
                while terminated < 20 && Date() < deadline {
                    let cut = try database.psql(
                        """
                        SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
                            AND query = 'COMMIT'
                        """)
                    terminated += Int(cut.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                }
                return terminated
            }
            #expect(terminated >= 20, "connections were cut during their COMMIT")
            try await blocking { try stream.waitForMore(20) }
            let acknowledged = try await blocking { stream.stop() }
            try await expectWhole(workspace, acknowledged: acknowledged)
        }

        /// `klaxon journal verify` on the workspace exits 0; INC-1 (read by a store of its own) is numbered
        /// 1… without a gap, holds each acknowledged note at the sequence its writer was told, and no note twice.
        private func expectWhole(_ workspace: PostgresWorkspace, acknowledged: [WriterSwarm.Acknowledgement])
            async throws
        {
            let verified = try await blocking { try workspace.klaxon("journal", "verify") }
            #expect(verified.status == 0, "\(verified.output)\(verified.errors)")
            #expect(verified.output.hasPrefix("INC-1: ok, "), "\(verified.output)")
            let timeline = try await blocking {
                try IncidentStore(store: PostgresJournalStore(uri: workspace.database.everydayURI)).open("INC-1")
                    .incident
                    .timeline
            }
            #expect(timeline.map(\.sequence) == Array(1...timeline.count), "numbered without a gap")
            let rows = try await blocking { try workspace.database.psql("SELECT count(*) FROM klaxon.records") }
            #expect(rows == "\(timeline.count)\n", "the store read every row")
            let notes = timeline.compactMap { $0.data["text"]?.stringValue }
            #expect(notes.count == timeline.count - 1, "the declaration, then notes")
            #expect(Set(notes).count == notes.count, "no note twice")
            let bySequence = Dictionary(
                uniqueKeysWithValues: timeline.map { ($0.sequence, $0.data["text"]?.stringValue) })
            let lost = acknowledged.filter { bySequence[$0.sequence] != $0.text }
            #expect(lost.isEmpty, "acknowledged but not there as told: \(lost.prefix(5))")
            #expect(acknowledged.count >= 40, "the stream appended")
        }
    }
}

/// The PostgreSQL tests that run writer processes for seconds (`PostgresKillTests`,
/// `PostgresTwoMachinesTests`): one at a time, so that they load the two cores no more than one of
/// them does.
@Suite(.serialized) enum PostgresUnderLoad {}

/// A workspace whose `journals:` is a database's everyday URI (its password in the cluster's pgpass
/// file), the schema made with `klaxon journal init` and INC-1 declared, both by the `klaxon` executable.
struct PostgresWorkspace: Sendable {
    let database: PostgresDatabase
    let directory: TemporaryDirectory

    /// `uri` (default: the database's everyday URI) is `journals:`; `preparing`: `journal init`, then
    /// INC-1 declared.
    init(_ database: PostgresDatabase, uri: String? = nil, preparing: Bool = true) throws {
        self.database = database
        directory = makeWorkspace("name: shared\njournals: \"\(uri ?? database.everydayURI)\"\n")
        guard preparing else { return }
        let initialised = try klaxon("journal", "init", "--uri", database.ownerURI, "--grant", PostgresServer.everyday)
        guard initialised.status == 0 else { throw RealServerError("journal init: \(initialised.errors)") }
        let declared = try klaxon("incident", "declare", "Registry returns 503", "--severity", "SEV2")
        guard declared.status == 0, declared.output.contains("INC-1") else {
            throw RealServerError("incident declare: \(declared.output)\(declared.errors)")
        }
    }

    /// Runs the `klaxon` executable on the workspace as alice, in UTC.
    func klaxon(_ arguments: String...) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon"))
        process.arguments = arguments
        process.environment = [
            "KLAXON_WORKSPACE": directory.path, "KLAXON_USER": "alice", "TZ": "UTC", "HOME": directory.path,
            "PATH": "/usr/bin:/bin"
        ]
        // Into files, so that neither output can fill a pipe and stall the process.
        let output = TemporaryDirectory("klaxon-output")
        _ = FileManager.default.createFile(atPath: output.path + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: output.path + "/err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: output.path + "/out")
        process.standardError = FileHandle(forWritingAtPath: output.path + "/err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: output.read("out"), as: UTF8.self),
            String(decoding: output.read("err"), as: UTF8.self)
        )
    }
}

/// `writers` `klaxon-stress` processes appending to INC-1 of `uri`, at `rate` notes a second each
/// (nil: as fast as they can), without end:
/// one that exits (killed, or refused when the server went away) is replaced within 100 ms by a new
/// writer of a new name, until `stop()`. Every writer's acknowledgements are kept.
final class WriterStream: Sendable {
    private let swarms = Mutex<[WriterSwarm]>([])
    private let killed = Mutex<Set<Int32>>([])
    private let stopping = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)

    init(uri: String, writers: Int, rate: Double? = nil) {
        Thread { [self] in
            var slots: [WriterSwarm?] = Array(repeating: nil, count: writers)
            var started = 0
            while !stopping.load(ordering: .acquiring) {
                for i in slots.indices where slots[i]?.running != true {
                    started += 1
                    if let swarm = try? WriterSwarm(
                        stress: BuiltProducts.path("klaxon-stress"), journals: uri, writers: 1, notesEach: 10_000_000,
                        rate: rate, name: "w\(started)")
                    {
                        slots[i] = swarm
                        swarms.withLock { $0.append(swarm) }
                    }
                }
                usleep(100_000)
            }
            finished.signal()
        }.start()
    }

    /// What every writer has acknowledged so far.
    var acknowledgements: [WriterSwarm.Acknowledgement] { swarms.withLock { $0 }.flatMap(\.acknowledgements) }

    /// Waits until `count` more notes are acknowledged; throws after 60 s.
    func waitForMore(_ count: Int) throws {
        let target = acknowledgements.count + count
        let deadline = Date().addingTimeInterval(60)
        while acknowledgements.count < target {
            guard Date() < deadline else {
                throw RealServerError("the writers acknowledged \(acknowledgements.count) notes in all, not \(target)")
            }
            usleep(20_000)
        }
    }

    /// SIGKILLs a running writer that has acknowledged a note (so is appending), chosen at random;
    /// false when there is none yet.
    func killOne() -> Bool {
        let appending = swarms.withLock { $0 }.filter {
            $0.running && !$0.acknowledgements.isEmpty
                && !killed.withLock { $0 }.contains($0.processes[0].processIdentifier)
        }
        guard let victim = appending.randomElement() else { return false }
        killed.withLock { _ = $0.insert(victim.processes[0].processIdentifier) }
        victim.kill()
        return true
    }

    /// Stops replacing writers, kills those still running, and returns every acknowledgement.
    func stop() -> [WriterSwarm.Acknowledgement] {
        stopping.store(true, ordering: .releasing)
        finished.wait()
        for swarm in swarms.withLock({ $0 }) {
            swarm.kill()
            swarm.waitUntilExit()
        }
        return acknowledgements
    }

    /// How many writers ended by a signal (killed), and how many exited 1 (an append refused); after `stop()`.
    var killedBySignal: Int { exits.filter { $0.reason == .uncaughtSignal }.count }
    var failed: Int { exits.filter { $0.reason == .exit && $0.status == 1 }.count }

    private var exits: [(reason: Process.TerminationReason, status: Int32)] {
        swarms.withLock { $0 }.flatMap(\.processes).filter { !$0.isRunning }.map {
            ($0.terminationReason, $0.terminationStatus)
        }
    }
}
