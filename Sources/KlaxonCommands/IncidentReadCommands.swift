import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

extension IncidentCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List open incidents (with --all, resolved ones too).")
        @Flag(name: .long, help: "Include resolved incidents.") var all = false
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            var unreadable = 0
            let listing = try IncidentListing.load(
                workspace: workspace, includeResolved: all, warn: context.warn, unreadable: &unreadable)
            let now = context.now()
            // Whether each is paging, as the engine sees it now (the same files the engine reads).
            let engine = EscalationFiles.load(workspaceRoot: workspace.root).engine(retry: workspace.config.pagingRetry)
            let paging = listing.map { engine.pagingState(of: $0.incident, now: now) }
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let dues = listing.map { UpdateCadence.due(for: $0.incident, cadence: workspace.config.comms) }
            if output.json {
                context.print(
                    json: JSONValue.array(
                        zip(listing, zip(paging, dues)).map { row, state in
                            row.json(
                                workspace: workspace, now: now, paging: state.0.json(now: now, formatter: formatter),
                                nextUpdate: NextUpdateText.json(state.1, now: now))
                        }))
            } else if !listing.isEmpty || unreadable == 0 {
                context.print(
                    IncidentListing.table(
                        listing, workspace: workspace, now: now, showResolved: all,
                        paging: paging.map { $0.text(now: now, formatter: formatter) },
                        nextUpdates: dues.map { $0?.text(now: now) }))
            }
            // A journal that cannot be read may hold an open incident: never a silent "no incidents".
            if unreadable > 0 {
                if !output.json {
                    context.print(
                        "\(unreadable) journal\(unreadable == 1 ? "" : "s") could not be read (see the messages above): an incident in \(unreadable == 1 ? "it" : "them") may be open."
                    )
                }
                throw ExitCode(1)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an incident: its state, key times, action items and full timeline.")
        @Argument(help: "The incident.") var id: String
        @Flag(name: .long, help: "Show times in UTC instead of the workspace's zone.") var utc = false
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let journal = try workspace.incidents.open(id)
            for warning in journal.warnings { context.warn(warning) }
            if let damage = journal.file.corruption {
                context.warn("\(journal.file.path) is damaged at \(damage); showing the records before it, read-only")
            }
            let zone = utc ? TimeZone(identifier: "UTC")! : workspace.displayTimeZone(environment: context.environment)
            let now = context.now()
            let due = UpdateCadence.due(for: journal.incident, cadence: workspace.config.comms)
            // Where the latest status update's deliveries stand (the process that sends them recorded it).
            var deliveries = CommsEngine(config: workspace.config.comms, people: []).deliveries(
                of: journal.incident, now: now)
            // "sending" is true only while something sends: said when nothing does.
            if deliveries.contains(where: \.waitsForSender), !someoneSends(workspace) {
                warnWithoutSender(context, what: "its update")
                for i in deliveries.indices { deliveries[i].notSentBecause = CommsEngine.DestinationState.nobodySends }
            }
            if output.json {
                var json = IncidentJSON.full(
                    journal.incident, readOnly: journal.isReadOnly, nextUpdate: NextUpdateText.json(due, now: now))
                if case .object(var fields) = json {
                    fields["update_deliveries"] = .array(deliveries.map(\.json))
                    json = .object(fields)
                }
                context.print(json: json)
            } else {
                context.print(
                    IncidentReport.text(
                        journal.incident, formatter: LocalTimeFormatter(timeZone: zone),
                        now: now, staleAfter: workspace.config.staleAfterSeconds, nextUpdate: due,
                        deliveries: deliveries))
            }
        }
    }
}

/// The incidents of a workspace, replayed, for `incident list` and the overview.
struct IncidentListing {
    var incident: Incident
    var readOnly: Bool

    static func load(workspace: Workspace, includeResolved: Bool, warn: (String) -> Void) throws(KlaxonError)
        -> [IncidentListing]
    {
        var unreadable = 0
        return try load(workspace: workspace, includeResolved: includeResolved, warn: warn, unreadable: &unreadable)
    }

    /// The listing, counting in `unreadable` the journals that could not be read at all. Through the
    /// index: resolved incidents whose journals did not change since it was written are not read.
    static func load(workspace: Workspace, includeResolved: Bool, warn: (String) -> Void, unreadable: inout Int)
        throws(KlaxonError) -> [IncidentListing]
    {
        var result: [IncidentListing] = []
        for (id, item) in try workspace.incidents.overview(wanted: { _, _ in includeResolved }, updatingIndex: true)
            .items
        {
            switch item {
            case .journal(let journal):
                for warning in journal.warnings { warn(warning) }
                if journal.file.corruption != nil { warn("\(id) is damaged; run klaxon journal verify \(id)") }
                if includeResolved || journal.incident.isOpen {
                    result.append(IncidentListing(incident: journal.incident, readOnly: journal.isReadOnly))
                }
            case .indexed(let indexed):
                for warning in indexed.warnings { warn(warning) }
                if let summary = indexed.summary {
                    result.append(IncidentListing(incident: summary, readOnly: indexed.isReadOnly))
                }
            case .unreadable(let error):
                unreadable += 1
                warn("\(id) cannot be read: \(error.message)")
            }
        }
        return result
    }

