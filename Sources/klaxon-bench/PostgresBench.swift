import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Synchronization

/// The PostgreSQL store's figures (issue 21), each beside the file store's on the same disk: append
/// latency with one writer and with ten at once, ten `klaxon-stress` writers at 10 notes/s sustained,
/// and the replay of a 100,000-record incident. The cluster is a throwaway of its own, as the tests'
/// (`PostgresServer`: `initdb` into a temporary directory, 127.0.0.1, `fsync` and `synchronous_commit`
/// on), so every figure is loopback.
enum PostgresBench {
    struct Figures {
        /// Each append's time (ms), by store ("postgres", "files") and `Load`.
        var latencies: [String: [Load: [Double]]] = [:]
        /// Appends per second of all the writers together, by store and `Load` (the mean of the runs).
        var throughput: [String: [Load: Double]] = [:]
        var sustained = Sustained()
        /// Records per second, by store.
        var replayRates: [String: [Double]] = [:]
    }

    /// Ten writer processes at 10 notes/s each for `seconds`.
    struct Sustained {
        var seconds = 0
        var expected = 0
        var acknowledged = 0
        /// Records in the incident at the end (the declaration and every note) and whether they are
        /// numbered without a gap, each acknowledged note at the sequence its writer was told.
        var records = 0
        var whole = false
        /// How late each note was acknowledged against its writer's pace (its first note's time +
        /// (n − 1) / rate), seconds: a writer that keeps up stays within one append's latency.
        var behindSchedule: [Double] = []
    }

    static let writer = WriterIdentity.current(actor: "bench")
    static let noteText =
        "Registry p99 back under 800ms after the cache flush on registry-2; watching it for 10 minutes."
    /// Writers at once, each appending as fast as it can (`rate` nil) or `rate` notes a second.
    struct Load: Hashable {
        var writers: Int
        var rate: Double?
        /// Notes each writer appends per run: 500 in all flat out, 3 s at its rate.
        var notesEach: Int { rate.map { Int(3 * $0) } ?? 500 / writers }
    }
    static let loads = [Load(writers: 1), Load(writers: 10), Load(writers: 10, rate: 10)]
    static let replayCount = 100_000

    static func run(root: String, runs: Int, seconds: Int, stress: String) throws -> Figures {
        let server = try PostgresServer()
        var figures = Figures()
        /// A fresh database with the schema, and its everyday URI.
        func freshDatabase() throws -> String {
            let database = try server.makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            return database.everydayURI
        }

        // Append latency: the writers are threads, each with a store (and so a connection) of its own,
        // appending notes to one incident; interleaved with the file store's runs.
        for run in 0..<runs {
            for (l, load) in loads.enumerated() {
                let uri = try freshDatabase()
                let directory = root + "/pg-bench-files-\(run)-\(l)"
                let stores: [(String, () -> any JournalStore)] = [
                    ("postgres", { PostgresJournalStore(uri: uri) }),
                    ("files", { FileJournalStore(directory: directory) })
                ]
                for (name, makeStore) in stores {
                    let (times, elapsed) = try appendLatencies(load, makeStore: makeStore)
                    figures.latencies[name, default: [:]][load, default: []] += times
                    figures.throughput[name, default: [:]][load, default: 0] += Double(times.count) / elapsed
                }
            }
        }
        for (name, byLoad) in figures.throughput {
            for (load, sum) in byLoad { figures.throughput[name]![load] = sum / Double(runs) }
        }

        figures.sustained = try sustained(uri: try freshDatabase(), seconds: seconds, stress: stress)
        figures.replayRates = try replay(uri: try freshDatabase(), directory: root + "/pg-bench-replay", runs: runs)
        return figures
    }

