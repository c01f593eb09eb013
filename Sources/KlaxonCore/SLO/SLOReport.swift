/// What a check's objective met over a span of time, for a review (`klaxon slo report`): the events
/// of the span, its availability, the share of the window's error budget it spent, and where the
/// objective stands now. A span older than the ledger keeps (the objective's window) is counted from
/// the oldest hour it holds (`from` says from when).
public struct SLOReport: Hashable, Sendable {
    /// The span counted, in minutes since the epoch (`from` clamped to what the ledger holds).
    public var fromMinute: Int64
    public var toMinute: Int64
    /// Whether the span was counted by the hour (it reaches back more than six hours).
    public var byHour: Bool
    public var counts: OutcomeLedger.Counts
    /// nil without events.
    public var availability: Double?
    /// The span's bad events as a share of the budget of the window ending now (bad ÷ (all in the
    /// window × (1 − objective)), × the share of the window the ledger covers, as `SLOStatus` spends
    /// it), and as minutes of it; nil without events in the window.
    public var budgetSpent: Double?
    public var budgetMinutesSpent: Double?
    /// Where the objective stands now.
    public var now: SLOStatus

    public static func compute(
        _ objective: ServiceLevelObjective, _ ledger: OutcomeLedger, from: Timestamp, to: Timestamp, now: Timestamp
    ) -> SLOReport {
        let status = SLOStatus.compute(objective, ledger, now: now)
        let first = max(OutcomeLedger.minute(from), ledger.firstMinuteKept ?? OutcomeLedger.minute(from))
        let last = OutcomeLedger.minute(to)
        let (counts, byHour) = ledger.counts(fromMinute: first, toMinute: last, method: objective.method)
        let covered =
            ledger.coveredShare(of: objective.windowMinutes, now: now)
        let spent =
            status.window.total == 0
            ? nil : Double(counts.bad) * covered / (objective.budget * Double(status.window.total))
        return SLOReport(
            fromMinute: first, toMinute: last, byHour: byHour, counts: counts,
            availability: counts.badShare.map { 1 - $0 }, budgetSpent: spent,
            budgetMinutesSpent: spent.map { $0 * objective.budgetMinutes }, now: status)
    }
}