    func isStale(workspace: Workspace, now: Timestamp) -> Bool {
        incident.isOpen && incident.lastUpdateByPeople.seconds(until: now) > workspace.config.staleAfterSeconds
    }

    /// The incident's fields, its paging state (`PagingState.json`) and the status update it owes
    /// (`NextUpdateText.json`).
    func json(workspace: Workspace, now: Timestamp, paging: JSONValue, nextUpdate: JSONValue) -> JSONValue {
        .object([
            "paging": paging, "next_update": nextUpdate,
            "id": .string(incident.id), "title": .string(incident.title), "severity": .string(incident.severity.name),
            "status": .string(incident.status.rawValue), "services": .array(incident.services.map(JSONValue.string)),
            "commander": incident.commander.map(JSONValue.string) ?? .null,
            "declared": .string(incident.declaredAt.rfc3339), "last_update": .string(incident.lastUpdate.rfc3339),
            "running_seconds": .number(Double(incident.runningSeconds(now: now))),
            "stale": .bool(isStale(workspace: workspace, now: now)), "records": .number(Double(incident.recordCount)),
            "read_only": .bool(readOnly)
        ])
    }

    /// `paging`: each row's paging state, in words; `nextUpdates`: the status update each owes
    /// (`UpdateCadence.Due.text`), a column only where one is owed.
    static func table(
        _ rows: [IncidentListing], workspace: Workspace, now: Timestamp, showResolved: Bool, paging: [String],
        nextUpdates: [String?]
    ) -> String {
        guard !rows.isEmpty else {
            return showResolved
                ? "No incidents in \(workspace.journalsPlace)."
                : "No open incidents. (klaxon incident list --all shows resolved ones.)"
        }
        let owesUpdates = nextUpdates.contains { $0 != nil }
        var lines = [["ID", "SEV", "STATUS", "RUNNING", "UPDATED", "COMMANDER", "PAGING", "TITLE"]]
        if owesUpdates { lines[0].insert("NEXT UPDATE", at: 5) }
        for (row, (paging, nextUpdate)) in zip(rows, zip(paging, nextUpdates)) {
            let i = row.incident
            var updated = DurationText.short(seconds: i.lastUpdateByPeople.seconds(until: now)) + " ago"
            if row.isStale(workspace: workspace, now: now) { updated += " STALE" }
            var line = [
                i.id, i.severity.name, i.status.rawValue, DurationText.short(seconds: i.runningSeconds(now: now)),
                updated, i.commander ?? "-", i.isOpen ? paging : "-", i.title + (row.readOnly ? " [read-only]" : "")
            ]
            if owesUpdates { line.insert(nextUpdate ?? "-", at: 5) }
            lines.append(line)
        }
        return TextTable.render(lines)
    }
}

/// `incident show --json`.
enum IncidentJSON {
    /// `nextUpdate`: the public status update owed (`NextUpdateText.json`).
    static func full(_ i: Incident, readOnly: Bool, nextUpdate: JSONValue) -> JSONValue {
        var keyTimes: [String: JSONValue] = [:]
        for key in KeyTime.allCases { keyTimes[key.rawValue] = i.keyTimes[key].map { .string($0.rfc3339) } ?? .null }
        return .object([
            "id": .string(i.id), "title": .string(i.title), "severity": .string(i.severity.name),
            "status": .string(i.status.rawValue), "services": .array(i.services.map(JSONValue.string)),
            "tags": .array(i.tags.map(JSONValue.string)),
            "roles": .object(i.roles.mapValues(JSONValue.string)),
            "participants": .array(i.participants.map(JSONValue.string)),
            "key_times": .object(keyTimes),
            "summary": i.summary.map(JSONValue.string) ?? .null,
            "action_items": .array(
                i.actionItems.map { item in
                    .object([
                        "number": .number(Double(item.number)), "text": .string(item.text),
                        "owner": item.owner.map(JSONValue.string) ?? .null, "done": .bool(item.isDone),
                        "done_by": item.doneBy.map(JSONValue.string) ?? .null,
                        "done_at": item.doneAt.map { .string($0.rfc3339) } ?? .null
                    ])
                }),
            "links": .array(i.links.map { .object(["kind": .string($0.kind.rawValue), "target": .string($0.target)]) }),
            "warnings": .array(
                (i.timeOrderWarnings + i.unreadable.map { "record \($0.sequence): \($0.reason)" }).map(JSONValue.string)
            ),
            "read_only": .bool(readOnly),
            "next_update": nextUpdate,
            "timeline": .array(i.timeline.map(\.jsonValue))
        ])
    }
}

