import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonEngine
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
    let files = CheckFiles.load(
        workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment))
    if let first = files.findings.first(where: { $0.level == .error }) {
        throw .badInput("\(first.place): \(first.message); run klaxon config validate to see every problem")
    }
    guard !files.checks.isEmpty else {
        throw .badInput("klaxon.yaml has no checks: (see the README's Workspace section)")
    }
    return files
}

/// The checks that read, for a process that pages: a broken check must not stop the pages of every
/// incident, so each error is said on standard error (with its place) and the rest is polled, as the
/// console does.
func loadChecksPolling(_ workspace: Workspace, _ context: CommandContext) -> CheckFiles {
    let files = CheckFiles.load(
        workspaceRoot: workspace.root, timeZone: workspace.displayTimeZone(environment: context.environment))
    let unpolled = Set(files.unpolled.map(\.reason))
    for finding in files.findings where finding.level == .error {
        let said = "\(finding.place): \(finding.message)"
        context.warn(
            said + (unpolled.contains(said) ? "; this check is not polled" : "")
                + "; fix klaxon.yaml and restart (klaxon config validate lists every problem)")
    }
    if !files.unpolled.isEmpty {
        context.warn(
            "\(files.unpolled.count) check\(files.unpolled.count == 1 ? " is" : "s are") not polled: "
                + files.unpolled.map(\.name).joined(separator: ", ") + "; the others are, and pages go on")
    }
    return files
}

/// A state change as a line: `2026-11-22T20:10:40Z registry-api up → down: HTTP 503`, with states as screens
/// name them (a failure being confirmed is "confirming"), or JSON with their raw names (`pending`).
func changeLine(_ report: CheckReport, json: Bool) -> String? {
    guard let change = report.transition else { return nil }
    if json {
        return TerminalText.json(
            JSONValue.object([
                "at": .string(report.at.rfc3339), "check": .string(report.check.name),
                "from": .string(change.from.rawValue),
                "to": .string(change.to.rawValue), "detail": .string(report.evaluation.observation.detail)
            ]).canonicalJSON)
    }
    return TerminalText.printable(
        "\(report.at.rfc3339) \(report.check.name) \(change.from.displayName) → \(change.to.displayName): \(report.evaluation.observation.detail)"
    )
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
            let restored = PlatformJournal.lastStates(
                store: try workspace.journalStore, of: Set(files.checks.map(\.name)))
            if let warning = restored.warning { context.warn(warning) }
            let poller = Responder.makePoller(
                checks: files, restoring: restored.states, environment: context.environment,
                clock: context.now
            ) { report in
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
        abstract:
            "Run the status poller and the escalation engine headless: record state changes, send pages, until SIGTERM.",
        discussion: """
            Only one process per workspace records state changes and only one sends pages (each holds a lock of the \
            journal store: a file lock, or a PostgreSQL advisory lock across machines); a second klaxon watch waits \
            and takes over within a second or two if the first dies.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let writer = try global.writer()
        // Without checks, or with some broken, it still polls what it can and runs the escalation engine.
        let files = loadChecksPolling(workspace, context)
        let lagsFile = context.environment["KLAXON_POLLER_LAGS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        var options = Responder.Options(
            role: "klaxon watch", displayZone: workspace.displayTimeZone(environment: context.environment))
        options.keepingLags = lagsFile != nil
        options.mustRun = true
        // Before any thread starts (the poller's, the deliveries'), so that each inherits the blocked signals.
        let signals = StopSignals()
        let responder = try Responder(
            workspace: workspace, writer: writer, checks: files, options: options,
            environment: context.environment, clock: context.now)
        let json = output.json
        // Recording and paging happen on this thread, in order; the poller and the deliveries hand over.
        func say(_ event: ResponderEvent) {
            switch event {
            // Recorded first (by the pass that returned it), then printed: a change this prints is on
            // disk, even if the process dies next (unless the store was said unreachable: then it is only printed).
            case .checkReported(let report): if let line = changeLine(report, json: json) { context.print(line) }
            case .problem(let text): context.warn(text)
            // Once per outage, not at each write it could not make.
            case .storeUnreachable(let since, let reason):
                context.warn(
                    "the journal store is unreachable since \(since.rfc3339): \(reason). Until it answers nothing is recorded (state changes are printed only) and no page is sent (a page is sent only once its attempt is recorded); the checks go on; retrying each second"
                )
            case .storeReachable(let since):
                context.say(
                    "klaxon: the journal store answers again (unreachable since \(since.rfc3339)); recording and paging resume in the processes that hold them (this one says so when it takes either)"
                )
            // Each page's outcome, on stderr beside the engine's other notices: the log of a headless pager.
            case .pageFinished(let attempt, let outcome):
                let result = outcome.isDelivered ? "delivered" : "FAILED"
                context.say(
                    TerminalText.printable(
                        "klaxon: \(attempt.incidentID): page to \(attempt.user) by \(attempt.contact.kind.rawValue) \(result) "
                            + "(attempt \(attempt.attempt) of \(attempt.attempts)): \(outcome.detail)"))
            case .tookOverRecording: context.say("klaxon: status recorder: this process records the state changes now")
            // On stderr: stdout carries only state changes (JSON lines with --json).
            case .becameEngine: context.say("klaxon: escalation engine: this process sends the pages")
            default: break  // what a screen shows; a journal that cannot be read does not stop the others' pages
            }
        }
        let started = responder.start()
        for event in started { say(event) }
        // A recording not taken because the store did not answer is not another process's (it was said).
        let unreachable = started.contains { if case .storeUnreachable = $0 { true } else { false } }
        if !responder.isRecording && !files.checks.isEmpty && !unreachable {
            context.warn(
                "another process records this workspace's state changes; printing only until it stops, then this process takes the recording over"
            )
        }
        // SIGINT, SIGTERM and SIGHUP are taken by a thread of their own, which wakes the loop through a pipe.
        let stop = try WakePipe()
        Thread {
            _ = signals.waitForStop()
            stop.wake()
        }.start()
        // A pass at once (the engine's lock is taken now, not a second later), then at each wake.
        let first = responder.pass(now: context.now())
        for event in first { say(event) }
        let engine = first.compactMap { if case .escalationsChanged(_, let engine, _) = $0 { engine } else { nil } }
            .last
        if case .other(let holder) = engine {
            context.warn(
                "another process sends this workspace's pages (\(holder)); this process takes them over once it stops")
        }
        while true {
            var descriptors = ([stop.readEnd] + responder.descriptors).map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            let wait = min(1000, max(10, responder.nextDeadline.milliseconds - context.now().milliseconds))
            _ = poll(&descriptors, nfds_t(descriptors.count), Int32(wait))
            if descriptors[0].revents != 0 { break }
            for event in responder.pass(now: context.now()) { say(event) }
        }
        // Deliveries under way finish and are recorded, so no outcome is left unknown by a clean stop.
        for event in responder.stop() { say(event) }
        if let path = lagsFile, let lags = responder.schedulingLags {
            try? lags.map(String.init).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
