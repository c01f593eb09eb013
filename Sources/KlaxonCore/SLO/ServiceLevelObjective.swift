/// An objective a check is held to (`slo:` of a check): the share of good events (`objective`, in
/// percent) over a rolling window, counted by `method`.
public struct ServiceLevelObjective: Hashable, Sendable {
    /// How events are counted (the SRE workbook's two budgeting methods).
    public enum Method: String, CaseIterable, Sendable {
        /// Each poll is an event: good when it found the check up or degraded, bad when it failed (or,
        /// with `events`, each event Prometheus counted).
        case occurrences
        /// Each minute with a poll is an event: good when none of its polls failed.
        case timeslices
    }

    /// The share of events that must be good, in percent: `99.9`.
    public var objective: Double
    /// The rolling window, in days: 28 or 30.
    public var windowDays: Int
    public var method: Method
    /// A burn-rate window holding fewer events is not judged: one failed probe in a quiet five
    /// minutes is no fast burn. By default 10 polls, or 5 minutes for `timeslices` (a 5-minute window
    /// holds no more).
    public var minimumEvents: Int
    /// The severity of the incident a page-level burn declares (with the check's policy paging); nil:
    /// the check's `declare:` severity, else SEV2 (`severity(declaring:)`).
    public var pageSeverity: Severity?
    /// Events counted by Prometheus instead of polls (`good:` and `total:` of a `prometheus_query`
    /// check's `slo:`): each poll adds the increase of both counters since the one before.
    public var events: EventQueries?

    /// Two counters' selectors: the good events and all of them (`http_requests_total{job="registry",
    /// code!~"5.."}` and `http_requests_total{job="registry"}`).
    public struct EventQueries: Hashable, Sendable {
        public var good: String
        public var total: String
        public init(good: String, total: String) {
            self.good = good
            self.total = total
        }

        /// The PromQL a poll runs for `selector`: its increase over the last `seconds`, summed over
        /// its series.
        public static func increase(_ selector: String, seconds: Int64) -> String {
            "sum(increase(\(selector)[\(seconds)s]))"
        }
    }

    /// The windows an objective may roll over: the workbook's burn factors are worked out for these.
    public static let windowChoices = [28, 30]

    public init(
        objective: Double, windowDays: Int = 28, method: Method = .occurrences, minimumEvents: Int? = nil,
        pageSeverity: Severity? = nil, events: EventQueries? = nil
    ) {
        self.objective = objective
        self.windowDays = windowDays
        self.method = method
        self.minimumEvents = minimumEvents ?? (method == .occurrences ? 10 : 5)
        self.pageSeverity = pageSeverity
        self.events = events
    }

    /// The severity of the incident a page-level burn of `check`'s budget declares.
    public func severity(declaring check: CheckDefinition) -> Severity { pageSeverity ?? check.declare ?? .sev2 }

    /// The share of events that may be bad: `1 - objective`. 99.9 gives 0.001.
    public var budget: Double { 1 - objective / 100 }

    /// The window in minutes.
    public var windowMinutes: Int { windowDays * 1440 }

    /// The whole budget as time: the window's minutes times the share that may be bad (40.32 minutes
    /// for 99.9 % over 28 days).
    public var budgetMinutes: Double { Double(windowMinutes) * budget }
}
