import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonMarkdown
import KlaxonStore
import KlaxonTerminal
import KlaxonUI

/// Runs the console: the keyboard and the terminal around a `Responder`, which runs on a thread of its
/// own (`ResponderThread`): a journal store that does not answer never freezes the keys, the clock or
/// `q`, and is said (`store not answering since …`). Its outputs become `ConsoleMessage`s through
/// `ConsoleUpdate`. The loop blocks in `poll` on the keyboard and the responder's wake pipe until the
/// next second; it renders only when something changed (each second at least, for the clock).
final class ConsoleRuntime {
    let workspace: Workspace
    /// Who this console writes as: the incidents' actor, and who made an override ("take the pager").
    let writer: WriterIdentity
    let context: CommandContext
    let screen: TerminalScreen
    /// How this terminal raises a desktop notification, if it does.
    let desktopNotification: TerminalScreen.DesktopNotification?
    var model: ConsoleModel
    /// Whether the resolved incidents of the reports screen's window (`ConsoleModel.reportsWindowSeconds`)
    /// were read: the start reads those of the dashboard's (`ConsoleModel.recentlyResolvedSeconds`), and
    /// the reports screen, when first shown, the rest.
    var readReportsWindow = false
    /// The incident on screen as it was when `showFullTimeline` last asked for its full journal: asked
    /// again only once it changed (or the store came back), not on every repaint (a query each for a
    /// database, and an unreadable journal is not read again and again).
    var askedFullTimeline: FullTimelineRequest?
    /// Incidents asked for by id (`readIncident`): opened, or said not to be there, once read.
    var pendingReads: Set<String> = []
    let responder: ResponderThread
    /// What work beside the loop (a review's export) ended with, for the loop to show.
    let finishedWork = LockedQueue<ConsoleMessage>()
    /// The responder could not be made: the console ends with this.
    var startFailure: KlaxonError?

    /// `drill` plays a drill's scenario on the responder's passes (`klaxon drill`); a drill rings and
    /// notifies only with `notifyInDrill` (its pages are rehearsals).
    init(
        workspace: Workspace, writer: WriterIdentity, context: CommandContext, screen: TerminalScreen, readOnly: Bool,
        drill: DrillDirector? = nil, notifyInDrill: Bool = false
    ) throws(KlaxonError) {
        self.workspace = workspace
        self.writer = writer
        self.context = context
        self.screen = screen
        let zone = workspace.displayTimeZone(environment: context.environment)
        model = ConsoleModel(
            workspaceName: workspace.config.name, user: writer.actor, readOnly: readOnly,
            timeZone: zone,
            staleAfterSeconds: workspace.config.staleAfterSeconds, glyphs: screen.isUTF8 ? .unicode : .ascii,
            now: context.now(), columns: screen.columns, rows: screen.rows)
        model.runbookStaleAfterDays = workspace.config.runbookStaleAfterDays
        model.notify = drill == nil || notifyInDrill ? workspace.config.notify : .off
        desktopNotification = TerminalScreen.DesktopNotification.wanted(environment: context.environment)
        model.alertRoutes = workspace.config.intake?.routes ?? []
        model.comms = workspace.config.comms
        let checks = CheckFiles.load(workspaceRoot: workspace.root, timeZone: zone)
        var options = Responder.Options(role: "console", displayZone: zone)
        options.readOnly = readOnly
        options.recentResolvedSeconds = ConsoleModel.recentlyResolvedSeconds
        options.followsBoards = true
        // A console that sends the pages routes the alert groups too.
        options.intakeRoutes = workspace.config.intake?.routes ?? []
        let console = options
        responder = try ResponderThread(clock: context.now) { reportsAtOnce throws(KlaxonError) in
            var options = console
            options.reportsAtOnce = reportsAtOnce
            return try Responder(
                workspace: workspace, writer: writer, checks: checks, options: options,
                environment: context.environment, clock: context.now, drill: drill)
        }
        TerminalSignals.install(wake: responder.wakePipe.writeEnd)
        showChecks(checks)
        // Who is on call, and who may be paged, are in files: known from the first frame, even while the
        // responder waits for its store (its first pass says them again, with who sends the pages).
        let escalation = EscalationFiles.load(workspaceRoot: workspace.root)
        model.pageTargets = escalation.pageTargets
        send(
            .onCallChanged(
                Responder.onCallBoard(workspace: workspace, files: escalation, now: context.now(), displayZone: zone)))
        // A mistake in comms: leaves it out whole: said, as klaxon watch and incident update say it.
        if let comms = workspace.commsError { send(.failure(Workspace.commsIgnored(comms))) }
    }

