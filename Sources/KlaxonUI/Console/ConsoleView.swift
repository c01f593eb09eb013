import Foundation
import KlaxonCore

/// Draws the console: `render(model)` is a pure function of the model.
public enum ConsoleView {
    public static func render(_ model: ConsoleModel) -> Frame {
        var frame = Frame(columns: model.columns, rows: model.rows)
        guard !model.isTooSmall else {
            drawTooSmall(model, &frame)
            return frame
        }
        drawTopBar(model, &frame)
        drawTabs(model, &frame)
        switch model.screen {
        case .dashboard: DashboardView.draw(model, &frame)
        case .incident: IncidentView.draw(model, &frame)
        case .status: StatusView.draw(model, &frame)
        case .onCall: OnCallView.draw(model, &frame)
        case .runbooks: RunbookView.draw(model, &frame)
        case .reports: ReportsView.draw(model, &frame)
        case .alerts: AlertsView.draw(model, &frame)
        case .objectives: ObjectivesView.draw(model, &frame)
        }
        drawBottomLine(model, &frame)
        if let overlay = model.overlay {
            let beneath = frame
            frame.clickTargets = []  // clicks beneath a dialog do nothing; its own rows and answers take them
            OverlayView.draw(overlay, model, &frame)
            frame.dropHyperlinks(changedSince: beneath)
        }
        if model.glyphs == .ascii { toASCII(&frame) }
        return frame
    }

    /// Replacements of the symbols the views use, for terminals whose locale is not UTF-8.
    static let asciiGlyphs: [Character: Character] = [
        "·": "-", "—": "-", "–": "-", "→": ">", "←": "<", "↑": "^", "↓": "v", "…": "~", "▸": ">", "×": "x",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "\u{FFFD}": "?"
    ]

    /// Makes every cell ASCII: known symbols get a look-alike, anything else (names in other scripts,
    /// emoji) becomes `?` for each column it took.
    static func toASCII(_ frame: inout Frame) {
        frame.replaceNonASCII { asciiGlyphs[$0] ?? "?" }
    }

    static func glyph(_ model: ConsoleModel, _ unicode: String, _ ascii: String) -> String {
        model.glyphs == .unicode ? unicode : ascii
    }

