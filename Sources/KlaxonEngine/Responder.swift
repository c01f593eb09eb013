import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonStore

/// The live workspace without a screen: what the console and `klaxon watch` both run, constructed in
/// this one place. It owns
/// - the followed journals (`IncidentFollower`): the open incidents, and, for the console, the
///   summaries of the resolved ones updated in `Options.recentResolvedSeconds`;
/// - the status poller (on its own thread) and the recorder of state changes (`StatusRecorder`);
/// - the escalation runner (`EscalationRunner`) and its page transport;
/// - the journal `alerts` (`AlertRouter`): the alerts the intake received, and, while this process
///   sends the pages, their groups routed to incidents (`Options.intakeRoutes`) before each escalation pass;
/// - the inputs of the on-call board and of the runbooks (for a screen that shows them);
/// - a drill's director, when a drill runs.
///
/// Its surface, for the caller's loop:
/// - `start()` once, then, in a loop, wait in `poll` on `descriptors` (and the caller's own, the
///   keyboard) until `nextDeadline`, and call `pass(now:)`, which returns what happened as values
///   (`ResponderEvent`). The once-a-second work (following other writers, taking over the recording
///   or the pages from a process that stopped, the on-call board each minute) is in the pass: the
///   caller keeps no timers of its own.
/// - `perform(_:on:)` saves an action beside the loop (its outcome comes out of a later pass);
///   `declare(_:)` opens an incident now; `readFully(_:)` reads an incident's records for a screen,
///   `readResolved(updatedSince:)` the resolved incidents of a longer past than the start read.
/// - `stop()` stops the poller, waits for the saves and deliveries under way and records them.
///
/// The loop's own writes (the escalation engine's, the recorder's) never wait for a journal's lock:
/// the loop must not stall, and they are tried again at the next pass.
public final class Responder {
    /// What differs between the console and `klaxon watch`.
    public struct Options {
        /// Who this process is, for the engine's lock file: `console`, `klaxon watch`.
        public var role: String
        /// Shows, never writes (the console's `--read-only`): no recording, no pages, no index.
        public var readOnly = false
        /// Follows the summaries of resolved incidents updated in this many seconds (the console's
        /// dashboard); nil: the open incidents only. A longer past is read when a screen asks
        /// (`readResolved(updatedSince:)`), so the start costs what the open and recent incidents cost.
        public var recentResolvedSeconds: Int64?
        /// Follows the on-call board and `Runbooks/` (for a screen that shows them).
        public var followsBoards = false
        /// Keeps the poller's scheduling lags and writes them to this file at `stop`, in milliseconds,
        /// one a line (for `klaxon-bench`).
        public var lagsFile: String?
        /// Refuses to start (throws) when it cannot record or run the escalations, instead of going on
        /// without (a headless process has nobody to show it to).
        public var mustRun = false
        /// The zone the on-call board speaks in.
        public var displayZone: TimeZone
        /// Also hands each of the poller's reports here as it is made, on the poller's thread, before
        /// it is recorded (a screen's status board, which must not wait for a store that does not
        /// answer); the passes then leave them out of their events (`checkReported`).
        public var reportsAtOnce: (@Sendable (CheckReport) -> Void)?
        /// The intake's routes (`intake.routes` in klaxon.yaml), in order: how the engine routes the alert
        /// groups of the journal `alerts` to incidents. None: every alert is only shown.
        public var intakeRoutes: [IntakeRoute] = []
        /// Whether this process runs the intake's listener (`klaxon watch` with `intake.listen`): then a
        /// change of its listen, tokens or max_body in klaxon.yaml is said to need a restart.
        public var listensForAlerts = false

        public init(role: String, displayZone: TimeZone) {
            self.role = role
            self.displayZone = displayZone
        }
    }

