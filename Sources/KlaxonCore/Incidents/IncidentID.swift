/// Incident ids are `INC-` and a number, allocated in order within a workspace.
public enum IncidentID {
    /// `INC-12` for 12.
    public static func make(_ number: Int) -> String { "INC-\(number)" }

    /// The number of `INC-12`, `inc-12` or `12`; nil for anything else.
    public static func number(of text: String) -> Int? {
        var digits = Substring(text)
        if digits.uppercased().hasPrefix("INC-") { digits = digits.dropFirst(4) }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let n = Int(digits), n > 0,
              String(n) == digits
        else { return nil }
        return n
    }

    /// The canonical form of what a person typed, or nil when it is not an incident id.
    public static func normalize(_ text: String) -> String? { number(of: text).map(make) }
}
