/// What one poll of a check found: the observation for the state machine, and what the board lists.
public struct CheckEvaluation: Hashable, Sendable {
    public var observation: CheckObservation
    public var vendorMaintenance = false
    /// Components (Statuspage) or alerts (Prometheus, Alertmanager).
    public var items: [StatusPayloads.Item] = []
    public var incidents: [String] = []
    /// The good and all events Prometheus counted since the poll before (an objective's `good:` and
    /// `total:`): what the poll adds to the check's outcome ledger instead of itself.
    public var events: OutcomeLedger.Counts?

    public init(
        observation: CheckObservation, vendorMaintenance: Bool = false, items: [StatusPayloads.Item] = [],
        incidents: [String] = [], events: OutcomeLedger.Counts? = nil
    ) {
        self.observation = observation
        self.vendorMaintenance = vendorMaintenance
        self.items = items
        self.incidents = incidents
        self.events = events
    }

    /// Judges `response` for `check` at `now`. A source (a status page or an alert list: another
    /// system's account of health) that cannot be read (unreachable, an error status, a cut or
    /// unreadable body) is unknown: its alerts, or the vendor's status, could be anything.
    public static func evaluate(_ check: CheckDefinition, _ response: ProbeResponse, now: Timestamp) -> CheckEvaluation
    {
        if check.kind == .http {
            return CheckEvaluation(observation: HTTPExpectation.evaluate(check, response, now: now))
        }
        if SystemHealth.reads(check.kind) { return SystemHealth.evaluate(check, [response], now: now) }
        func unknown(_ why: String) -> CheckEvaluation { CheckEvaluation(observation: .unknown(why)) }
        // Never polled: only the process that receives its pings can judge it (`heartbeat(…)`).
        if check.kind == .heartbeat { return unknown(heartbeatElsewhere(check)) }
        // Whatever it answers: an empty list from another endpoint would read as all clear.
        if let problem = check.endpointProblem { return unknown(problem) }
        if let error = response.error { return unknown("source unreachable: \(error)") }
        guard let code = response.statusCode, (200..<300).contains(code) else {
            return unknown(
                "source unreachable: HTTP \(response.statusCode.map(String.init) ?? "?") from the \(check.kind.rawValue) API"
            )
        }
        // Part of an alert list is no answer: the alerts that matter may be in the rest.
        if response.truncated {
            let narrow = check.kind.isAlertSource ? " or narrow labels:" : ""
            return unknown(
                "source unreadable: the answer is longer than max_body (\(ByteSize.text(check.bodyLimit))) and was cut; raise max_body:\(narrow)"
            )
        }
        do throws(StatusPayloads.Unreadable) {
            let reading: StatusPayloads.Reading
            switch check.kind {
            case .statuspage: reading = try StatusPayloads.statuspage(response.body)
            case .prometheus: reading = try StatusPayloads.prometheus(response.body, rules: check.alerts)
            case .alertmanager: reading = try StatusPayloads.alertmanager(response.body, rules: check.alerts)
            default: reading = StatusPayloads.Reading(observation: .ok())
            }
            return CheckEvaluation(
                observation: reading.observation, vendorMaintenance: reading.vendorMaintenance,
                items: reading.items, incidents: reading.incidents)
        } catch {
            return unknown("source unreadable: " + error.reason)
        }
    }

    /// Judges the responses of a poll of `check` (one for each of `requestURLs`, in their order).
    public static func evaluate(_ check: CheckDefinition, responses: [ProbeResponse], now: Timestamp)
        -> CheckEvaluation
    {
        if SystemHealth.reads(check.kind) { return SystemHealth.evaluate(check, responses, now: now) }
        return evaluate(check, responses.first ?? ProbeResponse(error: "no request was made"), now: now)
    }

    /// Every URL a poll of `check` reads: one, but for the system kinds that read two endpoints
    /// (Kubernetes's `/readyz` and `/livez`, Jenkins's queue and nodes, Buildbot's workers and requests).
    public static func requestURLs(_ check: CheckDefinition) -> [String] {
        SystemHealth.reads(check.kind) ? SystemHealth.requestURLs(check) : [requestURL(check)]
    }

    /// The URL a check's kind reads: Statuspage's summary, Prometheus's and Alertmanager's alert lists,
    /// unless the configured URL already names an API path. Alertmanager is also sent the check's label
    /// matchers (its `filter` parameter), so that a busy server sends only the alerts the check reads. A
    /// heartbeat reads nothing: its pings' path is said. A system kind is shown by the system's address
    /// (`url:`); `requestURLs` are the endpoints it reads there.
    public static func requestURL(_ check: CheckDefinition) -> String {
        if SystemHealth.reads(check.kind) { return check.url }
        let base = check.url.hasSuffix("/") ? String(check.url.dropLast()) : check.url
        switch check.kind {
        case .http: return check.url
        case .heartbeat: return heartbeatPath(check)
        case .statuspage: return base.hasSuffix(".json") ? base : base + "/api/v2/summary.json"
        case .prometheus: return base.contains("/api/") ? base : base + "/api/v1/alerts"
        case .alertmanager:
            let url = base.contains("/api/") ? base : base + "/api/v2/alerts"
            let filters = check.alerts.alertmanagerFilters
            guard !filters.isEmpty else { return url }
            return url + (url.contains("?") ? "&" : "?")
                + filters.map { "filter=" + percentEncoded($0) }.joined(separator: "&")
        default: return check.url
        }
    }

