import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTerminal
import KlaxonTestSupport
import KlaxonUI

/// The console's figures: a workspace of 200 incidents and 50,000 records, the real binary in tmux.
enum ConsoleBench {
    struct Figures {
        var firstFrameMilliseconds: [Double] = []
        var frameMilliseconds: [Double] = []
        /// A notch of the wheel over that timeline, from the report to the frame painted: the update finds
        /// the pane under the pointer in a frame of its own, then the screen is drawn.
        var wheelMilliseconds: [Double] = []
        var idleCPUPercent: Double = .nan
        var residentMegabytes: Double = .nan
        /// Of which not shared with other processes (anonymous memory: the heap, not the libraries' code).
        var privateMegabytes: Double = .nan
        /// How far behind 10 writers the console's timeline was, at each look (seconds).
        var followLags: [Double] = []
        /// CPU when idle for 10 s with an incident open on a note of 1 MB and of 20 MB.
        var idleCPUWithNotePercent: [Int: Double] = [:]
        static let noteSizes = [1_000_000, 20_000_000]
        static let followSeconds = 20
    }

    static let notes = [
        "Upload error rate 40% since the deploy; pulls fine",
        "Autoscaler at its ceiling of 80 runners, queue still growing",
        "Rolled back registry to 2.8.1; watching the error rate",
        "etcd wal_fsync p99 at 30ms on k8s-prod-2; moving the leader",
        "Paged the storage vendor; ticket 48213"
    ]

    /// Writes `incidents` journals with `records` records in all under `directory`; the incidents
    /// numbered `isOpen` stay open, the others end resolved.
    static func makeWorkspace(
        at directory: String, incidents: Int, records: Int, isOpen: (Int) -> Bool = { $0 % 4 == 0 }
    ) throws {
        try FileManager.default.createDirectory(atPath: directory + "/journals", withIntermediateDirectories: true)
        try "name: bench-platform\n".write(toFile: directory + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let perIncident = records / incidents
        let start = Timestamp(Date()).adding(seconds: -max(86400 * 30, Int64(incidents) * 3600))
        for n in 1...incidents {
            var bytes: [UInt8] = []
            var previous = RecordHash.genesis
            let declaredAt = start.adding(seconds: Int64(n) * 3600)
            let declaration = Declaration(
                title: "Incident \(n): \(notes[n % notes.count])", severity: Severity(rawValue: 1 + n % 5)!,
                services: ["registry", "ci"], commander: "user\(n % 7)")
            for seq in 1...perIncident {
                let (type, data): (String, JSONValue) =
                    seq == 1
                    ? (RecordType.declared.rawValue, try declaration.payload(id: "INC-\(n)"))
                    : (
                        seq == perIncident && !isOpen(n) ? "resolved" : "note",
                        seq == perIncident && !isOpen(n)
                            ? [:] : ["text": .string("\(notes[seq % notes.count]) (#\(seq))")]
                    )
                let draft = RecordDraft(
                    type: type, data: data, timestamp: declaredAt.adding(seconds: Int64(seq) * 20),
                    actor: "user\(seq % 11)", host: "host-\(seq % 3)", pid: 1000 + seq)
                let (line, record) = JournalCodec.encode(draft, sequence: seq, previousHash: previous)
                previous = record.hash
                bytes += line
            }
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/journals/INC-\(n).jsonl"))
        }
    }

    static func run(root: String, runs: Int, klaxon: String) throws -> Figures {
        var figures = Figures()
        let workspace = root + "/console-workspace"
        try makeWorkspace(at: workspace, incidents: 200, records: 50_000)

        // One frame of a 10,000-record timeline, rendered and painted into a headless terminal.
        var fixture = IncidentFixtureBench(records: 10_000)
        let screen = try TerminalScreen(
            term: "xterm-256color", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8")
        var model = ConsoleModel(
            workspaceName: "bench", user: "alice", readOnly: false, timeZone: TimeZone(identifier: "Europe/Berlin")!,
            staleAfterSeconds: 1800, glyphs: .unicode, now: Timestamp(Date()), columns: 120, rows: 40)
        model.setIncident(fixture.incident, readOnly: false)
        _ = ConsoleUpdate.update(&model, .declared(fixture.incident.id))
        for _ in 0..<max(5, runs * 4) {
            // Alternate between the middle and the end so every frame differs from the one before.
            let key: Key = model.timeline.cursor == nil ? .character("g") : .character("G")
            _ = ConsoleUpdate.update(&model, .key(key))
            if key == .character("g") { for _ in 0..<5000 { _ = ConsoleUpdate.update(&model, .key(.down)) } }
            let start = DispatchTime.now().uptimeNanoseconds
            screen.paint(ConsoleView.render(model))
            figures.frameMilliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            let wheel = MouseEvent(button: .wheelUp, pressed: true, row: 10, column: 10)
            let wheelStart = DispatchTime.now().uptimeNanoseconds
            _ = ConsoleUpdate.update(&model, .key(.mouse(wheel)))
            screen.paint(ConsoleView.render(model))
            figures.wheelMilliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - wheelStart) / 1e6)
        }
        screen.restore()
        fixture = IncidentFixtureBench(records: 1)

        // The real binary in tmux: first frame, then 10 s idle.
        for run in 0..<runs {
            let (tty, firstFrame, pid) = try launchConsole(
                "\(klaxon) --workspace \(workspace)", marker: root + "/first-frame-\(run)")
            defer { withExtendedLifetime(tty) {} }
            figures.firstFrameMilliseconds.append(firstFrame)
            if run == runs - 1 {
                usleep(500_000)
                let before = cpuSeconds(pid)
                let wall = Date()
                sleep(10)
                let used = cpuSeconds(pid) - before
                figures.idleCPUPercent = used / Date().timeIntervalSince(wall) * 100
                figures.residentMegabytes = statusField(pid, "VmRSS:")
                figures.privateMegabytes = statusField(pid, "RssAnon:")
            }
        }
        figures.followLags = try followLags(root: root, klaxon: klaxon)
        for bytes in Figures.noteSizes {
            figures.idleCPUWithNotePercent[bytes] = try idleCPUWithNote(root: root, klaxon: klaxon, bytes: bytes)
        }
        return figures
    }