    /// `load.writers` threads append `load.notesEach` notes each to one new incident of the store
    /// `makeStore` makes (one per thread), paced from their start at `load.rate`; each append's
    /// milliseconds, and the seconds of the whole.
    static func appendLatencies(_ load: Load, makeStore: () -> any JournalStore) throws -> ([Double], Double) {
        let stores = (0..<load.writers).map { _ in makeStore() }
        let first = IncidentStore(store: stores[0])
        let id = try first.declare(
            Declaration(title: "append bench", severity: .sev3), by: writer, at: Timestamp(Date())
        ).id
        let journals = try stores.map { try IncidentStore(store: $0).open(id, keepingTimeline: false) }
        let times = Mutex<[Double]>([])
        let failure = Mutex<String?>(nil)
        let group = DispatchGroup()
        let elapsed = seconds {
            for (w, journal) in journals.enumerated() {
                group.enter()
                // Sendable by hand: each journal is used by its one thread only.
                nonisolated(unsafe) let journal = journal
                Thread {
                    var mine: [Double] = []
                    let begin = DispatchTime.now().uptimeNanoseconds
                    for i in 0..<load.notesEach {
                        if let rate = load.rate {
                            // Each writer its own phase, as independent writers are, not all at once.
                            let due = begin + UInt64((Double(i) + Double(w) / Double(load.writers)) / rate * 1e9)
                            let now = DispatchTime.now().uptimeNanoseconds
                            if due > now { usleep(UInt32((due - now) / 1000)) }
                        }
                        let start = DispatchTime.now().uptimeNanoseconds
                        do {
                            try journal.perform(
                                .note("\(noteText) w\(w) #\(i)"), by: writer, now: { Timestamp(Date()) })
                        } catch {
                            failure.withLock { $0 = "\(error)" }
                            break
                        }
                        mine.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    }
                    times.withLock { $0 += mine }
                    group.leave()
                }.start()
            }
            group.wait()
        }
        if let failure = failure.withLock({ $0 }) { throw KlaxonError.failed("an append failed: \(failure)") }
        return (times.withLock { $0 }, elapsed)
    }

    /// Ten `klaxon-stress` processes append 10 notes a second each to one incident of `uri` for
    /// `seconds`; then the incident is read back and checked against what they were told.
    static func sustained(uri: String, seconds: Int, stress: String) throws -> Sustained {
        let store = IncidentStore(store: PostgresJournalStore(uri: uri))
        _ = try store.declare(Declaration(title: "sustained", severity: .sev3), by: writer, at: Timestamp(Date()))
        var figures = Sustained(seconds: seconds, expected: 10 * 10 * seconds)
        let swarm = try WriterSwarm(stress: stress, journals: uri, writers: 10, notesEach: 10 * seconds, rate: 10)
        let statuses = swarm.waitUntilExit()
        guard statuses.allSatisfy({ $0 == 0 }) else {
            throw KlaxonError.failed("a klaxon-stress writer failed: exit statuses \(statuses)")
        }
        let acknowledged = swarm.acknowledgements
        figures.acknowledged = acknowledged.count
        let firsts = Dictionary(acknowledged.filter { $0.n == 1 }.map { ($0.writer, $0.time) }) { a, _ in a }
        figures.behindSchedule = acknowledged.compactMap { ack in
            firsts[ack.writer].map { ack.time - ($0 + Double(ack.n - 1) / 10) }
        }
        let timeline = try store.open("INC-1").incident.timeline
        figures.records = timeline.count
        let bySequence = Dictionary(uniqueKeysWithValues: timeline.map { ($0.sequence, $0.data["text"]?.stringValue) })
        figures.whole =
            timeline.map(\.sequence) == Array(1...timeline.count)
            && acknowledged.allSatisfy { bySequence[$0.sequence] == $0.text }
            && Set(timeline.compactMap { $0.data["text"]?.stringValue }).count == timeline.count - 1
        return figures
    }

