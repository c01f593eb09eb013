/// Everything a responder can do in the console. Keys, the help screen, the command palette and the
/// README's key table all come from `Keymap.bindings`.
public enum ConsoleAction: String, CaseIterable, Hashable, Sendable {
    case help, quit, back, redraw, palette
    case dashboard, incidentScreen, statusScreen, onCallScreen, runbooksScreen, reportsScreen, alertsScreen,
        objectivesScreen
    case nextPane, previousPane
    case up, down, pageUp, pageDown, top, bottom, open
    case search, searchNext, searchPrevious
    case declare, note, noteInEditor, postUpdate, setStatus, setSeverity, assignRole, acknowledge, mitigate, resolve
    case addActionItem, completeActionItem, reopen, addLink, page, escalateNow, stopEscalation
    case toggleUTC, filterKind
    /// The most urgent thing, from any screen: the most severe unacknowledged incident, else the check
    /// down longest.
    case worst
    /// The status board's order: as configured, or failures first.
    case failuresFirst
    case exportReview
    case openRunbook, tableOfContents, historyBack, historyForward, scrollLeft, scrollRight, tickStep
    case takePager

    /// Whether the action writes to a journal, or to the workspace's overrides (`takePager`): hidden, and
    /// refused, with `--read-only`.
    public var writes: Bool {
        switch self {
        case .declare, .note, .noteInEditor, .postUpdate, .setStatus, .setSeverity, .assignRole, .acknowledge,
            .mitigate, .resolve,
            .addActionItem, .completeActionItem, .reopen, .addLink, .tickStep, .page, .escalateNow,
            .stopEscalation, .takePager:
            return true
        default:
            return false
        }
    }
}

/// Where a binding applies.
public enum KeyScope: String, CaseIterable, Sendable {
    case everywhere = "Everywhere"
    case lists = "Lists, timeline and runbooks"
    case incident = "Incidents (dashboard selection, incident screen, or the selected alert's incident)"
    case timeline = "Incident screen"
    case runbook = "Runbooks"
    case status = "Status board"
    case onCall = "On-call screen"

    /// Whether the binding's keys mean anything on `screen`.
    public func applies(on screen: ConsoleModel.Screen) -> Bool {
        switch self {
        case .everywhere, .lists: true
        case .incident: screen == .dashboard || screen == .incident || screen == .alerts
        case .timeline: screen == .incident
        case .runbook: screen == .runbooks
        case .status: screen == .status
        case .onCall: screen == .onCall
        }
    }
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: ConsoleAction
    public var scope: KeyScope
    public var summary: String
}

