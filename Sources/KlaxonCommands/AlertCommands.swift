import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// `klaxon alert`: the alerts the intake received (docs/intake.md).
struct AlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "The alerts pushed to the intake: list them, show one, attach one to an incident, send a test event.",
        subcommands: [List.self, Show.self, Attach.self, Send.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List the alerts not resolved (with --all, resolved ones too): firing first, newest first within each state."
        )
        @Flag(name: .long, help: "Include resolved alerts.") var all = false
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let now = context.now()
            let received = try ReceivedAlertsReading(workspace: workspace, now: now, warn: context.warn)
            // In the console's order (one ordering for both).
            let alerts = Alert.listed(received.book.alerts.filter { all || $0.isActive }, shown: received.shown)
            if output.json {
                context.print(json: .array(alerts.map { received.json($0) }))
                return
            }
            guard let last = received.book.lastReceivedAt else {
                context.print("No alerts received in \(workspace.journalsPlace).")
                return
            }
            // When the newest request came: a stopped intake lists the same alerts as a working one.
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let lastText =
                "\(DurationText.short(seconds: last.seconds(until: now))) ago (\(PagingState.when(last, now: now, formatter: formatter)))"
            // A stopped intake first: nothing receives alerts now (its last clean stop; a killed one cannot say).
            let stopped = received.book.intakeStopped.map {
                "intake stopped \(DurationText.short(seconds: $0.seconds(until: now))) ago: start klaxon watch"
            }
            guard !alerts.isEmpty else {
                context.print(
                    (stopped.map { $0 + " · " } ?? "")
                        + "No alerts firing; the last was received \(lastText). (klaxon alert list --all shows resolved ones.)"
                )
                return
            }
            let counts = Dictionary(grouping: alerts, by: received.shown).mapValues(\.count)
            let header = Alert.Shown.allCases.compactMap { shown in counts[shown].map { "\($0) \(shown.text)" } }
            context.print(
                ((stopped.map { [$0] } ?? []) + header + ["last received \(lastText)"]).joined(separator: " · "))
            var rows = [["ID", "STATE", "SEVERITY", "SOURCE", "AGE", "INCIDENT", "ALERT"]]
            for alert in alerts {
                rows.append([
                    alert.id, received.shown(alert).text, alert.severity ?? "-", alert.source.rawValue,
                    DurationText.short(seconds: alert.startsAt.seconds(until: now)),
                    received.incident(of: alert) ?? "-",
                    alert.summary == alert.name ? alert.name : "\(alert.name): \(alert.summary)"
                ])
            }
            context.print(TextTable.render(rows))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an alert: its state, labels, annotations, times and the incident it went to.")
        @Argument(help: "The alert (A-12).") var id: String
        @Flag(name: .long, help: "Show times in UTC instead of the workspace's zone.") var utc = false
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            guard Alert.number(of: id) != nil else {
                throw KlaxonError.badInput(
                    "\"\(id)\" is not an alert id; ids look like A-12 (see klaxon alert list --all)")
            }
            let workspace = try global.loadWorkspace()
            let now = context.now()
            let received = try ReceivedAlertsReading(workspace: workspace, now: now, warn: context.warn)
            guard let alert = received.book.alert(id) else {
                throw KlaxonError.badInput(
                    "there is no alert \(id) in \(workspace.journalsPlace); see klaxon alert list --all")
            }
            if output.json {
                context.print(json: received.json(alert))
                return
            }
            let zone = utc ? TimeZone(identifier: "UTC")! : workspace.displayTimeZone(environment: context.environment)
            let formatter = LocalTimeFormatter(timeZone: zone)
            func time(_ at: Timestamp) -> String {
                formatter.dateTime(at) + " (" + DurationText.short(seconds: at.seconds(until: now)) + " ago)"
            }
            var lines = [
                "\(alert.id)  \(received.shown(alert).text)  \(alert.name)",
                "summary:   \(alert.summary)",
                "severity:  \(alert.severity ?? "none given")",
                "source:    \(alert.source.rawValue) (token \(alert.token))",
                "group:     \(alert.group)",
                "incident:  \(received.incident(of: alert) ?? "none: " + AlertRouting.whyOnNoIncident(alert, routes: workspace.config.intake?.routes ?? []))",
                "started:   \(time(alert.startsAt))"
            ]
            if let endsAt = alert.endsAt, alert.state == .resolved { lines.append("ended:     \(time(endsAt))") }
            lines.append(
                "received:  \(alert.receivedCount) time\(alert.receivedCount == 1 ? "" : "s"), first \(time(alert.firstReceived)), last \(time(alert.lastReceived))"
            )
            if let url = alert.generatorURL { lines.append("source link: \(url)") }
            if let runbook = alert.runbookURL { lines.append("runbook:   \(runbook)") }
            lines.append("labels:")
            lines += alert.labels.sorted { $0.key < $1.key }.map { "  \($0.key)=\($0.value)" }
            if !alert.annotations.isEmpty {
                lines.append("annotations:")
                lines += alert.annotations.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
            }
            context.print(lines.joined(separator: "\n"))
        }
    }
}

