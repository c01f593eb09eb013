import Foundation
import KlaxonCore

/// The console's whole state. `ConsoleUpdate.update` changes it in answer to messages;
/// `ConsoleView.render` draws it. Incidents come from the journals; nothing here outlives the
/// process except what was written to a journal.
public struct ConsoleModel: Sendable {
    public enum Screen: Int, CaseIterable, Sendable {
        case dashboard = 1, incident, status, onCall, runbooks, reports, alerts, objectives
    }

    /// Box-drawing and symbols, or plain ASCII when the locale is not UTF-8.
    public enum Glyphs: Sendable { case unicode, ascii }

    // Settings
    public var workspaceName: String
    public var user: String
    public var readOnly: Bool
    public var timeZone: TimeZone
    public var staleAfterSeconds: Int64
    public var glyphs: Glyphs

    // The world
    public var now: Timestamp
    public var columns: Int
    public var rows: Int
    public private(set) var incidents: [String: Incident] = [:]
    /// The ids of the open ones among `incidents`.
    private var openIDs: Set<String> = []
    public private(set) var readOnlyIncidents: Set<String> = []
    /// Who is on call, from `Escalation/`; nil until first read.
    public var onCall: OnCallBoard?
    /// The on-call screen's selected schedule, if the board has one.
    public var selectedOnCallEntry: OnCallBoard.Entry? {
        guard let entries = onCall?.entries, entries.indices.contains(onCallSelection) else { return nil }
        return entries[onCallSelection]
    }
    /// The workspace's runbooks, by name; and the runbook screen's state.
    public private(set) var runbooks: [Runbook] = []
    /// Whether `Runbooks/` was read yet (the responder's first pass reads it): until then a runbook link
    /// cannot be checked, so it is not taken.
    public private(set) var runbooksRead = false
    /// Each incident's escalation, as the engine sees it (every second).
    public var escalations: [String: EscalationEngine.Status] = [:]
    /// Who sends the pages: this console, another process (its own words), or nobody.
    public var escalationEngine: EscalationEngineHolder = .nobody
    /// What `P` offers: each policy, then each person.
    public var pageTargets: [PageTarget] = []
    public var runbookStaleAfterDays = 90
    /// `klaxon.yaml`'s `comms:`: how often an open incident owes a public status update (`updateDue`).
    public var comms = CommsConfig()
    public var runbookScreen = RunbookScreen()
    /// The status board: one row per check of `klaxon.yaml`, in its order; and the selected row.
    public private(set) var checks: [CheckRow] = []
    /// Errors of `checks:` in `klaxon.yaml` that no row shows (file:line:column first).
    public private(set) var checkProblems: [String] = []
    public var checkSelection = 0
    /// The status board shows its failing checks first (`F`): groups by their worst check, and in each
    /// group down, pending, degraded and unknown before up.
    public var failuresFirst = false
    /// How the console tells its user of a new serious incident or a page to them; off in a drill unless
    /// asked (`klaxon drill --notify`).
    public var notify = NotifyMode.off
    /// The selected check's recent results are shown instead of the board.
    public var showingCheckDetail = false
    /// In an alert source's detail, the alert whose description and links are shown.
    public var alertSelection = 0
    /// The alerts pushed to the intake, as the journal `alerts` says (`ConsoleMessage.alertsChanged`);
    /// nil until first read.
    public var alertBook: AlertBook?
    /// klaxon.yaml's intake routes, as this console last read them: why an alert is on no incident.
    public var alertRoutes: [IntakeRoute] = []
    /// The selected row of the alerts screen (`alertRows`).
    public var alertListSelection = 0
    /// Where each check held to an objective stands (`ConsoleMessage.objectivesChanged`); nil until
    /// first told.
    public var objectives: [String: SLOStatus]?
    /// The selected row of the objectives screen (`objectiveRows`).
    public var objectiveSelection = 0
    /// Since when the journal store has not answered (nil while it does): the top bar says so, what was
    /// read stays shown as it was read, and writes are refused with what was typed kept.
    public var storeUnreachableSince: Timestamp?
    /// Whether that outage is a call that waits (`ConsoleMessage.storeNotAnswering`), not a refusal.
    public var storeWaits = false
    /// Why the incidents could not be read, while they could not (`ConsoleMessage.incidentsUnread`).
    public var incidentsUnread: String?
    /// Whether the incidents shown may not be all there are: the store does not answer, or they could
    /// not be read. A list read as empty is then not known to be empty.
    public var incidentsNotKnown: Bool { storeUnreachableSince != nil || incidentsUnread != nil }
    /// The declaration dialog as it was submitted, until the declaration is made or fails (then it
    /// comes back with what was typed).
    public var declaring: Form?
    /// Set while the console runs a drill (`klaxon drill`): what it rehearses and what its sink received.
    public var drill: DrillStatus?
    /// The first line of the reports screen shown (it scrolls when the terminal is short).
    public var reportsScroll = 0
    /// The on-call screen's selected schedule (an index into `onCall.entries`): the one `t` takes the
    /// pager on.
    public var onCallSelection = 0

