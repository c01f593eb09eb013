import KlaxonCore

/// Screen 2: one incident: header, timeline, action items and links.
enum IncidentView {
    static func draw(_ model: ConsoleModel, _ frame: inout Frame) {
        guard let incident = model.currentIncident else {
            frame.put(
                "No incident selected. 1 goes to the dashboard; d declares one.", row: IncidentLayout.headerTop,
                column: 1, style: .dim)
            return
        }
        let layout = IncidentLayout(model)
        drawHeader(incident, model, &frame)
        drawTimeline(incident, model, layout, &frame)
        drawPanel(incident, model, layout, &frame)
    }

    static func drawHeader(_ incident: Incident, _ model: ConsoleModel, _ frame: inout Frame) {
        let top = IncidentLayout.headerTop
        var x = frame.put(incident.id, row: top, column: 1, style: .heading)
        x = frame.put(incident.severity.name, row: top, column: x + 2, style: Style.of(incident.severity))
        x = frame.put(incident.status.rawValue, row: top, column: x + 2, style: incident.isOpen ? .accent : .resolved)
        if model.readOnlyIncidents.contains(incident.id) {
            x = frame.put("[read-only]", row: top, column: x + 2, style: .error)
        }
        frame.put(incident.title, row: top, column: x + 2, style: .heading, width: model.columns - x - 3)

        let sinceUpdate = incident.lastUpdateByPeople.seconds(until: model.now)
        var facts = [
            // A resolved incident ran from its declaration to its resolution: it is not running now.
            (incident.isOpen ? "running " : "lasted ")
                + DurationText.short(seconds: incident.runningSeconds(now: model.now)),
            "updated \(DurationText.short(seconds: sinceUpdate)) ago"
        ]
        // The public update owed, before the roles: at 80 columns the roles are what is cut, never this.
        let due = model.updateDue(incident)
        let cadence = due?.text(now: model.now)
        if let cadence { facts.append(cadence) }
        let roles = incident.orderedRoles
        facts.append(
            roles.isEmpty
                ? (model.readOnly ? "no roles assigned" : "no roles assigned (A assigns)")
                : roles.map { "\($0.role) \($0.user)" }.joined(separator: " · "))
        let line = facts.joined(separator: " · ")
        frame.put(line, row: top + 1, column: 1, style: .normal, width: model.columns - 2)
        if model.isStale(incident), let range = line.range(of: "updated ") {
            let column = 1 + TextWidth.width(of: String(line[..<range.lowerBound]))
            frame.restyle(
                row: top + 1, column: column,
                count: TextWidth.width(of: "updated \(DurationText.short(seconds: sinceUpdate)) ago"), style: .stale)
        }
        if let due, let cadence, due.isOverdue(now: model.now), let range = line.range(of: cadence) {
            let column = 1 + TextWidth.width(of: String(line[..<range.lowerBound]))
            frame.restyle(row: top + 1, column: column, count: TextWidth.width(of: cadence), style: .critical)
        }
        var third: [String] = []
        var column = 1
        // A status update that did not reach where people read is loud, in red; else the facts say where
        // it went ("update #2 sent to #platform-status, email eng-all") or that it is being sent.
        let deliveries = model.updateDeliveries(of: incident)
        let undelivered = deliveries.filter(\.isProblem)
        // (Waiting to be sent while no process sends, or the store does not answer, is one: NOT SENT.)
        let failure = undelivered.first.map {
            $0.text + (undelivered.count > 1 ? " (+\(undelivered.count - 1) more)" : "")
        }
        if failure == nil, let sent = CommsEngine.DestinationState.lines(deliveries).first { third.append(sent) }
        // Destinations, but none for this incident: its updates are posted, and go nowhere (said, as the CLI
        // says it, so that nobody waits for a message nothing sends).
        if deliveries.isEmpty, !incident.statusUpdates.isEmpty, !model.comms.destinations.isEmpty {
            third.append("updates sent nowhere: no comms route matches")
        }
        // The paging state of an open incident, always: paging, failing, acknowledged or not paging.
        if incident.isOpen {
            let paging = model.pagingState(of: incident)
            var text = paging.detail(now: model.now, formatter: model.formatter)
            var sends = false
            switch paging {
            case .paging:
                text = "escalation " + text
                sends = true
            // Why nobody is reached comes first: at 80 columns the policy and step are what is cut, never the reason.
            case .failing(let status, let failure):
                text = failure.text + (status.step.map { " · escalation " + $0 } ?? "")
                sends = true
            case .acknowledged(_, _, _, let repageAt): sends = repageAt != nil
            default: break
            }
            if sends, model.storeUnreachableSince != nil {
                // Every engine waits while the store does not answer (nothing is paged unrecorded), whoever
                // holds it; and who holds it cannot be asked.
                text = "NOT SENT (the journal store does not answer; paging resumes when it does): " + text
            } else if sends {
                switch model.escalationEngine {
                case .thisConsole: break
                case .other(let who): text += " (pages sent by \(who))"
                // First, so that however narrow the screen, it is the detail that is cut and never this.
                case .nobody: text = "NOT SENT (no klaxon watch or console runs the engine): " + text
                }
            }
            let notSent = model.escalationEngine == .nobody || model.storeUnreachableSince != nil
            let style = sends && notSent ? .error : DashboardView.style(of: paging, incident.severity)
            // Beside an update that was not sent, the paging state takes half the line (its reason first).
            let width = failure == nil ? model.columns - 2 : max(30, (model.columns - 2) / 2)
            column = frame.put(text, row: top + 2, column: 1, style: style, width: width) + 2
        }
        if let failure, column < model.columns - 2 {
            column =
                frame.put(failure, row: top + 2, column: column, style: .error, width: model.columns - column - 1) + 2
        }
        if !incident.services.isEmpty { third.append("services: " + incident.services.joined(separator: ", ")) }
        // While acknowledged, the paging state says by whom and when.
        if let ack = incident.keyTimes[.acknowledged],
            !(incident.isOpen && isAcknowledged(model.pagingState(of: incident)))
        {
            third.append("acked \(model.formatter.dateTime(ack))")
        }
        if let mitigated = incident.keyTimes[.mitigated] {
            third.append("mitigated \(model.formatter.dateTime(mitigated))")
        }
        if let summary = incident.summary, !incident.isOpen { third.append("summary: " + summary) }
        if column < model.columns - 2 {
            frame.put(
                third.joined(separator: " · "), row: top + 2, column: column, style: .dim,
                width: model.columns - column - 1)
        }
    }

