// klaxon-bench: the performance figures of the README, measured on this machine.
//
//   swift run -c release klaxon-bench [--dir DIR] [--runs N]
//
// DIR (default: the system temporary directory) is where journals are written: put it on the disk
// the workspace lives on. Each figure is the median of N runs (default 5); side-by-side comparisons
// run in the same process, interleaved, on the same disk.
import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport

struct Options {
    var directory = FileManager.default.temporaryDirectory.path
    var runs = 5
    /// Run only these figures: append, replay, console, archive, oncall, runbook, escalation, comms, status,
    /// payload, review, follow, postgres, storm, links, statuspage or slo.
    var only: String?
    /// How long `klaxon watch` polls 1,000 checks.
    var statusSeconds = 60
    /// How long 10 writers append 10 notes/s each to PostgreSQL.
    var postgresSeconds = 60
    /// Leave the generated journals and workspaces behind (their directory is printed), to look into a figure.
    var keep = false

    init(_ arguments: [String]) {
        var i = 1
        while i < arguments.count {
            switch arguments[i] {
            case "--dir" where i + 1 < arguments.count:
                directory = arguments[i + 1]
                i += 1
            case "--runs" where i + 1 < arguments.count:
                runs = max(1, Int(arguments[i + 1]) ?? 5)
                i += 1
            case "--only" where i + 1 < arguments.count:
                only = arguments[i + 1]
                i += 1
            case "--status-seconds" where i + 1 < arguments.count:
                statusSeconds = max(5, Int(arguments[i + 1]) ?? 60)
                i += 1
            case "--postgres-seconds" where i + 1 < arguments.count:
                postgresSeconds = max(1, Int(arguments[i + 1]) ?? 60)
                i += 1
            case "--keep": keep = true
            default:
                FileHandle.standardError.write(
                    Data(
                        "usage: klaxon-bench [--dir DIR] [--runs N] [--status-seconds S] [--postgres-seconds S] [--keep] [--only append|replay|console|archive|oncall|runbook|escalation|comms|status|payload|review|follow|postgres|storm|links|statuspage|slo]\n"
                            .utf8))
                exit(2)
            }
            i += 1
        }
    }
}

