/// The steps and pages of one phase of an escalation: a policy run from `start`, as if nobody
/// acknowledges. The engine cuts it at the phase's end (an acknowledgement, a stop, a resolution).
public struct EscalationPlan: Sendable {
    public var phase: String
    public var policy: EscalationPolicy
    public var steps: [PlannedStep] = []
    public var pages: [PlannedPage] = []
    /// When the last step ended with nobody acknowledging; nil for a page of one person, which never ends.
    public var exhaustedAt: Timestamp?

    /// How many times the whole policy runs.
    public var cycles: Int { policy.repeatCount + 1 }

    /// A step as it falls: when it starts and ends and whom it pages.
    public struct PlannedStep: Hashable, Sendable {
        /// 1-based.
        public var cycle: Int
        /// 1-based.
        public var step: Int
        public var start: Timestamp
        /// Nil: the step lasts until the phase ends.
        public var end: Timestamp?
        public var users: [String]
        /// Why the step pages nobody, or pages the fallback.
        public var note: String?
    }

    /// One notification of one person through one contact, at a time.
    public struct PlannedPage: Hashable, Sendable {
        public var at: Timestamp
        public var cycle: Int
        public var step: Int
        public var user: String
        public var contact: Contact
        /// The end of its step: a page not sent by then is not sent (the escalation has moved on).
        public var stepEnd: Timestamp?
        /// Identifies the page in the journal: `phase/cycle/step/user/contact`.
        public var key: String
    }

    /// Where a plan starts: step `step` of round `cycle` (both 1-based). An escalation starts at (1, 1);
    /// escalating now starts the running policy again from its next step.
    public struct Position: Hashable, Sendable {
        public var cycle: Int
        public var step: Int

        public init(cycle: Int, step: Int) {
            self.cycle = cycle
            self.step = step
        }

        public static let first = Position(cycle: 1, step: 1)
    }

    /// Plans `policy` from `start`, beginning with the step at `position`. `horizon` bounds how long a `wait`
    /// step waits for someone to come on call; `people` gives each person's notify rules.
    public init(
        phase: String, policy: EscalationPolicy, start: Timestamp, from position: Position = .first,
        people: [String: Person], lookup: OnCallLookup, waitHorizonSeconds: Int64 = 7 * 86400
    ) {
        self.phase = phase
        self.policy = policy
        var t = start
        for cycle in stride(from: max(1, position.cycle), through: max(1, policy.repeatCount + 1), by: 1) {
            for (index, step) in policy.steps.enumerated() {
                let number = index + 1
                if cycle == position.cycle && number < position.step { continue }
                var (users, note) = Self.resolve(step.targets, at: t, lookup: lookup)
                var stepStart = t
                if users.isEmpty {
                    switch policy.whenNobodyOnCall {
                    case .skip:
                        steps.append(
                            PlannedStep(
                                cycle: cycle, step: number, start: t, end: t, users: [],
                                note: (note ?? "nobody on call") + "; skipped"))
                        continue
                    case .fallback:
                        if let fallback = policy.fallback {
                            let resolved = Self.resolve([fallback], at: t, lookup: lookup)
                            users = resolved.users
                            note = (note ?? "nobody on call") + "; paging the fallback \(fallback)"
                        }
                    case .wait:
                        let limit = t.adding(seconds: waitHorizonSeconds)
                        let next = step.targets.compactMap { target -> Timestamp? in
                            if case .schedule(let name) = target {
                                return lookup.nextCovered(schedule: name, from: t, before: limit)
                            }
                            return nil
                        }.min()
                        if let next {
                            stepStart = next
                            users = Self.resolve(step.targets, at: next, lookup: lookup).users
                            note = (note ?? "nobody on call") + "; waited until someone was"
                        } else {
                            note = (note ?? "nobody on call") + " within \(waitHorizonSeconds / 86400) days; skipped"
                        }
                    }
                }
                let end = step.escalateAfterSeconds.map { stepStart.adding(seconds: $0) }
                steps.append(
                    PlannedStep(
                        cycle: cycle, step: number, start: stepStart, end: end, users: users,
                        note: users.isEmpty ? (note ?? "nobody to page") : note))
                for user in users {
                    guard let person = people[user] else { continue }
                    for (contact, after) in Self.notifications(of: person) {
                        let at = stepStart.adding(seconds: after)
                        if let end, at >= end { continue }  // the step is over before this contact's turn
                        pages.append(
                            PlannedPage(
                                at: at, cycle: cycle, step: number, user: user, contact: contact, stepEnd: end,
                                key: "\(phase)/\(cycle)/\(number)/\(user)/\(contact.kind.rawValue)"))
                    }
                }
                guard let end else { return }  // a step without end: the phase never runs out
                t = end
            }
        }
        exhaustedAt = t
    }

    /// The step after the one running at `t`, where escalating now goes on from: the next step of its round,
    /// or the first of the next round. Nil when the phase ran out by `t` or runs its last step of its last round.
    public func position(after t: Timestamp) -> Position? {
        if let exhaustedAt, exhaustedAt <= t { return nil }
        // As the status shows it: the latest step begun (the first while it waits for someone on call).
        guard let current = steps.last(where: { $0.start <= t }) ?? steps.first else { return nil }
        if current.step < policy.steps.count { return Position(cycle: current.cycle, step: current.step + 1) }
        if current.cycle < cycles { return Position(cycle: current.cycle + 1, step: 1) }
        return nil
    }

    /// Each of `person`'s notify rules as (contact, delay); without rules, every contact at once.
    static func notifications(of person: Person) -> [(Contact, Int64)] {
        if person.notify.isEmpty { return person.contacts.map { ($0, 0) } }
        return person.notify.compactMap { rule in
            person.contacts.first { $0.kind == rule.contact }.map { ($0, rule.afterSeconds) }
        }
    }

    /// The people `targets` name at `t`, without repeats, and a note on any target that names nobody.
    static func resolve(_ targets: [EscalationTarget], at t: Timestamp, lookup: OnCallLookup) -> (
        users: [String], note: String?
    ) {
        var users: [String] = []
        var notes: [String] = []
        for target in targets {
            switch target {
            case .user(let id):
                if !users.contains(id) { users.append(id) }
            case .schedule(let name):
                guard let onCall = lookup.onCall(schedule: name, at: t) else {
                    notes.append("no schedule \(name)")
                    continue
                }
                if onCall.isEmpty { notes.append("nobody on call in \(name)") }
                for id in onCall where !users.contains(id) { users.append(id) }
            }
        }
        return (users, notes.isEmpty ? nil : notes.joined(separator: ", "))
    }
}