    /// The checks of `klaxon.yaml`: the board shows those not polled (the responder polls the others)
    /// and the problems.
    func showChecks(_ files: CheckFiles) {
        let errors = files.findings.filter { $0.level == .error }.map { shortened("\($0.place): \($0.message)") }
        var unpolled = files.unpolled
        for i in unpolled.indices { unpolled[i].reason = shortened(unpolled[i].reason) }
        send(
            .checksConfigured(
                files.checks, unpolled: unpolled, problems: errors.filter { !unpolled.map(\.reason).contains($0) }))
        if !errors.isEmpty {
            let what =
                unpolled.isEmpty
                ? "errors in checks:" : "\(unpolled.count) check\(unpolled.count == 1 ? "" : "s") not polled"
            send(.failure("\(Workspace.configFileName): \(what); the status board (3) says why"))
        }
    }

    /// Replaces the summary of the incident on screen by its full journal, records and all.
    func showFullTimeline() {
        guard let id = model.currentIncidentID else { return }
        let request = FullTimelineRequest(id: id, model.incidents[id])
        guard request != askedFullTimeline else { return }
        askedFullTimeline = request
        responder.ask(.readFully(id))
    }

    /// An incident as far as asking for its full journal goes: which one, and how much of it is shown.
    struct FullTimelineRequest: Equatable {
        var id: String
        var records: Int?
        var isFull: Bool

        init(id: String, _ shown: Incident?) {
            self.id = id
            records = shown?.recordCount
            isFull = shown?.keepsTimeline ?? false
        }
    }

    /// Reads the resolved incidents of the reports screen's window, the first time it is shown.
    func readReportsWindowIfShown() {
        guard model.screen == .reports, !readReportsWindow else { return }
        readReportsWindow = true
        let since = context.now().adding(seconds: -ConsoleModel.reportsWindowSeconds)
        responder.ask(.readResolved(updatedSince: since))
    }

    /// What the responder's thread handed over, as the console shows it.
    func take(_ output: ResponderThread.Output) {
        switch output {
        case .answered(.start, let events), .answered(.readResolved, let events): handleMany(events)
        case .answered(.readFully(let id), let events):
            for event in events { handle(event) }
            if pendingReads.remove(id) != nil { send(.incidentRead(id)) }
        case .answered(_, let events): for event in events { handle(event) }
        case .reported(let report): send(.checkReported(report))
        case .notAnswering(let since): send(.storeNotAnswering(since: since))
        case .answersAgain:
            askedFullTimeline = nil  // what could not be read meanwhile is asked again
            send(.storeReachable)
        case .failedToStart(let error): startFailure = error
        }
    }

    /// Events with incidents by the thousand (the start, a longer past): the incidents put in at once,
    /// without what a change does to the screen; the rest as `handle` does.
    func handleMany(_ events: [ResponderEvent]) {
        for event in events {
            if case .incidentChanged(let incident, let readOnly) = event {
                model.setIncident(incident, readOnly: readOnly)
            } else {
                handle(event)
            }
        }
    }