    public let workspace: Workspace
    let options: Options
    let writer: WriterIdentity
    let clock: @Sendable () -> Timestamp
    /// Wakes the loop it runs in (its `ResponderThread`'s): reports, ended saves and deliveries write to it.
    let wakePipe: WakePipe
    /// The journals as the loop reads and writes them (a brief lock wait).
    private let store: IncidentStore
    private let follower: IncidentFollower
    /// Whether the store answers, as the loop's reads and writes find it (said as events).
    private let reachability: StoreReachability
    /// While the store does not answer, tries it beside the loop.
    private let probe: StoreProbe
    private let saver: JournalSaver
    private var watcher: (any JournalFollower)?
    private let poller: StatusPoller?
    private let reports = LockedQueue<CheckReport>()
    private let recorder: StatusRecorder?
    /// The outcomes of the checks with an objective (`slo:`), and where each stands.
    private let outcomes: OutcomeKeeper?
    private let escalations: EscalationRunner?
    /// Sends the status updates and the reminders of overdue ones, in the process that sends the pages.
    private let comms: CommsRunner?
    private var commsPeopleVersion = 0
    private let drill: DrillDirector?
    /// The journal `alerts`, followed; its groups routed to incidents while this process is the engine.
    private let alerts: AlertRouter
    /// The recorded pings of the heartbeat checks, as the last read of the journal `alerts` found them:
    /// what the poller judges those checks from.
    private let heartbeats: HeartbeatBoard
    /// The key the listening intake checks action links with, for the page transport.
    private let listenerLinkKey: ListenerLinkKey
    /// Why the journal `alerts` could not be read, as last said.
    private var saidAlertsProblem: String?
    /// Whether the alerts were said once (`alertsChanged`).
    private var alertsShown = false
    /// Whether a stop was asked (the thread it runs on says so, `ResponderThread`): from then on a pass
    /// takes no new escalation step and sends no new page, even one that was under way when the stop
    /// came (waiting for the store): a stop waits only for the deliveries already under way.
    public var isStopping: @Sendable () -> Bool = { false }
    /// What `start` says first: problems met while constructing.
    private var startEvents: [ResponderEvent] = []
    /// When the escalation engine wants to pass again (a page, a step, a retry).
    private var nextEscalationPass: Timestamp?
    private var wasEngine = false
    private var lastSecond: Int64?
    /// The second `start` read every journal in (see `pass`).
    private var startedSecond: Int64?
    private var lastOnCallMinute: Int64?
    /// The escalation runner's `filesVersion` (or, without a runner, `Escalation/`'s signature) the
    /// on-call board was last made from.
    private var onCallFilesVersion = 0
    private var escalationSignature: [Int] = []
    /// klaxon.yaml's signature when its intake settings were last taken; whether it last failed to load.
    private var configSignature: [Int] = []
    private var configBroken = false
    /// The running listener's settings (listen, tokens, max_body), and those last said to need a restart.
    private var runningListener: [String]?
    private var saidListener: [String]?
    private var runbookSignature: [Int] = []

    /// Constructs, starts nothing. `checks` are those the caller loaded (and said the problems of);
    /// `environment` is where secrets are read from; `transport` carries the pages (by default through
    /// the channels of `klaxon.yaml`); `clock` is the time of everything decided and recorded.
    public init(
        workspace: Workspace, writer: WriterIdentity, checks: CheckFiles, options: Options,
        environment: [String: String],
        clock: @escaping @Sendable () -> Timestamp, transport: (any PageTransport)? = nil,
        commsTransport: (any CommsTransport)? = nil, drill: DrillDirector? = nil
    ) throws(KlaxonError) {
        self.workspace = workspace
        self.writer = writer
        self.options = options
        self.clock = clock
        self.drill = drill
        let wakePipe = try WakePipe()
        self.wakePipe = wakePipe
        var loopStore = try workspace.incidents
        loopStore.lockWait = .brief
        store = loopStore
        let reachability = StoreReachability(clock: clock)
        self.reachability = reachability
        follower = IncidentFollower(
            store: loopStore, recentSeconds: options.recentResolvedSeconds, updatingIndex: !options.readOnly,
            reachability: reachability)
        saver = JournalSaver(store: try workspace.incidents, writer: writer, now: clock) { wakePipe.wake() }
        probe = StoreProbe(store: try workspace.incidents) { wakePipe.wake() }
        alerts = AlertRouter(store: loopStore.journals, routes: options.intakeRoutes, writer: writer, clock: clock)
        configSignature = fileSignature([workspace.root + "/" + Workspace.configFileName])
        runningListener = Self.listenerSettings(workspace.config.intake)
        saidListener = runningListener
        if let problem = alerts.problem { startEvents.append(.problem(problem)) }

        let heartbeats = HeartbeatBoard()
        self.heartbeats = heartbeats
        var recorder: StatusRecorder?
        var poller: StatusPoller?
        if !checks.checks.isEmpty {
            // A restart is not a state change: each check goes on from its recorded state.
            let restored = Self.lastStates(workspace, of: Set(checks.checks.map(\.name)))
            if let warning = restored.warning { startEvents.append(.problem(warning)) }
            if !options.readOnly {
                do {
                    recorder = try StatusRecorder(
                        workspace: workspace, store: loopStore, writer: writer, role: options.role, clock: clock,
                        restored: restored.states)
                } catch {
                    if options.mustRun { throw error }
                    startEvents.append(.problem(error.message))
                }
            }
            let queue = reports
            let atOnce = options.reportsAtOnce
            poller = Self.makePoller(
                checks: checks, restoring: restored.states, environment: environment,
                keepingLags: options.lagsFile != nil, clock: clock, heartbeats: heartbeats
            ) { report in
                atOnce?(report)
                queue.push(report)
                wakePipe.wake()
            }
        }
        self.recorder = recorder
        self.poller = poller
        let objectives = checks.checks.filter { $0.slo != nil }
        outcomes = objectives.isEmpty ? nil : OutcomeKeeper(checks: objectives, journals: try workspace.journalStore)
        let listenerKey = ListenerLinkKey()
        listenerLinkKey = listenerKey
        let pages =
            transport
            ?? ChannelPageTransport(
                channels: workspace.config.channels, environment: environment,
                links: ChannelPageTransport.LinkSigning(workspace: workspace.config).map {
                    var signing = $0
                    signing.listenerKey = { listenerKey.get() }
                    return signing
                })
        func runner(mayRun: Bool) throws(KlaxonError) -> EscalationRunner {
            try EscalationRunner(
                workspace: workspace, writer: writer, role: options.role, mayRun: mayRun, transport: pages,
                clock: clock
            ) { wakePipe.wake() }
        }
        recorder?.reachability = reachability
        do {
            escalations = try runner(mayRun: !options.readOnly)
        } catch {
            if options.mustRun { throw error }
            // It cannot send pages here (a read-only journals directory, a lock file it may not write):
            // it still shows what the journals say of them, as a read-only console does.
            startEvents.append(.problem("this process cannot send pages: \(error.message)"))
            escalations = try? runner(mayRun: false)
        }
        escalations?.reachability = reachability
        comms = escalations.flatMap { runner in
            runner.mayRun
                ? CommsRunner(
                    workspace: workspace, writer: writer, people: runner.files.people,
                    transport: commsTransport
                        ?? ChannelCommsTransport(channels: workspace.config.channels, environment: environment),
                    clock: clock
                ) { wakePipe.wake() } : nil
        }
        commsPeopleVersion = escalations?.filesVersion ?? 0
    }

