/// A count and its noun, agreeing: `1 record`, `2 records`, `0 records`.
public enum Plural {
    /// `count` and `singular`, or `plural` (the singular with an `s`, if not given) for any count but 1.
    public static func count<N: BinaryInteger>(_ count: N, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }
}
