import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// Options every workspace command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The workspace directory (default: $KLAXON_WORKSPACE, else the nearest directory above holding klaxon.yaml).",
            valueName: "dir"))
    var workspace: String?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp("Who is acting (default: $KLAXON_USER, else the login name).", valueName: "name"))
    var actor: String?

    var context: CommandContext { CommandContext.current }

    func loadWorkspace() throws(KlaxonError) -> Workspace {
        try Workspace.locate(
            explicit: workspace, environment: context.environment, currentDirectory: context.currentDirectory)
    }

    /// `--as`, else `KLAXON_USER`, else the login name.
    func writer() throws(KlaxonError) -> WriterIdentity {
        let env = context.environment
        let name = actor ?? env["KLAXON_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.loginName(env)
        guard IncidentAction.isName(name) else {
            throw .badInput(
                "\"\(name)\" is not a person's id; pass --as NAME or set KLAXON_USER (letters, digits, dots, dashes, underscores)"
            )
        }
        var identity = WriterIdentity.current(actor: name)
        identity.pid = context.processID
        return identity
    }

    static func loginName(_ env: [String: String]) -> String {
        if let name = env["LOGNAME"] ?? env["USER"], !name.isEmpty { return name }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }

    func parseTime(_ text: String, workspace: Workspace) throws(KlaxonError) -> Timestamp {
        try TimeExpression.parse(
            text, now: context.now(), timeZone: workspace.displayTimeZone(environment: context.environment))
    }

    /// The window of `--from` and `--to` (aliases `--since`, `--until`; default: now, and `defaultDays`
    /// before the end), checked as every window is (`InputLimits.checkWindow`).
    func window(from: String?, to: String?, defaultDays: Int64, workspace: Workspace) throws(KlaxonError) -> (
        start: Timestamp, end: Timestamp
    ) {
        let end =
            try to.map { (t: String) throws(KlaxonError) in try parseTime(t, workspace: workspace) } ?? context.now()
        let start =
            try from.map { (t: String) throws(KlaxonError) in try parseTime(t, workspace: workspace) }
            ?? end.adding(seconds: -defaultDays * 86400)
        // Each end in the words typed (or its default), as every window's are said.
        try InputLimits.checkWindow(
            from: start, to: end, "--from (\(from ?? "\(defaultDays) days before --to"))", "--to (\(to ?? "now"))")
        return (start, end)
    }
}

/// The names of a window's options: `--from`/`--to` everywhere, `--since`/`--until` kept as aliases.
enum WindowOption {
    static let from: NameSpecification = [.customLong("from"), .customLong("since")]
    static let to: NameSpecification = [.customLong("to"), .customLong("until")]
    /// The names of each end of a window, as typed.
    static let ends = [["--from", "--since"], ["--to", "--until"]]

    /// What is wrong when an end of the window is given more than once in `arguments` (before `--`):
    /// `--from today --since tomorrow`, or `--to` twice. The argument parser would keep the last without
    /// a word, and a window other than the one meant is worse than a refusal. Nil when each is given once.
    static func repeatedEnd(in arguments: [String]) -> String? {
        let names = arguments.prefix { $0 != "--" }.map { String($0.prefix { $0 != "=" }) }
        for end in ends {
            let given = names.filter(end.contains)
            guard given.count > 1 else { continue }
            return given[0] == given[1]
                ? "\(given[0]) is given twice; give it once"
                : "\(given[0]) and \(given[1]) name the same time; give one"
        }
        return nil
    }
}

/// A command that takes a window (`WindowOption`): each end of it is refused when given twice, under one
/// name or both (`runKlaxon` checks the command line it was parsed from).
protocol WindowCommand: ParsableCommand {}

/// `--json`: machine-readable output.
struct JSONFlag: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}
