/// An escalation policy from `Escalation/policies/NAME.yaml`: whom to page, step by step, until someone
/// acknowledges. `EscalationPlan` works out the pages; `EscalationEngine` decides what is due now.
public struct EscalationPolicy: Hashable, Sendable {
    public var name: String
    public var steps: [Step]
    /// How many more times the whole policy runs while nobody acknowledges (0: once).
    public var repeatCount: Int
    public var whenNobodyOnCall: NobodyOnCall
    /// Paged instead of a step's targets when they have nobody on call and the mode is `fallback`.
    public var fallback: EscalationTarget?
    /// Acknowledged but not resolved after this long: the policy pages again from its first step.
    public var ackTimeoutSeconds: Int64?
    /// The file it came from.
    public var place: String
    /// Where `fallback:` is written (`file:line:column`).
    public var fallbackPlace: String?

    public struct Step: Hashable, Sendable {
        public var targets: [EscalationTarget]
        /// How long the step waits for an acknowledgement before the next one starts; nil: for ever
        /// (a page of one person, `klaxon incident page --user`).
        public var escalateAfterSeconds: Int64?
        /// Where each target is written (`file:line:column`), in the order of `targets`.
        public var targetPlaces: [String] = []
        /// Where the step is written (`file:line:column`), for messages about it.
        public var place: String = ""

        public init(
            targets: [EscalationTarget], escalateAfterSeconds: Int64?, targetPlaces: [String] = [], place: String = ""
        ) {
            self.targets = targets
            self.escalateAfterSeconds = escalateAfterSeconds
            self.targetPlaces = targetPlaces
            self.place = place
        }
    }

    /// What a step does when its targets have nobody on call.
    public enum NobodyOnCall: String, CaseIterable, Sendable {
        /// Go on to the next step at once.
        case skip
        /// Stay on the step until someone comes on call; its wait starts then.
        case wait
        /// Page the policy's `fallback` instead.
        case fallback
    }

    public init(
        name: String, steps: [Step], repeatCount: Int = 0, whenNobodyOnCall: NobodyOnCall = .skip,
        fallback: EscalationTarget? = nil, ackTimeoutSeconds: Int64? = nil, place: String = ""
    ) {
        self.name = name
        self.steps = steps
        self.repeatCount = repeatCount
        self.whenNobodyOnCall = whenNobodyOnCall
        self.fallback = fallback
        self.ackTimeoutSeconds = ackTimeoutSeconds
        self.place = place
    }

    /// The one-step "policy" of `klaxon incident page ID --user U`: that person, until acknowledged.
    public static func direct(_ user: String) -> EscalationPolicy {
        EscalationPolicy(name: "user:\(user)", steps: [Step(targets: [.user(user)], escalateAfterSeconds: nil)])
    }
}

/// Whom a step pages: everyone on call in a schedule, or one person.
public enum EscalationTarget: Hashable, Sendable, CustomStringConvertible {
    case schedule(String)
    case user(String)

    /// `schedule:NAME` or `user:ID`.
    public init?(parsing text: String) {
        if text.hasPrefix("schedule:"), text.count > 9 {
            self = .schedule(String(text.dropFirst(9)))
        } else if text.hasPrefix("user:"), text.count > 5 {
            self = .user(String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .schedule(let name): "schedule:\(name)"
        case .user(let id): "user:\(id)"
        }
    }
}

/// Who is on call in each schedule, as the escalation engine asks it.
public protocol OnCallLookup {
    /// The people on call in `schedule` at `t`; nil when there is no such schedule.
    func onCall(schedule: String, at t: Timestamp) -> [String]?
    /// The first instant at or after `t`, and before `limit`, when `schedule` has someone on call.
    func nextCovered(schedule: String, from t: Timestamp, before limit: Timestamp) -> Timestamp?
}

/// `OnCallLookup` over the workspace's schedules.
public struct OnCallDirectory: OnCallLookup, Sendable {
    public var calendars: [String: OnCallCalendar]

    public init(calendars: [OnCallCalendar]) {
        self.calendars = Dictionary(calendars.map { ($0.schedule.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func onCall(schedule: String, at t: Timestamp) -> [String]? {
        guard let calendar = calendars[schedule] else { return nil }
        // A one-minute window: the shift covering `t` (turns are at minute resolution).
        return calendar.timeline(from: t, to: t.adding(seconds: 60)).first?.users ?? []
    }

    public func nextCovered(schedule: String, from t: Timestamp, before limit: Timestamp) -> Timestamp? {
        guard let calendar = calendars[schedule], t < limit else { return nil }
        return calendar.timeline(from: t, to: limit).first { !$0.isGap }.map { max($0.start, t) }
    }
}
