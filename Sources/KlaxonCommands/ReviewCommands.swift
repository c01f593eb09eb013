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
            discussion:
                "Times are UTC. With -o the file is written whole or not at all (temporary file, fsync, rename). docs/review-format.md describes every field."
        )
        @Argument(help: "The incident.") var id: String
        @Option(name: .long, help: "md, json or csv.") var format: ExportFormat = .md
        @Option(
            name: [.customShort("o"), .long],
            help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
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

    struct Report: WindowCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Figures across incidents: counts by severity and service, time to acknowledge and resolve, pages per person, incidents per week.",
            discussion:
                "Counts the incidents declared in the window (default: the last 30 days). Weeks run Monday to Sunday in the workspace's time zone."
        )
        @Option(
            name: WindowOption.from,
            help: ArgumentHelp("From this time (default: 30 days before --to).", valueName: "time"))
        var from: String?
        @Option(
            name: WindowOption.to,
            help: ArgumentHelp("Until this time (default: now).", valueName: "time"))
        var to: String?
        @Option(name: .long, help: ArgumentHelp("Only incidents of this service.", valueName: "service")) var service:
            String?
        @Option(name: .long, help: "md or json.") var format: ReportFormat = .md
        @OptionGroup var global: GlobalOptions

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case md, json }

        func run() throws {
            let context = global.context
            let workspace = try global.loadWorkspace()
            let (start, end) = try global.window(from: from, to: to, defaultDays: 30, workspace: workspace)
            let formatter = LocalTimeFormatter(timeZone: workspace.displayTimeZone(environment: context.environment))
            let incidents = try ReviewSource.summaries(workspace: workspace, warn: context.warn)
            if let service, !incidents.contains(where: { $0.services.contains(service) }) {
                context.warn("no incident names the service \"\(service)\"")
            }
            let report = ReviewReport(
                incidents: incidents, since: start, until: end, service: service, timeZone: formatter)
            switch format {
            case .md: context.write(document: ReviewReportText.markdown(report, formatter: formatter))
            case .json: context.write(document: ReviewReportText.json(report).prettyJSON(compactFrom: 2), json: true)
            }
        }
    }
}