    static func drawTopBar(_ model: ConsoleModel, _ frame: inout Frame) {
        frame.fill(row: 0, style: .bar)
        let local = LocalTimeFormatter(timeZone: model.timeZone)
        let localNow = local.civil(model.now)
        let utcNow = LocalTimeFormatter.utc.civil(model.now)
        let zone = zoneName(model.timeZone, at: model.now)
        let open = model.openIncidents.count
        let separator = glyph(model, " │ ", " | ")
        let onCall = onCallSlot(model)
        // The top bar's parts in order, and which give way at 80 columns: the UTC clock (a duplicate of
        // the local one) first, then the workspace's name, the weekday and zone, the on-call handoff
        // time. The open count, the DRILL badge, who is on call and READ-ONLY never do.
        // The store's outage never gives way (whatever else shows was read before it): at 80 columns
        // the name "Klaxon" goes last, so that who is on call stays whole.
        let outage = model.storeUnreachableSince.map {
            model.storeWaits
                ? "store not answering since \(local.civil($0).isoTime), waiting"
                : "store unreachable since \(local.civil($0).isoTime), retrying"
        }
        var parts: [ColumnPlan.Column] = [.init("Klaxon", 0, givesWay: outage == nil ? nil : 5)]
        if let outage { parts.append(.init(separator + outage, 0)) }
        if let drill = model.drill {
            let speed = drill.speed == 1 ? "" : " ×" + String(format: "%g", drill.speed)
            parts.append(
                .init(
                    separator
                        + "DRILL \(drill.scenario) \(DurationText.short(seconds: Int64(drill.elapsedSeconds)))\(speed)",
                    0))
        }
        parts += [
            .init(separator + model.workspaceName, 0, givesWay: 2),
            // While the store does not answer, no open incident read is not none open: unknown.
            .init(separator + (open == 0 && model.incidentsNotKnown ? "? open" : "\(open) open"), 0),
            .init(separator, 0),
            .init("\(IncidentLayout.weekday(localNow)) ", 0, givesWay: 3),
            .init(String(localNow.isoTime.prefix(5)), 0),
            .init(" \(zone)", 0, givesWay: 3)
        ]
        // Where the local clock reads as UTC (the zone is UTC, or GMT in winter), a second clock would say the same.
        if model.timeZone.secondsFromGMT(for: model.now.date) != 0 {
            parts.append(.init(" · \(utcNow.isoTime.prefix(5)) UTC", 0, givesWay: 1))
        }
        parts += [
            .init(separator + onCall.who, 0),
            .init(onCall.until, 0, givesWay: 4)
        ]
        if model.readOnly { parts.append(.init(separator + "READ-ONLY", 0)) }
        for i in parts.indices { parts[i].width = TextWidth.width(of: parts[i].title) }
        let plan = ColumnPlan(parts)
        var text = zip(parts, plan.widths(in: model.columns - 2)).filter { $0.1 > 0 }.map(\.0.title).joined()
        if text.hasPrefix(separator) { text.removeFirst(separator.count) }  // "Klaxon" gave way
        frame.put(text, row: 0, column: 1, style: .bar, width: model.columns - 2)
        if model.onCall?.main?.users.isEmpty == true, let gap = text.range(of: "on call: nobody") {
            let column = 1 + TextWidth.width(of: String(text[..<gap.lowerBound]))
            frame.restyle(row: 0, column: column, count: "on call: nobody".count, style: .barAlarm)
        }
        if let drill = model.drill, let badge = text.range(of: "DRILL \(drill.scenario)") {
            let column = 1 + TextWidth.width(of: String(text[..<badge.lowerBound]))
            frame.restyle(row: 0, column: column, count: TextWidth.width(of: String(text[badge])), style: .barAlarm)
        }
        if let outage, let banner = text.range(of: outage) {
            let column = 1 + TextWidth.width(of: String(text[..<banner.lowerBound]))
            frame.restyle(row: 0, column: column, count: outage.count, style: .barAlarm)
        }
        if open > 0, let openRange = text.range(of: "\(open) open") {
            let column = 1 + TextWidth.width(of: String(text[..<openRange.lowerBound]))
            frame.restyle(row: 0, column: column, count: "\(open) open".count, style: .barAlarm)
        }
        // The open count is the way to the dashboard, who is on call the way to the on-call screen.
        let openText = open == 0 && model.incidentsNotKnown ? "? open" : "\(open) open"
        for (part, key) in [(separator + openText, "1"), (separator + onCall.who, "4")] {
            guard let range = text.range(of: part) else { continue }
            let column = 1 + TextWidth.width(of: String(text[..<range.lowerBound])) + TextWidth.width(of: separator)
            frame.addClick(
                .key(.character(Character(key))), row: 0, column: column,
                width: TextWidth.width(of: String(text[range])) - TextWidth.width(of: separator))
        }
    }

    /// The screens' names as k9s and lazygit users look for them: each with its key, the screen shown
    /// picked out, and a click on one opens it as its key does.
    public static let tabs: [(screen: ConsoleModel.Screen, title: String)] = [
        (.dashboard, "Dashboard"), (.incident, "Incident"), (.status, "Status"), (.onCall, "On call"),
        (.runbooks, "Runbooks"), (.reports, "Reports"), (.alerts, "Alerts"), (.objectives, "SLOs")
    ]

    /// The tab row (row 1): one space between tabs at 80 columns, where no more fit, two from 86.
    static func drawTabs(_ model: ConsoleModel, _ frame: inout Frame) {
        let labels = tabs.map { "\($0.screen.rawValue) \($0.title)" }
        let widths = labels.map(TextWidth.width(of:))
        let gap = 1 + widths.reduce(2 * (labels.count - 1), +) <= model.columns ? 2 : 1
        var x = 1
        for (tab, (label, width)) in zip(tabs, zip(labels, widths)) where x + width <= model.columns {
            frame.put(label, row: 1, column: x, style: tab.screen == model.screen ? .selected : .hint)
            frame.addClick(.key(.character(Character(String(tab.screen.rawValue)))), row: 1, column: x, width: width)
            x += width + gap
        }
    }

    /// `on call: bob` and ` until 17:00` for the main schedule.
    static func onCallSlot(_ model: ConsoleModel) -> (who: String, until: String) {
        guard let main = model.onCall?.main else { return ("on call: —", "") }
        let who = main.users.isEmpty ? "nobody" : main.users.joined(separator: ", ")
        let until =
            main.until.map {
                " until " + OnCallView.shortTime($0, LocalTimeFormatter(timeZone: model.timeZone), model.now)
            } ?? ""
        return ("on call: \(who)", until)
    }

