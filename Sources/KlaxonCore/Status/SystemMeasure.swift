/// Something a system check counts or times and holds to limits (`thresholds:` of a check). For every
/// measure, more is worse: at or above `degraded` the check is degraded, at or above `down` it is down.
public enum SystemMeasure: String, CaseIterable, Sendable {
    /// `jenkins`: how long the oldest item in the build queue (buildable, blocked or stuck) has waited.
    case queueWait = "queue_wait"
    /// `jenkins`: executors on agents that are offline and not taken offline on purpose.
    case offlineExecutors = "offline_executors"
    /// `buildbot`: how long the oldest build request no worker has claimed has waited.
    case pendingWait = "pending_wait"
    /// `buildbot`: configured workers that are not connected.
    case disconnectedWorkers = "disconnected_workers"
    /// `buildkite`: jobs waiting for an agent in one queue.
    case scheduledJobs = "scheduled_jobs"

    /// A measure's limits; nil is no limit at that level.
    public struct Limit: Hashable, Sendable {
        public var degraded: Double?
        public var down: Double?
        public init(degraded: Double? = nil, down: Double? = nil) {
            self.degraded = degraded
            self.down = down
        }

        /// What `value` makes the check: failed at or above `down`, degraded at or above `degraded`.
        public func verdict(_ value: Double) -> CheckObservation.Verdict {
            if let down, value >= down { return .failed }
            if let degraded, value >= degraded { return .degraded }
            return .ok
        }
    }

    /// What `value` is past, for a detail: ` (≥ 1h: down)`, ` (≥ 1: degraded)`, or nothing when it is
    /// below both limits of `check`.
    public func past(_ value: Double, of check: CheckDefinition) -> String {
        let limit = check.limit(self)
        let verdict = limit.verdict(value)
        guard verdict != .ok, let bound = verdict == .failed ? limit.down : limit.degraded else { return "" }
        let amount = isDuration ? DurationText.short(seconds: Int64(bound)) : String(Int64(bound))
        return " (≥ \(amount): \(verdict == .failed ? "down" : "degraded"))"
    }

    /// The kind that reads the measure.
    public var kind: CheckDefinition.Kind {
        switch self {
        case .queueWait, .offlineExecutors: .jenkins
        case .pendingWait, .disconnectedWorkers: .buildbot
        case .scheduledJobs: .buildkite
        }
    }

    /// Whether its limits are durations (`15m`), not counts.
    public var isDuration: Bool { self == .queueWait || self == .pendingWait }

    /// The limits when `thresholds:` does not give the measure: a queue is slow at 15 minutes and stuck
    /// at an hour; one offline executor or disconnected worker is worth a look, not a page; 50 jobs
    /// waiting in one queue is a backlog.
    public var defaultLimit: Limit {
        switch self {
        case .queueWait, .pendingWait: Limit(degraded: 15 * 60, down: 60 * 60)
        case .offlineExecutors, .disconnectedWorkers: Limit(degraded: 1)
        case .scheduledJobs: Limit(degraded: 50)
        }
    }

    /// The measures a kind reads.
    public static func measures(of kind: CheckDefinition.Kind) -> [SystemMeasure] {
        allCases.filter { $0.kind == kind }
    }
}

extension CheckDefinition {
    /// The limits `measure` is held to: `thresholds:`, else the measure's default.
    public func limit(_ measure: SystemMeasure) -> SystemMeasure.Limit {
        thresholds[measure] ?? measure.defaultLimit
    }
}
