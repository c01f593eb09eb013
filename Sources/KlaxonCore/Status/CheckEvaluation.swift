/// What one poll of a check found: the observation for the state machine, and what the board lists.
public struct CheckEvaluation: Hashable, Sendable {
    public var observation: CheckObservation
    public var vendorMaintenance = false
    /// Components (Statuspage) or alerts (Prometheus, Alertmanager).
    public var items: [StatusPayloads.Item] = []
    public var incidents: [String] = []

    public init(observation: CheckObservation, vendorMaintenance: Bool = false, items: [StatusPayloads.Item] = [], incidents: [String] = []) {
        self.observation = observation; self.vendorMaintenance = vendorMaintenance; self.items = items; self.incidents = incidents
    }

    /// Judges `response` for `check` at `now`.
    public static func evaluate(_ check: CheckDefinition, _ response: ProbeResponse, now: Timestamp) -> CheckEvaluation {
        if check.kind == .http { return CheckEvaluation(observation: HTTPExpectation.evaluate(check, response, now: now)) }
        if let error = response.error { return CheckEvaluation(observation: .failed(error)) }
        guard let code = response.statusCode, (200..<300).contains(code) else {
            return CheckEvaluation(observation: .failed("HTTP \(response.statusCode.map(String.init) ?? "?") from the \(check.kind.rawValue) API"))
        }
        do throws(StatusPayloads.Unreadable) {
            let reading: StatusPayloads.Reading
            switch check.kind {
            case .statuspage: reading = try StatusPayloads.statuspage(response.body)
            case .prometheus: reading = try StatusPayloads.prometheus(response.body, matchers: check.labelMatchers)
            case .alertmanager: reading = try StatusPayloads.alertmanager(response.body, matchers: check.labelMatchers)
            case .http: reading = StatusPayloads.Reading(observation: .ok())
            }
            return CheckEvaluation(observation: reading.observation, vendorMaintenance: reading.vendorMaintenance,
                                   items: reading.items, incidents: reading.incidents)
        } catch {
            return CheckEvaluation(observation: .failed(error.reason + (response.truncated ? " (the body was cut at 1 MiB)" : "")))
        }
    }

    /// The URL a check's kind reads: Statuspage's summary, Prometheus's and Alertmanager's alert lists,
    /// unless the configured URL already names an API path.
    public static func requestURL(_ check: CheckDefinition) -> String {
        let base = check.url.hasSuffix("/") ? String(check.url.dropLast()) : check.url
        switch check.kind {
        case .http: return check.url
        case .statuspage: return base.hasSuffix(".json") ? base : base + "/api/v2/summary.json"
        case .prometheus: return base.contains("/api/") ? base : base + "/api/v1/alerts"
        case .alertmanager: return base.contains("/api/") ? base : base + "/api/v2/alerts"
        }
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

    public init(check: CheckDefinition, state: CheckState, since: Timestamp?, transition: CheckStateMachine.Transition?,
                evaluation: CheckEvaluation, response: ProbeResponse, at: Timestamp, lagMilliseconds: Int64,
                failingSince: Timestamp? = nil) {
        self.check = check; self.state = state; self.since = since; self.transition = transition
        self.evaluation = evaluation; self.response = response; self.at = at; self.lagMilliseconds = lagMilliseconds
        self.failingSince = failingSince
    }
}
