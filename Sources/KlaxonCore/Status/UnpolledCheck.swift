/// A check of `klaxon.yaml` that cannot be polled, because its entry does not read. The status board
/// keeps it, saying why, rather than dropping it from sight.
public struct UnpolledCheck: Sendable, Equatable {
    /// Its name, or where it is when it has none that reads.
    public var name: String
    public var group: String
    /// Why, with the place: `klaxon.yaml:12:5: unknown key "intervl" for a check …`.
    public var reason: String
    /// How many of the checks that read come before it, in the order of `checks:`.
    public var position: Int
    /// The check as far as it read, when it has a name: what it names (its policy) is checked too.
    public var definition: CheckDefinition?

    public init(name: String, group: String, reason: String, position: Int, definition: CheckDefinition? = nil) {
        self.name = name
        self.group = group
        self.reason = reason
        self.position = position
        self.definition = definition
    }
}
