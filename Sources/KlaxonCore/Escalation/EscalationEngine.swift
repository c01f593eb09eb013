import Foundation
import Synchronization

/// The escalation engine's decisions, as a pure function of an incident's escalation events, the
/// policies, the people, who is on call and the time. The process that holds the workspace's engine lock
/// carries them out (`EscalationRunner`); anyone else can call it to show the state.
public struct EscalationEngine: Sendable {
    public var policies: [String: EscalationPolicy]
    public var people: [String: Person]
    public var lookup: any OnCallLookup & Sendable
    public var retry: RetryPolicy
    /// Plans already worked out: a phase's plan depends only on its policy, id and start (and on the
    /// files this engine was made from), and the engine asks for it on every pass.
    private let plans = PlanCache()

    /// How failed deliveries are retried.
    public struct RetryPolicy: Hashable, Sendable {
        /// Attempts per page, the first included.
        public var attempts: Int
        /// The wait before the second attempt; it doubles for each one after, up to `maxBackoffSeconds`.
        public var backoffSeconds: Int64
        public var maxBackoffSeconds: Int64

        public init(attempts: Int = 5, backoffSeconds: Int64 = 30, maxBackoffSeconds: Int64 = 600) {
            self.attempts = attempts
            self.backoffSeconds = backoffSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
        }

        /// The wait after failed attempt `attempt` (1-based).
        public func backoff(after attempt: Int) -> Int64 {
            min(maxBackoffSeconds, backoffSeconds << Int64(min(max(attempt - 1, 0), 20)))
        }
    }

