import Foundation
import KlaxonCore
import KlaxonStore

/// Writes checks' state changes down: in `journals/platform.jsonl` (when this process holds its lock)
/// and on the open incidents of the check's service. The console and `klaxon watch` both use it; one
/// that starts while another process records takes the recording over when that one stops
/// (`takeOverIfFree`), as the escalation engine is taken over.
final class StatusRecorder {
    let workspace: Workspace
    /// The journal, once this process holds its lock; nil while another process records.
    private(set) var platform: PlatformJournal?
    let writer: WriterIdentity

    /// Where incidents are declared; its lock wait is the caller's loop's.
    let store: IncidentStore

    /// Checks whose incident is owed: down, with `declare:`, and no incident declared for this run of
    /// failures, because the declaration failed (a busy lock, a full disk) or the process died between
    /// recording the change and declaring. Declared at the next report that finds the check still down.
    private var owed: [String: Timestamp] = [:]
    /// Checks that a restart (or a takeover) found down, with since when: their first report after it
    /// says whether their incident was declared.
    private var restoredDown: [String: Timestamp]
    /// While another process records: the latest state the poller reported of each check, what a
    /// takeover records where the platform journal says otherwise.
    private var seen: [String: Seen] = [:]
    /// Where the platform journal and the recorder's hold are.
    private let journals: any JournalStore
    /// Told when a write finds the store unreachable: the outage is said once by the responder, not at
    /// each change it could not record.
    var reachability: StoreReachability?
    private struct Seen {
        var check: CheckDefinition
        var state: CheckState
        var since: Timestamp
        var detail: String
    }

    /// Who this process is, for the hold (`role` as the engine's: console, klaxon watch).
    private let role: String
    private let person: WriterIdentity
    private let clock: @Sendable () -> Timestamp

    /// `restored` is what the poller goes on from (a restart is not a state change). `role`, `writer` and
    /// `clock` name this process in the hold when it takes it, as the engine's does.
    init(
        workspace: Workspace, store: IncidentStore, writer: WriterIdentity, role: String,
        clock: @escaping @Sendable () -> Timestamp, restored: [String: CheckStateMachine.Recorded] = [:]
    ) throws(KlaxonError) {
        self.workspace = workspace
        self.store = store
        self.role = role
        self.clock = clock
        person = writer
        journals = try workspace.journalStore
        restoredDown = restored.filter { $0.value.state == .down }.mapValues(\.since)
        down = Set(restored.filter { [.down, .pending].contains($0.value.state) }.keys)
        platform = try PlatformJournal.claim(store: journals, holder: writer.holder(role: role, since: clock()))
        var recorder = writer
        recorder.actor = "status-poller"
        self.writer = recorder
        // Written at the first pass (or before the first change), not here: the store may not answer yet.
        startOwed = platform != nil
    }

    /// When this recorder last wrote on the platform journal (nil: not yet since it took the recording).
    private var lastWritten: Timestamp?
    /// Whether its `poller.started` is still to be written (it took the recording; the write failed).
    private var startOwed = false
    /// The checks last recorded down or failing: while any is, the beat is every minute.
    private var down: Set<String> = []

    /// Writes this poller's signs of life on the platform journal (`PollerLife`): `poller.started` once
    /// it records (again at each takeover), then `poller.alive` when nothing was written for
    /// `PollerLife.beatSeconds`; the caller's loop calls it each second. Returns the problem met, if any
    /// (tried again at the next call).
    func beat() -> String? {
        guard let platform else { return nil }
        let now = clock()
        let sign: PollerLife.Sign.Kind
        if startOwed {
            sign = .started
        } else if let last = lastWritten,
            now.milliseconds - last.milliseconds
                < (down.isEmpty ? PollerLife.beatSeconds : PollerLife.beatSecondsWhileDown) * 1000
        {
            return nil
        } else {
            sign = .alive
        }
        do {
            try platform.record(sign, at: now, by: writer)
            startOwed = false
            lastWritten = now
            beatFailing = false
            return nil
        } catch {
            reachability?.note(error)
            // Said once until it works again: as the outage, or as a lost hold, or here.
            defer { beatFailing = true }
            if beatFailing || error.isUnreachable || !platform.isHeld { return nil }
            return "the poller's sign of life was not recorded: \(error.message); it is tried again each second"
        }
    }
    private var beatFailing = false

    /// Writes `poller.stopped` when this process records: its clean stop, so that the page knows no
    /// poller checks from now on (without it, the life ends at its last record).
    func stopped() {
        // A stop whose start is not on the journal would end another life there.
        guard let platform, !startOwed else { return }
        do { try platform.record(.stopped, at: clock(), by: writer) } catch { reachability?.note(error) }
    }

    /// Whether a report of `check` without a change may still declare (see `owed`): the caller then
    /// hands it over like a change.
    func owesDeclaration(_ check: String) -> Bool {
        platform != nil && (owed[check] != nil || restoredDown[check] != nil)
    }

    /// Whether this process records (while another one does, this one only shows).
    var isRecording: Bool { platform != nil }