    static func drawBottomLine(_ model: ConsoleModel, _ frame: inout Frame) {
        let row = model.rows - 1
        if case .searchInput(let buffer)? = model.overlay {
            let end = frame.put("/" + buffer.text, row: row, column: 0, style: .normal, ellipsis: false)
            frame.cursor = (row, min(model.columns - 1, end))
            return
        }
        if let message = model.message {
            var text = message.text
            // A path too long for the line loses its middle, not its end: the file's name stays.
            let excess = TextWidth.width(of: text) - model.columns
            if excess > 0, let path = message.path, let range = text.range(of: path) {
                text.replaceSubrange(
                    range, with: TextWidth.elideMiddle(path, to: max(12, TextWidth.width(of: path) - excess)))
            }
            // An error says what to do at its end: one too long for the line takes up to two rows more
            // above it (over the screen, until the next key) rather than lose its remedy.
            let lines = TextWidth.wrap(text, to: model.columns)
            if message.isError, lines.count > 1, model.rows >= 12 {
                let shown = Array(lines.prefix(3))
                frame.dropClickTargets(rows: (row - (shown.count - 1))..<model.rows)
                for (i, line) in shown.enumerated() {
                    let at = row - (shown.count - 1) + i
                    frame.fill(row: at, style: .normal)
                    frame.put(line, row: at, column: 0, style: .error)
                }
                return
            }
            frame.put(text, row: row, column: 0, style: message.isError ? .error : .message)
            frame.dropClickTargets(rows: row..<model.rows)
            return
        }
        var hints: [String]
        // The incident screen's way back stays however narrow the line.
        let always = (model.screen == .incident ? ["esc back"] : []) + [": palette", "? help", "q quit"]
        switch model.screen {
        case .dashboard:
            // What acts on an incident only where there is one to act on.
            hints =
                model.openIncidents.isEmpty && model.resolvedIncidents.isEmpty
                ? ["d declare", "/ search"] : ["enter open", "d declare", "a ack", "n note", "/ search", "tab pane"]
        case .incident:
            // The keys that can act on this incident as it stands: no ack once acknowledged, reopen once
            // resolved, page where a serious one pages nobody.
            let incident = model.currentIncident
            let paging = incident.map { model.pagingState(of: $0) }
            if let incident, !incident.isOpen {
                hints = ["R reopen", "n note", "e review", "o runbook", "/ search"]
            } else {
                hints = ["n note", "U update", "s status"]
                if case .acknowledged? = paging {} else { hints.append("a ack") }
                if case .notPaging? = paging, let incident, incident.severity <= .sev2 { hints.append("P page") }
                if incident?.keyTimes[.mitigated] == nil { hints.append("m mitigate") }
                hints += ["r resolve", "t todo", "o runbook", "e review", "/ search"]
            }
        case .runbooks where model.runbookScreen.open != nil:
            // The selected link's URL in full, where it can be read and copied.
            if let open = model.runbookScreen.open, let index = open.selectedTarget,
                open.page.targets.indices.contains(index),
                case .link(let url) = open.page.targets[index].kind
            {
                frame.put("[\(open.page.targets[index].number)] " + url, row: row, column: 0, style: .accent)
                return
            }
            hints = [
                "tab link/step", "enter follow/tick", "T contents", "/ search", "H back", "L forward", "h/l code",
                "esc list"
            ]
        case .runbooks: hints = ["enter open", "/ find", "j/k move", "esc back"]
        case .status:
            hints =
                !model.showingCheckDetail
                ? ["enter detail", "o runbook", "F failures first", "j/k move", "esc back"]
                : (model.detailAlerts?.count ?? 0) > 1
                    ? ["j/k alert", "o runbook", "esc board"] : ["o runbook", "esc board"]
        case .reports: hints = ["j/k scroll", "1 dashboard", "2 incident"]
        case .alerts: hints = ["enter incident", "a acknowledge", "o runbook", "j/k move", "esc back"]
        case .objectives: hints = ["j/k move", "3 status board", "esc back"]
        case .onCall:
            // Not offered to whoever has that pager already.
            let holds = model.selectedOnCallEntry?.users.contains(model.user) == true
            hints = ["j/k schedule"] + (holds ? [] : ["t take the pager"]) + ["esc back"]
        }
        if model.readOnly {
            hints = hints.filter { hint in
                !["d ", "n ", "U ", "a ", "s ", "m ", "r ", "t ", "R ", "P "].contains { hint.hasPrefix($0) }
            }
        }
        // As many of the screen's hints as fit, and always the way to help and out.
        while !hints.isEmpty && TextWidth.width(of: (hints + always).joined(separator: " · ")) > model.columns - 1 {
            hints.removeLast()
        }
        let text = (hints + always).joined(separator: " · ")
        frame.put(text, row: row, column: 0, style: .hint)
        addHintClicks(text, row: row, column: 0, &frame)
    }

