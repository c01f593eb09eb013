/// Incident ids are `INC-` and a number, allocated in order within a workspace.
public enum IncidentID {
    /// `INC-12` for 12.
    public static func make(_ number: Int) -> String { "INC-\(number)" }

    /// The number of `INC-12`, `inc-12` or `12`; nil for anything else.
    public static func number(of text: String) -> Int? {
        // The common case, read from the bytes: `INC-12` as a file name or an index writes it (a
        // workspace of 10,000 journals asks this 10,000 times).
        let bytes = text.utf8
        if bytes.count > 4, bytes.count <= 13, bytes.starts(with: "INC-".utf8) {
            var n = 0
            for (i, byte) in bytes.dropFirst(4).enumerated() {
                guard byte >= 0x30, byte <= 0x39, i > 0 || byte != 0x30 else {
                    n = 0
                    break
                }
                n = n * 10 + Int(byte - 0x30)
            }
            if n > 0 { return n }
        }
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