    /// Whether this process still records: false, and it no longer does, once its hold was lost (a
    /// database restarted, its connection cut: another process may record now). It then goes on as one
    /// that never took it (`see`, `takeOverIfFree`), so two processes never record the same change.
    func keepsRecording() -> Bool {
        guard let platform else { return false }
        if platform.checkHeld() { return true }
        self.platform = nil
        lostHold = true
        return false
    }

    /// Who holds the recording, when another process does and says who; nil when nobody does or it
    /// cannot be asked (the store refused or did not answer).
    func otherRecorder() -> String? {
        guard platform == nil else { return nil }
        return try? journals.hold("poller", creating: false).holder()
    }

    /// Whether the hold was found lost (`keepsRecording`, or a write it refused) since the last call:
    /// said once.
    func takeLostHold() -> Bool {
        defer { lostHold = false }
        return lostHold
    }
    private var lostHold = false

    /// Takes note of each report of the poller, changed or not: while another process records, the
    /// latest state of each check is kept for a takeover.
    func see(_ report: CheckReport) {
        guard platform == nil else { return }
        seen[report.check.name] = Seen(
            check: report.check, state: report.state, since: report.since ?? report.at,
            detail: report.evaluation.observation.detail)
    }

    /// Takes the recording over if the process that held it has stopped (the caller's loop tries each
    /// second). Nothing this poller saw is lost: each check whose state as last seen here differs from
    /// the platform journal's last record of it (a change the other process did not see, or one seen
    /// between its end and now) is recorded as a change from that state, on the journal and on the
    /// service's open incidents; a check with `declare:` seen down goes on as after a restart (declared
    /// at its next report, unless an incident was declared since it went down). Returns whether this
    /// process records from now on, the incidents written on, and the problems met.
    func takeOverIfFree(openIncidents: [IncidentJournal]) -> (
        tookOver: Bool, changed: [IncidentJournal], problems: [String]
    ) {
        // A lock that cannot be opened now opened at the start: it is tried again the next second.
        guard platform == nil,
            let claimed = try? PlatformJournal.claim(store: journals, holder: person.holder(role: role, since: clock()))
        else {
            return (false, [], [])
        }
        platform = claimed
        startOwed = true
        lastWritten = nil
        // Before what it saw meanwhile: a life begins with its start.
        let unstarted = beat()
        // Read once the lock is held: the other process wrote its last record before letting it go.
        let recorded = PlatformJournal.lastStates(store: journals, of: Set(seen.keys))
        down = Set(recorded.states.filter { [.down, .pending].contains($0.value.state) }.keys)
        var changed: [IncidentJournal] = []
        var problems = (recorded.warning.map { [$0] } ?? []) + (unstarted.map { [$0] } ?? [])
        for (name, now) in seen.sorted(by: { $0.key < $1.key }) {
            let before = recorded.states[name]
            if now.state == .down && now.check.declare != nil {
                restoredDown[name] = before.flatMap { $0.state == .down ? $0.since : nil } ?? now.since
            }
            // A change only: from the last record (or from unknown, for a check never recorded: its first
            // result, kept off incidents when healthy, as any first result).
            let from = before?.state ?? .unknown
            guard from != now.state else { continue }
            let change = CheckStateMachine.Transition(from: from, to: now.state, first: before == nil)
            let written = write(change, of: now.check, detail: now.detail, at: now.since, openIncidents: openIncidents)
            changed += written.changed
            problems += written.problems
        }
        seen = [:]
        return (true, changed, problems)
    }

    /// Records `report`'s change, if it has one worth recording (the first result of a healthy check is
    /// not); returns the incidents it wrote on (or declared), and the problems it met.
    func record(_ report: CheckReport, openIncidents: [IncidentJournal]) -> (
        changed: [IncidentJournal], problems: [String]
    ) {
        var (changed, problems) = recordChange(report, openIncidents: openIncidents)
        if let declared = declareIfAsked(report, openIncidents: openIncidents, problems: &problems) {
            changed.append(declared)
        }
        return (changed, problems)
    }

    /// A check with `declare:` that goes down opens an incident, with its policy paging and its runbook
    /// linked, unless an open incident it declared is still open (one outage, one incident). Unknown (a
    /// source that cannot be read) never declares. For alerts, the impact began when the earliest alert
    /// that made the check down did, and their `runbook_url`s are linked when the check names no runbook.
    /// A declaration that could not be made is owed, and made at the next report while the check is down.
    func declareIfAsked(_ report: CheckReport, openIncidents: [IncidentJournal], problems: inout [String])
        -> IncidentJournal?
    {
        let check = report.check
        guard platform != nil else { return nil }
        guard let severity = check.declare else {
            restoredDown[check.name] = nil  // owes nothing: no report of it needs handing over again
            return nil
        }
        guard report.state == .down else {
            owed[check.name] = nil
            restoredDown[check.name] = nil
            return nil
        }
        if let since = restoredDown.removeValue(forKey: check.name), report.transition == nil,
            !declared(by: check.name, since: since)
        {
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
            let journal = try store.declare(
                declaration, by: writer, at: report.at, proving: platform?.recorderHold)
            owed[check.name] = nil
            if check.runbook == nil {
                var links: [String] = []
                for url in alerts.compactMap(\.runbookURL)
                where !links.contains(url) && links.count < 5 && AlertRouting.isWebLink(url) { links.append(url) }
                for url in links {
                    do { _ = try journal.perform(.link(url), by: writer, now: { report.at }) } catch {
                        problems.append("\(journal.id): the alert's runbook \(url) was not linked: \(error.message)")
                    }
                }
            }
            return journal
        } catch {
            owed[check.name] = owed[check.name] ?? report.failingSince ?? report.at
            reachability?.note(error)
            if error.isUnreachable { return nil }  // owed, and said as the outage
            problems.append(
                "\(check.name) is down but its incident was not declared: \(error.message); tried again at its next poll while it is down"
            )
            return nil
        }
    }

