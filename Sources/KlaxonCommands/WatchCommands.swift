import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonStore

/// Blocks SIGINT, SIGTERM and SIGHUP in this thread and every thread started after it, so that
/// `waitForStop` can take them in order (a headless command then stops cleanly, never mid-write).
struct StopSignals {
    private var set = sigset_t()

    init() {
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for one of the signals; returns it.
    func waitForStop() -> Int32 {
        var set = self.set
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }
}

/// The checks of the workspace, refusing to go on when they cannot be read or there are none.
func loadChecks(_ workspace: Workspace, _ context: CommandContext) throws(KlaxonError) -> CheckFiles {
    let files = CheckFiles.load(workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment))
    if let first = files.findings.first(where: { $0.level == .error }) {
        throw .badInput("\(first.place): \(first.message); run klaxon config validate to see every problem")
    }
    guard !files.checks.isEmpty else { throw .badInput("klaxon.yaml has no checks: (see the README's Workspace section)") }
    return files
}

/// The checks that read, for a process that pages: a broken check must not stop the pages of every
/// incident, so each error is said on standard error (with its place) and the rest is polled, as the
/// console does.
func loadChecksPolling(_ workspace: Workspace, _ context: CommandContext) -> CheckFiles {
    let files = CheckFiles.load(workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment))
    let unpolled = Set(files.unpolled.map(\.reason))
    for finding in files.findings where finding.level == .error {
        let said = "\(finding.place): \(finding.message)"
        context.warn(said + (unpolled.contains(said) ? "; this check is not polled" : "")
                     + "; fix klaxon.yaml and restart (klaxon config validate lists every problem)")
    }
    if !files.unpolled.isEmpty {
        context.warn("\(files.unpolled.count) check\(files.unpolled.count == 1 ? " is" : "s are") not polled: "
                     + files.unpolled.map(\.name).joined(separator: ", ") + "; the others are, and pages go on")
    }
    return files
}

/// A state change as a line: `2026-11-22T20:10:40Z registry-api up → down: HTTP 503`, or JSON.
func changeLine(_ report: CheckReport, json: Bool) -> String? {
    guard let change = report.transition else { return nil }
    if json {
        return TerminalText.json(JSONValue.object(["at": .string(report.at.rfc3339), "check": .string(report.check.name), "from": .string(change.from.rawValue),
                                                   "to": .string(change.to.rawValue), "detail": .string(report.evaluation.observation.detail)]).canonicalJSON)
    }
    return TerminalText.printable("\(report.at.rfc3339) \(report.check.name) \(change.from.rawValue) → \(change.to.rawValue): \(report.evaluation.observation.detail)")
}

extension StatusCommand {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Poll the checks on their schedules and print each state change as a line, until interrupted.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let files = try loadChecks(workspace, context)
            let signals = StopSignals()
            let json = output.json
            // Changes since the recorded states, as the recorder sees them, not a line per check at each start.
            let restored = PlatformJournal.lastStates(directory: workspace.journalsDirectory, of: Set(files.checks.map(\.name)))
            if let warning = restored.warning { context.warn(warning) }
            let secrets = SecretResolver(environment: context.environment, role: "polls")
            let poller = StatusPoller(checks: files.checks, maintenance: files.maintenance, restoring: restored.states, clock: context.now,
                                      resolve: secrets.resolve) { report in
                if let line = changeLine(report, json: json) { context.print(line) }
            }
            poller.start()
            _ = signals.waitForStop()
            poller.stop()
        }
    }
}