    /// A 100,000-record incident written into a journal file and into `uri` (the same records, in one
    /// transaction), then opened `runs` times from each, interleaved: records per second by store. Each
    /// PostgreSQL open is a new store, so it includes connecting and the schema check.
    static func replay(uri: String, directory: String, runs: Int) throws -> [String: [Double]] {
        let files = IncidentStore(directory: directory)
        let journal = try files.declare(
            Declaration(title: "replay bench", severity: .sev2, services: ["registry"]), by: writer,
            at: Timestamp(Date()))
        var records = try FileJournalStore(directory: directory).journal(journal.id).readNewRecords()
        var bytes: [UInt8] = []
        let start = Timestamp(Date())
        for seq in 2...replayCount {
            let draft = RecordDraft(
                type: "note", data: ["text": .string("\(noteText) #\(seq)")],
                timestamp: start.adding(seconds: Int64(seq)), actor: "user\(seq % 50)", host: "build-host-\(seq % 5)",
                pid: 4000 + seq % 100)
            let (line, record) = JournalCodec.encode(draft, sequence: seq, previousHash: records.last!.hash)
            records.append(record)
            bytes += line
        }
        let handle = FileHandle(forWritingAtPath: files.path(of: journal.id))!
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
        try handle.synchronize()
        handle.closeFile()
        guard try PostgresJournalStore(uri: uri).create(journal.id, records: records) != nil else {
            throw KlaxonError.failed("the replay incident was in the database already")
        }

        var rates: [String: [Double]] = [:]
        for _ in 0..<runs {
            for (name, store) in [("postgres", IncidentStore(store: PostgresJournalStore(uri: uri))), ("files", files)]
            {
                // Held past the timed region: replay is the time to get the incident into memory, not to free it.
                var replayed: IncidentJournal?
                let elapsed = try seconds { replayed = try store.open(journal.id) }
                let count = replayed?.incident.timeline.count ?? 0
                guard count == replayCount else { throw KlaxonError.failed("\(name): replay read \(count) records") }
                replayed = nil
                rates[name, default: []].append(Double(count) / elapsed)
            }
        }
        return rates
    }
}

extension PostgresBench {
    /// The report's rows (benchmark `postgres`); ratios are PostgreSQL's figure over the file store's.
    static func rows(_ figures: Figures) -> [(benchmark: String, cells: [String])] {
        var rows: [(benchmark: String, cells: [String])] = []
        for load in loads {
            let postgres = figures.latencies["postgres"]?[load] ?? []
            let files = figures.latencies["files"]?[load] ?? []
            let who =
                load.writers == 1
                ? "1 writer flat out"
                : load.rate.map { "\(load.writers) writers at \(Int($0)) notes/s each" }
                    ?? "\(load.writers) writers flat out (waiting for each other's lock)"
            rows.append(
                (
                    "postgres",
                    [
                        "PostgreSQL append latency p50 / p99, \(who), one incident, loopback (ratio: p99 to files')",
                        load.writers == 1 || load.rate != nil ? "p99 ≤ 10 ms" : "—",
                        String(
                            format: "%.2f / %.2f ms (%.0f appends/s)", percentile(postgres, 0.5),
                            percentile(postgres, 0.99), figures.throughput["postgres"]?[load] ?? .nan),
                        String(format: "%.2f", percentile(postgres, 0.99) / percentile(files, 0.99))
                    ]
                ))
            rows.append(
                (
                    "postgres",
                    [
                        "  the file store, the same", "—",
                        String(
                            format: "%.2f / %.2f ms (%.0f appends/s)", percentile(files, 0.5), percentile(files, 0.99),
                            figures.throughput["files"]?[load] ?? .nan), ""
                    ]
                ))
        }
        let sustained = figures.sustained
        rows.append(
            (
                "postgres",
                [
                    "PostgreSQL: 10 writer processes × 10 notes/s for \(sustained.seconds) s, nothing lost",
                    "all in, once",
                    String(
                        format: "%d / %d acknowledged, %d records, %@; p99 late against its pace %.0f ms",
                        sustained.acknowledged, sustained.expected, sustained.records,
                        sustained.whole && sustained.acknowledged == sustained.expected
                            && sustained.records == sustained.expected + 1 ? "all in once" : "NOT WHOLE",
                        percentile(sustained.behindSchedule, 0.99) * 1000), ""
                ]
            ))
        let postgresReplay = percentile(figures.replayRates["postgres"] ?? [], 0.5)
        let filesReplay = percentile(figures.replayRates["files"] ?? [], 0.5)
        rows.append(
            (
                "postgres",
                [
                    "replay of a 100,000-record incident from PostgreSQL (connecting included)",
                    "≥ 200,000 records/s", String(format: "%.0f records/s", postgresReplay),
                    String(format: "%.2f", postgresReplay / filesReplay)
                ]
            ))
        rows.append(
            ("postgres", ["  the same from its journal file", "—", String(format: "%.0f records/s", filesReplay), ""]))
        // The console's first frame on 10,000 incidents in PostgreSQL is ArchiveBench's (`--only archive`).
        return rows
    }
}