    /// The one place a status poller is made: the responder's, and `klaxon status watch`'s (which only
    /// prints). It goes on from the `restoring` states (a restart is not a state change), reads its
    /// checks' credentials from `environment` at each poll, and judges its heartbeat checks from
    /// `heartbeats` (a board nothing updates, by default: they are then not judged at all).
    public static func makePoller(
        checks: CheckFiles, restoring: [String: CheckStateMachine.Recorded], environment: [String: String],
        keepingLags: Bool = false, clock: @escaping @Sendable () -> Timestamp,
        heartbeats: HeartbeatBoard = HeartbeatBoard(), deliver: @escaping @Sendable (CheckReport) -> Void
    ) -> StatusPoller {
        StatusPoller(
            checks: checks.checks, maintenance: checks.maintenance, restoring: restoring, keepingLags: keepingLags,
            clock: clock,
            resolve: SecretResolver(environment: environment, role: "polls").resolve, heartbeats: heartbeats,
            deliver: deliver)
    }

    /// How long the start waits for the checks' recorded states before polling without them.
    static let restoreWaitSeconds = 3.0

    /// The checks' last recorded states (`PlatformJournal.lastStates`), waited for at most
    /// `restoreWaitSeconds`: a store that keeps the read waiting (a locked table, a stopped server) must
    /// not keep the checks from being polled. Then each starts unknown, and the warning says so.
    static func lastStates(_ workspace: Workspace, of checks: Set<String>) -> (
        states: [String: CheckStateMachine.Recorded], warning: String?
    ) {
        guard let store = try? workspace.journalStore else { return ([:], nil) }
        let read = LockedQueue<(states: [String: CheckStateMachine.Recorded], warning: String?)>()
        let done = DispatchSemaphore(value: 0)
        // On a connection of its own (a store of its own): one left waiting holds nothing the responder uses.
        DispatchQueue.global().async {
            read.push(PlatformJournal.lastStates(store: store, of: checks))
            done.signal()
        }
        guard done.wait(timeout: .now() + restoreWaitSeconds) == .success, let result = read.drain().first else {
            return (
                [:],
                "the checks' last states were not restored: the journal store did not answer within \(Int(restoreWaitSeconds)) s; each starts unknown"
            )
        }
        return result
    }