    /// What the responder found, as the console shows it.
    func handle(_ event: ResponderEvent) {
        switch event {
        case .incidentChanged(let incident, let readOnly): send(.incidentChanged(incident, readOnly: readOnly))
        case .declared(let id): send(.declared(id))
        case .declareFailed(let reason): send(.declareFailed(shortened(reason)))
        case .incidentsUnread(let reason): send(.incidentsUnread(reason.map(shortened)))
        case .checkReported(let report): send(.checkReported(report))
        case .pageFinished: break  // its outcome, recorded, comes as the incident's change
        case .escalationsChanged(let statuses, let engine, let targets):
            let holder: EscalationEngineHolder =
                switch engine {
                case .thisProcess: .thisConsole
                case .other(let who): .other(who)
                case .nobody: .nobody
                }
            // A takeover is said, as the recording's is; the first pass's (nobody ran it) is not.
            if holder == .thisConsole, case .other = model.escalationEngine {
                send(.info("this console sends the pages now: the process that did has stopped"))
            }
            send(.escalationsChanged(statuses, engine: holder, pageTargets: targets))
        case .onCallChanged(let board): send(.onCallChanged(board))
        case .runbooksChanged:
            send(.runbooksChanged(RunbookFiles.load(workspaceRoot: workspace.root, parse: MarkdownParser.parse)))
        case .saved(let id, let action, let record):
            send(.saved(incidentID: id, action: action, sequence: record.sequence, kind: TimelineText.kind(of: record)))
        case .saveFailed(let id, let action, let error):
            send(
                .saveFailed(
                    incidentID: id, action: action, reason: shortened(error.message),
                    mayBeSaved: error.kind == .outcomeUnknown))
        case .saveWaiting(let id, let text): send(.info("\(id): saving… \(shortened(text))"))
        case .drillChanged(let status): send(.drillChanged(status))
        case .tick: break  // the loop keeps the clock itself: it goes on while the store does not answer
        case .tookOverRecording:
            send(.info("this console records the checks' state changes now: the process that did has stopped"))
        case .lostRecording:
            send(
                .info(
                    "this console no longer records the checks' state changes: its hold on the store was lost; another process may record them, and this one takes over again when it is free"
                ))
        case .becameEngine, .recordsElsewhere: break  // the header and the status board say who does
        case .alertsChanged(let book): send(.alertsChanged(book))
        case .objectivesChanged(let statuses): send(.objectivesChanged(statuses))
        case .alertGroupRouted: break  // routed alerts come as their incidents' changes
        case .alertRoutesReloaded(let routes):
            model.alertRoutes = routes
            send(
                .info(
                    "klaxon.yaml changed: the alerts are routed by its \(Plural.count(routes.count, "intake route")) now"
                ))
        case .problem(let text), .journalProblem(let text): send(.failure(text))
        case .storeUnreachable(let since, let reason): send(.storeUnreachable(since: since, reason: shortened(reason)))
        case .storeReachable:
            askedFullTimeline = nil  // what could not be read meanwhile is asked again
            send(.storeReachable)
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
        case .notify(let notice): screen.notify(notice, desktop: model.notify == .desktop ? desktopNotification : nil)
        case .readIncident(let id):
            pendingReads.insert(id)
            responder.ask(.readFully(id))
        case .perform(let action, let id): responder.ask(.perform(action, on: id))
        case .declare(let declaration): responder.ask(.declare(declaration))
        case .declareForAlert(let declaration, let alert): responder.ask(.declare(declaration, attachingAlert: alert))
        case .takePager(let schedule, let user, let from, let to): takePager(schedule, user: user, from: from, to: to)
        case .openEditor(let id, let initialText):
            send(.editorFinished(incidentID: id, text: editInEditor(initialText, id: id)))
        case .exportReview(let id):
            // Beside the loop: it reads the journal, which may wait for a store that does not answer.
            let (workspace, now, finished, wake) = (workspace, context.now(), finishedWork, responder.wakePipe)
            DispatchQueue.global().async {
                let message: ConsoleMessage
                do throws(KlaxonError) {
                    let (review, warnings) = try ReviewSource.review(of: id, workspace: workspace, now: now)
                    let path = ReviewFiles.exportPath(workspaceRoot: workspace.root, id: review.incident.id, at: now)
                    try AtomicFile.write(ReviewMarkdown.render(review), to: path, creatingDirectory: true)
                    message = .reviewWritten(incidentID: id, path: path, warnings: warnings)
                } catch {
                    message = .failure("the review of \(id) was not written: \(error.message)")
                }
                finished.push(message)
                wake.wake()
            }
        }
    }

    /// Puts `user` on call in `schedule` from `from` to `to`: the override `klaxon oncall override SCHEDULE
    /// --user USER --from FROM --to TO` records (in `Escalation/overrides.yaml`, with who made it and
    /// when); then shows the board as it now stands, and says so or why not.
    func takePager(_ schedule: String, user: String, from: Timestamp, to: Timestamp) {
        let files = EscalationFiles.load(workspaceRoot: workspace.root)
        let o = ScheduleOverride(
            from: from, to: to, user: user, mode: .replace, madeBy: writer.actor, madeAt: context.now())
        do throws(KlaxonError) {
            _ = try OverridesFile.record(
                o, scheduleName: schedule, files: files, workspaceRoot: workspace.root)
            // Said as the question before it said it, in the console's zone (the schedule's may be another).
            let until = model.shortTime(to)
            let after = EscalationFiles.load(workspaceRoot: workspace.root)
            send(
                .onCallChanged(
                    Responder.onCallBoard(
                        workspace: workspace, files: after, now: context.now(), displayZone: model.timeZone)))
            send(
                .info(
                    "\(user) has the pager of \(schedule) until \(until); recorded in \(shortened(files.overridesPath))"
                ))
        } catch {
            send(.failure("the pager of \(schedule) was not taken: \(shortened(error.message))"))
        }
    }

