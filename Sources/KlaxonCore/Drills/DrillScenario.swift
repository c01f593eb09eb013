/// What one endpoint of the simulated platform answers.
public struct DrillResponse: Hashable, Sendable {
    public var status: Int
    public var body: String
    public var contentType: String
    /// How long the answer is held back: a slow platform.
    public var latencyMilliseconds: Int64

    public init(
        status: Int = 200, body: String = "", contentType: String = "application/json", latencyMilliseconds: Int64 = 0
    ) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.latencyMilliseconds = latencyMilliseconds
    }
}

/// A rehearsed outage: from `Drills/NAME.yaml`, what the simulated platform does when, and when it
/// recovers. `klaxon drill` plays it against the real poller, engine and console.
public struct DrillScenario: Hashable, Sendable {
    public var name: String
    public var title: String
    public var description: String
    /// In the order they happen.
    public var events: [Event]
    public var recovery: Recovery

    /// From `at` seconds into the drill, `path` answers differently: any field not given keeps its value.
    public struct Event: Hashable, Sendable {
        public var atSeconds: Double
        public var path: String
        public var status: Int?
        public var body: String?
        public var latencyMilliseconds: Int64?

        public init(
            atSeconds: Double, path: String, status: Int? = nil, body: String? = nil, latencyMilliseconds: Int64? = nil
        ) {
            self.atSeconds = atSeconds
            self.path = path
            self.status = status
            self.body = body
            self.latencyMilliseconds = latencyMilliseconds
        }
    }

    /// The platform goes back to its healthy answers at `atSeconds`, or as soon as an incident of the
    /// drill has a record of type `afterRecord` (one of `actions`), whichever comes first.
    public struct Recovery: Hashable, Sendable {
        public var atSeconds: Double?
        public var afterRecord: RecordType?

        /// The responder's actions a recovery can wait for: what an incident summary (no timeline) still tells.
        public static let actions: [RecordType] = [.acknowledged, .mitigated, .resolved, .runbookStep]

        public init(atSeconds: Double? = nil, afterRecord: RecordType? = nil) {
            self.atSeconds = atSeconds
            self.afterRecord = afterRecord
        }
    }

    public init(name: String, title: String, description: String = "", events: [Event], recovery: Recovery) {
        self.name = name
        self.title = title
        self.description = description
        self.events = events.sorted { $0.atSeconds < $1.atSeconds }
        self.recovery = recovery
    }

    /// What every endpoint answers `elapsed` seconds (of scenario time) in: the healthy `platform`
    /// with the events so far applied, or the healthy platform once recovered.
    public func responses(platform: [String: DrillResponse], elapsed: Double, recovered: Bool) -> [String:
        DrillResponse]
    {
        guard !recovered else { return platform }
        var now = platform
        for event in events where event.atSeconds <= elapsed {
            var response = now[event.path] ?? DrillResponse()
            if let status = event.status { response.status = status }
            if let body = event.body { response.body = body }
            if let latency = event.latencyMilliseconds { response.latencyMilliseconds = latency }
            now[event.path] = response
        }
        return now
    }

    /// Whether the platform has recovered by `elapsed`, given the drill's incidents so far.
    public func isRecovered(elapsed: Double, incidents: [Incident]) -> Bool {
        if let at = recovery.atSeconds, elapsed >= at { return true }
        guard let type = recovery.afterRecord else { return false }
        return incidents.contains { incident in
            // Summaries keep the key times and the runbook steps, not the records.
            switch type {
            case .acknowledged: incident.keyTimes[.acknowledged] != nil
            case .mitigated: incident.keyTimes[.mitigated] != nil
            case .resolved: incident.status == .resolved
            case .runbookStep: incident.runbookSteps.contains(where: \.done)
            default: false  // refused when the scenario is read (see `Recovery.actions`)
            }
        }
    }
}