let options = Options(CommandLine.arguments)
let root = options.directory + "/klaxon-bench-\(getpid())"
try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer {
    if options.keep {
        print("klaxon-bench: the generated files are kept in \(root)")
    } else {
        try? FileManager.default.removeItem(atPath: root)
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

let writer = WriterIdentity.current(actor: "bench")
let noteText =
    "Registry p99 back under 800ms after the cache flush on registry-2; watching for another 10 minutes before calling it mitigated."

// MARK: 1. Appends with fdatasync, beside a bare write+fdatasync loop

let appendCount = 1000
func klaxonAppends(_ run: Int) throws -> Double {
    let store = IncidentStore(directory: root + "/append-\(run)")
    let journal = try store.declare(Declaration(title: "bench", severity: .sev3), by: writer, at: Timestamp(Date()))
    let elapsed = try seconds {
        for i in 0..<appendCount {
            try journal.perform(.note("\(noteText) \(i)"), by: writer, now: { Timestamp(Date()) })
        }
    }
    return Double(appendCount) / elapsed
}

func bareAppends(_ run: Int) -> Double {
    let path = root + "/bare-\(run).jsonl"
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o640)
    precondition(fd >= 0, "cannot create \(path)")
    defer { close(fd) }
    // A line of the same length as a journal record.
    let line = Array((String(repeating: "x", count: 470) + "\n").utf8)
    let elapsed = seconds {
        for _ in 0..<appendCount {
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            precondition(fdatasync(fd) == 0)
        }
    }
    return Double(appendCount) / elapsed
}

var klaxonRates: [Double] = []
var bareRates: [Double] = []
for run in 0..<options.runs where options.only == nil || options.only == "append" {
    bareRates.append(bareAppends(run))
    klaxonRates.append(try klaxonAppends(run))
}

// MARK: 2. Replay of a 100,000-record journal, and 3. verify throughput

let replayCount = 100_000
let bigStore = IncidentStore(directory: root + "/replay")
if options.only == nil || options.only == "replay" {
    let journal = try bigStore.declare(
        Declaration(title: "replay bench", severity: .sev2, services: ["registry"]), by: writer, at: Timestamp(Date()))
    // Written in one go (the chain built in memory): appending 100,000 records with fdatasync each is figure 1's job.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(replayCount * 500)
    var previous = journal.file.lastHash
    let start = Timestamp(Date())
    for seq in 2...replayCount {
        let actions: [(String, JSONValue)] = [
            ("note", ["text": .string("\(noteText) #\(seq)")]),
            ("status.changed", ["status": "identified", "from": "investigating"]),
            ("role.assigned", ["role": "scribe", "user": .string("user\(seq % 50)")])
        ]
        let (type, data) = actions[seq % 7 == 0 ? 1 : (seq % 11 == 0 ? 2 : 0)]
        let draft = RecordDraft(
            type: type, data: data, timestamp: start.adding(seconds: Int64(seq)), actor: "user\(seq % 50)",
            host: "build-host-\(seq % 5)", pid: 4000 + seq % 100)
        let (line, record) = JournalCodec.encode(draft, sequence: seq, previousHash: previous)
        previous = record.hash
        bytes += line
    }
    let handle = FileHandle(forWritingAtPath: bigStore.path(of: journal.id))!
    handle.seekToEndOfFile()
    handle.write(Data(bytes))
    try handle.synchronize()
    handle.closeFile()
}
let bigPath = bigStore.path(of: "INC-1")
let bigSize = Double(((try? FileManager.default.attributesOfItem(atPath: bigPath))?[.size] as? Int) ?? 0)

var replayRates: [Double] = []
var verifyRates: [Double] = []
for _ in 0..<options.runs where options.only == nil || options.only == "replay" {
    // Held past the timed region: replay is the time to get the incident into memory, not to free it.
    var replayed: IncidentJournal?
    let replaySeconds = try seconds { replayed = try bigStore.open("INC-1") }
    let count = replayed?.incident.timeline.count ?? 0
    precondition(count == replayCount, "replay read \(count) records")
    replayed = nil
    replayRates.append(Double(count) / replaySeconds)
    var verification: JournalFile.Verification?
    let verifySeconds = try seconds { verification = try JournalFile.verify(path: bigPath) }
    precondition(verification?.damage == nil && verification?.recordCount == replayCount)
    verifyRates.append(bigSize / verifySeconds / 1e6)
}

/// The release `klaxon` beside this benchmark, or exit naming how to build it.
func builtKlaxon() -> String {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    guard FileManager.default.isExecutableFile(atPath: klaxon) else {
        FileHandle.standardError.write(
            Data("klaxon-bench: build klaxon first (swift build -c release --product klaxon)\n".utf8))
        exit(1)
    }
    return klaxon
}

// MARK: 4. The console

var console = ConsoleBench.Figures()
if options.only == nil || options.only == "console" {
    let klaxon = builtKlaxon()
    console = try ConsoleBench.run(root: root, runs: options.runs, klaxon: klaxon)
}

var archive = ArchiveBench.Figures()
if options.only == nil || options.only == "archive" {
    let klaxon = builtKlaxon()
    archive = try ArchiveBench.run(root: root, runs: options.runs, klaxon: klaxon)
}

// MARK: 5. On-call schedules

var onCall = OnCallBench.Figures()
if options.only == nil || options.only == "oncall" {
    onCall = try OnCallBench.run(runs: options.runs)
}

// MARK: 6. Runbooks

var runbook = RunbookBench.Figures()
if options.only == nil || options.only == "runbook" {
    runbook = try RunbookBench.run(root: root, runs: options.runs)
}

// MARK: 7. Escalation

var escalation = EscalationBench.Figures()
if options.only == nil || options.only == "escalation" {
    // The sample workspace's Escalation/ (people, schedules, the platform policy).
    let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    escalation = try EscalationBench.run(runs: options.runs, workspaceRoot: sample)
}

// MARK: 7b. Status updates (the comms engine)

var comms = CommsBench.Figures()
if options.only == nil || options.only == "comms" {
    comms = try CommsBench.run(runs: options.runs)
}

// MARK: 8. The status poller

var status = StatusBench.Figures()
if options.only == nil || options.only == "status" {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    status = try StatusBench.run(root: root, runs: options.runs, klaxon: klaxon, seconds: options.statusSeconds)
}

// MARK: 8b. An alert storm at the intake

var storm = AlertStormBench.Figures()
if options.only == nil || options.only == "storm" {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    storm = try AlertStormBench.run(root: root, klaxon: klaxon)
    // The store's bare append rate beside the intake's, when figure 1 did not run.
    if klaxonRates.isEmpty { klaxonRates = [try klaxonAppends(0)] }
}

// MARK: 8c. Action links

var links = ActionLinkBench.Figures()
if options.only == nil || options.only == "links" {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    links = try ActionLinkBench.run(root: root, klaxon: klaxon)
}

// MARK: 8d. The status page

var statusPage = StatusPageBench.Figures()
if options.only == nil || options.only == "statuspage" {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    statusPage = try StatusPageBench.run(root: root, runs: options.runs, klaxon: klaxon, seconds: 20)
}

var slo = SLOBench.Figures()
if options.only == nil || options.only == "slo" {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    slo = try SLOBench.run(runs: options.runs, root: root, klaxon: klaxon, seconds: 75)
}

var payload = PayloadBench.Figures()
if options.only == nil || options.only == "payload" {
    payload = PayloadBench.run(runs: options.runs)
}

// MARK: 9. Reviews

var review = ReviewBench.Figures()
if options.only == nil || options.only == "review" {
    let klaxon = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon"
    review = try ReviewBench.run(root: root, runs: options.runs, klaxon: klaxon)
}

// MARK: 10. Following a PostgreSQL store

var follow = PostgresFollowBench.Figures()
if options.only == nil || options.only == "follow" {
    follow = try PostgresFollowBench.run(root: root, klaxon: builtKlaxon())
}

// MARK: 11. The PostgreSQL store

var postgres = PostgresBench.Figures()
if options.only == nil || options.only == "postgres" {
    let stress = (CommandLine.arguments[0] as NSString).deletingLastPathComponent + "/klaxon-stress"
    postgres = try PostgresBench.run(
        root: root, runs: options.runs, seconds: options.postgresSeconds, stress: stress)
}

// MARK: Report

let klaxonAppend = median(klaxonRates)
let bareAppend = median(bareRates)
/// Each figure with the benchmark (`--only` name) that measures it.
let measured: [(benchmark: String, cells: [String])] =
    [
        (
            "append",
            [
                "journal appends/s, fdatasync per record", "ratio ≥ 0.8", String(format: "%.0f /s", klaxonAppend),
                String(format: "%.2f", klaxonAppend / bareAppend)
            ]
        ),
        ("append", ["  bare write+fdatasync loop, same disk", "—", String(format: "%.0f /s", bareAppend), ""]),
        (
            "replay",
            [
                "replay of a 100,000-record journal", "≥ 500,000 records/s",
                String(format: "%.0f records/s", median(replayRates)), ""
            ]
        ),
        ("replay", ["journal verify throughput", "≥ 200 MB/s", String(format: "%.0f MB/s", median(verifyRates)), ""]),
        (
            "console",
            [
                "console: first frame after launch (200 incidents, 50,000 records)", "≤ 150 ms",
                String(format: "%.0f ms", median(console.firstFrameMilliseconds)), ""
            ]
        ),
        (
            "console",
            [
                "console: one frame of a 10,000-record timeline (render + paint)", "≤ 5 ms",
                String(format: "%.2f ms", median(console.frameMilliseconds)), ""
            ]
        ),
        (
            "console",
            [
                "console: a wheel notch over that timeline (the pane under the pointer found, 3 records moved, painted)",
                "≤ 10 ms", String(format: "%.2f ms", median(console.wheelMilliseconds)), ""
            ]
        ),
        (
            "console",
            [
                "console: CPU when idle for 10 s", "≤ 1 % of a core", String(format: "%.2f %%", console.idleCPUPercent),
                ""
            ]
        ),
        (
            "console",
            [
                "console: resident memory with that workspace open", "≤ 40 MB",
                String(format: "%.1f MB", console.residentMegabytes), ""
            ]
        ),
        (
            "console",
            [
                "  of which private (heap; the rest is shared library pages)", "—",
                String(format: "%.1f MB", console.privateMegabytes), ""
            ]
        ),
        (
            "console",
            [
                "console: CPU when idle for 10 s with a 1 MB note on screen", "≤ 1 % of a core",
                String(format: "%.2f %%", console.idleCPUWithNotePercent[1_000_000] ?? .nan), ""
            ]
        ),
        (
            "console",
            [
                "  and with a 20 MB note", "≤ 1 % of a core",
                String(format: "%.2f %%", console.idleCPUWithNotePercent[20_000_000] ?? .nan), ""
            ]
        ),
        (
            "archive",
            [
                "console: first frame, 10,000 incidents (20 open, 300,000 records), ulimit -n 256", "≤ 150 ms",
                String(format: "%.0f ms", median(archive.firstFrameMilliseconds[10_000] ?? [])),
                String(
                    format: "%.2f",
                    median(archive.firstFrameMilliseconds[10_000] ?? [])
                        / median(archive.firstFrameMilliseconds[1_000] ?? []))
            ]
        ),
        (
            "archive",
            [
                "  the same with 1,000 incidents (20 open, 30,000 records); ratio: 10,000 / 1,000", "ratio ≤ 1.5",
                String(format: "%.0f ms", median(archive.firstFrameMilliseconds[1_000] ?? [])), ""
            ]
        ),
        (
            "archive",
            [
                "  the first start on the 10,000, no index yet (reads every journal, writes the index)", "—",
                String(format: "%.0f ms", archive.firstFrameWithoutIndexMilliseconds), ""
            ]
        ),
        (
            "archive",
            [
                "console: resident memory with the 10,000 open", "≤ 40 MB",
                String(format: "%.1f MB (%.1f private)", archive.residentMegabytes, archive.privateMegabytes)
                    + ", Swift runtime \(archive.swiftRuntime)", ""
            ]
        ),
        (
            "archive",
            [
                "  the same console on an empty workspace", "—",
                String(format: "%.1f MB (%.1f private)", archive.emptyResidentMegabytes, archive.emptyPrivateMegabytes),
                ""
            ]
        ),
        (
            "archive",
            [
                "klaxon incident list, 10,000 incidents (process included); ratio: 10,000 / 1,000",
                "≤ 50 ms; ratio ≤ 1.5",
                String(format: "%.0f ms", median(archive.listMilliseconds[10_000] ?? [])),
                String(
                    format: "%.2f",
                    median(archive.listMilliseconds[10_000] ?? []) / median(archive.listMilliseconds[1_000] ?? []))
            ]
        ),
        (
            "archive",
            [
                "  the same with 1,000 incidents", "—",
                String(format: "%.0f ms", median(archive.listMilliseconds[1_000] ?? [])), ""
            ]
        ),
        (
            "archive",
            [
                "console: first frame, the same 10,000 in PostgreSQL (loopback), this machine's index cache",
                "≤ 150 ms", String(format: "%.0f ms", median(archive.postgres.firstFrameMilliseconds)), ""
            ]
        ),
        (
            "archive",
            [
                "  the first start there, no index cache yet (reads every journal, writes the cache)", "—",
                String(format: "%.0f ms", archive.postgres.firstFrameWithoutCacheMilliseconds), ""
            ]
        ),
        (
            "archive",
            [
                "  its resident memory", "—",
                String(
                    format: "%.1f MB (%.1f private)", archive.postgres.residentMegabytes,
                    archive.postgres.privateMegabytes), ""
            ]
        ),
        (
            "archive",
            [
                "  klaxon incident list there (process included)", "—",
                String(format: "%.0f ms", median(archive.postgres.listMilliseconds)), ""
            ]
        ),
        (
            "archive",
            [
                "  klaxon journal import of the 10,000 (300,000 records) into it", "—",
                String(format: "%.1f s", archive.postgres.importSeconds), ""
            ]
        ),
        (
            "console",
            [
                String(
                    format: "console: behind 10 writers × 10 notes/s for %d s, p99 of looks every 50 ms",
                    ConsoleBench.Figures.followSeconds), "≤ 1 s",
                String(
                    format: "%.0f ms (p50 %.0f, max %.0f; %d looks)", percentile(console.followLags, 0.99) * 1000,
                    percentile(console.followLags, 0.5) * 1000,
                    (console.followLags.max() ?? .nan) * 1000, console.followLags.count), ""
            ]
        ),
        (
            "oncall",
            [
                "who is on call (5 layers, 50 people, 200 overrides)", "≤ 1 ms",
                String(format: "%.3f ms", median(onCall.whoIsOnCallMicroseconds) / 1000), ""
            ]
        ),
        (
            "oncall",
            [
                "one-year shift listing of that schedule", "≤ 50 ms",
                String(format: "%.1f ms (%d shifts)", median(onCall.yearListingMilliseconds), onCall.yearShiftCount), ""
            ]
        ),
        (
            "runbook",
            [
                String(
                    format: "parse + lay out a %d-line runbook (%.0f KB) at 120 columns", runbook.lines,
                    Double(runbook.bytes) / 1000), "≤ 30 ms; ratio ≤ 3",
                String(format: "%.1f ms", median(runbook.klaxonMilliseconds)),
                String(format: "%.2f", median(runbook.klaxonMilliseconds) / median(runbook.cmarkMilliseconds))
            ]
        ),
        (
            "runbook",
            [
                "  the cmark-gfm command, same file to HTML (process included)", "—",
                runbook.cmarkMissing
                    ? "cmark-gfm not installed" : String(format: "%.1f ms", median(runbook.cmarkMilliseconds)), ""
            ]
        ),
        (
            "escalation",
            [
                "simulate the platform policy for a week, 1,000 incidents", "≤ 1 s",
                String(format: "%.0f ms (%d pages)", median(escalation.simulateMilliseconds), escalation.pages), ""
            ]
        ),
        (
            "comms",
            [
                "comms engine pass over 1,000 open incidents with updates", "≤ 10 ms",
                String(format: "%.2f ms", median(comms.passMilliseconds)), ""
            ]
        ),
        (
            "escalation",
            [
                "escalation engine pass over 100 escalating incidents", "≤ 1 ms",
                String(
                    format: "%.2f ms (first pass, plans worked out: %.2f ms)", median(escalation.tickMilliseconds),
                    median(escalation.firstTickMilliseconds)), ""
            ]
        ),
        (
            "status",
            [
                String(format: "1,000 checks every 10 s, %d s of klaxon watch: scheduling lag p99", status.seconds),
                "≤ 100 ms",
                String(
                    format: "%.0f ms (p50 %.0f, max %.0f; %d polls)", status.lagP99, status.lagP50, status.lagMax,
                    status.polls), ""
            ]
        ),
        (
            "status",
            ["  CPU of klaxon watch meanwhile", "≤ 10 % of a core", String(format: "%.1f %%", status.cpuPercent), ""]
        ),
        (
            "status",
            ["  resident memory of klaxon watch", "≤ 50 MB", String(format: "%.1f MB", status.residentMegabytes), ""]
        ),
        (
            "status",
            [
                "one round of the 1,000 URLs, 64 at a time (ratio: curl's time / Klaxon's)", "ratio ≥ 1.0",
                String(format: "%.0f ms", median(status.klaxonRoundSeconds) * 1000),
                String(format: "%.2f", median(status.curlRoundSeconds) / median(status.klaxonRoundSeconds))
            ]
        ),
        (
            "status",
            [
                "  curl --parallel --parallel-max 64, same URLs", "—",
                String(format: "%.0f ms", median(status.curlRoundSeconds) * 1000), ""
            ]
        ),
        (
            "payload",
            [
                String(
                    format:
                        "judge a Prometheus answer of %d alerts of distinct names (%.0f KB; ratio: to half as many)",
                    payload.alerts, Double(payload.bytes) / 1000),
                "ratio ≈ 2 (linear)", String(format: "%.1f ms", median(payload.milliseconds)),
                String(format: "%.2f", median(payload.milliseconds) / median(payload.halfMilliseconds))
            ]
        )
    ]
    + ["md", "json", "csv"].map { format in
        (
            "review",
            [
                String(
                    format: "klaxon review export of a %d-record incident, --format %@ to a file (process included)",
                    review.exportRecords, format),
                "≤ 1 s",
                String(
                    format: "%.0f ms (%.1f MB)", median(review.exportMilliseconds[format] ?? []),
                    Double(review.exportBytes[format] ?? 0) / 1e6), ""
            ]
        )
    } + [
        (
            "review",
            [
                String(format: "klaxon review report over %d incidents (process included)", review.reportIncidents),
                "≤ 2 s",
                String(format: "%.0f ms", median(review.reportMilliseconds)), ""
            ]
        ),
        (
            "follow",
            [
                String(
                    format:
                        "postgres follow lag: %d notes at %.0f/s from another process to a second workspace's responder",
                    follow.postgresLags.count, PostgresFollowBench.rate), "p99 ≤ 1 s",
                String(
                    format: "%.0f ms (p50 %.0f, max %.0f)", percentile(follow.postgresLags, 0.99) * 1000,
                    percentile(follow.postgresLags, 0.5) * 1000, (follow.postgresLags.max() ?? .nan) * 1000), ""
            ]
        ),
        (
            "follow",
            [
                "  the same on the file store (inotify)", "—",
                String(
                    format: "%.0f ms (p50 %.0f, max %.0f)", percentile(follow.fileLags, 0.99) * 1000,
                    percentile(follow.fileLags, 0.5) * 1000, (follow.fileLags.max() ?? .nan) * 1000), ""
            ]
        )
    ] + PostgresBench.rows(postgres) + AlertStormBench.rows(storm, appendRate: median(klaxonRates))
    + ActionLinkBench.rows(links) + StatusPageBench.rows(statusPage) + SLOBench.rows(slo)
// Only what ran: with --only, the other benchmarks' figures are left out, not printed as nan.
let rows =
    [["figure", "goal", "measured", "ratio"]]
    + measured.filter { options.only == nil || $0.benchmark == options.only }.map(\.cells)

var widths = [Int](repeating: 0, count: 4)
for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
print("klaxon-bench: \(options.runs) runs each, median; journals in \(options.directory)")
print("machine: \(machineDescription())")
for row in rows {
    print(
        row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(
            separator: "  "))
}
if bigSize > 0 { print(String(format: "(replay file: %.1f MB, %d records)", bigSize / 1e6, replayCount)) }

/// The processor, cores, memory and kernel: what the figures were measured on.
func machineDescription() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model =
        cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":", maxSplits: 1).last?
        .trimmingCharacters(in: .whitespaces) ?? "unknown processor"
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
    var name = utsname()
    uname(&name)
    let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    return String(
        format: "%@, %d cores, %.0f GiB, Linux %@", model, ProcessInfo.processInfo.activeProcessorCount, memory, release
    )
}