    /// Hands the terminal to $VISUAL or $EDITOR (default vi) on a temporary file; returns its text.
    func editInEditor(_ initialText: String, id: String) -> String? {
        let path = FileManager.default.temporaryDirectory.path + "/klaxon-note-\(id)-\(getpid()).md"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(initialText.utf8), attributes: [.posixPermissions: 0o600])
        else {
            send(.failure("cannot create \(path) for the editor"))
            return nil
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let editor =
            context.environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 }
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

    /// How long quitting waits for the responder's stop (the saves and deliveries under way, recorded)
    /// before the console ends regardless: a store that does not answer would otherwise hold `q`.
    static let stopWaitSeconds = 10.0

    /// Runs until quit; returns the exit status. Throws the error the responder could not be made with.
    func run() throws(KlaxonError) -> Int32 {
        var painted = false
        var dirty = true
        var shownSecond: Int64?
        while !model.quitting && !TerminalSignals.stopRequested {
            // Before the start is answered nothing is painted (no incident read is not none open),
            // unless the store keeps it waiting: then the screen says so, with what it does not know.
            let started = responder.hasStarted
            for output in responder.takeOutputs() {
                take(output)
                dirty = true
            }
            for message in finishedWork.drain() {
                send(message)
                dirty = true
            }
            if let startFailure {
                screen.restore()
                throw startFailure
            }
            let now = context.now()
            if now.milliseconds / 1000 != shownSecond {
                shownSecond = now.milliseconds / 1000
                send(.tick(now))
                dirty = true
            }
            if dirty && (painted || started || responder.notAnsweringSince != nil) {
                showFullTimeline()
                readReportsWindowIfShown()
                screen.paint(ConsoleView.render(model))
                if !painted {
                    reportFirstFrame()
                    ProcessMemory.releaseFree()  // what the start read and sorted, freed
                }
                painted = true
                dirty = false
            }
            var descriptors = [screen.inputDescriptor, responder.wakePipe.readEnd].map {
                pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
            }
            // Until the next second (the clock), at least 10 ms.
            let untilSecond = Int32(max(10, 1000 - context.now().milliseconds % 1000))
            let wait =
                screen.isWaitingForInput
                ? min(untilSecond, Int32(UTF8InputDecoder.markerWaitMilliseconds)) : untilSecond
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
        }
        // What the responder asked to save is saved (or fails, each within its bounded lock wait),
        // and the screen says why quitting takes a moment.
        let saves = model.savesInFlight
        // With no save under way, a store that does not answer is not waited for (what else is under
        // way, a delivery's outcome, could not be recorded in it anyway).
        let wait = saves == 0 && responder.notAnsweringSince != nil ? 1 : Self.stopWaitSeconds
        if saves > 0 {
            let what = saves == 1 ? "a save ends" : "\(saves) saves end"
            send(.info("quitting once \(what) (at most \(Int(wait)) s)…"))
            screen.paint(ConsoleView.render(model))
        }
        let stopped = responder.stop(waitingAtMost: wait)
        screen.restore()
        if stopped == nil {
            let since = responder.notAnsweringSince.map { " (not answering since \($0.rfc3339))" } ?? ""
            let what =
                saves == 0
                ? "no save was under way"
                : "\(Plural.count(saves, "save")) under way, not confirmed: check the timeline (klaxon incident show ID) before doing it again"
            context.warn("quit without waiting for the journal store\(since): \(what)")
            // A note not confirmed saved is not lost with the screen: its text goes to standard error.
            for (id, text) in model.savingNotes.sorted(by: { $0.key < $1.key }) {
                context.warn(
                    "\(id): the note not confirmed saved, as typed:\n\(TerminalText.printable(text, keepingLineBreaks: true))"
                )
            }
            for (id, text) in model.savingUpdates.sorted(by: { $0.key < $1.key }) {
                context.warn(
                    "\(id): the status update not confirmed posted, as typed:\n\(TerminalText.printable(text, keepingLineBreaks: true))"
                )
            }
        }
        return 0
    }
}