public enum Keymap {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.character("?")], action: .help, scope: .everywhere, summary: "help: every key"),
        KeyBinding(
            keys: [.character("q")], action: .quit, scope: .everywhere,
            summary: "quit (asks before losing a draft or stopping pages)"),
        KeyBinding(
            keys: [.escape], action: .back, scope: .everywhere,
            summary: "back (to the screen that opened it), close, cancel"),
        KeyBinding(
            keys: [.character(":")], action: .palette, scope: .everywhere,
            summary: "command palette: fuzzy-find any action"),
        KeyBinding(keys: [.control("l")], action: .redraw, scope: .everywhere, summary: "redraw the screen"),
        KeyBinding(keys: [.character("1")], action: .dashboard, scope: .everywhere, summary: "dashboard"),
        KeyBinding(keys: [.character("2")], action: .incidentScreen, scope: .everywhere, summary: "incident screen"),
        KeyBinding(keys: [.character("3")], action: .statusScreen, scope: .everywhere, summary: "status board"),
        KeyBinding(keys: [.character("4")], action: .onCallScreen, scope: .everywhere, summary: "on call"),
        KeyBinding(keys: [.character("5")], action: .runbooksScreen, scope: .everywhere, summary: "runbooks"),
        KeyBinding(
            keys: [.character("6")], action: .reportsScreen, scope: .everywhere,
            summary: "reports: the last 30 and 90 days"),
        KeyBinding(
            keys: [.character("7")], action: .alertsScreen, scope: .everywhere,
            summary: "alerts pushed to the intake (enter opens the alert's incident)"),
        KeyBinding(
            keys: [.character("8")], action: .objectivesScreen, scope: .everywhere,
            summary: "objectives: each SLO's budget left and burn rates"),
        KeyBinding(
            keys: [.character("!")], action: .worst, scope: .everywhere,
            summary: "the most urgent: unacknowledged incident, else down check"),
        KeyBinding(
            keys: [.tab], action: .nextPane, scope: .everywhere,
            summary: "next pane; in a runbook, the next link or step"),
        KeyBinding(
            keys: [.backTab], action: .previousPane, scope: .everywhere,
            summary: "previous pane; in a runbook, the previous link or step"),
        KeyBinding(keys: [.character("j"), .down], action: .down, scope: .lists, summary: "down"),
        KeyBinding(keys: [.character("k"), .up], action: .up, scope: .lists, summary: "up"),
        KeyBinding(keys: [.pageDown, .control("f")], action: .pageDown, scope: .lists, summary: "page down"),
        KeyBinding(keys: [.pageUp, .control("b")], action: .pageUp, scope: .lists, summary: "page up"),
        KeyBinding(keys: [.character("g"), .home], action: .top, scope: .lists, summary: "first"),
        KeyBinding(
            keys: [.character("G"), .end], action: .bottom, scope: .lists,
            summary: "last (the timeline then follows new entries)"),
        KeyBinding(
            keys: [.enter], action: .open, scope: .lists,
            summary:
                "open the selected incident, check or runbook; in a runbook, follow the selected link or tick the step"),
        KeyBinding(
            keys: [.character("/")], action: .search, scope: .lists,
            summary: "search (on the dashboard, an id such as INC-7 opens it)"),
        KeyBinding(
            keys: [.character("n")], action: .searchNext, scope: .lists, summary: "next match (while a search is shown)"
        ),
        KeyBinding(keys: [.character("N")], action: .searchPrevious, scope: .lists, summary: "previous match"),
        KeyBinding(keys: [.character("d")], action: .declare, scope: .everywhere, summary: "declare an incident"),
        KeyBinding(
            keys: [.character("n")], action: .note, scope: .incident, summary: "write a note (when no search is shown)"),
        KeyBinding(
            keys: [.character("E")], action: .noteInEditor, scope: .incident, summary: "write a note in $EDITOR"),
        KeyBinding(
            keys: [.character("U")], action: .postUpdate, scope: .incident,
            summary: "post a status update: public text and its phase, for the people who depend on the platform"),
        KeyBinding(keys: [.character("s")], action: .setStatus, scope: .incident, summary: "set the status"),
        KeyBinding(keys: [.character("S")], action: .setSeverity, scope: .incident, summary: "set the severity"),
        KeyBinding(keys: [.character("A")], action: .assignRole, scope: .incident, summary: "assign a role"),
        KeyBinding(keys: [.character("a")], action: .acknowledge, scope: .incident, summary: "acknowledge"),
        KeyBinding(
            keys: [.character("P")], action: .page, scope: .incident,
            summary: "page now: a person or an escalation policy"),
        KeyBinding(
            keys: [.character(">")], action: .escalateNow, scope: .incident,
            summary: "escalate now: the running policy pages its next step (asks first)"),
        KeyBinding(
            keys: [.character("X")], action: .stopEscalation, scope: .incident,
            summary: "stop the escalation (asks first)"),
        KeyBinding(
            keys: [.character("m")], action: .mitigate, scope: .incident, summary: "mark mitigated (asks first)"),
        KeyBinding(keys: [.character("r")], action: .resolve, scope: .incident, summary: "resolve (asks first)"),
        KeyBinding(keys: [.character("R")], action: .reopen, scope: .incident, summary: "reopen (asks first)"),
        KeyBinding(keys: [.character("t")], action: .addActionItem, scope: .incident, summary: "add an action item"),
        KeyBinding(
            keys: [.character("x")], action: .completeActionItem, scope: .timeline,
            summary: "mark the selected action item done"),
        KeyBinding(keys: [.character("L")], action: .addLink, scope: .incident, summary: "link a runbook or URL"),
        KeyBinding(keys: [.character("u")], action: .toggleUTC, scope: .timeline, summary: "times in UTC / local"),
        KeyBinding(
            keys: [.character("f")], action: .filterKind, scope: .timeline, summary: "filter the timeline by kind"),
        KeyBinding(
            keys: [.character("e")], action: .exportReview, scope: .incident,
            summary: "export the review (markdown, into reviews/)"),
        KeyBinding(
            keys: [.character("o")], action: .openRunbook, scope: .incident, summary: "open the incident's runbook"),
        KeyBinding(
            keys: [.character("o")], action: .openRunbook, scope: .status, summary: "open the selected check's runbook"),
        KeyBinding(
            keys: [.character("F")], action: .failuresFirst, scope: .status,
            summary: "failures first / as configured"),
        KeyBinding(
            keys: [.character("T")], action: .tableOfContents, scope: .runbook,
            summary: "table of contents: jump to a heading"),
        KeyBinding(
            keys: [.character("H"), .backspace], action: .historyBack, scope: .runbook,
            summary: "back (to the runbook or place before)"),
        KeyBinding(keys: [.character("L")], action: .historyForward, scope: .runbook, summary: "forward again"),
        KeyBinding(
            keys: [.character("h"), .left], action: .scrollLeft, scope: .runbook, summary: "scroll code blocks left"),
        KeyBinding(
            keys: [.character("l"), .right], action: .scrollRight, scope: .runbook, summary: "scroll code blocks right"),
        KeyBinding(
            keys: [.character("x"), .character(" ")], action: .tickStep, scope: .runbook,
            summary: "tick or untick the selected checklist step (recorded on the incident)"),
        KeyBinding(
            keys: [.character("t")], action: .takePager, scope: .onCall,
            summary:
                "take the pager: you go on call in the selected schedule from now to the end of the current shift (asks first)"
        )
    ]

    /// Where the mouse bindings apply, as the help screen and the README name it.
    public static let mouseScope = "Mouse (where the terminal has one; off with --no-mouse)"

    /// What the mouse does (`ConsoleUpdate`'s mouse handling): the help screen and the README's key
    /// table list it after the keys.
    public static let mouseBindings: [(gesture: String, summary: String)] = [
        ("click", "select a row of a list; a click on the row already selected opens it, as enter does"),
        (
            "click",
            "a tab of the row under the top bar opens its screen; a hint of the bottom line does its key; who is on call and the open count in the top bar, and the dashboard's slots, open their screens"
        ),
        ("click", "in a runbook, follow a link; select a checklist step, and tick it with a second click"),
        (
            "click",
            "in a dialog: a palette row runs it; an option is chosen (a second click on it answers a picker); a field takes the focus; an answer (y yes, enter declare) is its key"
        ),
        (
            "wheel",
            "move the selection, the timeline or the runbook \(ConsoleUpdate.wheelLines) rows, in the pane under the pointer"
        )
    ]

    /// The palette's actions matching `query`, best first; on `screen`, only those that act there (with
    /// nothing typed, the screen's own first); write actions are left out when `readOnly`.
    public static func paletteMatches(_ query: String, readOnly: Bool, on screen: ConsoleModel.Screen? = nil)
        -> [KeyBinding]
    {
        var seen = Set<ConsoleAction>()
        // On a screen, only what acts there: "scroll code blocks left" run from the dashboard did nothing.
        let candidates = bindings.filter { binding in
            guard !(binding.action.writes && readOnly), screen.map(binding.scope.applies(on:)) ?? true,
                seen.insert(binding.action).inserted
            else { return false }
            return true
        }
        guard !query.isEmpty else {
            // Nothing typed yet: what `screen`'s own keys do first (on an incident: note, ack, resolve…),
            // then the ways about and what works everywhere.
            guard let screen else { return candidates }
            func isHere(_ binding: KeyBinding) -> Bool {
                binding.scope != .everywhere && binding.scope != .lists && binding.scope.applies(on: screen)
            }
            return candidates.filter(isHere) + candidates.filter { !isHere($0) }
        }
        // Whole words first, those the summary begins with before the rest, and of equals the actions
        // before moving about: "page" is "page now" before "page down", "down" is "down".
        let typed = query.lowercased().split(separator: " ")
        func rank(_ binding: KeyBinding) -> (Int, Int, Int) {
            let summary = binding.summary.lowercased()
            let words = summary.split { !$0.isLetter && !$0.isNumber }
            let namesTheWords = typed.allSatisfy { part in words.contains { $0.hasPrefix(part) } }
            let begins = typed.first.map { summary.hasPrefix($0) } ?? false
            return (namesTheWords ? 0 : 1, begins ? 0 : 1, binding.scope == .lists ? 1 : 0)
        }
        // Each binding ranked once (the comparisons would split its summary again and again).
        let ranked = FuzzyMatch.rank(candidates, by: query) { $0.summary }.enumerated().map { offset, binding in
            (binding: binding, rank: rank(binding), offset: offset)
        }
        return ranked.sorted { a, b in
            (a.rank.0, a.rank.1, a.rank.2, a.offset) < (b.rank.0, b.rank.1, b.rank.2, b.offset)
        }.map(\.binding)
    }

    /// The actions of `key`'s bindings, first match first.
    public static func actions(for key: Key) -> [ConsoleAction] {
        bindings.filter { $0.keys.contains(key) }.map(\.action)
    }

    /// The key the help screen and the hints write as `name` (`enter`, `?`, `1`), if a binding has it.
    public static func key(named name: String) -> Key? {
        bindings.lazy.flatMap(\.keys).first { $0.name == name }
    }

    public static func binding(for action: ConsoleAction) -> KeyBinding? {
        bindings.first { $0.action == action }
    }

    /// The key names of `action`, e.g. `j, ↓`.
    public static func keyNames(_ action: ConsoleAction) -> String {
        binding(for: action)?.keys.map(\.name).joined(separator: ", ") ?? ""
    }

    /// The README's key table (a test keeps the README in step with it).
    public static var markdownTable: String {
        var lines = ["| keys | action | where |", "|---|---|---|"]
        for binding in bindings {
            let keys = binding.keys.map { "`\($0.name)`" }.joined(separator: " ")
            lines.append("| \(keys) | \(binding.summary) | \(binding.scope.rawValue) |")
        }
        for (gesture, summary) in mouseBindings { lines.append("| \(gesture) | \(summary) | \(mouseScope) |") }
        return lines.joined(separator: "\n")
    }
}
