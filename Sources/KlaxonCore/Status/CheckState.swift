/// Where a check stands.
public enum CheckState: String, CaseIterable, Sendable {
    case up, degraded, down
    /// A failure seen, not yet confirmed by `failure_threshold` in a row.
    case pending
    case maintenance
    /// Not yet polled, or its source (Prometheus, Alertmanager) cannot be read: neither up nor down.
    case unknown

    /// How urgently the state wants a look, most urgent lowest: down, pending, degraded, unknown (its
    /// source cannot be read), then up and maintenance.
    public var urgency: Int {
        switch self {
        case .down: 0
        case .pending: 1
        case .degraded: 2
        case .unknown: 3
        case .up: 4
        case .maintenance: 5
        }
    }

    /// Whether the state is bad enough to show red.
    public var isDown: Bool { self == .down }

    /// The state in words on screens: a failure being confirmed is `confirming`, so that it never
    /// shares a word with Prometheus's `pending` alerts listed beside it. Journals keep `rawValue`.
    public var displayName: String { self == .pending ? "confirming" : rawValue }
}

/// What one poll found, before damping.
public struct CheckObservation: Hashable, Sendable {
    /// `unknown`: the source of the answer (an alert source) could not be read; nothing is known.
    public enum Verdict: String, Sendable { case ok, degraded, failed, unknown }
    public var verdict: Verdict
    /// Why, in a few words: `503 Service Unavailable`, `latency 1.2 s > 800 ms`, `2 alerts firing`.
    public var detail: String
    /// A failure that is the absence of the required alert (a dead man's switch), named as messages name
    /// it (`Watchdog`): down only once it has lasted the check's `silent_for`.
    public var silentAlert: String?

    public init(_ verdict: Verdict, _ detail: String) {
        self.verdict = verdict
        self.detail = detail
    }

    public static func ok(_ detail: String = "ok") -> CheckObservation { .init(.ok, detail) }
    public static func degraded(_ detail: String) -> CheckObservation { .init(.degraded, detail) }
    public static func failed(_ detail: String) -> CheckObservation { .init(.failed, detail) }
    public static func unknown(_ detail: String) -> CheckObservation { .init(.unknown, detail) }
}