    /// A query parameter's value: every byte but the unreserved ones (RFC 3986) as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
            }
        }
        return out
    }
}

extension CheckEvaluation {
    /// The path of `klaxon watch`'s intake that pings the heartbeat check `check`.
    public static func heartbeatPath(_ check: CheckDefinition) -> String { "POST /v1/heartbeat/\(check.name)" }

    /// What a process that does not read the recorded pings (`klaxon status check`) says of a heartbeat
    /// check: it cannot know.
    public static func heartbeatElsewhere(_ check: CheckDefinition) -> String {
        "judged from its pings (\(heartbeatPath(check))), which klaxon watch's intake records, by klaxon watch and the console; this command does not read them"
    }

    /// A `heartbeat` check (a dead man's switch) judged at `now` from its last recorded ping
    /// (`AlertBook.lastPings`), never over the network: up while the last ping is less than `interval`
    /// old, down once `interval` has passed without one. The silence counts from `listeningSince` at the
    /// earliest (when an intake last started listening): the time no intake listened is never held
    /// against the sender, so a restarted `klaxon watch` gives it one interval, unknown meanwhile when
    /// no ping came since. Unknown too when no intake ever started and no ping was ever recorded: nothing
    /// receives its pings. Unknown as well while no intake listens (`stoppedAt`: the last one stopped
    /// cleanly): that silence is Klaxon's, not the sender's.
    public static func heartbeat(
        _ check: CheckDefinition, lastPing: Timestamp?, listeningSince: Timestamp?, stoppedAt: Timestamp? = nil,
        now: Timestamp
    ) -> CheckEvaluation {
        let time = { (t: Timestamp) in LocalTimeFormatter.utc.civil(t).isoTime + " UTC" }
        if let stoppedAt {
            return CheckEvaluation(
                observation: .unknown(
                    "no klaxon watch's intake listens for its pings since \(time(stoppedAt))\(lastPing.map { "; the last ping at \(time($0))" } ?? ""); start klaxon watch"
                ))
        }
        let interval = DurationText.short(seconds: check.intervalSeconds)
        guard let deadline = heartbeatDeadline(check, lastPing: lastPing, listeningSince: listeningSince) else {
            return CheckEvaluation(
                observation: .unknown(
                    "no ping was ever received: no klaxon watch with intake.listen (klaxon.yaml) has listened for \(heartbeatPath(check))"
                ))
        }
        guard let lastPing, lastPing >= (listeningSince ?? lastPing) else {
            let since = listeningSince ?? deadline
            guard now < deadline else {
                let before = lastPing.map { "; the last at \(time($0)), before it" } ?? ""
                return CheckEvaluation(
                    observation: .failed(
                        "no ping for \(interval) or more: none since the intake started at \(time(since))\(before)"))
            }
            return CheckEvaluation(
                observation: .unknown(
                    "no ping yet since the intake started at \(time(since)); down at \(time(deadline)) without one"))
        }
        guard now < deadline else {
            return CheckEvaluation(
                observation: .failed("no ping for \(interval) or more: the last at \(time(lastPing))"))
        }
        return CheckEvaluation(
            observation: .ok("last ping at \(time(lastPing)); down at \(time(deadline)) without another"))
    }

    /// When a heartbeat check is down unless pinged before: `interval` after its last ping, or after
    /// `listeningSince` when that is later; nil when neither is known.
    public static func heartbeatDeadline(_ check: CheckDefinition, lastPing: Timestamp?, listeningSince: Timestamp?)
        -> Timestamp?
    {
        let from = [lastPing, listeningSince].compactMap { $0 }.max()
        return from?.adding(seconds: check.intervalSeconds)
    }
}

/// One finished poll of one check, as the poller reports it to the console and the journals.
public struct CheckReport: Sendable {
    public var check: CheckDefinition
    public var state: CheckState
    public var since: Timestamp?
    public var transition: CheckStateMachine.Transition?
    public var evaluation: CheckEvaluation
    public var response: ProbeResponse
    public var at: Timestamp
    /// How late the poll started against its schedule, in milliseconds.
    public var lagMilliseconds: Int64
    /// The first failed poll of the current run of failures (`CheckStateMachine.failingSince`).
    public var failingSince: Timestamp?

    public init(
        check: CheckDefinition, state: CheckState, since: Timestamp?, transition: CheckStateMachine.Transition?,
        evaluation: CheckEvaluation, response: ProbeResponse, at: Timestamp, lagMilliseconds: Int64,
        failingSince: Timestamp? = nil
    ) {
        self.check = check
        self.state = state
        self.since = since
        self.transition = transition
        self.evaluation = evaluation
        self.response = response
        self.at = at
        self.lagMilliseconds = lagMilliseconds
        self.failingSince = failingSince
    }
}