    /// Starts the poller, then reads the incidents (through the index), the on-call board and runbooks
    /// when followed; returns what it found, problems included.
    public func start() -> [ResponderEvent] {
        // First: the checks are polled (and shown at once, with `Options.reportsAtOnce`) even while the
        // store keeps the reads below waiting.
        poller?.start()
        let now = clock()
        // Everything was just read: the pass of this same second does not read it all again.
        startedSecond = now.milliseconds / 1000
        var events = follower.readNew(now: now) + readAlerts()
        if options.followsBoards {
            events.append(.onCallChanged(onCallBoard()))
            runbookSignature = RunbookFiles.signature(workspaceRoot: workspace.root)
            events.append(.runbooksChanged)
        }
        // A recording not taken because the store did not answer is not another process's (that is said).
        if let recorder, !recorder.isRecording, !reachability.isUnreachable {
            // Named when another process holds it; one that cannot be asked is not "another process".
            if let holder = recorder.otherRecorder() {
                events.append(.recordsElsewhere(holder: holder))
            } else {
                events.append(
                    .problem(
                        "this process does not record the checks' state changes: the recorder's hold on the journal store could not be taken (see the store's error); it tries again each second"
                    ))
            }
        }
        events += startEvents + reachability.events()
        startEvents = []
        if !options.readOnly { try? store.ensureDirectory() }
        watcher = try? workspace.journalStore.follow()
        return events
    }

    /// What the caller's loop polls for readability, beside its own: the wake pipe, the store's follower
    /// (inotify, or a database's notifications). A pass drains them; the caller need not say which was ready.
    public var descriptors: [Int32] { [wakePipe.readEnd] + (watcher.map { [$0.descriptor] } ?? []) }

    /// When the next pass is due without anything to wake it: the next second, or sooner when the
    /// escalation engine asked to pass (a page, a step, a retry).
    public var nextDeadline: Timestamp {
        let nextSecond = Timestamp(milliseconds: (clock().milliseconds / 1000 + 1) * 1000)
        // The engine waits while the store does not answer: its wake would come round again at once.
        guard !reachability.isUnreachable else { return nextSecond }
        return nextEscalationPass.map { min($0, nextSecond) } ?? nextSecond
    }

    /// Whether this process records the checks' state changes (while another one does, it only shows).
    public var isRecording: Bool { recorder?.isRecording ?? false }

    /// Saves `action` on incident `id` beside the loop; a later pass returns `saved` or `saveFailed`.
    public func perform(_ action: IncidentAction, on id: String) { saver.save(action, on: id) }

    /// Declares an incident now (its policy pages from the next pass, which is due at once). With
    /// `attachingAlert` (`A-3`, the console's alerts screen), that alert's group is then put on it, as
    /// `klaxon alert attach` does (the router writes it there).
    public func declare(_ declaration: Declaration, attachingAlert: String? = nil) -> [ResponderEvent] {
        do {
            let journal = try store.declare(declaration, by: writer, at: clock())
            reachability.note(nil)
            follower.add(journal)
            nextEscalationPass = clock()
            var events: [ResponderEvent] = [
                .incidentChanged(journal.incident, readOnly: journal.isReadOnly), .declared(journal.id)
            ]
            if let attachingAlert {
                do { try alerts.requestAttach(attachingAlert, to: journal.id, by: writer, at: clock()) } catch {
                    events.append(
                        .problem(
                            "\(journal.id) was declared, but \(attachingAlert) was not put on it (\(error.message)); run klaxon alert attach \(attachingAlert) \(journal.id)"
                        ))
                }
            }
            return events
        } catch {
            reachability.note(error)
            return reachability.events() + [.declareFailed(error.message)]
        }
    }

    /// Reads incident `id` fully, records and all (the incident a screen shows); nothing when it is.
    /// While the store does not answer, nothing is tried (the console asks at each repaint; the periodic
    /// read is the retry) and the summary stays.
    public func readFully(_ id: String) -> [ResponderEvent] {
        reachability.isUnreachable ? [] : follower.readFully(id)
    }

    /// Reads the summaries of the resolved incidents updated at or after `since` that the start left
    /// unread (it reads those of `Options.recentResolvedSeconds`): for a screen that shows a longer past.
    public func readResolved(updatedSince since: Timestamp) -> [ResponderEvent] {
        follower.readResolved(updatedSince: since)
    }

