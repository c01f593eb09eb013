/// Sizes in words: `512 KiB`, `16 MiB`, `1500 bytes`.
public enum ByteSize {
    public static func text(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    /// The forms `parse` takes, for messages: binary units are powers of 1,024, decimal ones of 1,000.
    public static let forms =
        "a whole number with a unit: B (bytes, also without a unit), KiB (1,024 bytes), MiB (1,048,576 bytes), kB or KB (1,000 bytes), MB (1,000,000 bytes)"

    /// `16MiB`, `512 KiB`, `2MB`, `1500` (bytes); nil for anything else (see `forms`).
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.filter { $0 != " " }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let n = Int(digits) else { return nil }
        let units: [String: Int] = [
            "": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "KB": 1000, "kB": 1000, "MB": 1_000_000
        ]
        guard let unit = units[String(trimmed.dropFirst(digits.count))] else { return nil }
        return n * unit
    }
}
