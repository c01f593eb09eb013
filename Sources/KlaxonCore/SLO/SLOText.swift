import Foundation

/// An objective's figures in words, alike on the console, `klaxon slo` and the incident a burn
/// declares.
public enum SLOText {
    /// `5m`, `1h`, `3d`, `28d`.
    public static func window(_ minutes: Int) -> String {
        if minutes % 1440 == 0 { return "\(minutes / 1440)d" }
        if minutes % 60 == 0 { return "\(minutes / 60)h" }
        return "\(minutes)m"
    }

    /// `14.4×`, `0.3×`, `1000×`; `—` when the window held too few events to judge.
    public static func rate(_ rate: Double?) -> String {
        guard let rate else { return "—" }
        return rate >= 100 ? "\(Int(rate.rounded()))×" : "\(fixed(rate, 1))×"
    }

    /// `99.952 %` (three decimals: objectives differ in the third); `—` without events.
    public static func availability(_ share: Double?) -> String {
        share.map { "\(fixed($0 * 100, 3)) %" } ?? "—"
    }

    /// An objective: `99.9 %`, `99 %`, `99.95 %`.
    public static func objective(_ percent: Double) -> String {
        var text = fixed(percent, 6)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + " %"
    }

    /// A share as a percentage with one decimal: `50.4 %`, `-12.0 %`.
    public static func percent(_ share: Double) -> String { "\(fixed(share * 100, 1)) %" }

    /// Minutes with one decimal, `20.3 min`; under a minute in seconds, `2.4 s` (a budget of five
    /// nines over 28 days is 24 seconds).
    public static func minutes(_ minutes: Double) -> String {
        abs(minutes) < 1 ? "\(fixed(minutes * 60, 1)) s" : "\(fixed(minutes, 1)) min"
    }

    /// `50.4 % (20.3 min) left`, `overspent by 12.0 % (4.8 min)`, `unknown: no events yet`.
    public static func budgetLeft(_ status: SLOStatus) -> String {
        guard let left = status.budgetLeft, let minutes = status.budgetMinutesLeft else {
            return "unknown: no events yet"
        }
        return left < 0
            ? "overspent by \(percent(-left)) (\(Self.minutes(-minutes)))"
            : "\(percent(left)) (\(Self.minutes(minutes))) left"
    }

    /// What a firing rule says: `page: 15.2× over 1h and 16.0× over 5m (≥ 14.4×)`.
    public static func rule(_ rule: BurnRateRule, in status: SLOStatus) -> String {
        let long = status.burn(overMinutes: rule.longMinutes)?.rate
        let short = status.burn(overMinutes: rule.shortMinutes)?.rate
        return
            "\(rule.level.rawValue): \(rate(long)) over \(window(rule.longMinutes)) and \(rate(short)) over \(window(rule.shortMinutes)) (≥ \(rate(rule.factor)))"
    }

    /// The title of the incident a page-level burn declares.
    public static func burnTitle(_ status: SLOStatus) -> String {
        let fastest = status.firing.filter { $0.level == .page }.max { $0.factor < $1.factor }
        return "error budget burning fast, "
            + (fastest.map { rule($0, in: status) } ?? "page") + "; " + budgetLeft(status)
    }

    /// `x` with `digits` decimals.
    public static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