    static func isAcknowledged(_ paging: PagingState) -> Bool {
        if case .acknowledged = paging { true } else { false }
    }

    static func drawTimeline(
        _ incident: Incident, _ model: ConsoleModel, _ layout: IncidentLayout, _ frame: inout Frame
    ) {
        let records = model.visibleRecords
        let formatter = model.formatter
        let cache = model.timelineCache
        let following = model.timeline.cursor == nil
        let top =
            following
            ? layout.topForEnd(of: records, formatter: formatter, cache: cache)
            : min(model.timeline.top, max(0, records.count - 1))
        // Only the records on screen are laid out: from `top` until the timeline is full, or, following
        // the end, to the last record, with the first record's top lines cut off.
        var lines: [IncidentLayout.Line] = []
        var index = top
        while index < records.count && (following || lines.count < layout.timelineRows) {
            lines += layout.lines(of: index, in: records, formatter: formatter, glyphs: model.glyphs, cache: cache)
            index += 1
        }
        if following && lines.count > layout.timelineRows { lines.removeFirst(lines.count - layout.timelineRows) }

        let headingRow = layout.timelineTop - 1
        let focus = model.timeline.pane == .timeline ? ConsoleView.glyph(model, "▸ ", "> ") : "  "
        let zone = model.timeline.showUTC ? "UTC" : ConsoleView.zoneIdentifier(model.timeZone)
        var heading = "\(focus)Timeline · \(zone) · \(Plural.count(incident.recordCount, "record"))"
        if let kind = model.timeline.kindFilter { heading += " · only \(kind) (\(records.count))" }
        if let first = lines.first.map({ records[$0.record] }), lines.first?.kind != .date {
            heading += " · from \(formatter.civil(first.timestamp).isoDate)"
        }
        frame.put(heading, row: headingRow, column: 0, style: .heading, width: layout.timelineWidth)
        if !incident.keepsTimeline {
            // A summary: its records are being read (or cannot be now), not missing.
            let text =
                model.storeUnreachableSince != nil
                ? "Not read yet: the journal store does not answer; the timeline shows once it does."
                : "Reading the timeline…"
            frame.put(text, row: layout.timelineTop, column: 2, style: .dim)
        } else if records.isEmpty {
            frame.put("No records of that kind; f changes the filter.", row: layout.timelineTop, column: 2, style: .dim)
        }
        let selected = model.timeline.cursor ?? (records.count - 1)
        let query = model.search?.query
        for (offset, line) in lines.prefix(layout.timelineRows).enumerated() {
            let row = layout.timelineTop + offset
            let record = records[line.record]
            let isSelected = model.timeline.pane == .timeline && line.record == selected && line.kind != .date
            if line.kind != .date {
                frame.addClick(.row(.timeline, line.record), row: row, width: layout.timelineWidth)
            }
            if isSelected {
                for x in 0..<layout.timelineWidth { frame[row, x] = Cell(character: " ", style: .selected) }
            }
            let base: Style = isSelected ? .selected : .normal
            switch line.kind {
            case .date:
                frame.put(line.text, row: row, column: 0, style: .dim, width: layout.timelineWidth)
            case .first:
                let time = String(formatter.dateTime(record.timestamp).suffix(8))
                frame.put(time, row: row, column: 0, style: isSelected ? base : .dim)
                frame.put(
                    record.actor, row: row, column: IncidentLayout.timeWidth + 2, style: isSelected ? base : .actor,
                    width: layout.actorWidth)
                let kind = TimelineText.kind(of: record)
                frame.put(
                    kind, row: row, column: layout.kindColumn, style: isSelected ? base : style(ofKind: kind),
                    width: IncidentLayout.kindWidth)
                frame.put(
                    line.text, row: row, column: layout.textColumn, style: isSelected ? base : textStyle(of: record),
                    width: layout.timelineWidth - layout.textColumn)
                ConsoleView.highlight(query, in: line.text, row: row, column: layout.textColumn, &frame)
            case .continuation:
                frame.put(
                    line.text, row: row, column: layout.textColumn, style: isSelected ? base : textStyle(of: record),
                    width: layout.timelineWidth - layout.textColumn)
                ConsoleView.highlight(query, in: line.text, row: row, column: layout.textColumn, &frame)
            }
        }
    }

