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
        /// Each append's time (ms), by store ("postgres", "files") and number of writers at once (1, 10).
        var latencies: [String: [Int: [Double]]] = [:]
        /// Appends per second of all the writers together, by store and number of writers (the mean of the runs).
        var throughput: [String: [Int: Double]] = [:]
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
        /// How far behind its schedule (start + (n − 1) / rate) each note was acknowledged, seconds.
        var behindSchedule: [Double] = []
    }

    static let writer = WriterIdentity.current(actor: "bench")
    static let noteText =
        "Registry p99 back under 800ms after the cache flush on registry-2; watching it for 10 minutes."
    static let writerCounts = [1, 10]
    /// Appends per run: one writer makes them all, ten make a tenth each.
    static let appendsPerRun = 500
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
        // appending notes to one incident as fast as they can; interleaved with the file store's runs.
        for run in 0..<runs {
            for writers in writerCounts {
                let uri = try freshDatabase()
                let directory = root + "/pg-bench-files-\(run)-\(writers)"
                let stores: [(String, () -> any JournalStore)] = [
                    ("postgres", { PostgresJournalStore(uri: uri) }),
                    ("files", { FileJournalStore(directory: directory) })
                ]
                for (name, makeStore) in stores {
                    let (times, elapsed) = try appendLatencies(writers: writers, makeStore: makeStore)
                    figures.latencies[name, default: [:]][writers, default: []] += times
                    figures.throughput[name, default: [:]][writers, default: 0] += Double(times.count) / elapsed
                }
            }
        }
        for (name, byWriters) in figures.throughput {
            for (writers, sum) in byWriters { figures.throughput[name]![writers] = sum / Double(runs) }
        }

        figures.sustained = try sustained(uri: try freshDatabase(), seconds: seconds, stress: stress)
        figures.replayRates = try replay(uri: try freshDatabase(), directory: root + "/pg-bench-replay", runs: runs)
        return figures
    }

    /// `writers` threads append `appendsPerRun / writers` notes each to one new incident of the store
    /// `makeStore` makes (one per thread); each append's milliseconds, and the seconds of the whole.
    static func appendLatencies(writers: Int, makeStore: () -> any JournalStore) throws -> ([Double], Double) {
        let stores = (0..<writers).map { _ in makeStore() }
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
                    for i in 0..<(appendsPerRun / writers) {
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
        let start = Date().timeIntervalSince1970
        let swarm = try WriterSwarm(stress: stress, journals: uri, writers: 10, notesEach: 10 * seconds, rate: 10)
        let statuses = swarm.waitUntilExit()
        guard statuses.allSatisfy({ $0 == 0 }) else {
            throw KlaxonError.failed("a klaxon-stress writer failed: exit statuses \(statuses)")
        }
        let acknowledged = swarm.acknowledgements
        figures.acknowledged = acknowledged.count
        figures.behindSchedule = acknowledged.map { $0.time - (start + Double($0.n - 1) / 10) }
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
        for writers in writerCounts {
            let postgres = figures.latencies["postgres"]?[writers] ?? []
            let files = figures.latencies["files"]?[writers] ?? []
            let who = writers == 1 ? "1 writer" : "\(writers) writers at once"
            rows.append(
                (
                    "postgres",
                    [
                        "PostgreSQL append latency p50 / p99, \(who), loopback (ratio: p99 to the files')",
                        "p99 ≤ 10 ms",
                        String(
                            format: "%.2f / %.2f ms (%.0f appends/s)", percentile(postgres, 0.5),
                            percentile(postgres, 0.99), figures.throughput["postgres"]?[writers] ?? .nan),
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
                            figures.throughput["files"]?[writers] ?? .nan), ""
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
                        format: "%d / %d acknowledged, %d records, %@; p99 behind schedule %.0f ms",
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
        // The console cannot open a database workspace until following is built (branch pgfollow): then
        // write the 10,000 incidents of ArchiveBench into a database (journal import) and time the first
        // frame as ArchiveBench does.
        rows.append(
            (
                "postgres",
                [
                    "console: first frame, 10,000 incidents in PostgreSQL", "≤ 150 ms",
                    "not measured: the console cannot follow a PostgreSQL store yet", ""
                ]
            ))
        return rows
    }
}