    // Navigation
    public var screen: Screen = .dashboard
    public var dashboardPane = DashboardPane.open
    public var openSelection = 0
    public var resolvedSelection = 0
    /// The incident the incident screen shows.
    public var currentIncidentID: String?
    /// The screen the incident screen was opened from: where esc goes back to.
    public var incidentOpenedFrom = Screen.dashboard
    public var timeline = TimelineState()
    public var overlay: Overlay?
    public var search: Search?
    public var message: Message?
    /// Notes begun and set aside with esc, by incident id.
    public var drafts: [String: String] = [:]
    /// A declaration begun and set aside with esc (its title, severity, service and paging): `d` opens
    /// it again, as `n` opens a note's draft.
    public var declareDraft: Form?
    /// Status updates begun and set aside with esc, or whose save failed, by incident id: kept apart
    /// from the notes' drafts, so that an internal note never opens in the public update's editor.
    public var updateDrafts: [String: String] = [:]
    /// Notes being saved, by incident: back into `drafts` if the save fails.
    public var savingNotes: [String: String] = [:]
    /// Status updates being posted, by incident: back into `updateDrafts` if the save fails, and printed
    /// on quitting if never confirmed, as notes are.
    public var savingUpdates: [String: String] = [:]
    /// Actions asked for and not yet saved or failed.
    public var savesInFlight = 0
    /// Set when the console should stop.
    public var quitting = false
    /// Keys typed ahead as a dialog closed, which are ignored.
    public var typeAhead = TypeAhead()
    /// The timeline's records as laid out for earlier frames (a memo: see `TimelineCache`).
    public let timelineCache = TimelineCache()

    public init(
        workspaceName: String, user: String, readOnly: Bool, timeZone: TimeZone, staleAfterSeconds: Int64,
        glyphs: Glyphs, now: Timestamp, columns: Int, rows: Int
    ) {
        self.workspaceName = workspaceName
        self.user = user
        self.readOnly = readOnly
        self.timeZone = timeZone
        self.staleAfterSeconds = staleAfterSeconds
        self.glyphs = glyphs
        self.now = now
        self.columns = columns
        self.rows = rows
    }

    /// The dashboard's lists, in the order tab goes through them.
    public enum DashboardPane: CaseIterable, Sendable { case open, resolved }

    /// The incident screen's panes, in the order tab goes through them.
    public enum IncidentPane: CaseIterable, Sendable { case timeline, actionItems, links }

    public struct TimelineState: Sendable {
        public var pane = IncidentPane.timeline
        /// The selected record, as an index into the visible (filtered) records; nil follows the end.
        public var cursor: Int?
        /// The first visible record (index into the visible records).
        public var top = 0
        public var showUTC = false
        /// Only these record kinds are shown (TimelineText.kind); nil shows all.
        public var kindFilter: String?
        public var actionItemSelection = 0
        public var linkSelection = 0
    }