    public init(
        policies: [EscalationPolicy], people: [Person], lookup: any OnCallLookup & Sendable,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.policies = Dictionary(policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.people = Dictionary(people.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.lookup = lookup
        self.retry = retry
    }

    /// One phase of an escalation: a policy paging from `start` until `end` (nil: still paging).
    public struct Phase: Sendable {
        public var id: String
        public var plan: EscalationPlan
        public var start: Timestamp
        public var end: Timestamp?
        /// The step and round it starts at: the first for a new escalation or an ack timeout that ran out,
        /// the next one for escalating now.
        public var from: EscalationPlan.Position = .first
        /// The sequence of the acknowledgement whose ack timeout ran out and started this phase; nil for
        /// a phase started otherwise.
        public var restartedBy: Int?
    }

    /// What an acknowledgement did, as the engine read it.
    public struct Acknowledgement: Hashable, Sendable {
        /// The acknowledgement's record.
        public var sequence: Int
        public var at: Timestamp
        public var by: String
        /// Whether anything was paging (or waiting for its ack timeout) for it to acknowledge; false: it
        /// changed nothing.
        public var acknowledgedPaging: Bool
        /// The shortest ack timeout of the policies it acknowledged; nil: none has one, and the policy
        /// does not page again by itself.
        public var timeoutSeconds: Int64?
    }

    /// What `escalation simulate` shows: the pages up to the end of the simulation, and each
    /// acknowledgement with what its ack timeout does.
    public struct Simulation: Sendable {
        /// A page the engine would send.
        public struct Page: Hashable, Sendable {
            public var at: Timestamp
            public var step: Int
            public var cycle: Int
            public var user: String
            public var contact: Contact
            /// The sequence of the acknowledgement whose ack timeout ran out and restarted the paging this
            /// page is part of; nil for pages of paging started otherwise.
            public var restartedBy: Int?
        }

        /// Paging started again by an ack timeout that ran out: when, and at which step and round.
        public struct Restart: Hashable, Sendable {
            public var at: Timestamp
            public var from: EscalationPlan.Position
        }

        /// An acknowledgement, and the restart its ack timeout led to before the end (nil: none did: the
        /// policy has no ack timeout, the timeout falls after the end, or something newer came first).
        public struct Acknowledged: Hashable, Sendable {
            public var acknowledgement: Acknowledgement
            public var restart: Restart?
        }

        /// Every page, earliest first.
        public var pages: [Page]
        /// Every acknowledgement, in the order of the events.
        public var acknowledgements: [Acknowledged]
    }

    /// Where the escalations of an incident stand.
    public struct Status: Hashable, Sendable {
        /// The next page while paging: when, and everyone its step still pages (a step that pages dave
        /// and erin is "→ dave, erin", never just the first of them).
        public struct NextPage: Hashable, Sendable {
            public var at: Timestamp
            public var users: [String]
        }

        /// The pages of the current step failing: their latest outcomes are failures, and none of the
        /// step's pages was delivered. Whoever it names has not been reached.
        public struct Failure: Hashable, Sendable {
            /// Everyone whose page of this step failed last time, earliest failure first.
            public var users: [String]
            /// The latest failed attempt's number, of `attempts` per page.
            public var attempt: Int
            public var attempts: Int
            /// Why the latest attempt failed, as recorded.
            public var reason: String
            public var at: Timestamp

            public init(users: [String], attempt: Int, attempts: Int, reason: String, at: Timestamp) {
                self.users = users
                self.attempt = attempt
                self.attempts = attempts
                self.reason = reason
                self.at = at
            }

            /// `PAGE FAILING (4 of 5) → dave: HTTP 500`.
            public var text: String {
                "PAGE FAILING (\(attempt) of \(attempts)) → \(users.joined(separator: ", ")): \(reason)"
            }
        }

        public enum State: Hashable, Sendable {
            /// A phase is paging: step `step` of `steps`, cycle `cycle` of `cycles`.
            case paging(step: Int, steps: Int, cycle: Int, cycles: Int)
            /// Acknowledged; `repageAt` is when the ack timeout pages again, if the policy has one.
            case acknowledged(by: String, repageAt: Timestamp?)
            /// Every step ran with nobody acknowledging.
            case exhausted(at: Timestamp)
            case stopped(by: String)
            case resolved
            /// The latest escalation names a policy that is not in `Escalation/policies/` (`policy`): nobody is paged.
            case unknownPolicy
        }
        public var policy: String
        public var state: State
        public var nextPage: NextPage?
        /// When the next step starts (or the policy runs out) while paging.
        public var nextStepAt: Timestamp?
        /// Whom the current step pages, while paging.
        public var stepUsers: [String] = []
        /// Set while paging when the current step's pages fail.
        public var failure: Failure?
        /// Whether it is one person paged directly (`incident page --user`, policy `user:NAME`), not a policy.
        public var isDirectPage = false

        public init(
            policy: String, state: State, nextPage: NextPage? = nil, nextStepAt: Timestamp? = nil,
            stepUsers: [String] = [], failure: Failure? = nil
        ) {
            self.policy = policy
            self.state = state
            self.nextPage = nextPage
            self.nextStepAt = nextStepAt
            self.stepUsers = stepUsers
            self.failure = failure
        }

        /// Where the policy is while paging: "platform: step 1 of 2" (", round 2 of 3" when it repeats).
        public var step: String? {
            guard case .paging(let step, let steps, let cycle, let cycles) = state else { return nil }
            return "\(policy): step \(step) of \(steps)" + (cycles > 1 ? ", round \(cycle) of \(cycles)" : "")
        }

        /// One line for `escalation status` and the incident header: "platform: step 2 of 3, next page in
        /// 4m12s → bob", or, when the step's pages fail, "platform: step 1 of 2, PAGE FAILING (4 of 5) → dave: …"
        /// (the header puts the failure first, where a narrow screen cannot cut it).
        public func summary(now: Timestamp, formatter: LocalTimeFormatter) -> String {
            switch state {
            case .paging(let step, let steps, let cycle, let cycles):
                var text = self.step ?? policy
                if let failure {
                    text += ", " + failure.text
                } else if let next = nextPage {
                    text +=
                        ", next page in \(Self.duration(now.seconds(until: next.at))) → \(next.users.joined(separator: ", "))"
                } else if let next = nextStepAt {
                    let last = step == steps && cycle == cycles
                    text += last ? ", runs out in " : ", escalates in "
                    text += Self.duration(now.seconds(until: next))
                }
                return text
            case .acknowledged(let by, let repageAt):
                let again =
                    repageAt.map { ", pages again in \(Self.duration(now.seconds(until: $0))) unless resolved" } ?? ""
                return "\(policy): acknowledged by \(by)\(again)"
            case .exhausted(let at):
                return "\(policy): EXHAUSTED at \(formatter.dateTime(at)), nobody acknowledged"
            case .stopped(let by):
                return "\(policy): stopped by \(by)"
            case .resolved:
                return "\(policy): ended (resolved)"
            case .unknownPolicy:
                return "NOT PAGING: unknown policy \(policy) (not in Escalation/policies)"
            }
        }

        /// `4m12s`, `1h05m`, `0s`.
        static func duration(_ seconds: Int64) -> String {
            let s = max(0, seconds)
            if s >= 3600 { return "\(s / 3600)h" + Timestamp.pad(Int(s % 3600 / 60), 2) + "m" }
            if s >= 60 { return "\(s / 60)m" + Timestamp.pad(Int(s % 60), 2) + "s" }
            return "\(s)s"
        }
    }

    /// What the engine must do now for one incident.
    public struct Decision: Sendable {
        /// Records to write first, in order (steps that began, exhausted phases, outcomes nobody knows).
        public var records: [EscalationRecord] = []
        /// Deliveries to attempt now; write each one's `.attempt` record before sending it.
        public var attempts: [DeliveryAttempt] = []
        /// When to look again (the next page, step, retry or ack timeout); nil: nothing is scheduled.
        public var nextWake: Timestamp?
        /// The latest escalation's state, for the header; nil when the incident never escalated.
        public var status: Status?
        /// Policies the journal names that are not in `Escalation/policies/`.
        public var problems: [String] = []
    }

    // MARK: - Phases

    private enum RunState {
        case paging(phase: Int)
        case acknowledged(at: Timestamp, sequence: Int, by: String)
        case ended(Status.State)
    }

    private struct Run {
        var sequence: Int
        var policy: EscalationPolicy
        var isDirect: Bool
        var state: RunState
    }

    /// The phases of `events` up to `now`: each policy run from its start, cut at acknowledgements,
    /// stops, resolutions and newer runs, started again by an ack timeout that ran out, and started again
    /// from its next step by escalating now.
    /// `status` is the run that says most about who is paged: the latest policy run that pages, else the
    /// latest direct page that pages, else the latest acknowledged run, else the latest run (a policy
    /// or a direct page) as it ended. `repageAt` is the earliest ack timeout due.
    public func phases(_ events: [EscalationEvent], now: Timestamp) -> (
        phases: [Phase], status: Status?, problems: [String], repageAt: Timestamp?
    ) {
        let walked = walk(events, now: now)
        return (walked.phases, walked.status, walked.problems, walked.repageAt)
    }

    /// `phases(_:now:)`, and what each acknowledgement did.
    private func walk(_ events: [EscalationEvent], now: Timestamp) -> (
        phases: [Phase], status: Status?, problems: [String], repageAt: Timestamp?,
        acknowledgements: [Acknowledgement]
    ) {
        var phases: [Phase] = []
        var acknowledgements: [Acknowledgement] = []
        var runs: [Run] = []
        var problems: [String] = []
        // The latest outcome of each page, for telling a step whose pages fail.
        var outcomes: [String: (attempt: Int, delivered: Bool?, detail: String, at: Timestamp)] = [:]
        // The latest escalation asked for, when it names a policy that does not exist.
        var unknown: (policy: String, sequence: Int)?

        func end(_ index: Int, at t: Timestamp) {
            if case .paging(let p) = runs[index].state, phases[p].end == nil { phases[p].end = t }
        }
        func startPhase(
            _ index: Int, id: String, at t: Timestamp, from position: EscalationPlan.Position = .first,
            restartedBy: Int? = nil
        ) {
            let policy = runs[index].policy
            let plan = plans.plan("\(policy.name)|\(id)|\(t.milliseconds)|\(position.cycle).\(position.step)") {
                EscalationPlan(phase: id, policy: policy, start: t, from: position, people: people, lookup: lookup)
            }
            phases.append(
                Phase(id: id, plan: plan, start: t, end: nil, from: position, restartedBy: restartedBy))
            runs[index].state = .paging(phase: phases.count - 1)
        }
        // An ack timeout that ran out before `t` starts the policy again.
        func rearm(before t: Timestamp) {
            for i in runs.indices {
                guard case .acknowledged(let at, let sequence, _) = runs[i].state,
                    let timeout = runs[i].policy.ackTimeoutSeconds
                else { continue }
                let due = at.adding(seconds: timeout)
                if due <= t {
                    startPhase(i, id: "\(runs[i].sequence).\(sequence)", at: due, restartedBy: sequence)
                }
            }
        }

        func paging(_ run: Run) -> Bool { if case .paging = run.state { true } else { false } }

        for event in events {
            rearm(before: event.at)
            switch event.kind {
            case .started(let name):
                guard let policy = policies[name] else {
                    problems.append("policy \(name) (record #\(event.sequence)) is not in Escalation/policies")
                    unknown = (name, event.sequence)
                    continue
                }
                unknown = nil
                for i in runs.indices where !runs[i].isDirect {
                    end(i, at: event.at)
                    if case .ended = runs[i].state {
                    } else {
                        runs[i].state = .ended(.stopped(by: "\(event.actor) (a newer escalation)"))
                    }
                }
                runs.append(Run(sequence: event.sequence, policy: policy, isDirect: false, state: .ended(.resolved)))
                startPhase(runs.count - 1, id: "\(event.sequence)", at: event.at)
            case .pageRequested(let user):
                runs.append(
                    Run(sequence: event.sequence, policy: .direct(user), isDirect: true, state: .ended(.resolved)))
                startPhase(runs.count - 1, id: "\(event.sequence)", at: event.at)
            case .acknowledged:
                let acknowledged = runs.filter { if case .ended = $0.state { false } else { true } }
                acknowledgements.append(
                    Acknowledgement(
                        sequence: event.sequence, at: event.at, by: event.actor,
                        acknowledgedPaging: !acknowledged.isEmpty,
                        timeoutSeconds: acknowledged.filter { !$0.isDirect }.compactMap(\.policy.ackTimeoutSeconds)
                            .min()))
                for i in runs.indices {
                    switch runs[i].state {
                    case .paging, .acknowledged:
                        end(i, at: event.at)
                        runs[i].state =
                            runs[i].isDirect
                            ? .ended(.acknowledged(by: event.actor, repageAt: nil))
                            : .acknowledged(at: event.at, sequence: event.sequence, by: event.actor)
                    case .ended: break
                    }
                }
            case .stopped, .resolved:
                unknown = nil
                for i in runs.indices {
                    end(i, at: event.at)
                    // A stop leaves ended runs as they ended; a resolution ends everything as resolved.
                    if event.kind == .stopped, case .ended = runs[i].state { continue }
                    runs[i].state = .ended(event.kind == .stopped ? .stopped(by: event.actor) : .resolved)
                }
            case .advanced:
                // Escalating now ends the running policy's phase and starts it again from its next step.
                // Nothing paging, a direct page or the last step of the last round has no next step: the
                // action is refused before it is recorded, and such a record (another process's) changes nothing.
                guard let i = runs.lastIndex(where: { !$0.isDirect && paging($0) }),
                    case .paging(let p) = runs[i].state, let next = phases[p].plan.position(after: event.at)
                else { continue }
                end(i, at: event.at)
                startPhase(i, id: "\(runs[i].sequence).\(event.sequence)", at: event.at, from: next)
            case .result(let page, let attempt, let delivered, let detail):
                outcomes[page] = (attempt, delivered, detail, event.at)
            case .reopened, .step, .attempt, .exhausted:
                break
            }
        }
        rearm(before: now)

        func acknowledged(_ run: Run) -> Bool { if case .acknowledged = run.state { true } else { false } }
        // A person paged directly after the policy stopped (or while it waits for its ack timeout) is paging.
        let shown =
            runs.last { !$0.isDirect && paging($0) } ?? runs.last(where: paging) ?? runs.last(where: acknowledged)
            ?? runs.last
        let repageAt = runs.compactMap { run -> Timestamp? in
            guard case .acknowledged(let at, _, _) = run.state else { return nil }
            return run.policy.ackTimeoutSeconds.map { at.adding(seconds: $0) }
        }.min()
        // A policy that does not exist pages nobody: said so, unless an earlier escalation still runs.
        if let unknown {
            switch shown?.state {
            case .paging?, .acknowledged?: break
            case .ended?, nil:
                return (
                    phases, Status(policy: unknown.policy, state: .unknownPolicy), problems, repageAt, acknowledgements
                )
            }
        }
        let status = shown.map { run -> Status in
            var status = Status(policy: run.policy.name, state: .resolved)
            status.isDirectPage = run.isDirect
            switch run.state {
            case .ended(let state):
                status.state = state
            case .acknowledged(let at, _, let by):
                status.state = .acknowledged(
                    by: by, repageAt: run.policy.ackTimeoutSeconds.map { at.adding(seconds: $0) })
            case .paging(let p):
                let phase = phases[p]
                if let exhausted = phase.plan.exhaustedAt, exhausted <= now {
                    status.state = .exhausted(at: exhausted)
                } else {
                    let current = phase.plan.steps.last { $0.start <= now } ?? phase.plan.steps.first
                    status.state = .paging(
                        step: current?.step ?? 1, steps: run.policy.steps.count, cycle: current?.cycle ?? 1,
                        cycles: phase.plan.cycles)
                    if let first = phase.plan.pages.first(where: { $0.at > now }) {
                        var users: [String] = []
                        for page in phase.plan.pages
                        where page.at > now && page.cycle == first.cycle && page.step == first.step
                            && !users.contains(page.user)
                        {
                            users.append(page.user)
                        }
                        status.nextPage = Status.NextPage(at: first.at, users: users)
                    }
                    status.nextStepAt = phase.plan.steps.first { $0.start > now }?.start ?? phase.plan.exhaustedAt
                    if let current {
                        status.stepUsers = current.users
                        status.failure = failure(of: "\(phase.id)/\(current.cycle)/\(current.step)/", outcomes)
                    }
                }
            }
            return status
        }
        return (phases, status, problems, repageAt, acknowledgements)
    }

    /// The failure of the step whose pages' keys begin with `prefix`: some page's latest outcome is a
    /// failure and none was delivered. An outcome nobody knows (the engine stopped mid-send) is neither.
    private func failure(
        of prefix: String, _ outcomes: [String: (attempt: Int, delivered: Bool?, detail: String, at: Timestamp)]
    ) -> Status.Failure? {
        let step = outcomes.filter { $0.key.hasPrefix(prefix) }
        guard !step.values.contains(where: { $0.delivered == true }) else { return nil }
        let failed = step.filter { $0.value.delivered == false }.sorted {
            ($0.value.at, $0.key) < ($1.value.at, $1.key)
        }
        guard let last = failed.last?.value else { return nil }
        var users: [String] = []
        // A page's key is `phase/cycle/step/user/contact`.
        for (key, _) in failed {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 5, !users.contains(String(parts[3])) { users.append(String(parts[3])) }
        }
        return Status.Failure(
            users: users, attempt: last.attempt, attempts: retry.attempts, reason: last.detail, at: last.at)
    }

    // MARK: - Decisions

    /// What is due for `incident` at `now`. `engine` names the process deciding: an attempt it made
    /// with no outcome yet is still in flight; one made by another process that has gone gets an
    /// outcome of "unknown" and is never sent again.
    public func decide(_ incident: Incident, now: Timestamp, engine: (host: String, pid: Int)) -> Decision {
        let events = incident.escalationEvents
        guard !events.isEmpty else { return Decision() }
        let (phases, status, problems, repageAt) = self.phases(events, now: now)
        var decision = Decision(status: status, problems: problems)
        guard incident.isOpen else { return decision }

        // What the journal already holds.
        var stepsRecorded = Set<String>()
        var exhaustedRecorded = Set<String>()
        var lastAttempt: [String: (attempt: Int, host: String, pid: Int)] = [:]
        var lastResult: [String: (attempt: Int, delivered: Bool?, at: Timestamp)] = [:]
        for event in events {
            switch event.kind {
            case .step(let phase, let cycle, let step): stepsRecorded.insert("\(phase)/\(cycle)/\(step)")
            case .exhausted(let phase): exhaustedRecorded.insert(phase)
            case .attempt(let page, let attempt, _, let host, let pid): lastAttempt[page] = (attempt, host, pid)
            case .result(let page, let attempt, let delivered, _): lastResult[page] = (attempt, delivered, event.at)
            default: break
            }
        }
        var wake: Timestamp?
        func wakeAt(_ t: Timestamp) { if t > now, wake.map({ t < $0 }) ?? true { wake = t } }

        for phase in phases {
            let plan = phase.plan
            let end = phase.end
            func active(at t: Timestamp) -> Bool { end.map { t < $0 } ?? true }
            for step in plan.steps
            where step.start <= now && active(at: step.start)
                && !stepsRecorded.contains("\(phase.id)/\(step.cycle)/\(step.step)")
            {
                decision.records.append(
                    .step(
                        phase: phase.id, policy: plan.policy.name, cycle: step.cycle, cycles: plan.cycles,
                        step: step.step, steps: plan.policy.steps.count, users: step.users, note: step.note))
            }
            if end == nil { for step in plan.steps where step.start > now { wakeAt(step.start) } }
            for page in plan.pages {
                let deadline = [page.stepEnd, end].compactMap { $0 }.min()
                if let deadline, deadline <= now { continue }  // its step is over: the escalation moved on
                guard page.at <= now else {
                    if active(at: page.at) { wakeAt(page.at) }
                    continue
                }
                var attempt = DeliveryAttempt(
                    incidentID: incident.id, page: page.key, policy: plan.policy.name, step: page.step,
                    steps: plan.policy.steps.count, user: page.user, contact: page.contact,
                    attempt: 1, attempts: retry.attempts)
                attempt.decidedAtRecord = incident.recordCount
                guard let last = lastAttempt[page.key] else {
                    decision.attempts.append(attempt)
                    continue
                }
                attempt.attempt = last.attempt
                guard let result = lastResult[page.key], result.attempt == last.attempt else {
                    if last.host != engine.host || last.pid != engine.pid {
                        decision.records.append(
                            .result(
                                attempt, delivered: nil,
                                detail:
                                    "outcome unknown: the engine stopped while sending (\(last.host) pid \(last.pid)); not sent again"
                            ))
                    }
                    continue
                }
                guard result.delivered == false, last.attempt < retry.attempts else { continue }
                let retryAt = result.at.adding(seconds: retry.backoff(after: last.attempt))
                if retryAt <= now {
                    attempt.attempt = last.attempt + 1
                    decision.attempts.append(attempt)
                } else if deadline.map({ retryAt < $0 }) ?? true {
                    wakeAt(retryAt)
                }
            }
            if let exhausted = plan.exhaustedAt, active(at: exhausted) {
                if exhausted <= now {
                    if !exhaustedRecorded.contains(phase.id) {
                        decision.records.append(.exhausted(phase: phase.id, policy: plan.policy.name))
                    }
                } else {
                    wakeAt(exhausted)
                }
            }
        }
        // Whichever run is shown, an acknowledged one pages again when its ack timeout runs out.
        if let repageAt { wakeAt(repageAt) }
        decision.nextWake = wake
        return decision
    }

    // MARK: - Escalating now

    /// Why escalating `incident` now (moving its running policy on to its next step) cannot act at `now`, as
    /// a sentence for the person who asked ("INC-7 is acknowledged by bob at 03:02; nothing is escalating —
    /// …"); nil when it can. Whoever records `IncidentAction.escalateNow` asks this first.
    public func escalateNowRefusal(_ incident: Incident, now: Timestamp, formatter: LocalTimeFormatter) -> String? {
        pagingState(of: incident, now: now).escalateNowRefusal(incident.id, now: now, formatter: formatter)
    }

    /// What escalating now did to `incident` (read after its `escalation.advanced` record) at `now`: "escalated
    /// platform to step 2 of 2 now; paging carol".
    public func escalatedNowText(_ incident: Incident, now: Timestamp) -> String {
        guard let status = phases(incident.escalationEvents, now: now).status,
            case .paging(let step, let steps, let cycle, let cycles) = status.state
        else { return "escalated now" }
        let round = cycles > 1 ? ", round \(cycle) of \(cycles)" : ""
        let users = status.stepUsers.isEmpty ? "nobody" : status.stepUsers.joined(separator: ", ")
        return "escalated \(status.policy) to step \(step) of \(steps)\(round) now; paging \(users)"
    }

    /// Every page `events` lead to up to `until`, and what each acknowledgement among them did: as
    /// `escalation simulate` prints them (nothing is sent).
    public func simulation(_ events: [EscalationEvent], until: Timestamp) -> Simulation {
        let walked = walk(events, now: until)
        let pages = walked.phases.flatMap { phase in
            phase.plan.pages.filter { page in
                page.at <= until && (phase.end.map { page.at < $0 } ?? true)
                    && (page.stepEnd.map { page.at < $0 } ?? true)
            }.map {
                Simulation.Page(
                    at: $0.at, step: $0.step, cycle: $0.cycle, user: $0.user, contact: $0.contact,
                    restartedBy: phase.restartedBy)
            }
        }
        return Simulation(
            pages: pages.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element),
            // An acknowledgement after the end is not in the simulation, as a page after it is not.
            acknowledgements: walked.acknowledgements.filter { $0.at <= until }.map { ack in
                let restart = walked.phases.first { $0.restartedBy == ack.sequence && $0.start <= until }
                return Simulation.Acknowledged(
                    acknowledgement: ack, restart: restart.map { Simulation.Restart(at: $0.start, from: $0.from) })
            })
    }

    /// Every page `events` lead to up to `until`, as `escalation simulate` prints them (nothing is sent).
    public func simulate(_ events: [EscalationEvent], until: Timestamp) -> [(
        at: Timestamp, step: Int, cycle: Int, user: String, contact: Contact
    )] {
        let (phases, _, _, _) = self.phases(events, now: until)
        return phases.flatMap { phase in
            phase.plan.pages.filter { page in
                page.at <= until && (phase.end.map { page.at < $0 } ?? true)
                    && (page.stepEnd.map { page.at < $0 } ?? true)
            }.map { ($0.at, $0.step, $0.cycle, $0.user, $0.contact) }
        }.sorted { $0.at < $1.at }
    }
}

/// Memoized plans, shared by copies of one engine; emptied when it grows past a bound.
private final class PlanCache: Sendable {
    private let plans = Mutex<[String: EscalationPlan]>([:])

    func plan(_ key: String, _ make: () -> EscalationPlan) -> EscalationPlan {
        if let plan = plans.withLock({ $0[key] }) { return plan }
        let plan = make()
        plans.withLock { plans in
            if plans.count > 20_000 { plans.removeAll() }
            plans[key] = plan
        }
        return plan
    }
}
