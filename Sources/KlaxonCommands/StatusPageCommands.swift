import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonStore

/// `klaxon statuspage …`: the public status page (docs/comms.md, "The status page").
struct StatusPageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statuspage", abstract: "The public status page: components, uptime, active incidents.",
        subcommands: [Build.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the status page as a static site: index.html, summary.json and api/v2/summary.json.",
            discussion: """
                Built from klaxon.yaml's checks and maintenance, the platform journal (each check's state as last \
                recorded, 90 days of uptime) and the open incidents' public updates; never their notes, people, \
                pages, nor drills. summary.json has the shape of Atlassian Statuspage's public API. Each file is \
                written whole or not at all; the journals are only read. klaxon watch serves the same page live \
                at /status on the intake's listener.
                """)
        @Option(
            name: [.customShort("o"), .long],
            help: ArgumentHelp("The directory to write the site in (made if missing).", valueName: "dir"))
        var output: String
        @Option(
            name: .long,
            help: ArgumentHelp(
                "The page's public address, for summary.json (default: intake.public_url with /status).",
                valueName: "url"))
        var url: String?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            let directory = output.hasPrefix("/") ? output : context.currentDirectory + "/" + output
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw KlaxonError.badInput(
                    "-o \(output) is not a directory: name a directory for the site (it is made if missing)")
            }
            let workspace = try global.loadWorkspace()
            let files = try loadChecks(workspace, context)
            let now = context.now()
            let source = try StatusPageSource(workspace: workspace)
            if let warning = try source.readChanges(now: now) { context.warn(warning) }
            let (incidents, problems) = try source.openIncidents()
            for problem in problems { context.warn(problem) }
            let page = StatusPage.build(
                from: StatusPage.Input(
                    name: workspace.config.name, url: url ?? statusPageURL(workspace.config),
                    timeZone: workspace.displayTimeZone(environment: context.environment), checks: files.checks,
                    current: source.lastStates, changes: source.changes, signs: source.signs,
                    pollerRunning: try source.pollerRunning(), maintenance: files.maintenance,
                    incidents: incidents, now: now))
            let summary = page.summaryJSON
            try AtomicFile.write(summary, to: directory + "/api/v2/summary.json", creatingDirectory: true)
            try AtomicFile.write(summary, to: directory + "/summary.json")
            try AtomicFile.write(page.html, to: directory + "/index.html")
            context.say(
                "klaxon: status page written to \(output) (index.html, summary.json, api/v2/summary.json): "
                    + "\(Plural.count(page.components.count, "component")), \(Plural.count(page.incidents.count, "active incident")), \(page.statusDescription)"
            )
        }
    }
}

/// Where `klaxon watch` serves the page: `intake.public_url` with `/status`, when set.
func statusPageURL(_ config: WorkspaceConfig) -> String? {
    config.intake?.publicURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/status" }
}