    /// A check on the status board: what it is, where it stands, and its recent results.
    public struct CheckRow: Sendable {
        public var definition: CheckDefinition
        public var state: CheckState = .unknown
        public var since: Timestamp?
        public var lastReport: CheckReport?
        /// The last results, oldest first (at most `historyLength`), without their response bodies.
        public var history: [CheckReport] = []
        public static let historyLength = 30
        /// States over the last day, for uptime.
        public var uptime = UptimeHistory()
        /// Why the check is not polled (its entry in `klaxon.yaml` does not read); nil for a polled one.
        public var notPolled: String?

        public init(definition: CheckDefinition) { self.definition = definition }

        /// A down check whose last polls succeeded, not yet as many times as its `success_threshold`
        /// asks: how many did, of how many needed. Nil for any other check. "DOWN · HTTP 200" read as a
        /// contradiction; this says the check is on its way back up.
        public var recovering: (ok: Int, of: Int)? {
            guard state == .down, definition.successThreshold > 1 else { return nil }
            let ok = history.reversed().prefix { $0.evaluation.observation.verdict == .ok }.count
            return ok > 0 && ok < definition.successThreshold ? (ok, definition.successThreshold) : nil
        }
    }

    /// Screen 5: the runbook list, and the runbook open in the viewer.
    public struct RunbookScreen: Sendable {
        /// Fuzzy filter of the list (`/`).
        public var filter = ""
        public var selection = 0
        public var open: OpenRunbook?
        /// Where `H` and `L` go: runbook names and the line that was at the top.
        public var back: [(name: String, top: Int)] = []
        public var forward: [(name: String, top: Int)] = []
    }

    public struct OpenRunbook: Sendable {
        public var name: String
        public var page: RunbookPage
        /// The first line shown.
        public var top = 0
        /// Columns code lines are scrolled sideways by.
        public var left = 0
        /// The selected link or step (index into `page.targets`).
        public var selectedTarget: Int?
    }

    public struct Search: Sendable {
        public var query: String
        /// Visible-record indices that match.
        public var matches: [Int]
        public var current: Int
    }

    public struct Message: Sendable {
        public var text: String
        public var isError: Bool
        /// A path within `text`, cut in its middle when the line is too narrow (its start says where, its
        /// end which file).
        public var path: String? = nil
    }

    /// Keys that arrive as a dialog closes were typed, or pasted by a terminal without bracketed paste,
    /// before anyone saw it close; run as commands, a URL's `t` opens an action item and an `a`
    /// acknowledges. So the keys read with the key that closed the dialog are ignored, and so is each
    /// read within `windowMilliseconds` of the last one ignored (the rest of the burst). A key read
    /// later is a command again, as is one read after a dialog closed with nothing waiting behind it:
    /// whoever saw it close may type at once. With no dialog closing, nothing is ever ignored.
    public struct TypeAhead: Sendable {
        public static let windowMilliseconds: Int64 = 15
        /// When keys typed ahead were last ignored (nil: none are being ignored).
        public var since: Timestamp?
        /// How many keys were ignored.
        public var ignored = 0

        /// Whether input read at `time` belongs to the burst.
        func continues(at time: Timestamp) -> Bool {
            guard let since else { return false }
            return (0...Self.windowMilliseconds).contains(time.milliseconds - since.milliseconds)
        }

        /// What the bottom line says while keys are being ignored.
        public var notice: String? {
            ignored == 0
                ? nil
                : ignored == 1
                    ? "1 key typed as the dialog closed was ignored"
                    : "\(ignored) keys typed as the dialog closed were ignored"
        }
    }

    public enum Overlay: Sendable {
        case help(scroll: Int)
        /// The open runbook's headings; enter jumps.
        case tableOfContents(selection: Int)
        case palette(Palette)
        case form(Form)
        case confirm(Confirmation)
        case searchInput(TextBuffer)
    }

    public struct Palette: Sendable {
        public var input = TextBuffer()
        public var selection = 0
    }

