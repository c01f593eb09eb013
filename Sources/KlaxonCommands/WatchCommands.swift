import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonHTTP
import KlaxonIntake
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

/// The alert intake of `klaxon watch` when `intake: listen` is configured (nil otherwise), listening
/// and said on standard error: its tokens resolved first (one that does not resolve stops the start),
/// then its journal writer and its listener, which binds exactly `listen` or throws. The pings of the
/// `heartbeatChecks` are recorded, as the alerts are, and the start of listening too: every responder
/// judges those checks from the journal.
func startIntake(
    _ workspace: Workspace, _ writer: WriterIdentity, heartbeatChecks: Set<String>, statusPage: StatusPageDesk? = nil,
    _ context: CommandContext
) throws(KlaxonError) -> (intake: AlertIntake, writer: AlertJournalWriter)? {
    guard let config = workspace.config.intake, let listen = config.listen else { return nil }
    // What config validate warns of the intake (listening beyond loopback, a policy never used) is said at
    // the start too: the process that listens is where it matters.
    for warning in workspace.warnings where warning.contains(": intake: ") { context.warn(warning) }
    let resolver = SecretResolver(environment: context.environment, role: "listens for alerts (klaxon watch)")
    var secrets: [String: String] = [:]
    for (name, reference) in config.tokens.sorted(by: { $0.key < $1.key }) {
        let secret: String
        do { secret = try resolver.resolve(reference) } catch {
            throw .badInput(
                "intake: tokens: \(name): \(error.message); set it (or fix klaxon.yaml) and start klaxon watch again")
        }
        // Two names for one secret: a request could not say which token it is.
        if let other = secrets.first(where: { $0.value == secret })?.key {
            throw .badInput(
                "intake: tokens: \(other) and \(name) have the same secret; give each token its own, so each sender is known by its token"
            )
        }
        secrets[name] = secret
    }
    // The key of the action links in pages: checked here, so that links are never sent that nothing answers.
    var linkSecret: String?
    if config.publicURL != nil, let reference = config.linkSecret {
        do { linkSecret = try resolver.resolve(reference) } catch {
            throw .badInput(
                "intake: link_secret: \(error.message); set it (or fix klaxon.yaml) and start klaxon watch again")
        }
        // A short key can be guessed offline from one link (the fields and the MAC are both in it).
        if let secret = linkSecret, secret.utf8.count < 32 {
            throw .badInput(
                "intake: link_secret: \(reference) holds \(secret.utf8.count) bytes; an action links' key needs at least 32 random bytes (such as from: openssl rand -hex 32), or a link could be forged by guessing it"
            )
        }
    }
    let journalWriter = AlertJournalWriter(
        store: try workspace.journalStore, writer: WriterIdentity(actor: "klaxon", host: writer.host, pid: writer.pid),
        clock: context.now, linkKey: linkSecret.map { ActionLink.Key(secret: $0, workspace: workspace.config.name).id },
        say: { text, isProblem in isProblem ? context.warn(text) : context.say("klaxon: " + text) })
    journalWriter.start()
    let clock = context.now
    var settings = AlertIntake.Settings(listen: listen, tokens: secrets, maxBodyBytes: config.maxBodyBytes)
    settings.listenPlace = config.listenPlace
    let intake = AlertIntake(
        settings: settings, writer: journalWriter, heartbeatChecks: heartbeatChecks,
        links: linkSecret.map {
            ActionLinkDesk(secret: $0, workspace: workspace, host: writer.host, pid: writer.pid, clock: clock)
        }, statusPage: statusPage, clock: clock)
    let address: String
    do { address = try intake.start() } catch {
        journalWriter.stop()
        throw error
    }
    journalWriter.announce(listen: address)
    context.say("intake: listening on \(address)")
    return (intake, journalWriter)
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

/// What the alert router did with a group as a line: `2026-11-22T20:10:40Z INC-3 declared for alert group
/// {}:{alertname="RegistryDown"}: RegistryDown: registry answers 5xx`, or JSON.
func routedLine(_ routed: AlertGroupRouted, json: Bool) -> String {
    if json {
        return TerminalText.json(
            JSONValue.object([
                "at": .string(routed.at.rfc3339), "incident": .string(routed.incident), "group": .string(routed.group),
                "routed": .string(routed.kind.rawValue), "text": .string(routed.text),
                "on_resolve": routed.kind == .resolved ? .string(routed.onResolve.rawValue) : .null
            ]).canonicalJSON)
    }
    let line: String
    switch routed.kind {
    case .declared: line = "\(routed.incident) declared for alert group \(routed.group): \(routed.text)"
    case .attached: line = "\(routed.incident) attached alert group \(routed.group): \(routed.text)"
    case .resolved:
        // Never "INC-1 resolved" for an incident that is still open and paging.
        let outcome =
            switch routed.onResolve {
            case .note: "the incident stays open (a person resolves it)"
            case .mitigate: "the incident is marked mitigated (the route's on_resolve)"
            case .resolve: "the incident is resolved (the route's on_resolve)"
            }
        line = "\(routed.incident): every alert of alert group \(routed.group) resolved; \(outcome): \(routed.text)"
    }
    return TerminalText.printable("\(routed.at.rfc3339) " + line)
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
            "Run the status poller, the escalation engine and the alert intake headless: record state changes, receive alerts, send pages, until SIGTERM.",
        discussion: """
            When klaxon.yaml has intake: listen, it also starts the alert intake there: Alertmanager's webhook \
            (POST /v1/alertmanager), PagerDuty-style events (POST /v2/enqueue) and heartbeats (POST \
            /v1/heartbeat/NAME), each recorded on the journal alerts before it is answered, their groups routed to \
            incidents as intake: routes say (docs/intake.md); it says "intake: listening on ADDRESS" on standard \
            error, and an address it cannot listen on stops it (exit status 1). The same listener serves the public             status page at GET /status (and /status/summary.json), with no token (docs/comms.md).

            The process that sends pages also sends the incidents' public status updates where klaxon.yaml's             comms: routes them (Slack, email, signed webhooks) and reminds the comms role of an overdue one.

            Only one process per workspace records state changes and only one sends pages (each holds a lock of the \
            journal store: a file lock, or a PostgreSQL advisory lock across machines); a second klaxon watch waits \
            and takes over within a second or two if the first dies.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONFlag

    /// How long a stop waits for the responder's (its deliveries under way, recorded).
    static let stopWaitSeconds = 60.0

    func run() throws {
        let context = global.context
        let workspace = try global.loadWorkspace()
        let writer = try global.writer()
        if let comms = workspace.commsError { context.warn(Workspace.commsIgnored(comms)) }
        // Without checks, or with some broken, it still polls what it can and runs the escalation engine.
        let files = loadChecksPolling(workspace, context)
        // A secret this process cannot read is said now, not at the first page or update that fails on it.
        let secretUses =
            workspace.secretUses + EscalationFiles.load(workspaceRoot: workspace.root).secretUses + files.secretUses
        for finding in ConfigCommand.Validate.secretFindings(secretUses, context: context) {
            context.warn("\(finding.place): \(finding.message)")
        }
        var options = Responder.Options(
            role: "klaxon watch", displayZone: workspace.displayTimeZone(environment: context.environment))
        options.lagsFile = context.environment["KLAXON_POLLER_LAGS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        options.mustRun = true
        options.intakeRoutes = workspace.config.intake?.routes ?? []
        // Before any thread starts (the responder's, the poller's, the deliveries', the intake's), so that
        // each inherits the blocked signals.
        let signals = StopSignals()
        // Before the responder: an intake that cannot start stops klaxon watch before it pages.
        options.listensForAlerts = workspace.config.intake?.listen != nil
        // The public status page at /status on the intake's listener, from what this process sees.
        let live = StatusPageDesk.LiveView()
        let statusPage = StatusPageDesk(
            workspace: workspace, checks: files.checks, maintenance: files.maintenance, live: live,
            url: statusPageURL(workspace.config), timeZone: options.displayZone, clock: context.now,
            say: { context.warn($0) })
        let intake = try startIntake(
            workspace, writer, heartbeatChecks: Set(files.checks.filter { $0.kind == .heartbeat }.map(\.name)),
            statusPage: statusPage, context)
        // On a thread of its own: a store that does not answer is said here, not waited for in silence.
        let responder = try ResponderThread(clock: context.now) { _ throws(KlaxonError) in
            try Responder(
                workspace: workspace, writer: writer, checks: files, options: options,
                environment: context.environment, clock: context.now)
        }
        let json = output.json
        var saidStart = false
        // Recording and paging happen on the responder's thread, in order; this one prints what it did.
        func say(_ call: ResponderThread.Call, _ event: ResponderEvent) {
            switch event {
            // Recorded first (by the pass that returned it), then printed: a change this prints is on
            // disk, even if the process dies next (unless the store was said unreachable: then it is only printed).
            case .checkReported(let report):
                live.note(report)
                if let line = changeLine(report, json: json) { context.print(line) }
            case .incidentChanged(let incident, _): live.note(incident: incident.id, isOpen: incident.isOpen)
            // Written first (by the pass that returned it), then printed, as a state change.
            case .alertGroupRouted(let routed): context.print(routedLine(routed, json: json))
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
            case .recordsElsewhere(let holder):
                context.warn(
                    TerminalText.printable(
                        "another process records this workspace's state changes (\(holder)); printing only until it stops, then this process takes the recording over"
                    ))
            case .tookOverRecording: context.say("klaxon: status recorder: this process records the state changes now")
            case .lostRecording:
                context.warn(
                    "status recorder: this process no longer records the state changes: its hold on the journal store was lost (a restart, a cut connection); another process may record them now, and this one takes the recording over again once it is free"
                )
            // On stderr: stdout carries only state changes (JSON lines with --json).
            case .becameEngine: context.say("klaxon: escalation engine: this process sends the pages")
            case .alertRoutesReloaded(let routes):
                context.say(
                    "klaxon: klaxon.yaml changed: the alerts are routed by its \(Plural.count(routes.count, "intake route")) now"
                )
            // The first pass says who holds the pages when it is another process.
            case .escalationsChanged(_, .other(let holder), _) where call == .pass && !saidStart:
                context.warn(
                    "another process sends this workspace's pages (\(holder)); this process takes them over once it stops"
                )
            default: break  // what a screen shows; a journal that cannot be read does not stop the others' pages
            }
        }
        func take(_ outputs: [ResponderThread.Output]) throws(KlaxonError) {
            for output in outputs {
                switch output {
                case .answered(let call, let events):
                    for event in events { say(call, event) }
                    if call == .pass { saidStart = true }
                case .reported: break  // not asked for: changes are printed once recorded
                case .notAnswering(let since):
                    context.warn(
                        "the journal store has not answered since \(since.rfc3339) (a locked table, a stopped server, a hung file system?). Until it does nothing is recorded and no page is sent; state changes are printed once recorded"
                    )
                case .answersAgain(let since):
                    context.say("klaxon: the journal store answers again (it did not answer from \(since.rfc3339))")
                case .failedToStart(let error): throw error
                }
            }
        }
        // SIGINT, SIGTERM and SIGHUP are taken by a thread of their own, which wakes the loop through a pipe.
        let stop = try WakePipe()
        Thread {
            _ = signals.waitForStop()
            stop.wake()
        }.start()
        while true {
            var descriptors = [stop.readEnd, responder.wakePipe.readEnd].map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            // Each second at least: a call of the responder that waits is said once it has waited long.
            _ = poll(&descriptors, nfds_t(descriptors.count), 1000)
            if descriptors[0].revents != 0 { break }
            try take(responder.takeOutputs())
        }
        // The intake first: no new request, those under way recorded and answered; then its writer.
        if let intake {
            if !intake.intake.stop(waitingAtMost: Self.stopWaitSeconds) {
                context.warn("the intake's requests under way did not finish within \(Int(Self.stopWaitSeconds)) s")
            }
            intake.writer.stop()
        }
        // Deliveries under way finish and are recorded, so no outcome is left unknown by a clean stop
        // (unless the store does not answer: then it is said, and the process ends regardless).
        // Said when it takes a moment: a store that keeps a call waiting, deliveries under way.
        var left = responder.stop(waitingAtMost: 2)
        if left == nil {
            let waits = responder.notAnsweringSince.map { " (it has not answered since \($0.rfc3339))" } ?? ""
            context.say(
                "klaxon: stopping: no new page is sent; waiting at most \(Int(Self.stopWaitSeconds)) s for the deliveries under way to be recorded in the journal store\(waits)"
            )
            left = responder.stop(waitingAtMost: Self.stopWaitSeconds - 2)
        }
        if let left {
            try take(left)
        } else {
            context.warn(
                "stopped without waiting longer for the journal store (\(Int(Self.stopWaitSeconds)) s): a page under way may be left without its outcome recorded"
            )
        }
    }
}
