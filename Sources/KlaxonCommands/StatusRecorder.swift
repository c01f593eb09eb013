import Foundation
import KlaxonCore
import KlaxonStore

/// Writes checks' state changes down: in `journals/platform.jsonl` (when this process holds its lock)
/// and on the open incidents of the check's service. The console and `klaxon watch` both use it.
final class StatusRecorder {
    let workspace: Workspace
    let platform: PlatformJournal?
    let writer: WriterIdentity

    /// Where incidents are declared; its lock wait is the caller's loop's.
    let store: IncidentStore

    init(workspace: Workspace, store: IncidentStore, writer: WriterIdentity) throws(KlaxonError) {
        self.workspace = workspace
        self.store = store
        platform = try PlatformJournal.claim(directory: workspace.journalsDirectory)
        var recorder = writer
        recorder.actor = "status-poller"
        self.writer = recorder
    }

    /// Whether another process records (this one then only shows).
    var isRecording: Bool { platform != nil }

    /// Records `report`'s change, if it has one worth recording (the first result of a healthy check is
    /// not); returns the incidents it wrote on (or declared), and the problems it met.
    func record(_ report: CheckReport, openIncidents: [IncidentJournal]) -> (changed: [IncidentJournal], problems: [String]) {
        var (changed, problems) = recordChange(report, openIncidents: openIncidents)
        if let declared = declareIfAsked(report, openIncidents: openIncidents, problems: &problems) { changed.append(declared) }
        return (changed, problems)
    }

    /// A check with `declare:` that goes down opens an incident, with its policy paging and its runbook
    /// linked, unless an open incident it declared is still open (one outage, one incident). Unknown (a
    /// source that cannot be read) never declares. For alerts, the impact began when the earliest alert
    /// that made the check down did, and their `runbook_url`s are linked when the check names no runbook.
    func declareIfAsked(_ report: CheckReport, openIncidents: [IncidentJournal], problems: inout [String]) -> IncidentJournal? {
        let check = report.check
        guard platform != nil, let severity = check.declare, report.transition?.to == .down,
              !openIncidents.contains(where: { $0.incident.isOpen && $0.incident.declaringCheck == check.name }) else { return nil }
        let alerts = report.evaluation.items.filter { $0.effect == .down }
        // The impact began no later than the first failed poll of the run that confirmed it down, or
        // than the alerts that did.
        let impact = (alerts.compactMap(\.startsAt) + [report.failingSince].compactMap { $0 }).min()
        let declaration = Declaration(
            title: "\(check.name) is down: \(report.evaluation.observation.detail)".prefix(200).description,
            severity: severity, services: check.service.map { [$0] } ?? [], impactStarted: impact, detected: report.at,
            policy: check.policy, check: check.name, runbooks: check.runbook.map { [$0] } ?? [])
        do {
            let journal = try store.declare(declaration, by: writer, at: report.at)
            if check.runbook == nil {
                var links: [String] = []
                for url in alerts.compactMap(\.runbookURL) where !links.contains(url) && links.count < 5 && Self.isWebLink(url) { links.append(url) }
                for url in links {
                    do { _ = try journal.perform(.link(url), by: writer, now: { report.at }) } catch {
                        problems.append("\(journal.id): the alert's runbook \(url) was not linked: \(error.message)")
                    }
                }
            }
            return journal
        } catch {
            problems.append("\(check.name) is down but its incident was not declared: \(error.message)")
            return nil
        }
    }

    private func recordChange(_ report: CheckReport, openIncidents: [IncidentJournal]) -> (changed: [IncidentJournal], problems: [String]) {
        // The first result of a healthy check is no change; going blind or seeing again (unknown) is.
        guard let platform, let change = report.transition,
              !(change.first && [.up, .degraded, .maintenance].contains(change.to)) else { return ([], []) }
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

    /// Only http and https links from an alert's annotations are linked.
    static func isWebLink(_ url: String) -> Bool {
        (url.hasPrefix("https://") || url.hasPrefix("http://")) && !url.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == " " }
    }
}