    /// What a confirmation leads to.
    public enum Confirmation: Sendable, Equatable {
        case quitLosingDrafts
        /// This console sends the pages of these incidents, and no other process does now (a `klaxon
        /// watch` or another console waiting for the engine lock would take over: the question says so).
        case quitStoppingPages([String])
        case reopen(String)
        case stopEscalation(String)
        /// Escalate now, as decided when the incident had `decidedAtRecord` records (refused if it changed since).
        case escalateNow(String, decidedAtRecord: Int)
        /// Mitigated is a key time of the review, set once: a stray `m` must not record it.
        case mitigate(String)
        /// Take the pager: this console's user goes on call in `schedule` from now until `until` (the end
        /// of the current shift), as `klaxon oncall override` records it; `replacing`: who is on call now.
        case takePager(schedule: String, until: Timestamp, replacing: [String])
        /// The declaration names a service that open incident `open` already has: note it there (`n`),
        /// declare anyway (`d`), or go back to the dialog (esc; it is kept in `declaring`).
        case declareBeside(OpenIncidentForService, Declaration, alert: String?)
    }

    /// A small form: the declare dialog, the note editor, pickers.
    public struct Form: Sendable {
        public enum Purpose: Sendable, Equatable {
            /// A new incident; from the alerts screen, for the alert selected (`attaching`: its group goes
            /// on the incident declared).
            case declare(attaching: String?)
            case note(String)
            /// A public status update; `offered`: the text the console suggested as it opened the editor
            /// after a resolution (esc leaves it unposted and keeps no draft of it).
            case update(String, offered: String?)
            case status(String)
            case severity(String)
            case assignRole(String)
            case actionItem(String)
            case resolve(String)
            case link(String)
            case page(String)
            case filterKind
        }

        /// Which field of its dialog a field is: `submit` reads the fields by these, never by place.
        public enum FieldKey: Sendable, Equatable {
            case title, severity, service, pageBy
            case note, update, phase, status, role, person, toDo, owner, summary, link, whom, kind
        }

        /// What an option of a choice stands for; the form shows its `text`.
        public enum Option: Sendable, Equatable {
            case severity(Severity)
            case status(IncidentStatus)
            case role(String)
            /// A policy to page by as the incident is declared, or none.
            case policy(String?)
            case target(PageTarget)
            /// The record kind the timeline shows, or all.
            case kind(String?)

            public var text: String {
                switch self {
                case .severity(let severity): severity.name
                case .status(let status): status.rawValue
                case .role(let role): role
                case .policy(let name): name ?? "none"
                case .target(let target): target.text
                case .kind(let kind): kind ?? "all"
                }
            }
        }

        public struct Field: Sendable {
            public enum Value: Sendable {
                case text(TextBuffer)
                case choice([Option], selected: Int)
            }

            public var key: FieldKey
            public var label: String
            public var value: Value
            /// What each option of a choice does, by option: the selected option's line shows under the
            /// choice ("none: pages nobody").
            public var notes: [String]?

            public static func text(_ key: FieldKey, _ label: String, _ buffer: TextBuffer = TextBuffer()) -> Field {
                Field(key: key, label: label, value: .text(buffer))
            }

            public static func choice(
                _ key: FieldKey, _ label: String, _ options: [Option], selected: Int = 0,
                notes: [String]? = nil
            ) -> Field {
                Field(key: key, label: label, value: .choice(options, selected: selected), notes: notes)
            }

            /// The text typed, when this is a text field.
            public var buffer: TextBuffer? {
                if case .text(let buffer) = value { buffer } else { nil }
            }
        }

        public var purpose: Purpose
        public var title: String
        public var fields: [Field]
        public var focus = 0
        public var hint: String
        /// The warning the last enter gave (a service or person the workspace does not know): the same
        /// dialog submitted again unchanged goes ahead, as the command line records it with a warning.
        public var warned: String?

        /// The text of field `key` as typed; "" when the form has no such text field.
        public func rawText(_ key: FieldKey) -> String {
            fields.first { $0.key == key }?.buffer?.text ?? ""
        }

        /// The text of field `key` without spaces and line breaks around it.
        public func text(_ key: FieldKey) -> String {
            rawText(key).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The option chosen in field `key`; nil when the form has no such choice.
        public func choice(_ key: FieldKey) -> Option? {
            guard case .choice(let options, let selected)? = fields.first(where: { $0.key == key })?.value else {
                return nil
            }
            return options[selected]
        }
    }

