/// How bad an incident is: `SEV1` is the most severe, `SEV5` the least.
public enum Severity: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case sev1 = 1, sev2, sev3, sev4, sev5

    /// Accepts `SEV2`, `sev2` and `2`.
    public init?(parsing text: String) {
        var digits = Substring(text)
        if digits.lowercased().hasPrefix("sev") { digits = digits.dropFirst(3) }
        guard digits.count == 1, let n = Int(digits), let severity = Severity(rawValue: n) else { return nil }
        self = severity
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

    /// `SEV2`
    public var name: String { "SEV\(rawValue)" }
    public var description: String { name }

    public static let expected = "SEV1 (most severe) to SEV5"
}
