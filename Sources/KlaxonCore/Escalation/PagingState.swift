/// Whether an incident is paging anyone, as a responder needs it at a glance (PagerDuty's triggered or
/// acknowledged): worked out from the incident's records and the escalation engine's view of them,
/// never stored. The dashboard row, `incident list`, the incident header and `escalation status` show it.
public enum PagingState: Hashable, Sendable {
    /// An escalation pages and nobody has acknowledged: its step, next page and whom it goes to.
    case paging(EscalationEngine.Status)
    /// Paging, but the current step's latest deliveries failed: nobody it pages has been reached.
    case failing(EscalationEngine.Status, EscalationEngine.Status.Failure)
    /// Someone acknowledged since paging last started (`via`: `link` from a page's action link, nil from a
    /// terminal); `repageAt` is when the ack timeout pages again.
    case acknowledged(by: String, at: Timestamp, via: String?, repageAt: Timestamp?)
    case notPaging(NotPaging)
    /// The latest escalation names a policy that `Escalation/policies/` does not have: nobody is paged.
    case unknownPolicy(String)

    /// Why nobody is paged.
    public enum NotPaging: Hashable, Sendable {
        /// No policy, and nobody paged.
        case noPolicy
        /// Reopened: its escalation ended when it was resolved, and reopening does not page again.
        case endedAtResolution
        case stopped(by: String)
        /// Every step ran and nobody acknowledged.
        case exhausted(at: Timestamp)
        case resolved
    }

    /// The state of `incident` given the engine's `status` of it (nil: the engine sees no escalation).
    public init(incident: Incident, status: EscalationEngine.Status?) {
        guard incident.isOpen else {
            self = .notPaging(.resolved)
            return
        }
        let ack = incident.acknowledgementSincePaging
        func acknowledged(_ event: EscalationEvent, repageAt: Timestamp? = nil) -> PagingState {
            .acknowledged(by: event.actor, at: event.at, via: event.via, repageAt: repageAt)
        }
        guard let status else {
            self = ack.map { acknowledged($0) } ?? .notPaging(.noPolicy)
            return
        }
        switch status.state {
        case .paging:
            // A running step wins over an older acknowledgement: the ack timeout ran out, or someone paged again.
            self = status.failure.map { .failing(status, $0) } ?? .paging(status)
        case .acknowledged(let by, let repageAt):
            let event = ack ?? incident.escalationEvents.last { $0.kind == .acknowledged }
            self = .acknowledged(
                by: event?.actor ?? by, at: event?.at ?? incident.keyTimes[.acknowledged] ?? incident.declaredAt,
                via: event?.via, repageAt: repageAt)
        case .unknownPolicy:
            self = ack.map { acknowledged($0) } ?? .unknownPolicy(status.policy)
        case .exhausted(let at):
            self = ack.map { acknowledged($0) } ?? .notPaging(.exhausted(at: at))
        case .stopped(let by):
            self = ack.map { acknowledged($0) } ?? .notPaging(.stopped(by: by))
        case .resolved:
            self = ack.map { acknowledged($0) } ?? .notPaging(.endedAtResolution)
        }
    }

    /// `state` in `--json`.
    public var name: String {
        switch self {
        case .paging: "paging"
        case .failing: "failing"
        case .acknowledged: "acknowledged"
        case .notPaging: "not_paging"
        case .unknownPolicy: "unknown_policy"
        }
    }

    /// Whether it is worth a red look: pages fail, nobody acknowledged before the policy ran out, or the
    /// policy does not exist.
    public var isAlarming: Bool {
        switch self {
        case .failing, .unknownPolicy, .notPaging(.exhausted): true
        default: false
        }
    }