    /// Starts `command` (a console) in tmux at 120×40 and waits up to `seconds` for its first frame;
    /// returns the session, the milliseconds from launch to that frame and the console's process id.
    static func launchConsole(_ command: String, marker: String, waitingUpTo seconds: Double = 2) throws -> (
        tty: TmuxSession, firstFrameMilliseconds: Double, pid: Int32
    ) {
        var spawn = timespec()
        clock_gettime(CLOCK_REALTIME, &spawn)
        let spawnedAt = Double(spawn.tv_sec) * 1000 + Double(spawn.tv_nsec) / 1e6
        let tty = try TmuxSession(
            command, columns: 120, rows: 40,
            environment: ["KLAXON_FIRST_FRAME_FILE": marker, "KLAXON_USER": "bench", "TERM": "xterm-256color"])
        var report: String?
        for _ in 0..<Int(seconds * 100) where report == nil {
            usleep(10_000)
            report = try? String(contentsOfFile: marker, encoding: .utf8)
        }
        guard let fields = report?.split(separator: " "), fields.count == 2, let shownAt = Double(fields[0]),
            let pid = Int32(fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw KlaxonError.failed("the console never reported its first frame (is tmux installed?)") }
        return (tty, shownAt - spawnedAt, pid)
    }

    /// The console's CPU when idle for 10 s, in tmux at 120×40, with one incident open whose newest
    /// record is a note of `bytes` bytes of pasted log (written as another writer could, not through
    /// the command line and its limit).
    static func idleCPUWithNote(root: String, klaxon: String, bytes: Int) throws -> Double {
        let workspace = root + "/note-\(bytes)-workspace"
        try FileManager.default.createDirectory(atPath: workspace + "/journals", withIntermediateDirectories: true)
        try "name: bench-big-note\n".write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let logLine =
            "2026-11-22T09:14:03Z registry-2 blob upload failed: 503 Service Unavailable (attempt 3/5) trace=4f1c9e0a\n"
        let declaredAt = Timestamp(Date()).adding(seconds: -3600)
        let drafts = [
            RecordDraft(
                type: RecordType.declared.rawValue,
                data: try Declaration(title: "Registry returns 503", severity: .sev2).payload(id: "INC-1"),
                timestamp: declaredAt, actor: "bench", host: "h", pid: 1),
            RecordDraft(
                type: RecordType.note.rawValue,
                data: ["text": .string(String(repeating: logLine, count: bytes / logLine.utf8.count))],
                timestamp: declaredAt.adding(seconds: 60), actor: "bench", host: "h", pid: 1)
        ]
        var journal: [UInt8] = []
        var previous = RecordHash.genesis
        for (i, draft) in drafts.enumerated() {
            let (line, record) = JournalCodec.encode(draft, sequence: i + 1, previousHash: previous)
            journal += line
            previous = record.hash
        }
        try Data(journal).write(to: URL(fileURLWithPath: workspace + "/journals/INC-1.jsonl"))
        let marker = root + "/note-\(bytes)-first-frame"
        let tty = try TmuxSession(
            "\(klaxon) --workspace \(workspace)", columns: 120, rows: 40,
            environment: ["KLAXON_FIRST_FRAME_FILE": marker, "KLAXON_USER": "bench", "TERM": "xterm-256color"])
        defer { withExtendedLifetime(tty) {} }
        guard tty.wait(for: "INC-1") != nil else {
            throw KlaxonError.failed("the console did not start (is tmux installed?)")
        }
        tty.press("Enter")
        guard tty.wait(for: "registry-2 blob upload", timeout: 60) != nil,
            let report = try? String(contentsOfFile: marker, encoding: .utf8),
            let pid = report.split(separator: " ").last.flatMap({
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            })
        else { throw KlaxonError.failed("the console did not show the \(bytes)-byte note") }
        usleep(500_000)
        let before = cpuSeconds(pid)
        let wall = Date()
        sleep(10)
        return (cpuSeconds(pid) - before) / Date().timeIntervalSince(wall) * 100
    }