    /// Takes what woke the loop (ended saves, other writers' records, the poller's reports, ended
    /// deliveries) and does what is due at `now`; returns what happened.
    public func pass(now: Timestamp) -> [ResponderEvent] {
        wakePipe.drain()
        var events: [ResponderEvent] = []
        for notice in saver.waitingNotices() {
            events.append(.saveWaiting(incidentID: notice.incidentID, text: notice.text))
        }
        for outcome in saver.finished() {
            if case .failure(let error) = outcome.result { reachability.note(error) } else { reachability.note(nil) }
            switch outcome.result {
            case .success(let record):
                // Read back as any other writer's record; an ack, a page or a stop takes effect now.
                events += follower.refresh(outcome.incidentID)
                nextEscalationPass = now
                events.append(.saved(incidentID: outcome.incidentID, action: outcome.action, record: record))
            case .failure(let error):
                events.append(.saveFailed(incidentID: outcome.incidentID, action: outcome.action, error: error))
            }
        }
        var alertsRead = false
        if let watcher, Self.isReadable(watcher.descriptor) {
            let changed = watcher.changedJournals()
            // Incidents only: the platform journal (`platform.jsonl`) is the recorder's, not an incident.
            for id in changed where IncidentID.number(of: id) != nil {
                events += follower.refresh(id)
            }
            // Notifications lost with a database connection: everything, as the half-minute reread does.
            let missed = watcher.missedChanges()
            if missed { events += follower.update(everything: true) + follower.readNew(now: now) }
            if missed || changed.contains(ReceivedAlerts.journalName) { alertsRead = take(readAlerts(), into: &events) }
        }
        let recorded = takeReports(now: now, into: &events)

        let second = now.milliseconds / 1000
        let newSecond = second != lastSecond
        if newSecond {
            lastSecond = second
            events.append(.tick(now))
            // The fallback for file systems that do not report other hosts' writes: the open incidents
            // each second, all of them every half minute; new journals each second without a watcher,
            // every five with one (it tells of them at once).
            let justStarted = second == startedSecond
            // While the store does not answer, the loop reads nothing (each read could wait for it up to
            // the connection's timeout): the probe tries it beside the loop, and the reads go on once it
            // answers.
            if reachability.isUnreachable {
                probe.start()
                if probe.takeAnswer() { reachability.note(nil) }
            }
            if !reachability.isUnreachable {
                events += follower.update(everything: second % 30 == 0 && !justStarted)
                if watcher == nil || (second % 5 == 0 && !justStarted) {
                    events += follower.readNew(now: now)
                    alertsRead = take(readAlerts(), into: &events) || alertsRead
                }
            }
            if let drill {
                events.append(.drillChanged(drill.tick(now: now, incidents: follower.byID.values.map(\.incident))))
            }
            if !isStopping() { events += takeOverRecording() }
            if !reachability.isUnreachable { events += passObjectives(now: now) }
            events += reloadRoutesIfChanged()
        }
        // Nothing is paged that cannot be recorded first: while the store does not answer, the engine
        // waits (finished deliveries stay queued until their outcomes can be recorded).
        if let runner = escalations, !reachability.isUnreachable, !isStopping(),
            newSecond || recorded || alertsRead || runner.hasFinishedDeliveries || comms?.hasFinishedDeliveries == true
                || nextEscalationPass.map({ $0 <= now }) ?? false
        {
            events += passEscalations(runner, now: now)
        }
        if newSecond && options.followsBoards { events += followBoards(now: now) }
        return events + reachability.events()
    }

