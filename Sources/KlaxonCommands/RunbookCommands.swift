import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonStore
import KlaxonTerminal
import KlaxonUI

/// `klaxon runbook …`: the markdown runbooks of `Runbooks/`.
struct RunbookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook", abstract: "The runbooks in Runbooks/: list, show, lint.",
        subcommands: [List.self, Show.self, Lint.self])

    static func load(_ workspace: Workspace) -> [Runbook] {
        RunbookFiles.load(workspaceRoot: workspace.root, parse: MarkdownParser.parse)
    }

    /// The runbook called `name` (`registry-5xx`, `registry-5xx.md` or `Runbooks/registry-5xx.md`).
    static func find(_ name: String, in runbooks: [Runbook]) throws(KlaxonError) -> Runbook {
        let key = Runbook.name(referredToAs: name)
        if let runbook = runbooks.first(where: { $0.name == key }) { return runbook }
        let close = runbooks.filter {
            $0.name.localizedCaseInsensitiveContains(key) || $0.title.localizedCaseInsensitiveContains(key)
        }
        let hint =
            close.isEmpty
            ? "klaxon runbook list shows them all"
            : "did you mean " + close.prefix(3).map(\.name).joined(separator: ", ") + "?"
        throw .badInput("no runbook named \"\(name)\" in Runbooks/; \(hint)")
    }

    static func findings(_ workspace: Workspace, _ runbooks: [Runbook], now: Timestamp) -> [ConfigFinding] {
        RunbookLint.findings(
            runbooks, checks: RunbookFiles.checkReferences(workspaceRoot: workspace.root), now: now,
            staleAfterDays: workspace.config.runbookStaleAfterDays)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the runbooks: name, title, owner, last review (stale ones flagged).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let runbooks = RunbookCommand.load(workspace)
            for r in runbooks { if let reason = r.notRead { context.warn("\(r.path) \(reason)") } }
            let now = context.now()
            let limit = workspace.config.runbookStaleAfterDays
            if output.json {
                context.print(
                    json: JSONValue.array(
                        runbooks.map { r in
                            .object([
                                "name": .string(r.name), "title": .string(r.title), "path": .string(r.path),
                                "owner": r.metadata.owner.map(JSONValue.string) ?? .null,
                                "services": .array(r.metadata.services.map(JSONValue.string)),
                                "checks": .array(r.metadata.checks.map(JSONValue.string)),
                                "last_reviewed": r.metadata.lastReviewed.map { .string($0.isoDate) } ?? .null,
                                "stale": .bool(r.isStale(now: now, days: limit))
                            ])
                        }))
                return
            }
            guard !runbooks.isEmpty else {
                context.print("No runbooks in \(RunbookFiles.directory(workspaceRoot: workspace.root)).")
                return
            }
            var rows = [["NAME", "OWNER", "REVIEWED", "TITLE"]]
            for r in runbooks {
                let reviewed =
                    (r.metadata.lastReviewed?.isoDate ?? "never") + (r.isStale(now: now, days: limit) ? " STALE" : "")
                rows.append([r.name, r.metadata.owner ?? "—", reviewed, r.title])
            }
            context.print(TextTable.render(rows))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a runbook: styled on a terminal, plain text otherwise.",
            discussion: "Code blocks are printed exactly as written, never wrapped, so they can be copied into a shell."
        )
        @Argument(help: "The runbook (its name, as klaxon runbook list shows it).") var name: String
        @Option(help: "Lay out to this many columns (default: the terminal's width, else 80).") var width: Int?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let runbook = try RunbookCommand.find(name, in: RunbookCommand.load(workspace))
            if let reason = runbook.notRead { throw KlaxonError.failed("\(runbook.path) \(reason)") }
            let columns = width ?? context.outputTerminalColumns ?? 80
            guard (20...1000).contains(columns) else { throw KlaxonError.badInput("--width must be from 20 to 1000") }
            let ascii =
                !(context.environment["LC_ALL"] ?? context.environment["LC_CTYPE"] ?? context.environment["LANG"]
                ?? "UTF-8").uppercased().contains("UTF")
            let page = RunbookLayout.page(
                runbook.document, width: columns, ascii: ascii && context.outputTerminalColumns != nil)
            let header = RunbookShow.header(
                runbook, now: context.now(), staleAfterDays: workspace.config.runbookStaleAfterDays)
            if context.outputTerminalColumns != nil {
                let noColor = context.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
                context.standardOutput(
                    RunbookShow.styled(
                        page, header: header, color: !noColor,
                        hyperlinks: TerminalScreen.hyperlinksWanted(environment: context.environment)))
            } else {
                context.write(document: RunbookShow.plain(page, header: header))
            }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check the runbooks: links and anchors, front matter, staleness, and checks naming missing runbooks.",
            discussion: "Exit status 1 when there is an error; warnings alone (stale, no owner) exit 0.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: JSONFlag

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let findings = RunbookCommand.findings(workspace, RunbookCommand.load(workspace), now: context.now())
            try ConfigCommand.report(findings, json: output.json, context: context)
        }
    }
}

