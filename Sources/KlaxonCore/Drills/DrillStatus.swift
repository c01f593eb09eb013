/// What the console shows of a running drill: the scenario, how far in it is, whether the simulated
/// platform has recovered, and each page the drill's sink received (no page of a drill reaches anyone).
public struct DrillStatus: Hashable, Sendable {
    public var scenario: String
    public var title: String
    /// Seconds of scenario time (wall time × speed) since the drill began.
    public var elapsedSeconds: Double
    public var speed: Double
    public var recovered: Bool
    public var pages: [SinkPage]

    /// One page the sink received.
    public struct SinkPage: Hashable, Sendable {
        public var at: Timestamp
        public var user: String
        public var incidentID: String
        public var title: String
        public var step: String

        public init(at: Timestamp, user: String, incidentID: String, title: String, step: String) {
            self.at = at
            self.user = user
            self.incidentID = incidentID
            self.title = title
            self.step = step
        }

        /// `page to bob for INC-1 (platform step 1 of 2)`
        public var summary: String { "page to \(user) for \(incidentID) (\(step))" }
    }

    public init(
        scenario: String, title: String, elapsedSeconds: Double, speed: Double, recovered: Bool, pages: [SinkPage]
    ) {
        self.scenario = scenario
        self.title = title
        self.elapsedSeconds = elapsedSeconds
        self.speed = speed
        self.recovered = recovered
        self.pages = pages
    }
}