/// `klaxon watch`: the status poller and the escalation engine with no screen, for a service on a
/// shared host. State changes are recorded, pages sent, until SIGTERM.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run the status poller and the escalation engine headless: record state changes, send pages, until SIGTERM.",
        discussion: """
            Only one process per workspace records state changes and only one sends pages (each holds a lock in the \
            journals directory); a second klaxon watch waits and takes over within a second or two if the first dies.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let writer = try global.writer()
        // Without checks, or with some broken, it still polls what it can and runs the escalation engine.
        let files = loadChecksPolling(workspace, context)
        // The loop's writes never wait for a journal's lock: a stuck writer on one incident must not
        // delay the pages of the others; what could not be written is tried again on the next pass.
        var store = workspace.incidents
        store.lockWait = .brief
        // A restart is not a state change: each check goes on from its recorded state.
        let restored = PlatformJournal.lastStates(directory: workspace.journalsDirectory, of: Set(files.checks.map(\.name)))
        if let warning = restored.warning { context.warn(warning) }
        let recorder = try StatusRecorder(workspace: workspace, store: store, writer: writer, restored: restored.states)
        if !recorder.isRecording && !files.checks.isEmpty {
            context.warn("another process records this workspace's state changes; printing only until it stops, then this process takes the recording over")
        }
        let signals = StopSignals()
        let json = output.json
        // Recording and paging happen on this thread, in order; the poller and the deliveries hand over.
        let queue = ReportQueue()
        let ready = DispatchSemaphore(value: 0)
        let runner = try EscalationRunner(workspace: workspace, writer: writer, role: "klaxon watch",
                                          transport: ChannelPageTransport(channels: workspace.config.channels, environment: context.environment),
                                          clock: context.now) { ready.signal() }
        let lagsFile = context.environment["KLAXON_POLLER_LAGS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let poller = files.checks.isEmpty ? nil : StatusPoller(checks: files.checks, maintenance: files.maintenance, restoring: restored.states,
                                                                keepingLags: lagsFile != nil, clock: context.now,
                                                                resolve: SecretResolver(environment: context.environment, role: "polls").resolve) { report in
            queue.push(report)
            ready.signal()
        }
        poller?.start()
        let incidents = IncidentFollower(store: store)
        let stopped = StopFlag()
        let signalThread = Thread {
            _ = signals.waitForStop()
            stopped.set()
            ready.signal()
        }
        signalThread.start()
        var wasEngine = false
        // Incidents are read and the engine passes once a second, when it asked to be woken, when a
        // delivery finished or a change was recorded; not on every poll report (a thousand checks send
        // a hundred a second).
        var nextPass = Timestamp(milliseconds: 0), nextWake: Timestamp?
        while !stopped.isSet {
            var recordedChange = false
            let reports = queue.drain()
            // Until this process records, the latest state of each check, for a takeover to record.
            for report in reports { recorder.see(report) }
            // A change goes onto open incidents: read them first (one declared a moment ago counts).
            if reports.contains(where: { $0.transition != nil || recorder.owesDeclaration($0.check.name) }) { incidents.update() }
            for report in reports {
                let line = changeLine(report, json: json)
                guard line != nil || recorder.owesDeclaration(report.check.name) else { continue }
                // Recorded first, then printed: a change this prints is on disk, even if the process dies next.
                let (changed, problems) = recorder.record(report, openIncidents: incidents.open)
                if let line { context.print(line) }
                for problem in problems { context.warn(problem) }
                for journal in changed where !incidents.contains(journal.id) { incidents.add(journal) }
                recordedChange = recordedChange || !changed.isEmpty
            }
            var now = context.now()
            if now >= nextPass || nextWake.map({ now >= $0 }) ?? false || runner.hasFinishedDeliveries || recordedChange {
                incidents.update()
                // Each second until it can: the recording is taken over from a process that stopped, with
                // what this one saw meanwhile (every report so far was seen, or recorded).
                if !recorder.isRecording && !files.checks.isEmpty {
                    let takeover = recorder.takeOverIfFree(openIncidents: incidents.open)
                    if takeover.tookOver { context.say("klaxon: status recorder: this process records the state changes now") }
                    for problem in takeover.problems { context.warn(problem) }
                }
                for problem in runner.recordFinished(incidents.byID).problems { context.warn(problem) }
                let tick = runner.tick(incidents.open)
                for problem in tick.problems { context.warn(problem) }
                if runner.isEngine && !wasEngine {
                    wasEngine = true
                    // On stderr: stdout carries only state changes (JSON lines with --json).
                    context.say("klaxon: escalation engine: this process sends the pages")
                }
                // Once a second at least: acknowledgements from elsewhere, and taking over from a dead engine.
                nextPass = now.adding(seconds: 1)
                nextWake = tick.nextWake
                now = context.now()
            }
            let until = min(nextPass, nextWake ?? nextPass)
            let waitMilliseconds = min(1000, max(10, now.milliseconds.distance(to: until.milliseconds)))
            _ = ready.wait(timeout: .now() + .milliseconds(Int(waitMilliseconds)))
        }
        poller?.stop()
        // Deliveries under way finish and are recorded, so no outcome is left unknown by a clean stop.
        runner.waitForDeliveries()
        for problem in runner.recordFinished(incidents.byID).problems { context.warn(problem) }
        if let path = lagsFile, let poller {
            try? poller.schedulingLags.map(String.init).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

/// The workspace's incidents as summaries, kept current: open ones each pass, all of them now and then
/// (a resolved incident may be reopened elsewhere). Resolved incidents the index covers are not read
/// until their journals change.
final class IncidentFollower {
    let store: IncidentStore
    private(set) var byID: [String: IncidentJournal] = [:]
    /// Resolved incidents left unread, with their journals' stamps.
    private var indexed: [String: JournalStamp] = [:]
    private var passes = 0

    init(store: IncidentStore) { self.store = store }

    var open: [IncidentJournal] { byID.values.filter(\.incident.isOpen).sorted { $0.id < $1.id } }
    func contains(_ id: String) -> Bool { byID[id] != nil }
    func add(_ journal: IncidentJournal) { byID[journal.id] = journal }

    func update() {
        passes += 1
        if passes == 1, let overview = try? store.overview(wanted: { _, _ in false }, updatingIndex: true) {
            for (id, item) in overview.items {
                switch item {
                case .journal(let journal): byID[id] = journal
                case .indexed(let resolved): indexed[id] = resolved.stamp
                case .unreadable: break
                }
            }
        }
        for id in (try? store.ids()) ?? [] where byID[id] == nil {
            if let stamp = indexed[id], passes % 30 != 0 || store.stamp(of: id) == stamp { continue }
            indexed[id] = nil
            if let journal = try? store.open(id, keepingTimeline: false) { byID[id] = journal }
        }
        for journal in byID.values where journal.incident.isOpen || passes % 30 == 0 { _ = try? journal.refresh() }
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