/// The alerts of a workspace as its journal `alerts` says, with the incidents their groups went to (for
/// the state shown: a firing alert whose incident was acknowledged shows as acknowledged) and what each
/// of those incidents is doing at `now`. Reads only.
struct ReceivedAlertsReading {
    let book: AlertBook
    /// Whether each incident the alerts went to was acknowledged (or further), by id.
    private let acknowledged: [String: Bool]
    /// What each of those incidents is doing (`Alert.incidentState`), by id.
    private let incidentStates: [String: String]

    init(workspace: Workspace, now: Timestamp, warn: (String) -> Void) throws {
        let store = try workspace.journalStore
        var book = AlertBook()
        if store.stamp(of: ReceivedAlerts.journalName) != nil {
            let journal = store.journal(ReceivedAlerts.journalName)
            for record in try journal.readNewRecords() { _ = book.apply(record) }
            if let damage = journal.corruption {
                warn("\(journal.path) is damaged at \(damage); showing the alerts recorded before it")
            }
        }
        self.book = book
        var acknowledged: [String: Bool] = [:]
        var incidentStates: [String: String] = [:]
        let incidents = try workspace.incidents
        // Whether each is paging, as the engine sees it now (as `incident list` says it).
        let engine = EscalationFiles.load(workspaceRoot: workspace.root).engine(retry: workspace.config.pagingRetry)
        for id in Set(book.alerts.compactMap(book.incident(of:))) {
            // An incident that cannot be read is shown as its alerts say, not as acknowledged.
            guard let journal = try? incidents.open(id, keepingTimeline: false) else {
                warn("the incident \(id) could not be read: its alerts show their own state")
                continue
            }
            let paging = engine.pagingState(of: journal.incident, now: now)
            acknowledged[id] = Alert.isAcknowledged(journal.incident, paging: paging)
            incidentStates[id] = Alert.incidentState(journal.incident, paging: paging)
        }
        self.acknowledged = acknowledged
        self.incidentStates = incidentStates
    }

    private func incidentAcknowledged(_ alert: Alert) -> Bool {
        book.incident(of: alert).flatMap { acknowledged[$0] } ?? false
    }

    /// Its state as `alert list` and `show` say it (`acked by sender` is not a person on it).
    func shown(_ alert: Alert) -> Alert.Shown { alert.shown(incidentAcknowledged: incidentAcknowledged(alert)) }

    /// The incident it went to and what that does (`INC-3 paging`), nil for none.
    func incident(of alert: Alert) -> String? {
        book.incident(of: alert).map { id in incidentStates[id].map { "\(id) \($0)" } ?? id }
    }

    func json(_ alert: Alert) -> JSONValue {
        alert.json(
            incident: book.incident(of: alert),
            shown: alert.shownState(incidentAcknowledged: incidentAcknowledged(alert)))
    }
}
