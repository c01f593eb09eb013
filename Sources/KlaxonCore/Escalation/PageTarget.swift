/// Whom `P` pages for an incident: a policy, step by step until someone acknowledges, or one person
/// directly. What the console offers, from `Escalation/`.
public enum PageTarget: Hashable, Sendable {
    case policy(String)
    case person(String)

    /// How the page picker lists it: `policy:NAME`, or `user:ID` as a policy's step names a person.
    public var text: String {
        switch self {
        case .policy(let name): "policy:\(name)"
        case .person(let id): "user:\(id)"
        }
    }

    /// The policy's name, or nil for a person.
    public var policy: String? {
        if case .policy(let name) = self { name } else { nil }
    }
}
