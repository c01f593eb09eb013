import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonStore

/// Reads what a review needs from the workspace: the incident's journal (checked as it is read), the
/// platform journal's check changes, the checks of its services and the runbooks' titles.
enum ReviewSource {
    static func review(of id: String, workspace: Workspace, now: Timestamp) throws(KlaxonError) -> (
        IncidentReview, warnings: [String]
    ) {
        let journal = try workspace.incidents.open(id)
        var warnings = journal.warnings
        let problem = journal.file.corruption.map { "damaged at \($0); the review holds the records before it" }
        if let problem { warnings.append("\(journal.file.path) is \(problem)") }
        // A file is named without its directory (the review reads the same wherever it is exported);
        // a database's journal as the store names it (the incident at the URI, without secrets).
        var file: String?
        if case .directory = workspace.config.journals { file = journal.incident.id + ".jsonl" }
        let seal = IncidentReview.JournalSeal(
            source: file ?? journal.file.path, file: file, recordCount: journal.incident.recordCount,
            finalHash: journal.file.lastHash, problem: problem)
        let platform = try ReviewFiles.platformRecords(store: workspace.journalStore)
        warnings += platform.warnings
        let incident = journal.incident
        let checks = CheckFiles.load(workspaceRoot: workspace.root, timeZone: TimeZone(identifier: "UTC")!).checks
        let serviceChecks = Set(checks.filter { $0.service.map(incident.services.contains) == true }.map(\.name))
        var titles: [String: String] = [:]
        if incident.links.contains(where: { $0.kind == .runbook }) || !incident.runbookSteps.isEmpty {
            for runbook in RunbookCommand.load(workspace) { titles[runbook.name] = runbook.title }
        }
        let review = IncidentReview(
            incident: incident, journal: seal, platformRecords: platform.records, checks: serviceChecks,
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
