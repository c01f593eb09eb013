/// Where a check stands against its objective at one moment: availability over the window, the
/// error budget left, the burn rates over the workbook's windows and the alert they make. Every figure
/// is plain arithmetic on the ledger's counts (docs/slo.md works them through):
///
/// - availability = good ÷ all events in the window;
/// - budget left = 1 − (bad ÷ all) × covered ÷ (1 − objective), as a share of the budget (below 0:
///   overspent), where covered is the share of the window the ledger has recorded (1 once it is older
///   than the window: a young objective's events stand for the time since its first record, not for
///   the whole window); in minutes, that share of the window's minutes × (1 − objective);
/// - burn rate over a window = (bad ÷ all in it) ÷ (1 − objective): 1 spends the budget exactly over
///   the objective's window; a window with fewer events than the objective's minimum, or reaching
///   back before the ledger's first record, has none.
public struct SLOStatus: Hashable, Sendable {
    /// One burn-rate window.
    public struct Burn: Hashable, Sendable {
        public var minutes: Int
        public var counts: OutcomeLedger.Counts
        /// Whether the ledger has recorded since before the window began (`OutcomeLedger.covers`).
        public var covered: Bool
        /// nil when the window holds fewer events than the minimum, or is not covered.
        public var rate: Double?
    }

    public var objective: ServiceLevelObjective
    /// The events of the window.
    public var window: OutcomeLedger.Counts
    /// nil without events.
    public var availability: Double?
    public var budgetLeft: Double?
    public var budgetMinutesLeft: Double?
    /// One for each window the rules read (`BurnRateRule.windows(of:)`), shortest first.
    public var burns: [Burn]
    /// The rules whose windows both burn at least their factor.
    public var firing: [BurnRateRule]
    /// The budget left at the end of each day of the window, oldest first (the share of the whole
    /// window's budget not yet spent by then); nil for days before the first event.
    public var budgetLine: [Double?]
    /// The start of the newest minute with an event: what the figures are as of.
    public var lastEvent: Timestamp?

    /// The highest level of the rules firing.
    public var level: BurnRateRule.Level { firing.map(\.level).max() ?? .none }

    /// The burn rate over `minutes` (one of the rules' windows).
    public func burn(overMinutes minutes: Int) -> Burn? { burns.first { $0.minutes == minutes } }

    public static func compute(
        _ objective: ServiceLevelObjective, _ ledger: OutcomeLedger, now: Timestamp,
        rules: [BurnRateRule] = BurnRateRule.workbook
    ) -> SLOStatus {
        let budget = objective.budget
        let window = ledger.counts(overLast: objective.windowMinutes, now: now, method: objective.method)
        let availability = window.badShare.map { 1 - $0 }
        let covered =
            ledger.coveredShare(of: objective.windowMinutes, now: now)
        let budgetLeft = window.badShare.map { 1 - $0 * covered / budget }
        let burns = BurnRateRule.windows(of: rules).map { minutes -> Burn in
            let counts = ledger.counts(overLast: minutes, now: now, method: objective.method)
            let isCovered = ledger.covers(minutes, now: now)
            let rate =
                counts.total < objective.minimumEvents || !isCovered ? nil : counts.badShare.map { $0 / budget }
            return Burn(minutes: minutes, counts: counts, covered: isCovered, rate: rate)
        }
        let rateOf = { (minutes: Int) in burns.first { $0.minutes == minutes }?.rate }
        let firing = rules.filter { rule in
            guard let long = rateOf(rule.longMinutes), let short = rateOf(rule.shortMinutes) else { return false }
            return long >= rule.factor && short >= rule.factor
        }
        // The line: what was left of the window's budget at the end of each day.
        let days = ledger.dailyCounts(now: now, method: objective.method)
        var line: [Double?] = []
        var bad = 0
        var seen = 0
        for day in days {
            bad += day.bad
            seen += day.total
            line.append(
                seen == 0 || window.total == 0 ? nil : 1 - Double(bad) * covered / (budget * Double(window.total)))
        }
        return SLOStatus(
            objective: objective, window: window, availability: availability, budgetLeft: budgetLeft,
            budgetMinutesLeft: budgetLeft.map { $0 * objective.budgetMinutes }, burns: burns, firing: firing,
            budgetLine: line, lastEvent: ledger.lastMinute.map { Timestamp(milliseconds: $0 * 60_000) })
    }
}
