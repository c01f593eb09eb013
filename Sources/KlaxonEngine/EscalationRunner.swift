import Foundation
import KlaxonCore
import KlaxonStore

/// Carries out the escalation engine's decisions for a workspace, when this process holds the
/// workspace's engine lock: writes steps and outcomes on the incidents' timelines, and sends each page
/// after recording the attempt (so a process that takes over never sends it again). The console and
/// `klaxon watch` both run one; `tick` is called from their loop, deliveries run on other threads.
/// Every delivery goes through `transport`, and every time it reads or records comes from `clock`, so
/// a test drives it with an in-memory transport and a fixed clock.
final class EscalationRunner {
    let workspace: Workspace
    let writer: WriterIdentity
    let clock: @Sendable () -> Timestamp
    let lock: EngineLock
    /// Who this process is, as the lock file and other consoles show it.
    let role: String
    private(set) var files: EscalationFiles
    private(set) var engine: EscalationEngine
    private var signature: [Int] = []
    let transport: any PageTransport
    /// This process as the hold names it (the person running it, not the engine's actor).
    private let holderWriter: WriterIdentity
    /// Finished deliveries, waiting for the loop to record them.
    let finished = LockedQueue<(attempt: DeliveryAttempt, outcome: PageOutcome)>()
    /// The deliveries under way.
    private let inFlight = DispatchGroup()
    /// Called on a delivery's thread when it finishes, to wake the loop.
    let wake: @Sendable () -> Void

    /// False for a read-only console: it shows the escalations and never sends.
    let mayRun: Bool
    /// Told when a write finds the store unreachable: an outage is said once by the responder, not at
    /// each pass.
    var reachability: StoreReachability?

    /// `writer` names this process (its host and pid tell its attempts from those of an engine that
    /// stopped); `transport` carries the pages; `clock` is the time of every decision and record.
    init(
        workspace: Workspace, writer: WriterIdentity, role: String, mayRun: Bool = true, transport: any PageTransport,
        clock: @escaping @Sendable () -> Timestamp, wake: @escaping @Sendable () -> Void
    ) throws(KlaxonError) {
        self.mayRun = mayRun
        self.workspace = workspace
        var engineWriter = writer
        engineWriter.actor = "escalation-engine"
        self.writer = engineWriter
        self.clock = clock
        self.wake = wake
        self.transport = transport
        lock = try EngineLock(store: workspace.journalStore, forRunning: mayRun)
        self.role = role
        holderWriter = writer
        files = EscalationFiles.load(workspaceRoot: workspace.root)
        engine = files.engine(retry: workspace.config.pagingRetry)
        signature = EscalationFiles.signature(workspaceRoot: workspace.root)
    }

    /// `policy:NAME` for each policy and `user:ID` for each person: what the console offers to page.
    var pageTargets: [PageTarget] { files.pageTargets }

    /// Whether this process sends the pages (it tries to take the lock on every tick until it does), as
    /// the last tick found: asks the store nothing.
    var isEngine: Bool { lock.isHeld }

    /// Who runs the escalations, when another process does.
    var otherEngine: String? { lock.holder() }

    /// The engine's problems said at the last pass (see `tick`).
    private var saidLasting: Set<String> = []

    /// Whether deliveries finished whose outcomes wait to be recorded.
    var hasFinishedDeliveries: Bool { !finished.isEmpty }