    /// A burn of `check`'s error budget at page level (`status`) declares an incident of the
    /// objective's severity (`ServiceLevelObjective.severity(declaring:)`), its impact started when the
    /// check's current run of failures did (if it is failing), its policy paging; once per burn (the
    /// keeper says when one begins). Not while an incident the check declared is open (one outage, one
    /// incident), nor, for a burn found as the outcomes were read at a start or a takeover (`restored`),
    /// when the check declared one in the last six hours (the process before paged for it). Returns the
    /// incident, or the problem (empty when the store is unreachable, which is said as the outage; the
    /// caller tries again at the check's next poll); neither when nothing was owed.
    func declareBurn(
        of check: CheckDefinition, _ status: SLOStatus, at now: Timestamp, impactStarted: Timestamp?, restored: Bool,
        openIncidents: [IncidentJournal]
    ) -> (declared: IncidentJournal?, problem: String?) {
        guard platform != nil else { return (nil, nil) }
        if openIncidents.contains(where: { $0.incident.isOpen && $0.incident.declaringCheck == check.name }) {
            return (nil, nil)
        }
        if restored && declared(by: check.name, since: now.adding(seconds: -6 * 3600)) { return (nil, nil) }
        let declaration = Declaration(
            title: "\(check.name): \(SLOText.burnTitle(status))".prefix(200).description,
            severity: status.objective.severity(declaring: check), services: check.service.map { [$0] } ?? [],
            impactStarted: impactStarted, detected: now, tags: ["slo-burn"], policy: check.policy, check: check.name,
            runbooks: check.runbook.map { [$0] } ?? [])
        do {
            return (try store.declare(declaration, by: writer, at: now, proving: platform?.recorderHold), nil)
        } catch {
            reachability?.note(error)
            if error.isUnreachable { return (nil, "") }
            return (
                nil,
                "\(check.name) burns its error budget fast but its incident was not declared: \(error.message); tried again at its next poll"
            )
        }
    }

    private func recordChange(_ report: CheckReport, openIncidents: [IncidentJournal]) -> (
        changed: [IncidentJournal], problems: [String]
    ) {
        guard let change = report.transition else { return ([], []) }
        return write(
            change, of: report.check, detail: report.evaluation.observation.detail, at: report.at,
            openIncidents: openIncidents)
    }

    private func write(
        _ change: CheckStateMachine.Transition, of check: CheckDefinition, detail: String, at t: Timestamp,
        openIncidents: [IncidentJournal]
    ) -> (changed: [IncidentJournal], problems: [String]) {
        guard let platform else { return ([], []) }
        var problems: [String] = []
        var changed: [IncidentJournal] = []
        do {
            if startOwed {
                try platform.record(.started, at: t, by: writer)
                startOwed = false
            }
            // Even the first result of a healthy check: the status page knows it from then on.
            try platform.record(check: check.name, from: change.from, to: change.to, detail: detail, at: t, by: writer)
            lastWritten = t
            if [.down, .pending].contains(change.to) { down.insert(check.name) } else { down.remove(check.name) }
        } catch {
            reachability?.note(error)
            if !platform.isHeld {
                // The hold was lost (its connection cut): another process records now, this one only shows
                // and takes the recording over again when it can, as at a start.
                self.platform = nil
                lostHold = true
                return ([], [])
            }
            if !error.isUnreachable {
                problems.append("the state change of \(check.name) was not recorded: \(error.message)")
            }
        }
        // On an incident, the first result of a healthy check is no change; going blind or seeing again
        // (unknown) is.
        guard let service = check.service, !(change.first && [.up, .degraded, .maintenance].contains(change.to))
        else { return (changed, problems) }
        for journal in openIncidents
        where journal.incident.isOpen && journal.incident.services.contains(service) && !journal.isReadOnly {
            do {
                _ = try journal.perform(
                    .checkChanged(
                        check: check.name, from: change.from.rawValue, to: change.to.rawValue, detail: detail),
                    by: writer, now: { t }, proving: platform.recorderHold)
                changed.append(journal)
            } catch {
                reachability?.note(error)
                if !error.isUnreachable { problems.append("\(journal.id): \(error.message)") }
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
}
