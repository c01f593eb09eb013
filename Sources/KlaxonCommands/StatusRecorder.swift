import Foundation
import KlaxonCore
import KlaxonStore

/// Writes checks' state changes down: in `journals/platform.jsonl` (when this process holds its lock)
/// and on the open incidents of the check's service. The console and `klaxon watch` both use it.
final class StatusRecorder {
    let workspace: Workspace
    let platform: PlatformJournal?
    let writer: WriterIdentity

    init(workspace: Workspace, writer: WriterIdentity) throws(KlaxonError) {
        self.workspace = workspace
        platform = try PlatformJournal.claim(directory: workspace.journalsDirectory)
        var recorder = writer
        recorder.actor = "status-poller"
        self.writer = recorder
    }

    /// Whether another process records (this one then only shows).
    var isRecording: Bool { platform != nil }

    /// Records `report`'s change, if it has one worth recording (the first result of a healthy check is
    /// not); returns the incidents it wrote on, and the problems it met.
    func record(_ report: CheckReport, openIncidents: [IncidentJournal]) -> (changed: [IncidentJournal], problems: [String]) {
        guard let platform, let change = report.transition,
              !(change.from == .unknown && [.up, .degraded, .maintenance].contains(change.to)) else { return ([], []) }
        let detail = report.evaluation.observation.detail
        var problems: [String] = [], changed: [IncidentJournal] = []
        do {
            try platform.record(check: report.check.name, from: change.from, to: change.to, detail: detail, at: report.at, by: writer)
        } catch {
            problems.append("the state change of \(report.check.name) was not recorded: \(error.message)")
        }
        guard let service = report.check.service else { return (changed, problems) }
        for journal in openIncidents where journal.incident.isOpen && journal.incident.services.contains(service) && !journal.isReadOnly {
            do {
                _ = try journal.perform(.checkChanged(check: report.check.name, from: change.from.rawValue, to: change.to.rawValue, detail: detail),
                                       by: writer, now: { report.at })
                changed.append(journal)
            } catch {
                problems.append("\(journal.id): \(error.message)")
            }
        }
        return (changed, problems)
    }
}
