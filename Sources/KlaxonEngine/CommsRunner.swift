import Foundation
import KlaxonCore
import KlaxonStore

/// Carries out the comms engine's decisions when this process holds the workspace's engine lock (the
/// escalation runner's: the process that sends the pages sends the updates): records each delivery's
/// attempt on the incident's timeline, then sends it on a thread of its own, and records the outcome
/// once it is back; the same for the reminders of overdue updates. A process that takes over never
/// sends what was recorded as attempted. `tick` is called from the responder's pass.
final class CommsRunner {
    let writer: WriterIdentity
    let clock: @Sendable () -> Timestamp
    let transport: any CommsTransport
    let wake: @Sendable () -> Void
    private(set) var engine: CommsEngine
    /// `PUBLIC_URL/status`, linked from the messages, when `intake.public_url` is set.
    let statusPageURL: String?
    let timeoutSeconds: Int64

    /// A finished delivery, waiting for the loop to record it.
    enum Finished {
        case update(UpdateDelivery, PageOutcome)
        case reminder(UpdateReminder, PageOutcome)
    }
    let finished = LockedQueue<Finished>()
    private let inFlight = DispatchGroup()

    init(
        workspace: Workspace, writer: WriterIdentity, people: [Person], transport: any CommsTransport,
        clock: @escaping @Sendable () -> Timestamp, wake: @escaping @Sendable () -> Void
    ) {
        var engineWriter = writer
        engineWriter.actor = "comms-engine"
        self.writer = engineWriter
        self.clock = clock
        self.transport = transport
        self.wake = wake
        engine = CommsEngine(config: workspace.config.comms, people: people)
        statusPageURL = workspace.config.intake?.publicURL.map { $0 + "/status" }
        timeoutSeconds = workspace.config.channels.timeoutSeconds
    }

    /// Takes `Escalation/people.yaml` as read again (the escalation runner reloads it).
    func update(people: [Person]) {
        engine = CommsEngine(config: engine.config, people: people)
    }

    var hasFinishedDeliveries: Bool { !finished.isEmpty }

    /// Whether `incident` may have comms work: open (a cadence, a reminder, an update), or resolved with
    /// an update recent enough to be sent or retried still (the final update comes after resolving).
    func concerns(_ incident: Incident, now: Timestamp) -> Bool {
        if incident.isOpen { return !incident.statusUpdates.isEmpty || engine.config.cadence[incident.severity] != nil }
        guard let last = incident.lastStatusUpdateAt else { return false }
        return last.adding(seconds: CommsEngine.sendWithinSeconds + Self.retryHorizonSeconds) > now
    }

    /// Past sending, how long retries may still run (20 attempts at most, 10 minutes apart at most).
    static let retryHorizonSeconds: Int64 = 4 * 3600

    /// One pass over `journals` (already refreshed by the caller), in the process that holds the engine
    /// lock (`hold` proves it on each write): records what is due and starts the deliveries. Returns the
    /// journals it wrote on, the problems met and when to pass again.
    func tick(_ journals: [IncidentJournal], hold: (any StoreHold)?, reachability: StoreReachability?) -> (
        changed: [IncidentJournal], problems: [String], nextWake: Timestamp?
    ) {
        var changed: [IncidentJournal] = []
        var problems: [String] = []
        var wakeAt: Timestamp?
        let identity = (host: writer.host, pid: writer.pid)
        for journal in journals where !journal.isReadOnly && concerns(journal.incident, now: clock()) {
            let decision = engine.decide(journal.incident, now: clock(), engine: identity)
            if let next = decision.nextWake, wakeAt.map({ next < $0 }) ?? true { wakeAt = next }
            var wrote = false
            func record(_ record: CommsRecord) -> Bool {
                do {
                    try journal.perform(.comms(record), by: writer, now: clock, proving: hold)
                    wrote = true
                    return true
                } catch {
                    // Never sent unrecorded: the store did not answer, the hold was lost, or another
                    // process recorded it first. The next pass decides again.
                    reachability?.note(error)
                    if !error.isUnreachable { problems.append("\(journal.id): \(error.message)") }
                    return false
                }
            }
            for unknown in decision.records { _ = record(unknown) }
            for delivery in decision.deliveries where record(.attempt(delivery)) {
                send(delivery, incident: journal.incident)
            }
            if let reminder = decision.reminder, record(.reminded(reminder)), reminder.contact != nil {
                remind(reminder, incident: journal.incident)
            }
            if wrote { changed.append(journal) }
        }
        return (changed, problems, wakeAt)
    }

    /// Records the outcomes of finished deliveries on their incidents.
    func recordFinished(_ journals: [String: IncidentJournal], reachability: StoreReachability?) -> (
        changed: [IncidentJournal], problems: [String]
    ) {
        var changed: [IncidentJournal] = []
        var problems: [String] = []
        for item in finished.drain() {
            let (id, record): (String, CommsRecord) =
                switch item {
                case .update(let d, let outcome):
                    (d.incidentID, .result(d, delivered: outcome.isDelivered, detail: outcome.detail))
                case .reminder(let r, let outcome):
                    (r.incidentID, .reminderResult(r, delivered: outcome.isDelivered, detail: outcome.detail))
                }
            guard let journal = journals[id] else {
                problems.append("\(id) is not followed; the outcome of its status update delivery was not recorded")
                continue
            }
            do {
                try journal.perform(.comms(record), by: writer, now: clock)
                if !changed.contains(where: { $0 === journal }) { changed.append(journal) }
            } catch {
                reachability?.note(error)
                problems.append("\(id): the outcome of a status update delivery was not recorded: \(error.message)")
            }
        }
        return (changed, problems)
    }

    /// Waits (up to the delivery timeout and a little, real time) for deliveries under way.
    func waitForDeliveries() {
        _ = inFlight.wait(timeout: .now() + .seconds(Int(timeoutSeconds) + 2))
    }

    private func send(_ delivery: UpdateDelivery, incident: Incident) {
        guard let update = incident.statusUpdates.first(where: { $0.sequence == delivery.update }) else {
            finished.push(
                .update(delivery, .failed(reason: "update record #\(delivery.update) is not in \(incident.id) as read"))
            )
            return
        }
        let message = UpdateMessage(
            delivery: delivery, incident: incident, update: update, sentAt: clock(), statusPageURL: statusPageURL)
        let (transport, finished, wake, clock) = (self.transport, self.finished, self.wake, self.clock)
        inFlight.enter()
        DispatchQueue.global().async { [inFlight] in
            finished.push(.update(delivery, transport.send(message, now: clock())))
            inFlight.leave()
            wake()
        }
    }

    private func remind(_ reminder: UpdateReminder, incident: Incident) {
        let message = ReminderMessage(reminder: reminder, incident: incident, sentAt: clock())
        let (transport, finished, wake, clock) = (self.transport, self.finished, self.wake, self.clock)
        inFlight.enter()
        DispatchQueue.global().async { [inFlight] in
            finished.push(.reminder(reminder, transport.remind(message, now: clock())))
            inFlight.leave()
            wake()
        }
    }
}