    /// The short form, for narrow columns: `PAGING → dave`, `FAILING → dave`, `ACK alice`, `NOT PAGING`.
    public var short: String {
        switch self {
        case .paging(let status):
            // Whom the current step pages (the next page may already be the next step's).
            let users = status.stepUsers.isEmpty ? status.nextPage?.users ?? [] : status.stepUsers
            return users.isEmpty ? "PAGING" : "PAGING → " + users.joined(separator: ",")
        case .failing(_, let failure): return "FAILING → " + failure.users.joined(separator: ",")
        case .acknowledged(let by, _, _, _): return "ACK \(by)"
        case .notPaging, .unknownPolicy: return "NOT PAGING"
        }
    }

    /// One line: `next page in 4m51s → dave`, `PAGE FAILING (4 of 5) → dave: HTTP 500`, `acknowledged by
    /// alice at 03:12` (`acknowledged by bob via link at 03:02`), `not paging: no policy`, `NOT PAGING: unknown
    /// policy platfrom`.
    public func text(now: Timestamp, formatter: LocalTimeFormatter) -> String {
        switch self {
        case .paging(let status):
            let users = status.stepUsers.joined(separator: ", ")
            if let next = status.nextPage {
                return
                    "next page in \(EscalationEngine.Status.duration(now.seconds(until: next.at))) → \(next.users.joined(separator: ", "))"
            }
            var text = users.isEmpty ? "paging: this step pages nobody" : "paged \(users)"
            if let next = status.nextStepAt, case .paging(let step, let steps, let cycle, let cycles) = status.state {
                text +=
                    (step == steps && cycle == cycles ? ", runs out in " : ", escalates in ")
                    + EscalationEngine.Status.duration(now.seconds(until: next))
            }
            return text
        case .failing(_, let failure):
            return failure.text
        case .acknowledged(let by, let at, let via, let repageAt):
            let again =
                repageAt.map { ", pages again in \(EscalationEngine.Status.duration(now.seconds(until: $0)))" } ?? ""
            let how = via.map { " via \($0)" } ?? ""
            return "acknowledged by \(by)\(how) at \(Self.when(at, now: now, formatter: formatter))\(again)"
        case .notPaging(.noPolicy): return "not paging: no policy"
        case .notPaging(.endedAtResolution): return "not paging: reopened; its escalation ended when it was resolved"
        case .notPaging(.stopped(let by)): return "not paging: stopped by \(by)"
        case .notPaging(.exhausted(let at)):
            return
                "NOT PAGING: nobody acknowledged; the policy ran out at \(Self.when(at, now: now, formatter: formatter))"
        case .notPaging(.resolved): return "not paging: resolved"
        case .unknownPolicy(let policy): return "NOT PAGING: unknown policy \(policy)"
        }
    }

    /// The incident header's and `escalation status`'s line: while paging, the policy's step as well
    /// ("platform: step 1 of 2, PAGE FAILING (4 of 5) → dave: HTTP 500").
    public func detail(now: Timestamp, formatter: LocalTimeFormatter) -> String {
        switch self {
        case .paging(let status), .failing(let status, _): status.summary(now: now, formatter: formatter)
        default: text(now: now, formatter: formatter)
        }
    }