    /// 10 `klaxon-stress` writers append 10 notes a second each to one incident while the console
    /// shows it; its screen is read every 50 ms (WriterSwarm.followLag).
    static func followLags(root: String, klaxon: String) throws -> [Double] {
        let stress = (klaxon as NSString).deletingLastPathComponent + "/klaxon-stress"
        guard FileManager.default.isExecutableFile(atPath: stress) else {
            throw KlaxonError.failed("build klaxon-stress first (swift build -c release --product klaxon-stress)")
        }
        let workspace = root + "/follow-workspace"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        try "name: bench-follow\n".write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        _ = try IncidentStore(directory: workspace + "/journals").declare(
            Declaration(title: "Followed", severity: .sev2),
            by: WriterIdentity.current(actor: "bench"), at: Timestamp(Date()))
        let tty = try TmuxSession(
            "\(klaxon) --workspace \(workspace)", columns: 120, rows: 40,
            environment: ["KLAXON_USER": "bench", "TERM": "xterm-256color"])
        guard tty.wait(for: "INC-1") != nil else {
            throw KlaxonError.failed("the console did not start (is tmux installed?)")
        }
        tty.press("Enter")
        guard tty.wait(for: "Timeline") != nil else { throw KlaxonError.failed("the console did not open INC-1") }
        let swarm = try WriterSwarm(
            stress: stress, journals: workspace + "/journals", writers: 10, notesEach: 10 * Figures.followSeconds,
            rate: 10)
        let lags = swarm.followLag(screen: { tty.screen() }) { swarm.running }
        guard swarm.waitUntilExit().allSatisfy({ $0 == 0 }) else {
            throw KlaxonError.failed("a klaxon-stress writer failed")
        }
        return lags
    }

    /// User and system CPU seconds of `pid`, from /proc.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based) of the whole line.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A kilobyte field of /proc/PID/status, in megabytes.
    /// How the process has the Swift runtime and Foundation: "linked in" (`--static-swift-stdlib`, as
    /// `make bench` builds) or "shared" (their shared libraries' symbol tables and relocations: about 6 MB
    /// more resident memory, issue 20).
    static func swiftRuntime(_ pid: Int32) -> String {
        let maps = (try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? ""
        return maps.contains("/libswiftCore.so") ? "shared" : "linked in"
    }

    static func statusField(_ pid: Int32, _ name: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .nan }
        return kilobytes / 1024
    }
}

/// One incident with many records, built in memory.
struct IncidentFixtureBench {
    var incident: Incident

    init(records: Int) {
        var list: [JournalRecord] = []
        var previous = RecordHash.genesis
        let start = Timestamp(Date()).adding(seconds: -Int64(records) * 30)
        for seq in 1...records {
            let (type, data): (String, JSONValue) =
                seq == 1
                ? (
                    RecordType.declared.rawValue,
                    try! Declaration(title: "Registry returns 503", severity: .sev1, services: ["registry"]).payload(
                        id: "INC-1")
                )
                : (
                    "note",
                    [
                        "text": .string(
                            "\(ConsoleBench.notes[seq % ConsoleBench.notes.count]); and a second sentence so that some notes wrap onto a second line (#\(seq))"
                        )
                    ]
                )
            let draft = RecordDraft(
                type: type, data: data, timestamp: start.adding(seconds: Int64(seq) * 30), actor: "user\(seq % 9)",
                host: "h", pid: 1)
            let (_, record) = JournalCodec.encode(draft, sequence: seq, previousHash: previous)
            previous = record.hash
            list.append(record)
        }
        incident = try! IncidentReplay.replay(list)
    }
}
