import ArgumentParser
import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonStore

/// `klaxon review …`: post-incident reviews exported from the journals, and reports across incidents.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Post-incident reviews: export one incident, report on many.",
        subcommands: [Export.self, Report.self])

    enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
        case md, json, csv
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export an incident's review: markdown (default), JSON, or the timeline as CSV.",
            discussion: "Times are UTC. With -o the file is written whole or not at all (temporary file, fsync, rename). docs/review-format.md describes every field.")
        @Argument(help: "The incident.") var id: String
        @Option(name: .long, help: "md, json or csv.") var format: ExportFormat = .md
        @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var output: String?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let (review, warnings) = try ReviewSource.review(of: id, workspace: workspace, now: context.now())
            for warning in warnings { context.warn(warning) }
            let text = ReviewSource.render(review, format: format)
            guard let output else { return context.write(document: text, json: format == .json) }
            let path = output.hasPrefix("/") ? output : context.currentDirectory + "/" + output
            try OutputFile.write(text, to: path, json: format == .json)
            context.say("klaxon: review of \(review.incident.id) written to \(output)")
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Figures across incidents: counts by severity and service, time to acknowledge and resolve, pages per person, incidents per week.",
            discussion: "Counts the incidents declared in the window (default: the last 30 days). Weeks run Monday to Sunday in the workspace's time zone.")
        @Option(name: .long, help: ArgumentHelp("From this time (default: 30 days ago).", valueName: "time")) var since: String?
        @Option(name: .long, help: ArgumentHelp("Until this time (default: now).", valueName: "time")) var until: String?
        @Option(name: .long, help: ArgumentHelp("Only incidents of this service.", valueName: "service")) var service: String?
        @Option(name: .long, help: "md or json.") var format: ReportFormat = .md
        @OptionGroup var global: GlobalOptions

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case md, json }

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let now = context.now()
            let end = try until.map { (t: String) throws(KlaxonError) in try global.parseTime(t, workspace: workspace) } ?? now
            let start = try since.map { (t: String) throws(KlaxonError) in try global.parseTime(t, workspace: workspace) }
                ?? end.adding(seconds: -30 * 86400)
            try InputLimits.checkWindow(from: start, to: end, "--since (\(start.rfc3339))", "--until (\(end.rfc3339))")
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let incidents = try ReviewSource.summaries(workspace: workspace, warn: context.warn)
            if let service, !incidents.contains(where: { $0.services.contains(service) }) {
                context.warn("no incident names the service \"\(service)\"")
            }
            let report = ReviewReport(incidents: incidents, since: start, until: end, service: service, timeZone: formatter)
            switch format {
            case .md: context.write(document: ReviewReportText.markdown(report, formatter: formatter))
            case .json: context.write(document: ReviewReportText.json(report).prettyJSON(compactFrom: 2), json: true)
            }
        }
    }
}

/// Reads what a review needs from the workspace: the incident's journal (checked as it is read), the
/// platform journal's check changes, the checks of its services and the runbooks' titles.
enum ReviewSource {
    static func review(of id: String, workspace: Workspace, now: Timestamp) throws(KlaxonError) -> (IncidentReview, warnings: [String]) {
        let journal = try workspace.incidents.open(id)
        var warnings = journal.warnings
        let problem = journal.file.corruption.map { "damaged at \($0); the review holds the records before it" }
        if let problem { warnings.append("\(journal.file.path) is \(problem)") }
        let seal = IncidentReview.JournalSeal(file: URL(fileURLWithPath: journal.file.path).lastPathComponent, recordCount: journal.incident.recordCount,
                                              finalHash: journal.file.lastHash, problem: problem)
        let platform = try ReviewFiles.platformRecords(journalsDirectory: workspace.journalsDirectory)
        warnings += platform.warnings
        let incident = journal.incident
        let checks = CheckFiles.load(workspaceRoot: workspace.root, timeZone: TimeZone(identifier: "UTC")!).checks
        let serviceChecks = Set(checks.filter { $0.service.map(incident.services.contains) == true }.map(\.name))
        var titles: [String: String] = [:]
        if incident.links.contains(where: { $0.kind == .runbook }) || !incident.runbookSteps.isEmpty {
            for runbook in RunbookCommand.load(workspace) { titles[runbook.name] = runbook.title }
        }
        let review = IncidentReview(incident: incident, journal: seal, platformRecords: platform.records, checks: serviceChecks,
                                    runbookTitles: titles, exportedAt: now)
        return (review, warnings)
    }

    static func render(_ review: IncidentReview, format: ReviewCommand.ExportFormat) -> String {
        switch format {
        case .md: ReviewMarkdown.render(review)
        case .json: ReviewJSON.render(review)
        case .csv: ReviewCSV.render(review)
        }
    }

    /// Every incident's summary; one that cannot be read is warned about and left out.
    static func summaries(workspace: Workspace, warn: (String) -> Void) throws(KlaxonError) -> [Incident] {
        try IncidentListing.load(workspace: workspace, includeResolved: true, warn: warn).map(\.incident)
    }
}