    /// One pass over `journals` (already refreshed by the caller): records what is due and starts the
    /// deliveries. Returns the journals it wrote on, the problems met, each incident's escalation state
    /// and when to pass again.
    func tick(_ journals: [IncidentJournal]) -> (
        changed: [IncidentJournal], problems: [String], statuses: [String: EscalationEngine.Status],
        nextWake: Timestamp?
    ) {
        reloadIfChanged()
        // The one question to the store of the pass (a database: a round trip on the hold's connection);
        // the pass's writes prove the hold themselves. "since" is when it took the lock (at a takeover,
        // not when the process started).
        let held = mayRun && lock.checkHeld()
        let took = mayRun && !held && lock.tryAcquire(holder: holderWriter.holder(role: role, since: clock()))
        var changed: [IncidentJournal] = []
        // Taken just now: the journals were read before, perhaps while the holder before was still writing
        // (a take waits for those writes): read again, so that this pass decides on what it wrote.
        var unread: Set<String> = []
        if took {
            for journal in journals {
                do {
                    if try journal.refresh() > 0 { changed.append(journal) }
                } catch {
                    reachability?.note(error)
                    unread.insert(journal.id)
                }
            }
        }
        let running = held || took
        var problems: [String] = []
        var statuses: [String: EscalationEngine.Status] = [:]
        var wakeAt: Timestamp?
        var lasting: Set<String> = []
        let identity = (host: writer.host, pid: writer.pid)
        for journal in journals where !journal.incident.escalationEvents.isEmpty {
            let now = clock()
            let decision = engine.decide(journal.incident, now: now, engine: identity)
            if let status = decision.status { statuses[journal.id] = status }
            if let next = decision.nextWake, wakeAt.map({ next < $0 }) ?? true { wakeAt = next }
            guard running, !unread.contains(journal.id), journal.incident.isOpen || !decision.records.isEmpty,
                !journal.isReadOnly
            else { continue }
            lasting.formUnion(decision.problems.map { "\(journal.id): \($0)" })
            var wrote = false
            let decidedAt = journal.incident.recordCount
            for record in decision.records {
                // A step or an exhaustion is refused when the incident changed under the decision (an ack,
                // say), as its attempts are: the next tick decides again. An outcome nobody knows stays true.
                let unknownOutcome = if case .result = record { true } else { false }
                do {
                    try journal.perform(
                        .escalation(record, decidedAtRecord: unknownOutcome ? nil : decidedAt), by: writer, now: clock,
                        proving: lock.hold)
                    wrote = true
                } catch {
                    reachability?.note(error)
                    if !error.isUnreachable && journal.incident.escalationChange(after: decidedAt) == nil {
                        problems.append("\(journal.id): \(error.message)")
                    }
                }
            }
            for attempt in decision.attempts {
                do {
                    try journal.perform(.escalation(.attempt(attempt)), by: writer, now: clock, proving: lock.hold)
                    wrote = true
                } catch {
                    // Never sent unrecorded. The incident changed under the decision (an ack, say), the
                    // store did not answer, or the hold was lost (another process decides now): the next
                    // tick decides again.
                    reachability?.note(error)
                    continue
                }
                deliver(attempt, incident: journal.incident)
            }
            if wrote && !changed.contains(where: { $0 === journal }) { changed.append(journal) }
        }
        // The engine's own problems (a policy file gone) last from pass to pass: each is said when it
        // appears, not every second, and again if it goes and comes back.
        problems += lasting.subtracting(saidLasting).sorted()
        saidLasting = lasting
        return (changed, problems, statuses, wakeAt)
    }

    /// Records the outcomes of finished deliveries on their incidents.
    /// Also returns every finished delivery, recorded or not.
    func recordFinished(_ journals: [String: IncidentJournal])
        -> (changed: [IncidentJournal], problems: [String], pages: [(attempt: DeliveryAttempt, outcome: PageOutcome)])
    {
        var changed: [IncidentJournal] = []
        var problems: [String] = []
        let pages = finished.drain()
        for (attempt, outcome) in pages {
            guard let journal = journals[attempt.incidentID] else {
                problems.append(
                    "\(attempt.incidentID) is not open; the outcome of its page to \(attempt.user) was not recorded: \(outcome.detail)"
                )
                continue
            }
            do {
                try journal.perform(
                    .escalation(.result(attempt, delivered: outcome.isDelivered, detail: outcome.detail)), by: writer,
                    now: clock)
                changed.append(journal)
            } catch {
                reachability?.note(error)
                problems.append("\(journal.id): the outcome of a page was not recorded: \(error.message)")
            }
        }
        return (changed, problems, pages)
    }

    /// Waits (up to the delivery timeout and a little) for deliveries under way, so that stopping
    /// records their outcomes instead of leaving them unknown. The bound is real time, not the clock's:
    /// deliveries run on real threads whatever time the clock tells.
    func waitForDeliveries() {
        _ = inFlight.wait(timeout: .now() + .seconds(Int(workspace.config.channels.timeoutSeconds) + 2))
    }

    private func deliver(_ attempt: DeliveryAttempt, incident: Incident) {
        let message = PageMessage(
            attempt: attempt, incident: incident, sentAt: clock(),
            userName: engine.people[attempt.user]?.name ?? attempt.user)
        let transport = self.transport
        let finished = self.finished
        let wake = self.wake
        let clock = self.clock
        inFlight.enter()
        DispatchQueue.global().async { [inFlight] in
            finished.push((attempt, transport.deliver(message, now: clock())))
            inFlight.leave()
            wake()
        }
    }

    /// Counts the readings of `Escalation/`: the console's on-call board, which shows the same files,
    /// refreshes when it changes.
    private(set) var filesVersion = 0

    /// Reads `Escalation/` again when a file of it changed, looking at most once a second (a pass can
    /// come many times a second).
    func reloadIfChanged() {
        let now = clock()
        guard now.milliseconds - lastLook.milliseconds >= 1000 else { return }
        lastLook = now
        let current = EscalationFiles.signature(workspaceRoot: workspace.root)
        guard current != signature else { return }
        signature = current
        files = EscalationFiles.load(workspaceRoot: workspace.root)
        engine = files.engine(retry: workspace.config.pagingRetry)
        filesVersion += 1
    }
    private var lastLook = Timestamp(milliseconds: 0)
}
