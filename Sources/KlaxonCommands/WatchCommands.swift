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

/// The checks of the workspace, refusing to go on when they cannot be read.
func loadChecks(_ workspace: Workspace, _ context: CommandContext) throws(KlaxonError) -> CheckFiles {
    let files = CheckFiles.load(workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment))
    if let first = files.findings.first(where: { $0.level == .error }) {
        throw .badInput("\(first); run klaxon config validate to see every problem")
    }
    guard !files.checks.isEmpty else { throw .badInput("klaxon.yaml has no checks: (see the README's Workspace section)") }
    return files
}

/// A state change as a line: `2026-11-22T20:10:40Z registry-api up → down: HTTP 503`, or JSON.
func changeLine(_ report: CheckReport, json: Bool) -> String? {
    guard let change = report.transition else { return nil }
    if json {
        return JSONValue.object(["at": .string(report.at.rfc3339), "check": .string(report.check.name), "from": .string(change.from.rawValue),
                                 "to": .string(change.to.rawValue), "detail": .string(report.evaluation.observation.detail)]).canonicalJSON
    }
    return "\(report.at.rfc3339) \(report.check.name) \(change.from.rawValue) → \(change.to.rawValue): \(report.evaluation.observation.detail)"
}

extension StatusCommand {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Poll the checks on their schedules and print each state change as a line, until interrupted.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let files = try loadChecks(try global.loadWorkspace(), context)
            let signals = StopSignals()
            let json = output.json
            let poller = StatusPoller(checks: files.checks, maintenance: files.maintenance, clock: context.now) { report in
                if let line = changeLine(report, json: json) { context.print(line) }
            }
            poller.start()
            _ = signals.waitForStop()
            poller.stop()
        }
    }
}

/// `klaxon watch`: the poller with no screen, recording state changes, for a service on a shared host.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run the status poller headless: record state changes (platform journal, open incidents) and print them, until SIGTERM.",
        discussion: "Only one process per workspace records; a second one prints but leaves the recording to the first.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let files = try loadChecks(workspace, context)
        let recorder = try StatusRecorder(workspace: workspace, writer: try global.writer())
        if !recorder.isRecording { context.warn("another process records this workspace's state changes; printing only") }
        let signals = StopSignals()
        let json = output.json
        // Recording happens on this thread, in order; the poller hands reports over.
        let queue = ReportQueue()
        let ready = DispatchSemaphore(value: 0)
        let lagsFile = context.environment["KLAXON_POLLER_LAGS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let poller = StatusPoller(checks: files.checks, maintenance: files.maintenance, keepingLags: lagsFile != nil,
                                  clock: context.now) { report in
            queue.push(report)
            ready.signal()
        }
        poller.start()
        let store = workspace.incidents
        let stopped = StopFlag()
        let signalThread = Thread {
            _ = signals.waitForStop()
            stopped.set()
            ready.signal()
        }
        signalThread.start()
        while !stopped.isSet {
            ready.wait()
            for report in queue.drain() {
                guard let line = changeLine(report, json: json) else { continue }
                context.print(line)
                // Incidents are read when there is a change to put on them (rarely), not on every poll.
                let open = ((try? store.ids()) ?? []).compactMap { try? store.open($0, keepingTimeline: false) }.filter(\.incident.isOpen)
                for problem in recorder.record(report, openIncidents: open).problems { context.warn(problem) }
            }
        }
        poller.stop()
        // For klaxon-bench: the scheduling lags of every poll, one per line.
        if let path = lagsFile {
            try? poller.schedulingLags.map(String.init).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