    /// Whether `descriptor` has something to read now (a pass may come many times a second: the
    /// watcher's buffer is not read for nothing).
    private static func isReadable(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// Stops the poller, waits for the saves and deliveries under way (each bounded) and records the
    /// deliveries' outcomes, so a clean stop leaves none unknown; returns what that found.
    public func stop() -> [ResponderEvent] {
        poller?.stop()
        if let path = options.lagsFile, let lags = poller?.schedulingLags {
            try? lags.map(String.init).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        probe.stop()
        // The poller stopped: the status page knows nothing from now on (nothing is recorded after this).
        recorder?.stopped()
        let unsaved = recorder?.isRecording == true ? outcomes?.save().map { [ResponderEvent.problem($0)] } ?? [] : []
        saver.waitForAll()
        guard let runner = escalations else { return unsaved }
        runner.waitForDeliveries()
        comms?.waitForDeliveries()
        return unsaved + recordFinished(runner) + recordFinishedComms()
    }

    /// Records the state changes (and owed declarations) of the reports that arrived, then returns them
    /// as events; returns whether an incident was written on.
    private func takeReports(now: Timestamp, into events: inout [ResponderEvent]) -> Bool {
        let arrived = reports.drain()
        // Reports handed over at once (`Options.reportsAtOnce`) are not handed again.
        let shown = options.reportsAtOnce == nil
        guard let recorder else {
            if shown { events += arrived.map { .checkReported($0) } }
            return false
        }
        // A hold lost since the last pass: these reports are another recorder's now (a takeover
        // records what this poller saw that the journal does not say).
        if recorder.isRecording,
            arrived.contains(where: { $0.transition != nil || recorder.owesDeclaration($0.check.name) })
        {
            _ = recorder.keepsRecording()
        }
        // Until this process records, the latest state of each check, for a takeover to record.
        for report in arrived { recorder.see(report) }
        // A change goes onto open incidents: read them first (one declared a moment ago counts), unless
        // the store does not answer (the writes are still tried: a declaration that fails is owed).
        if !reachability.isUnreachable,
            arrived.contains(where: { $0.transition != nil || recorder.owesDeclaration($0.check.name) })
        {
            events += follower.update(everything: false) + follower.readNew(now: now)
        }
        var recorded = false
        for report in arrived {
            if let burning = outcomes?.record(report, recording: recorder.isRecording) {
                recorded =
                    declareBurn(
                        burning, of: report.check, now: now, impactStarted: report.failingSince, restored: false,
                        into: &events) || recorded
            }
            // Most reports change nothing (a thousand checks send a hundred a second).
            guard report.transition != nil || recorder.owesDeclaration(report.check.name) else {
                if shown { events.append(.checkReported(report)) }
                continue
            }
            let (changed, problems) = recorder.record(report, openIncidents: follower.open)
            if shown { events.append(.checkReported(report)) }
            for journal in changed {
                follower.add(journal)
                events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
            }
            events += problems.map { .problem($0) }
            recorded = recorded || !changed.isEmpty
        }
        return recorded
    }

    /// Each second: the outcomes read, saved and judged as `OutcomeKeeper.tick` does, a burn that
    /// reached page level declared; the statuses handed over when they changed.
    private func passObjectives(now: Timestamp) -> [ResponderEvent] {
        guard let outcomes else { return [] }
        let recording = recorder?.isRecording ?? false
        let tick = outcomes.tick(now: now, recording: recording)
        var events = tick.problem.map { [ResponderEvent.problem($0)] } ?? []
        if !tick.burning.isEmpty {
            events += follower.update(everything: false) + follower.readNew(now: now)
            for (name, status) in tick.burning {
                guard let check = outcomes.checks[name] else { continue }
                _ = declareBurn(status, of: check, now: now, impactStarted: nil, restored: tick.restored, into: &events)
            }
        }
        if outcomes.takeChanged() { events.append(.objectivesChanged(outcomes.statuses)) }
        return events
    }

    /// Declares the incident of a page-level burn (`StatusRecorder.declareBurn`); one not declared is
    /// tried again at the check's next poll. Returns whether one was declared.
    private func declareBurn(
        _ status: SLOStatus, of check: CheckDefinition, now: Timestamp, impactStarted: Timestamp?, restored: Bool,
        into events: inout [ResponderEvent]
    ) -> Bool {
        guard let recorder, let outcomes else { return false }
        // Saved first: `klaxon slo status` and the other consoles then read the burn that pages.
        if let problem = outcomes.save() { events.append(.problem(problem)) }
        let (declared, problem) = recorder.declareBurn(
            of: check, status, at: now, impactStarted: impactStarted, restored: restored, openIncidents: follower.open)
        if let problem {
            outcomes.declarationFailed(check.name)
            if !problem.isEmpty { events.append(.problem(problem)) }
        }
        guard let declared else { return false }
        follower.add(declared)
        events.append(.incidentChanged(declared.incident, readOnly: declared.isReadOnly))
        return true
    }

    /// While another process records, takes the recording over once it stops (tried each second), with
    /// what this poller saw meanwhile.
    private func takeOverRecording() -> [ResponderEvent] {
        guard let recorder else { return [] }
        // Each second, a recorder checks it still holds the recording, as the engine does its pages; a
        // loss (found here, or by a write refused for it) is said once.
        if recorder.isRecording { _ = recorder.keepsRecording() }
        if recorder.takeLostHold() { return [.lostRecording] }
        guard !recorder.isRecording else {
            // Its signs of life, while the store answers (the probe says when it does again).
            return reachability.isUnreachable ? [] : recorder.beat().map { [.problem($0)] } ?? []
        }
        let takeover = recorder.takeOverIfFree(openIncidents: follower.open)
        var events: [ResponderEvent] = takeover.tookOver ? [.tookOverRecording] : []
        for journal in takeover.changed {
            events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
        }
        return events + takeover.problems.map { .problem($0) }
    }

    /// Records finished deliveries and lets the engine decide (each second, when a delivery ends,
    /// when it asked, after a save or a recorded change).
    private func passEscalations(_ runner: EscalationRunner, now: Timestamp) -> [ResponderEvent] {
        var events = recordFinished(runner) + routeAlerts(runner)
        let tick = runner.tick(follower.open)
        // Only the engine acts at a wake; another process's (or nobody's) due step is shown by the pass
        // each second, and a wake already past would otherwise pass the loop again and again.
        nextEscalationPass = runner.isEngine ? tick.nextWake : nil
        for journal in tick.changed { events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly)) }
        events += tick.problems.map { .problem($0) }
        events += recordFinishedComms()
        if let comms, runner.isEngine {
            if runner.filesVersion != commsPeopleVersion {
                commsPeopleVersion = runner.filesVersion
                comms.update(people: runner.files.people)
            }
            let sent = comms.tick(Array(follower.byID.values), hold: runner.lock.hold, reachability: reachability)
            for journal in sent.changed {
                events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
            }
            events += sent.problems.map { .problem($0) }
            if let next = sent.nextWake, nextEscalationPass.map({ next < $0 }) ?? true { nextEscalationPass = next }
        }
        let holder: EngineHolder = runner.isEngine ? .thisProcess : runner.otherEngine.map { .other($0) } ?? .nobody
        events.append(.escalationsChanged(tick.statuses, engine: holder, pageTargets: runner.pageTargets))
        if runner.isEngine && !wasEngine {
            wasEngine = true
            events.append(.becameEngine)
            // The alerts not routed yet (by the engine that stopped, or since the start) are routed now.
            nextEscalationPass = now
        }
        return events
    }