    /// For `--json`: `{"state": "acknowledged", "by": "alice", "at": …, "text": …}` (`"via": "link"` when
    /// acknowledged from an action link), with what each state knows.
    public func json(now: Timestamp, formatter: LocalTimeFormatter) -> JSONValue {
        var fields: [String: JSONValue] = [
            "state": .string(name), "short": .string(short), "text": .string(text(now: now, formatter: formatter))
        ]
        func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.rfc3339) } ?? .null }
        func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        switch self {
        case .paging(let status), .failing(let status, _):
            fields["policy"] = .string(status.policy)
            if case .paging(let step, let steps, let cycle, let cycles) = status.state {
                fields["step"] = .number(Double(step))
                fields["steps"] = .number(Double(steps))
                fields["round"] = .number(Double(cycle))
                fields["rounds"] = .number(Double(cycles))
            }
            fields["step_users"] = strings(status.stepUsers)
            fields["next_page_at"] = time(status.nextPage?.at)
            fields["next_page_to"] = strings(status.nextPage?.users ?? [])
            if case .failing(_, let failure) = self {
                fields["failing"] = .object([
                    "users": strings(failure.users), "attempt": .number(Double(failure.attempt)),
                    "attempts": .number(Double(failure.attempts)), "reason": .string(failure.reason),
                    "at": time(failure.at)
                ])
            }
        case .acknowledged(let by, let at, let via, let repageAt):
            fields["by"] = .string(by)
            fields["at"] = time(at)
            if let via { fields["via"] = .string(via) }
            fields["repage_at"] = time(repageAt)
        case .notPaging(let why):
            switch why {
            case .noPolicy: fields["reason"] = .string("no_policy")
            case .endedAtResolution: fields["reason"] = .string("ended_at_resolution")
            case .stopped(let by):
                fields["reason"] = .string("stopped")
                fields["by"] = .string(by)
            case .exhausted(let at):
                fields["reason"] = .string("exhausted")
                fields["at"] = time(at)
            case .resolved: fields["reason"] = .string("resolved")
            }
        case .unknownPolicy(let policy):
            fields["policy"] = .string(policy)
        }
        return .object(fields)
    }

    /// `03:12` on the day of `now`, else `2026-11-21 03:12`, in the formatter's zone.
    public static func when(_ t: Timestamp, now: Timestamp, formatter: LocalTimeFormatter) -> String {
        let civil = formatter.civil(t)
        let time = String(civil.isoTime.prefix(5))
        return civil.isoDate == formatter.civil(now).isoDate ? time : civil.isoDate + " " + time
    }
}

extension PagingState {
    /// Why escalating incident `id` now (moving its running policy on to its next step) cannot act in this
    /// state, as a sentence for the person who asked; nil when it can (a policy is paging, or its pages
    /// fail, on a step that has a next one). `EscalationEngine.escalateNowRefusal` asks it of the engine's
    /// state now; the console, of the state it shows.
    public func escalateNowRefusal(_ id: String, now: Timestamp, formatter: LocalTimeFormatter) -> String? {
        let page = "klaxon incident page \(id) --user ID"
        switch self {
        case .paging(let status), .failing(let status, _):
            guard case .paging(let step, let steps, let cycle, let cycles) = status.state else { return nil }
            if status.isDirectPage {
                let users =
                    status.stepUsers.isEmpty ? [String(status.policy.dropFirst("user:".count))] : status.stepUsers
                return
                    "\(users.joined(separator: ", ")) was paged directly; there is no next step — to page someone else: \(page)"
            }
            guard step == steps && cycle == cycles else { return nil }
            let round = cycles > 1 ? " (round \(cycle) of \(cycles))" : ""
            return
                "step \(step) of \(steps)\(round) of \(status.policy) is the last; nobody is left to escalate to — to page someone else: \(page)"
        case .acknowledged(let by, let at, let via, _):
            let how = via.map { " via \($0)" } ?? ""
            return
                "\(id) is acknowledged by \(by)\(how) at \(Self.when(at, now: now, formatter: formatter)); nothing is escalating — to page someone else: \(page)"
        case .notPaging(.resolved):
            return "\(id) is resolved; nothing is escalating"
        case .notPaging(let why):
            let reason =
                switch why {
                case .noPolicy: "no policy, and nobody paged"
                case .endedAtResolution: "reopened; its escalation ended when it was resolved"
                case .stopped(let by): "stopped by \(by)"
                case .exhausted(let at):
                    "nobody acknowledged; the policy ran out at \(Self.when(at, now: now, formatter: formatter))"
                case .resolved: "resolved"
                }
            return "\(id) is not paging anyone (\(reason)) — to page someone: \(page)"
        case .unknownPolicy(let policy):
            return
                "\(id) is not paging anyone (its policy \(policy) is not in Escalation/policies) — to page someone: \(page)"
        }
    }
}

extension EscalationEngine {
    /// The paging state of `incident` at `now`.
    public func pagingState(of incident: Incident, now: Timestamp) -> PagingState {
        PagingState(incident: incident, status: phases(incident.escalationEvents, now: now).status)
    }
}
