/// The times a review measures an incident by, in the order they should happen.
public enum KeyTime: String, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case impactStarted = "impact_started"
    case detected
    case declared
    case acknowledged
    case mitigated
    case resolved

    /// Accepts `impact_started`, `impact-started` and `impact`.
    public init?(parsing text: String) {
        let normalized = text.lowercased().replacingOccurrences(of: "-", with: "_")
        if normalized == "impact" {
            self = .impactStarted
            return
        }
        self.init(rawValue: normalized)
    }

    public static func < (a: KeyTime, b: KeyTime) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// `impact started`
    public var label: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    public var description: String { rawValue }

    public static let expected = "impact_started, detected, declared, acknowledged, mitigated or resolved"
}