    /// When klaxon.yaml changed (checked each second, by its size and time): its intake's routes are
    /// routed by from now on, said once; a file that does not load, or routes that do not compile, keep
    /// the routes in use, and why is said. The listener's settings (listen, tokens, max_body) are not
    /// changed by a running process: said, with what to do.
    private func reloadRoutesIfChanged() -> [ResponderEvent] {
        let signature = fileSignature([workspace.root + "/" + Workspace.configFileName])
        guard signature != configSignature else { return [] }
        configSignature = signature
        let reloaded: Workspace
        do { reloaded = try Workspace.load(directory: workspace.root) } catch {
            configBroken = true
            return [.problem("klaxon.yaml changed but does not load (\(error.message)); the alert routes in use go on")]
        }
        let intake = reloaded.config.intake
        var events: [ResponderEvent] = []
        let routes = intake?.routes ?? []
        // Where a route is written (its line) is no change of what it does.
        func unplaced(_ routes: [IntakeRoute]) -> [IntakeRoute] {
            routes.map {
                var route = $0
                route.place = nil
                route.places = [:]
                return route
            }
        }
        if unplaced(routes) != unplaced(alerts.routes) || configBroken {
            do {
                try alerts.replaceRoutes(routes)
                configBroken = false
                events.append(.alertRoutesReloaded(routes))
            } catch {
                configBroken = true
                events.append(
                    .problem(
                        "klaxon.yaml changed but its intake routes do not load (\(error.message)); the routes in use go on"
                    ))
            }
        }
        // Said once per change from what the running listener has (and not when put back to it).
        let listener = Self.listenerSettings(intake)
        if options.listensForAlerts && listener != saidListener {
            saidListener = listener
            if listener != runningListener {
                events.append(
                    .problem(
                        "klaxon.yaml's intake listen, tokens or max_body changed: a running listener keeps its own; restart klaxon watch to apply them"
                    ))
            }
        }
        return events
    }

    /// What of `intake` a running listener keeps until it restarts: listen, tokens, max_body.
    private static func listenerSettings(_ intake: IntakeConfig?) -> [String]? {
        intake.map { [$0.listen?.description ?? "", "\($0.tokens.sorted { $0.key < $1.key })", "\($0.maxBodyBytes)"] }
    }

