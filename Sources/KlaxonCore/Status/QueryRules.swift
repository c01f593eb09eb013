import Foundation

/// What a `prometheus_query` check asks Prometheus and how it judges the answer: `query:` (PromQL, run
/// as an instant query), `down:` and `degraded:` conditions (`> 0.05`) each value of the result is held
/// to (a scalar, or every series of a vector), and `empty:`, the state when the vector has no series.
public struct QueryRules: Hashable, Sendable {
    /// A comparison of a value with a number: `> 0.05`, `<= 3`, `== 0`.
    public struct Condition: Hashable, Sendable, CustomStringConvertible {
        public enum Comparison: String, CaseIterable, Sendable {
            case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="
        }
        public var comparison: Comparison
        public var number: Double

        public init(_ comparison: Comparison, _ number: Double) {
            self.comparison = comparison
            self.number = number
        }

        /// `> 0.05` and the like; nil when `text` is no comparison with a number.
        public init?(parsing text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            // The two-character operators first: `>=` is not `>` followed by `=0.05`.
            let ordered = Comparison.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
            guard let comparison = ordered.first(where: { trimmed.hasPrefix($0.rawValue) }) else { return nil }
            let rest = trimmed.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)
            guard let number = Double(rest), number.isFinite else { return nil }
            self.init(comparison, number)
        }

        /// Whether `value` meets the condition. NaN meets none (Prometheus answers NaN for 0/0).
        public func holds(for value: Double) -> Bool {
            switch comparison {
            case .greater: value > number
            case .greaterOrEqual: value >= number
            case .less: value < number
            case .lessOrEqual: value <= number
            case .equal: value == number
            case .notEqual: !value.isNaN && value != number
            }
        }

        public var description: String { "\(comparison.rawValue) \(QueryRules.text(number))" }

        /// Whether every value `other` holds for, this holds for too (both bound from below, or both
        /// from above, this one no stricter): `> 1` shadows `> 5`, `< 1` shadows `< 0.5`.
        public func shadows(_ other: Condition) -> Bool {
            let above: Set<Comparison> = [.greater, .greaterOrEqual]
            let below: Set<Comparison> = [.less, .lessOrEqual]
            if above.contains(comparison) && above.contains(other.comparison) {
                return number < other.number
                    || (number == other.number && (comparison == .greaterOrEqual || other.comparison == .greater))
            }
            if below.contains(comparison) && below.contains(other.comparison) {
                return number > other.number
                    || (number == other.number && (comparison == .lessOrEqual || other.comparison == .less))
            }
            return self == other
        }
    }

    /// The PromQL expression.
    public var query = ""
    public var down: Condition?
    public var degraded: Condition?
    /// What an empty vector means: nothing matched, which a query such as an error ratio over no
    /// traffic answers. Unknown unless `empty:` says: Klaxon does not guess that silence is health.
    public var whenEmpty = CheckObservation.Verdict.unknown

    public init(query: String = "", down: Condition? = nil, degraded: Condition? = nil) {
        self.query = query
        self.down = down
        self.degraded = degraded
    }

    /// What `value` makes the check.
    public func verdict(_ value: Double) -> CheckObservation.Verdict {
        if let down, down.holds(for: value) { return .failed }
        if let degraded, degraded.holds(for: value) { return .degraded }
        return .ok
    }

    /// A number as a person writes it: `0.05`, `3`, `NaN`, `+Inf`.
    public static func text(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number > 0 ? "+Inf" : "-Inf" }
        if number == number.rounded() && abs(number) < 1e15 { return String(Int64(number)) }
        let fixed = String(format: "%.4g", number)
        return fixed
    }
}