/// `incident show` as text. Every timeline line carries its full date: a multi-day incident never
/// shows a bare time.
enum IncidentReport {
    /// `nextUpdate`: the public status update owed, said under the incident's times; `deliveries`: where
    /// the latest update's deliveries stand.
    static func text(
        _ i: Incident, formatter: LocalTimeFormatter, now: Timestamp, staleAfter: Int64, nextUpdate: UpdateCadence.Due?,
        deliveries: [CommsEngine.DestinationState] = []
    ) -> String {
        // One-line fields show a line break as `�`; multi-line text (a note, a summary) goes on indented lines.
        func line(_ text: String) -> String { TerminalText.printable(text) }
        func lines(_ text: String) -> [String] {
            text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
                line(String($0))
            }
        }
        var out: [String] = []
        out.append("\(i.id)  \(i.severity.name)  \(i.status.rawValue)  \(line(i.title))")
        let sinceUpdate = i.lastUpdateByPeople.seconds(until: now)
        let stale = i.isOpen && sinceUpdate > staleAfter ? " (STALE)" : ""
        out.append(
            "Declared \(formatter.dateTimeWithOffset(i.declaredAt)) · running \(DurationText.short(seconds: i.runningSeconds(now: now))) · last update \(DurationText.short(seconds: sinceUpdate)) ago\(stale)"
        )
        if let nextUpdate {
            out.append(NextUpdateText.line(nextUpdate, severity: i.severity, now: now, formatter: formatter))
        }
        if !i.services.isEmpty { out.append("Services: " + i.services.joined(separator: ", ")) }
        if !i.tags.isEmpty { out.append("Tags: " + i.tags.joined(separator: ", ")) }
        out.append(
            "Roles: "
                + (i.orderedRoles.isEmpty
                    ? "none assigned" : i.orderedRoles.map { "\($0.role) \($0.user)" }.joined(separator: " · ")))
        out.append("Participants: " + i.participants.joined(separator: ", "))
        out += CommsEngine.DestinationState.lines(deliveries).map { line("Updates: " + $0) }
        if let summary = i.summary { out.append(lines("Summary: " + summary).joined(separator: "\n  ")) }
        out.append("")
        out.append("Key times (\(formatter.timeZone.identifier)):")
        let labelWidth = KeyTime.allCases.map(\.label.count).max()!
        for key in KeyTime.allCases {
            let value = i.keyTimes[key].map(formatter.dateTimeWithOffset) ?? "not recorded"
            out.append("  " + key.label + String(repeating: " ", count: labelWidth - key.label.count) + "  " + value)
        }
        let warnings = i.timeOrderWarnings + i.unreadable.map { "record \($0.sequence): \($0.reason)" }
        if !warnings.isEmpty {
            out.append("")
            out.append("Warnings:")
            out.append(contentsOf: warnings.map { line("  " + $0) })
        }
        if !i.actionItems.isEmpty {
            out.append("")
            out.append("Action items:")
            for item in i.actionItems {
                var text = "  [\(item.isDone ? "x" : " ")] \(item.number). \(item.text)"
                if let owner = item.owner { text += " (owner: \(owner))" }
                if let by = item.doneBy, let at = item.doneAt { text += " — done by \(by) \(formatter.dateTime(at))" }
                out.append(line(text))
            }
        }
        if !i.links.isEmpty {
            out.append("")
            out.append("Links:")
            out.append(contentsOf: i.links.map { line("  \($0.kind.rawValue) \($0.target)") })
        }
        out.append("")
        out.append("Timeline (\(formatter.timeZone.identifier)), \(Plural.count(i.timeline.count, "record")):")
        let actorWidth = min(16, i.timeline.map(\.actor.count).max() ?? 0)
        for record in i.timeline {
            let kind = TimelineText.kind(of: record)
            let actor = line(record.actor).padding(
                toLength: max(actorWidth, record.actor.count), withPad: " ", startingAt: 0)
            let prefix =
                "  \(formatter.dateTime(record.timestamp))  \(actor)  \(kind.padding(toLength: 9, withPad: " ", startingAt: 0)) "
            let text = lines(TimelineText.text(of: record, formatter: formatter))
            out.append(prefix + (text.first ?? ""))
            let indent = String(repeating: " ", count: prefix.count)
            for more in text.dropFirst() { out.append(indent + more) }
        }
        return out.joined(separator: "\n")
    }
}
