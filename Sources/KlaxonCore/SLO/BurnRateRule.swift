/// A multiwindow burn-rate alert of the SRE workbook (chapter 5, "Alerting on SLOs"): it fires when
/// the budget burns at least `factor` times the sustainable rate over both the long window and the
/// short one (the short one makes it stop soon after the burning does).
public struct BurnRateRule: Hashable, Sendable {
    public enum Level: String, Comparable, Sendable {
        case none, ticket, page
        public static func < (a: Level, b: Level) -> Bool {
            [Level.none, .ticket, .page].firstIndex(of: a)! < [Level.none, .ticket, .page].firstIndex(of: b)!
        }
    }

    public var level: Level
    public var longMinutes: Int
    public var shortMinutes: Int
    public var factor: Double

    public init(_ level: Level, longMinutes: Int, shortMinutes: Int, factor: Double) {
        self.level = level
        self.longMinutes = longMinutes
        self.shortMinutes = shortMinutes
        self.factor = factor
    }

    /// The workbook's pairs for a 30-day window (used for 28 days too): page at 14.4× over 1 h with
    /// 5 m (2 % of the budget in an hour), page at 6× over 6 h with 30 m (5 % in six hours), ticket at
    /// 1× over 3 d with 6 h (10 % in three days).
    public static let workbook: [BurnRateRule] = [
        BurnRateRule(.page, longMinutes: 60, shortMinutes: 5, factor: 14.4),
        BurnRateRule(.page, longMinutes: 360, shortMinutes: 30, factor: 6),
        BurnRateRule(.ticket, longMinutes: 4320, shortMinutes: 360, factor: 1)
    ]

    /// Every window `rules` read, shortest first.
    public static func windows(of rules: [BurnRateRule]) -> [Int] {
        Array(Set(rules.flatMap { [$0.longMinutes, $0.shortMinutes] })).sorted()
    }
}