    // MARK: - Derived

    public var openIncidents: [Incident] {
        // From the open ids, not by filtering `incidents`: that copies every incident the console holds
        // (thousands of resolved ones), and this is asked for several times a frame.
        openIDs.map { incidents[$0]! }.sorted { a, b in
            a.severity != b.severity ? a.severity < b.severity : a.declaredAt > b.declaredAt
        }
    }

    /// The dashboard's recently resolved are those resolved in the last 7 days: what a responder looks
    /// back on, and what the console reads at start (an archive's older incidents are read when the
    /// reports screen asks, `reportsWindowSeconds`; `klaxon incident list --all` lists them all).
    public static let recentlyResolvedSeconds: Int64 = 7 * 86_400
    /// The reports screen's longest window (`ReportLines.windows`).
    public static let reportsWindowSeconds: Int64 = (ReportLines.windows.max() ?? 90) * 86_400

    /// Incidents resolved in the last `recentlyResolvedSeconds`, most recently resolved first.
    public var resolvedIncidents: [Incident] {
        // Sorted by small keys, not by the incidents themselves: the console holds thousands, and this
        // is asked for every frame.
        let since = now.adding(seconds: -Self.recentlyResolvedSeconds)
        let keys = incidents.compactMap { id, i -> (id: String, at: Timestamp)? in
            let at = i.keyTimes[.resolved] ?? i.lastUpdate
            return i.isOpen || at < since ? nil : (id: id, at: at)
        }
        return keys.sorted { $0.at > $1.at }.map { incidents[$0.id]! }
    }

    public var currentIncident: Incident? { currentIncidentID.flatMap { incidents[$0] } }

    /// The incident the incident keys act on: the one shown, or the dashboard's selection.
    public var targetIncident: Incident? {
        if screen == .incident { return currentIncident }
        if screen == .alerts { return selectedAlert.flatMap(incident(ofAlert:)) }
        if screen == .dashboard {
            let list = dashboardPane == .open ? openIncidents : resolvedIncidents
            let index = dashboardPane == .open ? openSelection : resolvedSelection
            return list.indices.contains(index) ? list[index] : nil
        }
        return nil
    }

    /// The next public status update `incident` owes by `comms.cadence`; nil when it owes none (resolved,
    /// or its severity has no cadence).
    public func updateDue(_ incident: Incident) -> UpdateCadence.Due? {
        UpdateCadence.due(for: incident, cadence: comms)
    }

    /// Where the deliveries of `incident`'s latest status update stand, as the process that sends them
    /// recorded them (`CommsEngine.deliveries`); none without an update or a destination.
    /// Where the latest status update's deliveries stand; one waiting for a sender is NOT SENT while no
    /// process sends (or the store does not answer: every engine waits).
    public func updateDeliveries(of incident: Incident) -> [CommsEngine.DestinationState] {
        var deliveries = CommsEngine(config: comms, people: []).deliveries(of: incident, now: now)
        let why: String? =
            storeUnreachableSince != nil
            ? CommsEngine.DestinationState.storeSilent
            : escalationEngine == .nobody ? CommsEngine.DestinationState.nobodySends : nil
        for i in deliveries.indices { deliveries[i].notSentBecause = why }
        return deliveries
    }

    public func isStale(_ incident: Incident) -> Bool {
        incident.isOpen && incident.lastUpdateByPeople.seconds(until: now) > staleAfterSeconds
    }

    public var isTooSmall: Bool { columns < 80 || rows < 24 }

    /// The records of the current incident that the filter lets through.
    public var visibleRecords: [JournalRecord] {
        guard let incident = currentIncident else { return [] }
        guard let kind = timeline.kindFilter else { return incident.timeline }
        return incident.timeline.filter { TimelineText.kind(of: $0) == kind }
    }

    public var formatter: LocalTimeFormatter {
        timeline.showUTC ? .utc : LocalTimeFormatter(timeZone: timeZone)
    }