/// Runbooks as text for standard output.
enum RunbookShow {
    /// The line of facts above the document: owner, services, checks, last review.
    static func header(_ runbook: Runbook, now: Timestamp, staleAfterDays: Int) -> String {
        var parts: [String] = []
        if let owner = runbook.metadata.owner { parts.append("owner \(owner)") }
        if !runbook.metadata.services.isEmpty {
            parts.append("services " + runbook.metadata.services.joined(separator: ", "))
        }
        if !runbook.metadata.checks.isEmpty {
            parts.append("checks " + runbook.metadata.checks.joined(separator: ", "))
        }
        if let reviewed = runbook.metadata.lastReviewed, let age = runbook.daysSinceReview(now: now) {
            parts.append(
                "reviewed \(reviewed.isoDate) (\(Plural.count(age, "day")) ago)"
                    + (age > staleAfterDays ? " STALE" : ""))
        } else {
            parts.append("never reviewed STALE")
        }
        return parts.joined(separator: " · ")
    }

    /// Plain text: code lines exactly as in the file, other lines without trailing spaces.
    static func plain(_ page: RunbookPage, header: String) -> String {
        var out = header + "\n\n"
        for line in page.lines {
            if let verbatim = line.verbatim {
                out += verbatim + "\n"
                continue
            }
            var text = line.text
            while text.last == " " { text.removeLast() }
            out += text + "\n"
        }
        return out
    }

    /// With ANSI styles, and OSC 8 hyperlinks on web links when `hyperlinks`. The runbook's own text goes
    /// through TerminalText, so these are the only escape sequences: a runbook cannot send its own.
    static func styled(_ page: RunbookPage, header: String, color: Bool, hyperlinks: Bool) -> String {
        let reset = "\u{1B}[0m"
        var out = sgr(.dim, color: color) + TerminalText.printable(header) + reset + "\n\n"
        let urls: [Int: String] = Dictionary(
            uniqueKeysWithValues: page.targets.enumerated().compactMap { i, target in
                if hyperlinks, case .link(let url) = target.kind, RunbookLinks.isWebAddress(url) { return (i, url) }
                return nil
            })
        for line in page.lines {
            if let verbatim = line.verbatim, !color {
                out += TerminalText.printable(verbatim) + "\n"
                continue
            }
            for span in line.spans {
                let linked = span.style == .link ? span.target.flatMap { urls[$0] } : nil
                if let linked { out += "\u{1B}]8;;\(linked)\u{1B}\\" }
                let text = TerminalText.printable(span.text)
                out += span.style == .normal ? text : sgr(span.style, color: color) + text + reset
                if linked != nil { out += "\u{1B}]8;;\u{1B}\\" }
            }
            out += "\n"
        }
        return out
    }

    static func sgr(_ style: Style, color: Bool) -> String {
        let codes: String
        switch style {
        case .heading, .strong: codes = "1"
        case .dim: codes = "2"
        case .emphasis: codes = "3"
        case .strikethrough: codes = "9"
        case .link: codes = color ? "4;34" : "4"
        case .code: codes = color ? "36" : "0"
        case .accent: codes = color ? "36" : "0"
        case .ok: codes = color ? "32" : "0"
        case .match: codes = "7"
        default: codes = "0"
        }
        return "\u{1B}[\(codes)m"
    }
}
