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

    /// Checks whose incident is owed: down, with `declare:`, and no incident declared for this run of
    /// failures, because the declaration failed (a busy lock, a full disk) or the process died between
    /// recording the change and declaring. Declared at the next report that finds the check still down.
    private var owed: [String: Timestamp] = [:]
    /// Checks that a restart found down (`PlatformJournal.lastStates`), with since when: their first
    /// report after the restart says whether their incident was declared.
    private var restoredDown: [String: Timestamp]

    /// `restored` is what the poller goes on from (a restart is not a state change).
    init(workspace: Workspace, store: IncidentStore, writer: WriterIdentity,
         restored: [String: CheckStateMachine.Recorded] = [:]) throws(KlaxonError) {
        self.workspace = workspace
        self.store = store
        restoredDown = restored.filter { $0.value.state == .down }.mapValues(\.since)
        platform = try PlatformJournal.claim(directory: workspace.journalsDirectory)
        var recorder = writer
        recorder.actor = "status-poller"
        self.writer = recorder
    }

    /// Whether a report of `check` without a change may still declare (see `owed`): the caller then
    /// hands it over like a change.
    func owesDeclaration(_ check: String) -> Bool { owed[check] != nil || restoredDown[check] != nil }

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
    /// A declaration that could not be made is owed, and made at the next report while the check is down.
    func declareIfAsked(_ report: CheckReport, openIncidents: [IncidentJournal], problems: inout [String]) -> IncidentJournal? {
        let check = report.check
        guard platform != nil, let severity = check.declare else { return nil }
        guard report.state == .down else {
            owed[check.name] = nil
            restoredDown[check.name] = nil
            return nil
        }
        if let since = restoredDown.removeValue(forKey: check.name), report.transition == nil, !declared(by: check.name, since: since) {
            owed[check.name] = since
        }
        guard report.transition?.to == .down || owed[check.name] != nil else { return nil }
        guard !openIncidents.contains(where: { $0.incident.isOpen && $0.incident.declaringCheck == check.name }) else {
            owed[check.name] = nil
            return nil
        }
        let alerts = report.evaluation.items.filter { $0.effect == .down }
        // The impact began no later than the first failed poll of the run that confirmed it down, or
        // than the alerts that did.
        let impact = (alerts.compactMap(\.startsAt) + [report.failingSince, owed[check.name]].compactMap { $0 }).min()
        let declaration = Declaration(
            title: "\(check.name) is down: \(report.evaluation.observation.detail)".prefix(200).description,
            severity: severity, services: check.service.map { [$0] } ?? [], impactStarted: impact, detected: report.at,
            policy: check.policy, check: check.name, runbooks: check.runbook.map { [$0] } ?? [])
        do {
            let journal = try store.declare(declaration, by: writer, at: report.at)
            owed[check.name] = nil
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
            owed[check.name] = owed[check.name] ?? report.failingSince ?? report.at
            problems.append("\(check.name) is down but its incident was not declared: \(error.message); tried again at its next poll while it is down")
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

    /// Whether an incident (open or resolved) was declared by `check` at or after `since`: the newest
    /// incidents are read first, and the reading stops a day before `since` (ids grow with time; a day
    /// leaves room for a declared time amended back). When the incidents cannot be read, it says yes:
    /// better no second incident than two.
    func declared(by check: String, since: Timestamp) -> Bool {
        guard let ids = try? store.ids() else { return true }
        for id in ids.reversed() {
            guard let incident = try? store.open(id, keepingTimeline: false).incident else { continue }
            if incident.declaringCheck == check && incident.declaredAt >= since { return true }
            if incident.declaredAt < since.adding(seconds: -86_400) { return false }
        }
        return false
    }

    /// Only http and https links from an alert's annotations are linked.
    static func isWebLink(_ url: String) -> Bool {
        (url.hasPrefix("https://") || url.hasPrefix("http://")) && !url.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == " " }
    }
}
