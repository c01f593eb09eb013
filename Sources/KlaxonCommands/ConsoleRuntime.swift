import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonMarkdown
import KlaxonStore
import KlaxonTerminal
import KlaxonUI

/// Runs the console: wires the terminal, the journals and the model, and carries out effects.
/// The loop blocks in `poll` on the keyboard, the journals directory and a wake-up pipe; it
/// renders only when something changed, and once a second for the clock.
final class ConsoleRuntime {
    let workspace: Workspace
    let writer: WriterIdentity
    let context: CommandContext
    let screen: TerminalScreen
    var model: ConsoleModel
    var journals: [String: IncidentJournal] = [:]
    /// Resolved incidents the index covered at start, left unread, with their journals' stamps: one
    /// whose stamp changes (another process wrote to it, replaced or removed it) is read then.
    var indexed: [String: JournalStamp] = [:]
    /// The resolved incidents shown (the dashboard's recently resolved, the reports screen) are those
    /// updated in this many days: the reports screen's longest window.
    static let recentSeconds: Int64 = 90 * 86_400
    var watcher: JournalDirectoryWatcher?
    let wake: (read: Int32, write: Int32)
    var lastTick = Timestamp(milliseconds: 0)
    var lastOnCall = Timestamp(milliseconds: 0)
    /// Changes when a file of `Escalation/` does, so an override made elsewhere shows within a second.
    var escalationSignature: [Int] = []
    /// The escalation runner's `filesVersion` the on-call board was last made from.
    var onCallFilesVersion = 0
    var runbookSignature: [Int] = []
    /// Polls the checks on its own thread; its reports wait here until the loop takes them.
    var poller: StatusPoller?
    /// Records state changes, when this console is the workspace's recorder (see `PlatformJournal`).
    var recorder: StatusRecorder?
    let reports = ReportQueue()
    /// Runs the escalation engine when this console holds the workspace's engine lock; shows it always.
    var escalations: EscalationRunner?
    /// When the engine wants to pass again (a page, a step, a retry).
    var nextEscalationPass: Timestamp?
    /// Plays the scenario of `klaxon drill` on its simulated platform, each second.
    var drill: DrillDirector?
    /// The journals as the loop reads them. Its own writes (the escalation engine's, the status
    /// recorder's) never wait for a lock: the loop must not stall, and they are tried again next pass.
    let store: IncidentStore
    /// Saves what the responder does, beside the loop.
    var saver: JournalSaver!