    static func style(ofKind kind: String) -> Style {
        switch kind {
        case "declared", "resolved", "reopened": return .heading
        case "status", "severity", "mitigated": return .accent
        case "ack": return .acked
        case "note": return .kind
        case "update": return .publicUpdate
        default: return .dim
        }
    }

    /// A record's text: a public status update's in its own style, the whole of it, so that what the
    /// people who depend on the platform read is never mistaken for the notes around it.
    static func textStyle(of record: JournalRecord) -> Style {
        record.type == RecordType.statusUpdate.rawValue ? .publicUpdate : .normal
    }

    static func drawPanel(_ incident: Incident, _ model: ConsoleModel, _ layout: IncidentLayout, _ frame: inout Frame) {
        let marker = ConsoleView.glyph(model, "▸ ", "> ")
        var row = layout.panelRow
        let bottom = layout.panelRow + layout.panelRows
        let sideBySide = layout.panelSideBySide
        let itemsWidth = sideBySide ? layout.panelWidth * 3 / 5 : layout.panelWidth
        let done = incident.actionItems.filter(\.isDone).count
        frame.put(
            (model.timeline.pane == .actionItems ? marker : "  ")
                + "Action items (\(done)/\(incident.actionItems.count) done)",
            row: row, column: layout.panelColumn, style: .heading, width: itemsWidth)
        row += 1
        let itemRows = layout.actionItemRows
        if incident.actionItems.isEmpty {
            frame.put("none · t adds one", row: row, column: layout.panelColumn + 2, style: .dim, width: itemsWidth - 2)
        }
        let first = ScreenGeometry.scrolledStart(
            selection: model.timeline.actionItemSelection, count: incident.actionItems.count, rows: itemRows)
        for (offset, item) in incident.actionItems.dropFirst(first).prefix(itemRows).enumerated() {
            let selected = model.timeline.pane == .actionItems && first + offset == model.timeline.actionItemSelection
            frame.addClick(
                .row(.actionItems, first + offset), row: row + offset, column: layout.panelColumn, width: itemsWidth)
            let box = item.isDone ? "[x]" : "[ ]"
            let owner = item.owner.map { " (\($0))" } ?? ""
            frame.put(
                TextWidth.truncate("\(box) \(item.number). \(item.text)\(owner)", to: itemsWidth - 3),
                row: row + offset,
                column: layout.panelColumn + 2, style: selected ? .selected : (item.isDone ? .resolved : .normal))
        }
        var linkRow = sideBySide ? layout.panelRow : row + itemRows
        let linkColumn = sideBySide ? layout.panelColumn + itemsWidth + 1 : layout.panelColumn
        let linkWidth = sideBySide ? layout.panelWidth - itemsWidth - 1 : layout.panelWidth
        guard linkRow < bottom else { return }
        frame.put(
            (model.timeline.pane == .links ? marker : "  ") + "Links (\(incident.links.count))", row: linkRow,
            column: linkColumn,
            style: .heading, width: linkWidth)
        linkRow += 1
        if incident.links.isEmpty, linkRow < bottom {
            frame.put("none · L adds one", row: linkRow, column: linkColumn + 2, style: .dim, width: linkWidth - 2)
        }
        // Scrolled as the action items are: the selected link is always drawn.
        let linkRows = min(layout.linkRows, max(0, bottom - linkRow))
        let firstLink = ScreenGeometry.scrolledStart(
            selection: model.timeline.linkSelection, count: incident.links.count, rows: linkRows)
        for (offset, link) in incident.links.dropFirst(firstLink).prefix(linkRows).enumerated() {
            let selected = model.timeline.pane == .links && firstLink + offset == model.timeline.linkSelection
            frame.addClick(
                .row(.incidentLinks, firstLink + offset), row: linkRow + offset, column: linkColumn, width: linkWidth)
            frame.put(
                TextWidth.truncate("\(link.kind.rawValue) \(link.target)", to: linkWidth - 3), row: linkRow + offset,
                column: linkColumn + 2, style: selected ? .selected : .accent)
        }
    }
}
