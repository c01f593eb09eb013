/// What `klaxon.yaml`'s `comms:` says about keeping the people who depend on the platform informed
/// (docs/comms.md): how often an open incident owes them a status update.
public struct CommsConfig: Hashable, Sendable {
    /// Seconds between status updates an open incident of each severity owes (`comms: {cadence: {SEV1:
    /// 30m}}`); a severity left out owes none.
    public var cadence: [Severity: Int64] = [:]
    /// Where updates may go (`comms: destinations`), in the order written.
    public var destinations: [CommsDestination] = []
    /// Which incidents' updates go where (`comms: routes`): every matching route adds its destinations.
    public var routes: [CommsRoute] = []
    /// How failed deliveries of an update are retried (`comms: {attempts, retry_backoff}`).
    public var retry = EscalationEngine.RetryPolicy()

    public init(cadence: [Severity: Int64] = [:]) { self.cadence = cadence }

    /// The shortest and longest cadence accepted: more often than every 5 minutes leaves the comms role no
    /// time to respond; less often than a day is no cadence.
    public static let cadenceRange: ClosedRange<Int64> = 5 * 60...24 * 3600
}
