import KlaxonCore
import KlaxonStore

/// The outcome ledgers of the checks held to an objective (`slo:`), and where each stands against it
/// (`SLOStatus`). The process that records the checks' changes records each poll into them and saves
/// them to the store once a minute and at its stop; any other process reads them from the store each
/// minute, to show them. Until the store's ledgers were read, nothing is recorded or saved (a store that
/// did not answer at the start must not have its ledgers replaced by empty ones) and no status is known.
final class OutcomeKeeper {
    /// The checks with an objective, by name.
    let checks: [String: CheckDefinition]
    private var ledgers: [String: OutcomeLedger] = [:]
    /// Each check's status as last computed; none before the ledgers were read.
    private(set) var statuses: [String: SLOStatus] = [:]
    /// Whether `statuses` changed since `takeChanged()` was last asked.
    private var changed = false
    private let journals: any JournalStore
    /// Whether the store's ledgers were read (by this recorder since it began recording, or at all).
    private var loaded = false
    private var wasRecording = false
    /// The minute of the last save or read (each is tried once a minute, and as the recording begins).
    private var lastMinute: Int64?
    /// The problem last said: a store that stays unreadable is said once, not each minute.
    private var said: String?
    private var unsaved: Set<String> = []
    /// The checks whose burn was at page level at their last status: a burn pages once, as it begins.
    private var paging: Set<String> = []

    init(checks: [CheckDefinition], journals: any JournalStore) {
        self.checks = Dictionary(checks.filter { $0.slo != nil }.map { ($0.name, $0) }) { first, _ in first }
        self.journals = journals
    }

    /// Whether the statuses changed since the last call (for the screens).
    func takeChanged() -> Bool {
        defer { changed = false }
        return changed
    }

    /// Records `report`'s poll (when this process records); returns the check's status when its burn
    /// reached page level with this poll.
    func record(_ report: CheckReport, recording: Bool) -> SLOStatus? {
        guard recording, loaded, let check = checks[report.check.name], let objective = check.slo,
            OutcomeLedger.events(of: report) != nil
        else { return nil }
        ledgers[check.name, default: OutcomeLedger(windowDays: objective.windowDays)].record(report)
        unsaved.insert(check.name)
        return update(check.name, objective, now: report.at)
    }

    /// Computes `name`'s status; returns it when its burn reached page level now.
    private func update(_ name: String, _ objective: ServiceLevelObjective, now: Timestamp) -> SLOStatus? {
        let status = SLOStatus.compute(
            objective, ledgers[name] ?? OutcomeLedger(windowDays: objective.windowDays), now: now)
        if statuses[name] != status { changed = true }
        statuses[name] = status
        guard status.level == .page else {
            paging.remove(name)
            return nil
        }
        return paging.insert(name).inserted ? status : nil
    }

    /// A burn whose declaration failed: it is tried again at the check's next poll.
    func declarationFailed(_ name: String) { paging.remove(name) }

    /// Each second: reads the store's ledgers as this process begins or stops recording, then each
    /// minute until it could, and each minute while another process records; saves the ledgers polled
    /// since the last save each minute while this one records; computes every status afresh each minute
    /// (the window rolls).
    /// Returns the checks whose burn reached page level (`restored`: found so as the ledgers were read
    /// at a start or a takeover, when the process before may have declared it already), and the
    /// problem met, if any.
    func tick(now: Timestamp, recording: Bool) -> (
        burning: [(check: String, status: SLOStatus)], restored: Bool, problem: String?
    ) {
        guard !checks.isEmpty else { return ([], false, nil) }
        let minute = now.milliseconds / 60_000
        let began = recording != wasRecording || lastMinute == nil
        if recording != wasRecording {
            wasRecording = recording
            loaded = false
        }
        guard began || minute != lastMinute else { return ([], false, nil) }
        lastMinute = minute
        let restored = !loaded
        let problem = once(!loaded || !recording ? load() : save())
        var burning: [(check: String, status: SLOStatus)] = []
        guard loaded else { return ([], false, problem) }
        for (name, check) in checks.sorted(by: { $0.key < $1.key }) {
            if let status = update(name, check.slo!, now: now), recording { burning.append((name, status)) }
        }
        return (burning, restored, problem)
    }

    /// `problem` when it is new; nil once things work again (so a new failure is said again).
    private func once(_ problem: String?) -> String? {
        defer { said = problem }
        return problem == said ? nil : problem
    }

    /// Saves what was polled since the last save (the recorder's stop, and each minute).
    func save() -> String? {
        guard loaded, !unsaved.isEmpty else { return nil }
        var bytes: [String: [UInt8]] = [:]
        for name in unsaved { bytes[name] = ledgers[name]?.bytes }
        do {
            try journals.saveOutcomeLedgers(bytes)
            unsaved = []
            return nil
        } catch {
            return "the checks' outcomes for their objectives were not saved: \(error.message); tried again each minute"
        }
    }

    private func load() -> String? {
        do {
            let stored = try journals.outcomeLedgers()
            ledgers = [:]
            for (name, check) in checks {
                guard let bytes = stored[name] else { continue }
                ledgers[name] = OutcomeLedger(bytes: bytes, windowDays: check.slo!.windowDays)
            }
            unsaved = []
            if !loaded { paging = [] }
            loaded = true
            return nil
        } catch {
            // What was read before is not what the store holds now: not known, not shown as it was.
            loaded = false
            if !statuses.isEmpty {
                statuses = [:]
                changed = true
            }
            return
                "the checks' outcomes for their objectives could not be read: \(error.message); their SLOs are unknown until they can"
        }
    }
}
