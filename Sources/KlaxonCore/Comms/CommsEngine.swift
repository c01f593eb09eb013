/// The comms engine's decisions, as a pure function of an incident (its status updates and the comms
/// records on its timeline), `comms:` of klaxon.yaml, the people and the time: which update goes to
/// which destination now, which failed one is tried again, and whom to remind of an overdue update. The
/// process that holds the workspace's engine lock carries them out (`CommsRunner`), recording each
/// attempt before sending it, as pages are; anyone can call it to show where the updates stand.
///
/// Only an incident's latest update is sent: readers want what is true now, so a newer update ends the
/// retries of an older one. One not sent within `sendWithinSeconds` of being posted (nothing that sends
/// ran meanwhile, or `comms:` came later) is not sent at all, and shown as not sent.
public struct CommsEngine: Sendable {
    public var config: CommsConfig
    public var people: [String: Person]

    /// An update still unsent this long after it was posted is stale news: it is not sent any more.
    public static let sendWithinSeconds: Int64 = 3600

    /// `people` (Escalation/people.yaml) are needed only for reminders; a screen that shows where the
    /// updates stand (`deliveries(of:now:)`, `problems(of:now:)`) needs none.
    public init(config: CommsConfig, people: [Person] = []) {
        self.config = config
        self.people = Dictionary(people.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// What the engine must do now for one incident.
    public struct Decision: Sendable {
        /// Records to write first (outcomes nobody knows, of another process's attempts).
        public var records: [CommsRecord] = []
        /// Deliveries to make now; write each one's `.attempt` record before sending it.
        public var deliveries: [UpdateDelivery] = []
        /// The reminder due: write its `.reminded` record, then send it when it names a contact.
        public var reminder: UpdateReminder?
        /// When to look again (a retry, an update falling due); nil: nothing is scheduled.
        public var nextWake: Timestamp?
    }

    /// What is due for `incident` at `now`. `engine` names the process deciding: an attempt it made with
    /// no outcome yet is still in flight; one made by another process gets an outcome of "unknown" and is
    /// never sent again.
    public func decide(_ incident: Incident, now: Timestamp, engine: (host: String, pid: Int)) -> Decision {
        var decision = Decision()
        func wakeAt(_ t: Timestamp) {
            if t > now, decision.nextWake.map({ t < $0 }) ?? true { decision.nextWake = t }
        }
        for state in deliveries(of: incident, now: now) {
            var delivery = state.delivery
            switch state.state {
            case .due:
                decision.deliveries.append(delivery)
            case .retryAt(let t):
                if t <= now {
                    delivery.attempt += 1
                    decision.deliveries.append(delivery)
                } else {
                    wakeAt(t)
                }
            case .inFlight(let host, let pid) where host != engine.host || pid != engine.pid:
                decision.records.append(
                    .result(
                        delivery, delivered: nil,
                        detail: "outcome unknown: the sender stopped while sending (\(host) pid \(pid)); not sent again"
                    ))
            case .inFlight, .delivered, .gaveUp, .unknown, .tooLate:
                break
            }
        }
        if let due = UpdateCadence.due(for: incident, cadence: config) {
            if !due.isOverdue(now: now) {
                wakeAt(due.at)
            } else {
                // Once per overdue period and person: someone assigned after "nobody to remind" (or a new
                // comms role) is reminded, the same person never twice.
                let reminder = reminder(incident, due: due)
                if !incident.commsEvents.contains(where: { $0.reminds(since: due.since, user: reminder.user) }) {
                    decision.reminder = reminder
                }
            }
        }
        return decision
    }

    /// Whom the overdue update of `incident` is reminded to: the `comms` role's holder, else the
    /// commander, through the contact their paging starts with (the first of their notify rules, else
    /// their first contact).
    func reminder(_ incident: Incident, due: UpdateCadence.Due) -> UpdateReminder {
        var reminder = UpdateReminder(
            incidentID: incident.id, since: due.since, dueAt: due.at, user: nil, role: nil, contact: nil, problem: nil)
        let holder = ["comms", "commander"].lazy.compactMap { role in incident.roles[role].map { (role, $0) } }.first
        guard let (role, user) = holder else {
            reminder.problem =
                "nobody to remind: \(incident.id) has no comms role or commander; assign one: klaxon incident assign \(incident.id) comms NAME"
            return reminder
        }
        reminder.user = user
        reminder.role = role
        guard let person = people[user] else {
            reminder.problem = "\(user) (\(role)) is not in Escalation/people.yaml, so has no contact to remind"
            return reminder
        }
        let first = person.notify.lazy.compactMap { rule in person.contacts.first { $0.kind == rule.contact } }.first
        guard let contact = first ?? person.contacts.first else {
            reminder.problem = "\(user) (\(role)) has no contact in Escalation/people.yaml to remind"
            return reminder
        }
        reminder.contact = contact
        return reminder
    }

    /// Where one destination's delivery of an incident's latest update stands.
    public struct DestinationState: Hashable, Sendable {
        public enum State: Hashable, Sendable {
            /// Never tried: due now.
            case due
            /// Being sent by `host`/`pid` (no outcome yet).
            case inFlight(host: String, pid: Int)
            case delivered(at: Timestamp, detail: String)
            /// The last attempt failed (`reason`); the next is at `retryAt`.
            case retryAt(Timestamp)
            /// Every attempt failed; the last said `reason`.
            case gaveUp(reason: String)
            /// Nobody can know whether it arrived (the sender stopped mid-send); not sent again.
            case unknown(detail: String)
            /// Never tried, and now too old to send (`sendWithinSeconds`).
            case tooLate
        }
        /// The delivery (with its latest attempt's number, or 1 when never tried).
        public var delivery: UpdateDelivery
        public var state: State
        /// Why the last attempt failed, while retrying.
        public var lastFailure: String?
        /// Why nothing sends it now, when the caller knows (no process holds the engine, the store does not
        /// answer): a delivery waiting for a sender is then NOT SENT, never "sending" nor "trying again".
        public var notSentBecause: String?

        /// What a screen says of a waiting delivery while no process sends (no engine holder).
        public static let nobodySends = "no klaxon watch or console sends it"
        /// ... while the journal store does not answer (every engine waits).
        public static let storeSilent = "the journal store does not answer"

        /// Whether it waits for a process that sends (due, being sent, or to be tried again): "sending" is
        /// true only while one runs.
        public var waitsForSender: Bool {
            switch state {
            case .due, .inFlight, .retryAt: true
            case .delivered, .gaveUp, .unknown, .tooLate: false
            }
        }

        /// Whether this is a delivery that did not reach its destination and will not by itself soon:
        /// failing, given up, unknown or too late, or waiting while nothing sends. Shown loudly (in red) on
        /// the incident.
        public var isProblem: Bool {
            if notSentBecause != nil && waitsForSender { return true }
            return switch state {
            case .due, .inFlight, .delivered: false
            case .retryAt, .gaveUp, .unknown, .tooLate: true
            }
        }

        /// One line for a screen and `incident show`: "update #2 FAILING to email eng-all (attempt 2 of 5):
        /// HTTP 500", "update #2 NOT SENT to #platform-status: gave up after 5 attempts: HTTP 500".
        public var text: String {
            let head = "update #\(delivery.number)"
            let to = delivery.destination.label
            // The reason first: on a narrow screen what is cut is where to, never why.
            if let why = notSentBecause, waitsForSender {
                let failed =
                    lastFailure.map { ", attempt \(delivery.attempt) of \(delivery.attempts) failed: \($0)" } ?? ""
                return "\(head) NOT SENT (\(why)): to \(to)\(failed)"
            }
            switch state {
            case .due: return "\(head) to \(to): sending"
            case .inFlight: return "\(head) to \(to): sending (attempt \(delivery.attempt) of \(delivery.attempts))"
            case .delivered: return "\(head) sent to \(to)"
            case .retryAt:
                return
                    "\(head) FAILING to \(to) (attempt \(delivery.attempt) of \(delivery.attempts)): \(lastFailure ?? "failed"); trying again"
            case .gaveUp(let reason):
                return "\(head) NOT SENT to \(to): gave up after \(delivery.attempts) attempts: \(reason)"
            case .unknown(let detail): return "\(head) to \(to) MAY NOT HAVE ARRIVED: \(detail)"
            case .tooLate:
                return
                    "\(head) NOT SENT to \(to): nothing sent it within \(Self.hours(CommsEngine.sendWithinSeconds)) of posting (is klaxon watch running?); post it again if it still holds"
            }
        }

        /// What `incident show` says of the latest update: "update #2 sent to #platform-status, email eng-all"
        /// once every destination has it, else one line per destination (the problems first).
        public static func lines(_ states: [DestinationState]) -> [String] {
            guard let first = states.first else { return [] }
            if states.allSatisfy({ if case .delivered = $0.state { true } else { false } }) {
                return [
                    "update #\(first.delivery.number) sent to "
                        + states.map(\.delivery.destination.label).joined(separator: ", ")
                ]
            }
            return (states.filter(\.isProblem) + states.filter { !$0.isProblem }).map(\.text)
        }

        /// `incident show --json`'s `update_deliveries`: `state` is due, sending, delivered, retrying,
        /// gave_up, unknown or too_late; `problem` is true for those shown in red; `not_sent_because` says
        /// why one waiting for a sender is not sent (nothing sends).
        public var json: JSONValue {
            let state: String
            var fields: [String: JSONValue] = [:]
            switch self.state {
            case .due: state = "due"
            case .inFlight: state = "sending"
            case .delivered(let at, _):
                state = "delivered"
                fields["delivered_at"] = .string(at.rfc3339)
            case .retryAt(let at):
                state = "retrying"
                fields["retry_at"] = .string(at.rfc3339)
            case .gaveUp: state = "gave_up"
            case .unknown: state = "unknown"
            case .tooLate: state = "too_late"
            }
            fields["state"] = .string(state)
            fields["update"] = .number(Double(delivery.update))
            fields["number"] = .number(Double(delivery.number))
            fields["destination"] = .string(delivery.destination.name)
            fields["to"] = .string(delivery.destination.label)
            fields["attempt"] = .number(Double(delivery.attempt))
            fields["attempts"] = .number(Double(delivery.attempts))
            fields["problem"] = .bool(isProblem)
            if let why = notSentBecause, waitsForSender { fields["not_sent_because"] = .string(why) }
            fields["text"] = .string(text)
            return .object(fields)
        }

        static func hours(_ seconds: Int64) -> String {
            seconds % 3600 == 0 ? "\(seconds / 3600)h" : "\(seconds / 60)m"
        }
    }

    /// Where the deliveries of `incident`'s latest update stand at `now`, one per destination its routes
    /// select (none without an update, or for a drill).
    public func deliveries(of incident: Incident, now: Timestamp) -> [DestinationState] {
        guard let latest = incident.statusUpdates.last else { return [] }
        let destinations = config.destinations(for: incident)
        guard !destinations.isEmpty else { return [] }
        var lastAttempt: [String: (attempt: Int, host: String, pid: Int)] = [:]
        var lastResult: [String: (attempt: Int, delivered: Bool?, detail: String, at: Timestamp)] = [:]
        for event in incident.commsEvents {
            switch event.kind {
            case .attempt(let update, let destination, let attempt) where update == latest.sequence:
                lastAttempt[destination] = (attempt, event.host, event.pid)
            case .result(let update, let destination, let attempt, let delivered, let detail)
            where update == latest.sequence:
                lastResult[destination] = (attempt, delivered, detail, event.at)
            default: break
            }
        }
        let retry = config.retry
        return destinations.map { destination in
            var delivery = UpdateDelivery(
                incidentID: incident.id, update: latest.sequence, number: incident.statusUpdates.count,
                destination: destination, attempt: 1, attempts: retry.attempts)
            guard let last = lastAttempt[destination.name] else {
                let stale = latest.at.adding(seconds: Self.sendWithinSeconds) <= now
                return DestinationState(delivery: delivery, state: stale ? .tooLate : .due)
            }
            delivery.attempt = last.attempt
            guard let result = lastResult[destination.name], result.attempt == last.attempt else {
                return DestinationState(delivery: delivery, state: .inFlight(host: last.host, pid: last.pid))
            }
            switch result.delivered {
            case true?:
                return DestinationState(delivery: delivery, state: .delivered(at: result.at, detail: result.detail))
            case nil: return DestinationState(delivery: delivery, state: .unknown(detail: result.detail))
            case false?:
                guard last.attempt < retry.attempts else {
                    return DestinationState(delivery: delivery, state: .gaveUp(reason: result.detail))
                }
                return DestinationState(
                    delivery: delivery, state: .retryAt(result.at.adding(seconds: retry.backoff(after: last.attempt))),
                    lastFailure: result.detail)
            }
        }
    }

    /// The deliveries of `incident`'s latest update that did not arrive (`DestinationState.isProblem`): what
    /// the console and `incident show` show in red.
    public func problems(of incident: Incident, now: Timestamp) -> [DestinationState] {
        deliveries(of: incident, now: now).filter(\.isProblem)
    }

    /// "update #2 sent to #platform-status, email eng-all" once every destination has it; nil while any
    /// has not (or without an update or destinations).
    public func sentText(of incident: Incident, now: Timestamp) -> String? {
        let states = deliveries(of: incident, now: now)
        guard states.allSatisfy({ if case .delivered = $0.state { true } else { false } }) else { return nil }
        return DestinationState.lines(states).first
    }
}
