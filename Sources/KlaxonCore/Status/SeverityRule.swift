/// Which values of an alert's `severity` label make a check down, which degraded, and which count for
/// nothing (`severities:` of a check). A value listed nowhere is degraded; `""` is an alert without the
/// label. The default is `critical` and `page` down, every other value degraded.
public struct SeverityRule: Hashable, Sendable {
    public enum Effect: String, Sendable { case down, degraded, ignored }

    public static let defaultDown: Set<String> = ["critical", "page"]

    public var down: Set<String> = SeverityRule.defaultDown
    public var degraded: Set<String> = []
    public var ignored: Set<String> = []

    public init(down: Set<String> = SeverityRule.defaultDown, degraded: Set<String> = [], ignored: Set<String> = []) {
        self.down = down
        self.degraded = degraded
        self.ignored = ignored
    }

    /// What an alert with this `severity` (nil: none) does to its check. A value the check lists as
    /// degraded or ignored is that even if it is one of the default down values.
    public func effect(of severity: String?) -> Effect {
        let value = severity ?? ""
        if degraded.contains(value) { return .degraded }
        if ignored.contains(value) { return .ignored }
        return down.contains(value) ? .down : .degraded
    }
}