    /// Makes each hint of `text` (`enter open · d declare · j/k move`, as drawn at `row`, `column`) a
    /// button whose click is its key (a key of the keymap, or one character: a dialog's `y yes`); a hint
    /// whose first word names no one key (`j/k move`, `any other key no`) is none.
    static func addHintClicks(_ text: String, row: Int, column: Int, _ frame: inout Frame) {
        var x = column
        for hint in text.components(separatedBy: " · ") {
            let width = TextWidth.width(of: hint)
            if let name = hint.split(separator: " ").first.map(String.init),
                let key = Keymap.key(named: name) ?? (name.count == 1 ? .character(Character(name)) : nil)
            {
                frame.addClick(.key(key), row: row, column: x, width: width)
            }
            x += width + TextWidth.width(of: " · ")
        }
    }

    static func drawPlaceholder(_ model: ConsoleModel, _ frame: inout Frame, title: String, lines: [String]) {
        frame.put(title, row: 2, column: 1, style: .heading)
        for (i, line) in lines.enumerated() { frame.put(line, row: 4 + i, column: 1, style: .dim) }
    }

    /// The message wraps to whatever size the terminal has, however small: the longest wording that
    /// fits, so a 20×5 pane still says what is wrong and how to leave.
    static func drawTooSmall(_ model: ConsoleModel, _ frame: inout Frame) {
        let times = model.glyphs == .unicode ? "×" : "x"
        let size = "\(model.columns)\(times)\(model.rows)"
        let wordings = [
            [
                "Terminal too small: \(size).", "Klaxon needs at least 80\(times)24.",
                "Make the window larger, or press q to quit."
            ],
            ["Too small: \(size).", "Needs 80\(times)24.", "q quits."],
            ["Too small: q quits."]
        ]
        let fitting = wordings.lazy.map { sentences in
            sentences.enumerated().flatMap { i, sentence in
                TextWidth.wrap(sentence, to: model.columns).map { (text: $0, style: i == 0 ? Style.error : .normal) }
            }
        }
        let lines = fitting.first { $0.count <= model.rows } ?? fitting.last!
        let top = max(0, (model.rows - lines.count) / 2)
        for (i, line) in lines.prefix(model.rows).enumerated() {
            frame.put(
                line.text, row: top + i, column: max(0, (model.columns - TextWidth.width(of: line.text)) / 2),
                style: line.style)
        }
    }

    /// Restyles every case-insensitive occurrence of `query` in `text` drawn at (`row`, `column`).
    static func highlight(_ query: String?, in text: String, row: Int, column: Int, _ frame: inout Frame) {
        guard let query, !query.isEmpty else { return }
        let haystack = Array(text.lowercased())
        let needle = Array(query.lowercased())
        guard haystack.count == text.count, needle.count <= haystack.count else { return }
        let characters = Array(text)
        var i = 0
        while i + needle.count <= haystack.count {
            if Array(haystack[i..<(i + needle.count)]) == needle {
                let start = column + TextWidth.width(of: String(characters[..<i]))
                let width = TextWidth.width(of: String(characters[i..<(i + needle.count)]))
                frame.restyle(row: row, column: start, count: width, style: .match)
                i += needle.count
            } else {
                i += 1
            }
        }
    }

    /// The name a screen gives `zone`: its identifier (`Europe/Berlin`), but `UTC` for UTC, which
    /// Foundation names `GMT` (`TZ=UTC` gives the zone `GMT`; a responder set UTC and reads UTC).
    static func zoneIdentifier(_ zone: TimeZone) -> String {
        let utc: Set = [
            "UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"
        ]
        return utc.contains(zone.identifier) ? "UTC" : zone.identifier
    }

    /// The top bar's name of `zone` at `time`: its abbreviation (`GMT+1`, `GMT` for London's winter), or
    /// `UTC` (`zoneIdentifier`).
    static func zoneName(_ zone: TimeZone, at time: Timestamp) -> String {
        let identifier = zoneIdentifier(zone)
        return identifier == "UTC" ? identifier : zone.abbreviation(for: time.date) ?? identifier
    }
}