    /// The incidents whose pages stop when this console quits, unless another process takes the engine
    /// over: it runs the escalation engine (no other process does now, or it would not), and they are
    /// paging or due to page again (an ack timeout).
    public var incidentsThisConsolePages: [String] {
        guard escalationEngine == .thisConsole else { return [] }
        return escalations.filter { _, status in
            switch status.state {
            case .paging: return true
            case .acknowledged(_, let repageAt): return repageAt != nil
            default: return false
            }
        }.keys.sorted { IncidentID.number(of: $0) ?? 0 < IncidentID.number(of: $1) ?? 0 }
    }

    /// Whether `incident` pages anyone, as the engine last saw it (each second) and its records say.
    public func pagingState(of incident: Incident) -> PagingState {
        PagingState(incident: incident, status: escalations[incident.id])
    }

    /// Whether there is writing that would be lost on quitting.
    public var hasUnsavedDraft: Bool {
        if case .form(let form)? = overlay, form.fields.contains(where: { $0.buffer.map { !$0.isEmpty } ?? false }) {
            return true
        }
        if declareDraft != nil { return true }
        return [drafts, updateDrafts].contains { drafts in
            drafts.values.contains { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        }
    }

    // MARK: - Changes from outside

    /// Sets the checks the board shows (their states unknown until reports come), the ones that cannot
    /// be polled among them, and the problems of `checks:` that belong to no row.
    public mutating func setChecks(
        _ definitions: [CheckDefinition], unpolled: [UnpolledCheck] = [], problems: [String] = []
    ) {
        checks = definitions.map(CheckRow.init)
        for check in unpolled.reversed() {
            var row = CheckRow(definition: CheckDefinition(name: check.name, url: ""))
            row.definition.group = check.group
            row.notPolled = check.reason
            checks.insert(row, at: min(check.position, checks.count))
        }
        checkProblems = problems
        checkSelection = min(checkSelection, max(0, checks.count - 1))
    }

    /// The checks held to an objective, worst first: a burn paging, then one ticketing, then the least
    /// budget left; those with no figure yet last, in the board's order.
    public var objectiveRows: [(check: CheckDefinition, status: SLOStatus?)] {
        let rows = checks.map(\.definition).filter { $0.slo != nil }.map { ($0, objectives?[$0.name]) }
        return rows.enumerated().sorted { a, b in
            func key(_ row: (CheckDefinition, SLOStatus?)) -> (Int, Double) {
                guard let status = row.1, let left = status.budgetLeft else { return (3, 0) }
                return ([.page: 0, .ticket: 1][status.level] ?? 2, left)
            }
            let (ka, kb) = (key(a.element), key(b.element))
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map { (check: $0.element.0, status: $0.element.1) }
    }

    /// Records a poll's result on its row.
    public mutating func record(_ report: CheckReport) {
        guard let i = checks.firstIndex(where: { $0.definition.name == report.check.name && $0.notPolled == nil })
        else { return }
        checks[i].state = report.state
        checks[i].since = report.since
        checks[i].lastReport = report
        // An alert list can be megabytes, and only an http check's body is shown.
        if report.check.kind != .http { checks[i].lastReport?.response.body = [] }
        // The history feeds the sparkline and the list of recent results: no bodies (up to 1 MiB each).
        var entry = report
        entry.response.body = []
        checks[i].history.append(entry)
        checks[i].uptime.note(report.state, at: report.at)
        if checks[i].history.count > CheckRow.historyLength { checks[i].history.removeFirst() }
    }

    /// The board's rows in display order: by group as the groups first appear, then as configured; with
    /// `failuresFirst`, the groups by their worst row and the rows by their state, otherwise as configured.
    public var boardRows: [CheckRow] {
        var groups: [String] = []
        for row in checks where !groups.contains(row.definition.group) { groups.append(row.definition.group) }
        var rows = groups.map { group in checks.filter { $0.definition.group == group } }
        if failuresFirst {
            rows = rows.map(Self.failuresFirst).enumerated().sorted {
                ($0.element.first?.state.urgency ?? .max, $0.offset) < (
                    $1.element.first?.state.urgency ?? .max, $1.offset
                )
            }.map(\.element)
        }
        return rows.flatMap { $0 }
    }

    /// `rows` by how urgently their state wants a look (`CheckState.urgency`), equals as they came.
    static func failuresFirst(_ rows: [CheckRow]) -> [CheckRow] {
        rows.enumerated().sorted { ($0.element.state.urgency, $0.offset) < ($1.element.state.urgency, $1.offset) }
            .map(\.element)
    }

    /// The alerts the open detail lists, when it is an alert source's (nil otherwise).
    var detailAlerts: [StatusPayloads.Item]? {
        let rows = boardRows
        guard showingCheckDetail, rows.indices.contains(checkSelection),
            rows[checkSelection].definition.kind.isAlertSource
        else { return nil }
        return rows[checkSelection].lastReport?.evaluation.items ?? []
    }

    /// Replaces the runbooks (as read from `Runbooks/`), sorted by name.
    public mutating func setRunbooks(_ list: [Runbook]) {
        runbooks = list.sorted { $0.name < $1.name }
        runbooksRead = true
    }

    /// `t` as the on-call screen says it, in the console's zone: `17:00` today, `Mon 09:00` within the
    /// week, `Dec 3 09:00` beyond.
    public func shortTime(_ t: Timestamp) -> String {
        OnCallView.shortTime(t, LocalTimeFormatter(timeZone: timeZone), now)
    }

    /// The names the dialogs complete from and check what is typed against: `Escalation/`'s people and
    /// policies, the runbooks, the services the checks, alert routes, comms routes and runbooks name, and
    /// the checks with their services.
    public var workspaceNames: WorkspaceNames {
        WorkspaceNames(
            people: pageTargets.compactMap { if case .person(let id) = $0 { id } else { nil } },
            services: WorkspaceNames.services(
                checks: checks.map(\.definition), alertRoutes: alertRoutes, commsRoutes: comms.routes,
                runbooks: runbooks),
            runbooks: runbooks.map(\.name), policies: pageTargets.compactMap(\.policy),
            checkServices: WorkspaceNames.checkServices(checks.map(\.definition)))
    }

    /// The runbook list as filtered by the screen's fuzzy find, best match first.
    public var listedRunbooks: [Runbook] {
        let query = runbookScreen.filter
        guard !query.isEmpty else { return runbooks }
        return FuzzyMatch.rank(runbooks, by: query) { $0.name + " " + $0.title }
    }

    public func runbook(named name: String) -> Runbook? { runbooks.first { $0.name == name } }

    /// The incident the steps of runbook `name` are recorded on. The incident last opened, if it is open
    /// and links the runbook (or no open incident does); else the only open incident linking it (`o` on a
    /// check whose incident is not the one last opened); else the incident last opened; else the only
    /// open one. The runbook's header names it, so a tick never lands somewhere unseen.
    public func checklistIncident(for name: String) -> Incident? {
        let open = openIncidents
        let linking = open.filter { $0.links.contains { $0.kind == .runbook && $0.target == name } }
        let current = currentIncident.flatMap { $0.isOpen ? $0 : nil }
        if let current, linking.isEmpty || linking.contains(where: { $0.id == current.id }) { return current }
        if linking.count == 1 { return linking[0] }
        return current ?? (open.count == 1 ? open[0] : nil)
    }

    /// Puts in (or replaces) an incident as replayed from its journal.
    public mutating func setIncident(_ incident: Incident, readOnly: Bool) {
        incidents[incident.id] = incident
        if incident.isOpen { openIDs.insert(incident.id) } else { openIDs.remove(incident.id) }
        if readOnly { readOnlyIncidents.insert(incident.id) } else { readOnlyIncidents.remove(incident.id) }
    }
}

/// Which process sends a workspace's pages.
public enum EscalationEngineHolder: Sendable, Equatable {
    case thisConsole
    case other(String)
    case nobody
}

extension CaseIterable where Self: Equatable, AllCases.Index == Int {
    /// The case `step` places on in the order of `allCases`, going round past either end (tab and shift-tab).
    func cycled(by step: Int) -> Self {
        let all = Self.allCases
        let index = all.firstIndex(of: self)!
        return all[((index + step) % all.count + all.count) % all.count]
    }
}