    /// Reads the journal `alerts`' new records: the alerts as they are now when it changed. A failure
    /// other than an outage is said once.
    private func readAlerts() -> [ResponderEvent] {
        do {
            let changed = try alerts.read()
            saidAlertsProblem = nil
            listenerLinkKey.set(alerts.book.listenerLinkKey)
            heartbeats.update(
                .init(
                    lastPings: alerts.book.lastPings, listeningSince: alerts.book.intakeStarted,
                    stoppedAt: alerts.book.intakeStopped, readAt: clock()))
            // The first read that worked is said even when there is no journal yet: a screen then shows
            // "no alerts received", not "not read yet" for ever. Not while the store does not answer.
            guard changed || (!alertsShown && !reachability.isUnreachable) else { return [] }
            alertsShown = true
            return [.alertsChanged(alerts.book)]
        } catch {
            reachability.note(error)
            guard !error.isUnreachable, saidAlertsProblem != error.message else { return [] }
            saidAlertsProblem = error.message
            return [.problem("the received alerts cannot be read: \(error.message)")]
        }
    }

    /// Adds `read` to `events`; whether the alerts changed.
    private func take(_ read: [ResponderEvent], into events: inout [ResponderEvent]) -> Bool {
        events += read
        return read.contains { if case .alertsChanged = $0 { true } else { false } }
    }

    /// In the process that sends the pages (as the last pass found), routes the alert groups not routed
    /// yet onto the open incidents, before the escalation pass: an incident declared here pages in it.
    private func routeAlerts(_ runner: EscalationRunner) -> [ResponderEvent] {
        guard runner.isEngine, !isStopping() else { return [] }
        let routing = alerts.route(open: follower.open, incidents: store, hold: runner.lock.hold)
        var events: [ResponderEvent] = []
        for journal in routing.changed {
            follower.add(journal)
            events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
        }
        if !routing.routed.isEmpty || !routing.changed.isEmpty { events.append(.alertsChanged(alerts.book)) }
        return events + routing.routed.map { .alertGroupRouted($0) } + routing.problems.map { .problem($0) }
    }

    /// Records the outcomes of the status updates' and reminders' finished deliveries.
    private func recordFinishedComms() -> [ResponderEvent] {
        guard let comms else { return [] }
        let finished = comms.recordFinished(follower.byID, reachability: reachability)
        return finished.changed.map { .incidentChanged($0.incident, readOnly: $0.isReadOnly) }
            + finished.problems.map { .problem($0) }
    }

    private func recordFinished(_ runner: EscalationRunner) -> [ResponderEvent] {
        let finished = runner.recordFinished(follower.byID)
        var events = finished.pages.map { ResponderEvent.pageFinished($0.attempt, $0.outcome) }
        for journal in finished.changed {
            events.append(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
        }
        return events + finished.problems.map { .problem($0) }
    }

    /// `Runbooks/` within a second of a change; the on-call board each minute (a handoff) and within a
    /// second of a change to `Escalation/` (an override made elsewhere).
    private func followBoards(now: Timestamp) -> [ResponderEvent] {
        var events: [ResponderEvent] = []
        let runbooks = RunbookFiles.signature(workspaceRoot: workspace.root)
        if runbooks != runbookSignature {
            runbookSignature = runbooks
            events.append(.runbooksChanged)
        }
        let changed: Bool
        if let runner = escalations {
            runner.reloadIfChanged()  // the escalation pass may have read them already this second
            changed = runner.filesVersion != onCallFilesVersion
            onCallFilesVersion = runner.filesVersion
        } else {
            let signature = EscalationFiles.signature(workspaceRoot: workspace.root)
            changed = signature != escalationSignature
            escalationSignature = signature
        }
        let minute = now.milliseconds / 60_000
        if minute != lastOnCallMinute || changed {
            lastOnCallMinute = minute
            events.append(.onCallChanged(onCallBoard()))
        }
        return events
    }

    /// Who is on call now and next, from `Escalation/` as the escalation runner keeps it read.
    private func onCallBoard() -> OnCallBoard {
        Self.onCallBoard(
            workspace: workspace, files: escalations?.files ?? EscalationFiles.load(workspaceRoot: workspace.root),
            now: clock(), displayZone: options.displayZone)
    }

    /// Who is on call now and next in `workspace`, from its `Escalation/` files as read: files only, no
    /// store (a screen shows it before a responder waiting for its store has started).
    public static func onCallBoard(workspace: Workspace, files: EscalationFiles, now: Timestamp, displayZone: TimeZone)
        -> OnCallBoard
    {
        let calendars = files.schedules.compactMap { try? OnCallCalendar($0) }
        // The workspace's own paths made relative (`Escalation/people.yaml`): a screen's line is short.
        let problems = files.findings.filter { $0.level == .error }
            .map { $0.description.replacingOccurrences(of: workspace.root + "/", with: "") }
        return OnCallBoard.make(
            calendars: calendars, mainSchedule: workspace.config.mainSchedule, problems: problems, now: now,
            displayZone: displayZone, people: files.people)
    }
}