    init(workspace: Workspace, writer: WriterIdentity, context: CommandContext, screen: TerminalScreen, readOnly: Bool) throws(KlaxonError) {
        self.workspace = workspace
        self.writer = writer
        self.context = context
        self.screen = screen
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw .failed("cannot create a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(pipeEnds[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(pipeEnds[1], F_SETFL, O_NONBLOCK)
        wake = (pipeEnds[0], pipeEnds[1])
        var loopStore = workspace.incidents
        loopStore.lockWait = .brief
        store = loopStore
        model = ConsoleModel(workspaceName: workspace.config.name, user: writer.actor, readOnly: readOnly,
                             timeZone: workspace.displayTimeZone(environment: context.environment),
                             staleAfterSeconds: workspace.config.staleAfterSeconds, glyphs: screen.isUTF8 ? .unicode : .ascii,
                             now: context.now(), columns: screen.columns, rows: screen.rows)
        TerminalSignals.install(wake: wake.write)
        model.runbookStaleAfterDays = workspace.config.runbookStaleAfterDays
        let wakeEnd = wake.write
        saver = JournalSaver(store: workspace.incidents, writer: writer, now: context.now) {
            var byte: UInt8 = 3
            _ = write(wakeEnd, &byte, 1)
        }
        loadJournals()
        escalations = try? EscalationRunner(workspace: workspace, writer: writer, role: "console", mayRun: !readOnly,
                                            transport: ChannelPageTransport(channels: workspace.config.channels, environment: context.environment),
                                            clock: context.now) {
            var byte: UInt8 = 2
            _ = write(wakeEnd, &byte, 1)
        }
        refreshOnCall()
        refreshRunbooks()
        startPoller()
        passEscalations()
        if !readOnly { try? workspace.incidents.ensureDirectory() }
        watcher = try? JournalDirectoryWatcher(directory: workspace.journalsDirectory)
    }

    deinit {
        close(wake.read)
        close(wake.write)
    }

    /// At start, the workspace's incidents through the index (`IncidentStore.overview`): the open ones'
    /// journals, and the summaries of the resolved ones updated recently; the other resolved ones stay
    /// unread. Later, the journals that appeared since.
    func loadJournals() {
        guard !journals.isEmpty || !indexed.isEmpty else { return loadOverview() }
        for id in (try? store.ids()) ?? [] where journals[id] == nil && indexed[id] == nil { load(id) }
    }

    private func loadOverview() {
        let since = context.now().adding(seconds: -Self.recentSeconds)
        // A read-only console writes nothing, the index included.
        guard let overview = try? store.overview(wanted: { _, updated in updated >= since }, updatingIndex: !model.readOnly) else { return }
        for (id, item) in overview.items {
            switch item {
            case .journal(let journal):
                journals[id] = journal
                model.setIncident(journal.incident, readOnly: journal.isReadOnly)
                if let warning = journal.warnings.last { send(.failure(warning)) }
            case .indexed(let resolved):
                indexed[id] = resolved.stamp
                if let summary = resolved.summary { model.setIncident(summary, readOnly: resolved.isReadOnly) }
                if let warning = resolved.warnings.last { send(.failure(warning)) }
            case .unreadable(let error):
                send(.failure("\(id) cannot be read: \(error.message)"))
            }
        }
    }

    /// Reads `id`'s journal (a summary; only the incident on screen needs its records, see showFullTimeline).
    private func load(_ id: String) {
        indexed[id] = nil
        do {
            let journal = try store.open(id, keepingTimeline: false)
            journals[id] = journal
            model.setIncident(journal.incident, readOnly: journal.isReadOnly)
            if let warning = journal.warnings.last { send(.failure(warning)) }
        } catch {
            send(.failure("\(id) cannot be read: \(error.message)"))
        }
    }

    /// Reads `Escalation/` again and works out who is on call (at start and each minute: a handoff or
    /// an override made elsewhere shows within a minute).
    func refreshOnCall() {
        // The escalation runner keeps `Escalation/` read (and reads it again when it changes).
        let files = escalations?.files ?? EscalationFiles.load(workspaceRoot: workspace.root)
        let calendars = files.schedules.compactMap { try? OnCallCalendar($0) }
        let board = OnCallBoard.make(calendars: calendars, mainSchedule: workspace.config.mainSchedule,
                                     problems: files.findings.filter { $0.level == .error }.map { shortened($0.description) },
                                     now: context.now(), displayZone: model.timeZone)
        send(.onCallChanged(board))
    }

    /// Starts polling the checks of `klaxon.yaml` that read without errors; the board keeps the others,
    /// as not polled, and shows the problems.
    func startPoller() {
        let files = CheckFiles.load(workspaceRoot: workspace.root, timeZone: model.timeZone)
        let errors = files.findings.filter { $0.level == .error }.map { shortened("\($0.place): \($0.message)") }
        var unpolled = files.unpolled
        for i in unpolled.indices { unpolled[i].reason = shortened(unpolled[i].reason) }
        send(.checksConfigured(files.checks, unpolled: unpolled, problems: errors.filter { !unpolled.map(\.reason).contains($0) }))
        if !errors.isEmpty {
            let what = unpolled.isEmpty ? "errors in checks:" : "\(unpolled.count) check\(unpolled.count == 1 ? "" : "s") not polled"
            send(.failure("\(Workspace.configFileName): \(what); the status board (3) says why"))
        }
        guard !files.checks.isEmpty else { return }
        let queue = reports, wakeEnd = wake.write
        // A restart is not a state change: each check goes on from its recorded state.
        let restored = PlatformJournal.lastStates(directory: workspace.journalsDirectory, of: Set(files.checks.map(\.name)))
        if let warning = restored.warning { send(.failure(warning)) }
        let secrets = SecretResolver(environment: context.environment, role: "polls")
        let poller = StatusPoller(checks: files.checks, maintenance: files.maintenance, restoring: restored.states, clock: context.now,
                                  resolve: secrets.resolve) { report in
            queue.push(report)
            var byte: UInt8 = 1
            _ = write(wakeEnd, &byte, 1)
        }
        poller.start()
        self.poller = poller
        if !model.readOnly {
            do { recorder = try StatusRecorder(workspace: workspace, store: store, writer: writer, restored: restored.states) } catch { send(.failure(error.message)) }
        }
    }

    /// Writes a check's state change down (see `StatusRecorder`) and shows what it changed.
    func recordChange(_ report: CheckReport) {
        guard let recorder else { return }
        recorder.see(report)
        let (changed, problems) = recorder.record(report, openIncidents: Array(journals.values))
        for journal in changed { send(.incidentChanged(journal.incident, readOnly: journal.isReadOnly)) }
        for problem in problems { send(.failure(problem)) }
    }

    /// While another process records, takes the recording over once it stops (tried each second), with
    /// what this console's poller saw meanwhile.
    func takeOverRecording() {
        guard let recorder, !recorder.isRecording else { return }
        let takeover = recorder.takeOverIfFree(openIncidents: Array(journals.values))
        if takeover.tookOver { send(.info("this console records the checks' state changes now: the process that did has stopped")) }
        for journal in takeover.changed { send(.incidentChanged(journal.incident, readOnly: journal.isReadOnly)) }
        for problem in takeover.problems { send(.failure(problem)) }
    }

    /// Records finished deliveries and lets the engine decide (each second, and when a delivery ends).
    func passEscalations() {
        guard let runner = escalations else { return }
        let finished = runner.recordFinished(journals)
        let tick = runner.tick(journals.values.filter(\.incident.isOpen).sorted { $0.id < $1.id })
        nextEscalationPass = tick.nextWake
        for journal in finished.changed + tick.changed { send(.incidentChanged(journal.incident, readOnly: journal.isReadOnly)) }
        for problem in finished.problems + tick.problems { send(.failure(problem)) }
        let holder: EscalationEngineHolder = runner.isEngine ? .thisConsole : runner.otherEngine.map { .other($0) } ?? .nobody
        send(.escalationsChanged(tick.statuses, engine: holder, pageTargets: runner.pageTargets))
    }

    /// Reads `Runbooks/` again (at start and within a second of a change to it).
    func refreshRunbooks() {
        runbookSignature = RunbookFiles.signature(workspaceRoot: workspace.root)
        send(.runbooksChanged(RunbookFiles.load(workspaceRoot: workspace.root, parse: MarkdownParser.parse)))
    }

    /// Replaces the summary of the incident on screen by its full journal, records and all.
    func showFullTimeline() {
        guard let id = model.currentIncidentID, journals[id].map({ !$0.incident.keepsTimeline }) ?? (indexed[id] != nil) else { return }
        do {
            let full = try store.open(id)
            journals[id] = full
            indexed[id] = nil
            send(.incidentChanged(full.incident, readOnly: full.isReadOnly))
        } catch {
            send(.failure("\(id) cannot be read: \(error.message)"))
        }
    }

    func refresh(_ id: String) {
        guard let journal = journals[id] else {
            // A resolved incident left unread is read once its journal changed; a new one, now.
            if let stamp = indexed[id], store.stamp(of: id) == stamp { return }
            return load(id)
        }
        do {
            if try journal.refresh() > 0 { send(.incidentChanged(journal.incident, readOnly: journal.isReadOnly)) }
        } catch {
            send(.failure("\(id): \(error.message)"))
        }
    }

    /// Shows the saves that ended: the journal is read again (as for any other writer's record).
    func takeFinishedSaves() {
        for notice in saver.waitingNotices() {
            send(.info("\(notice.incidentID): saving… \(shortened(notice.text))"))
        }
        for outcome in saver.finished() {
            switch outcome.result {
            case .success(let record):
                refresh(outcome.incidentID)
                nextEscalationPass = context.now()  // an ack, a page or a stop takes effect now
                send(.saved(incidentID: outcome.incidentID, action: outcome.action, sequence: record.sequence,
                            kind: TimelineText.kind(of: record)))
            case .failure(let error):
                send(.saveFailed(incidentID: outcome.incidentID, action: outcome.action, reason: shortened(error.message)))
            }
        }
    }

    /// `text` with the workspace's own paths made relative (`journals/INC-1.jsonl`): the bottom line
    /// has one row, and what matters in a message is past the path.
    func shortened(_ text: String) -> String {
        text.replacingOccurrences(of: workspace.root + "/", with: "")
    }

    func send(_ message: ConsoleMessage) {
        for effect in ConsoleUpdate.update(&model, message) { execute(effect) }
    }

    func execute(_ effect: ConsoleEffect) {
        switch effect {
        case .quit: model.quitting = true
        case .redraw: screen.invalidate()
        case .perform(let action, let id):
            saver.save(action, on: id)
        case .declare(let declaration):
            do {
                let journal = try store.declare(declaration, by: writer, at: context.now())
                journals[journal.id] = journal
                send(.incidentChanged(journal.incident, readOnly: journal.isReadOnly))
                send(.declared(journal.id))
                nextEscalationPass = context.now()
            } catch {
                send(.failure(error.message))
            }
        case .openEditor(let id, let initialText):
            send(.editorFinished(incidentID: id, text: editInEditor(initialText, id: id)))
        case .exportReview(let id):
            do {
                let now = context.now()
                let (review, warnings) = try ReviewSource.review(of: id, workspace: workspace, now: now)
                let path = ReviewFiles.exportPath(workspaceRoot: workspace.root, id: review.incident.id, at: now)
                try AtomicFile.write(ReviewMarkdown.render(review), to: path, creatingDirectory: true)
                send(.reviewWritten(incidentID: id, path: path, warnings: warnings))
            } catch {
                send(.failure("the review of \(id) was not written: \(error.message)"))
            }
        }
    }

    /// Hands the terminal to $VISUAL or $EDITOR (default vi) on a temporary file; returns its text.
    func editInEditor(_ initialText: String, id: String) -> String? {
        let path = FileManager.default.temporaryDirectory.path + "/klaxon-note-\(id)-\(getpid()).md"
        guard FileManager.default.createFile(atPath: path, contents: Data(initialText.utf8), attributes: [.posixPermissions: 0o600]) else {
            send(.failure("cannot create \(path) for the editor"))
            return nil
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let editor = context.environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? context.environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        screen.suspend()
        defer { screen.resume() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = editor.split(separator: " ").map(String.init) + [path]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            send(.failure("cannot start the editor \(editor): \(error.localizedDescription)"))
            return nil
        }
        guard process.terminationStatus == 0 else {
            send(.failure("\(editor) exited with status \(process.terminationStatus); the note was not written"))
            return nil
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : text
    }

    /// For the benchmark (klaxon-bench): with KLAXON_FIRST_FRAME_FILE set, writes the wall-clock time
    /// in milliseconds and this process's id there once the first frame is on the screen.
    func reportFirstFrame() {
        guard let path = context.environment["KLAXON_FIRST_FRAME_FILE"], !path.isEmpty else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let milliseconds = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        try? "\(milliseconds) \(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A clock for intervals between reads of the keyboard, which the wall clock's jumps do not move.
    static func monotonicNow() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Timestamp(milliseconds: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
    }

    /// Runs until quit; returns the exit status.
    func run() -> Int32 {
        var painted = false
        var dirty = true
        while !model.quitting && !TerminalSignals.stopRequested {
            if dirty || !painted {
                showFullTimeline()
                screen.paint(ConsoleView.render(model))
                if !painted {
                    reportFirstFrame()
                    ProcessMemory.releaseFree()  // what the start read and sorted, freed
                }
                painted = true
                dirty = false
            }
            var descriptors = [pollfd(fd: screen.inputDescriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if let watcher { descriptors.append(pollfd(fd: watcher.descriptor, events: Int16(POLLIN), revents: 0)) }
            let now = context.now()
            let untilNextSecond = Int32(1000 - now.milliseconds % 1000)
            let wait = screen.isWaitingForInput ? min(untilNextSecond, Int32(UTF8InputDecoder.markerWaitMilliseconds)) : untilNextSecond
            _ = poll(&descriptors, nfds_t(descriptors.count), wait)

            // Keys (and, after a SIGWINCH interrupted poll, the resize): a read's keys go as one
            // message, so that a paste is inserted at once and what is typed ahead of a dialog closing is told apart.
            let readAt = Self.monotonicNow()
            var keys: [Key] = []
            for event in screen.readEvents(at: readAt) {
                switch event {
                case .key(let key): keys.append(key)
                case .resize(let columns, let rows): send(.resize(columns: columns, rows: rows))
                }
                dirty = true
            }
            if !keys.isEmpty { send(.input(keys, at: readAt)) }
            if descriptors[1].revents != 0 {
                var byte: UInt8 = 0
                while read(wake.read, &byte, 1) > 0 {}
            }
            if saver.inFlight > 0 || model.savesInFlight > 0 {
                takeFinishedSaves()
                dirty = true
            }
            let arrived = reports.drain()
            for report in arrived {
                send(.checkReported(report))
                recordChange(report)
            }
            if !arrived.isEmpty { dirty = true }
            if escalations?.hasFinishedDeliveries == true || nextEscalationPass.map({ $0 <= context.now() }) ?? false {
                passEscalations()
                dirty = true
            }
            if let watcher, descriptors.count > 2, descriptors[2].revents != 0 {
                for name in watcher.drain() where name.hasSuffix(".jsonl") && !name.hasPrefix(".") {
                    refresh(String(name.dropLast(6)))
                }
                dirty = true
            }
            let time = context.now()
            if time.milliseconds / 1000 != lastTick.milliseconds / 1000 {
                lastTick = time
                send(.tick(time))
                drill?.tick(self)
                takeOverRecording()
                passEscalations()
                // The fallback for file systems that do not report other hosts' writes: the open
                // incidents each second, all of them (thousands, resolved) every half minute.
                let everything = time.milliseconds / 1000 % 30 == 0
                for (id, journal) in journals where (everything || journal.incident.isOpen) && journal.file.hasUnreadBytes { refresh(id) }
                if everything { for id in Array(indexed.keys) { refresh(id) } }
                if time.milliseconds / 1000 % 5 == 0 { loadJournals() }
                if RunbookFiles.signature(workspaceRoot: workspace.root) != runbookSignature { refreshRunbooks() }
                let changed: Bool
                if let runner = escalations {
                    runner.reloadIfChanged()  // passEscalations may have read them already this second
                    changed = runner.filesVersion != onCallFilesVersion
                    onCallFilesVersion = runner.filesVersion
                } else {
                    let signature = EscalationFiles.signature(workspaceRoot: workspace.root)
                    changed = signature != escalationSignature
                    escalationSignature = signature
                }
                if time.milliseconds / 60_000 != lastOnCall.milliseconds / 60_000 || changed {
                    lastOnCall = time
                    refreshOnCall()
                }
                dirty = true
            }
        }
        poller?.stop()
        // What the responder asked to save is saved (or fails, each within its bounded lock wait),
        // and the screen says why quitting takes a moment.
        if saver.inFlight > 0 {
            send(.info("quitting once \(saver.inFlight == 1 ? "a save ends" : "\(saver.inFlight) saves end") (a locked journal is given up after 10 s)…"))
            screen.paint(ConsoleView.render(model))
        }
        saver.waitForAll()
        escalations?.waitForDeliveries()
        if let runner = escalations { _ = runner.recordFinished(journals) }
        screen.restore()
        return 0
    }
}

/// Check reports handed from the poller's thread to the console's loop.
typealias ReportQueue = LockedQueue<CheckReport>
