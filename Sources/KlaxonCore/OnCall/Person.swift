/// Someone who can be on call and paged, from `Escalation/people.yaml`.
public struct Person: Hashable, Sendable {
    public var id: String
    public var name: String
    /// IANA zone the person lives in; shown beside their shifts.
    public var timeZone: String
    public var contacts: [Contact]
    /// How and when to reach them once paged, in order.
    public var notify: [NotifyRule]
    /// `file:line:column` of the entry, for messages.
    public var place: String

    public init(
        id: String, name: String, timeZone: String, contacts: [Contact] = [], notify: [NotifyRule] = [],
        place: String = ""
    ) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.contacts = contacts
        self.notify = notify
        self.place = place
    }
}

/// One way to reach a person. Secrets (webhook URLs) are written `env:NAME` or `file:PATH` and resolved
/// only when a page is sent.
public struct Contact: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Sendable { case webhook, slack, email, command }
    public var kind: Kind
    /// The URL (webhook, slack), the address (email) or the argv (command).
    public var target: [String]

    public init(kind: Kind, target: [String]) {
        self.kind = kind
        self.target = target
    }
}

/// "Use this contact this long after the page starts."
public struct NotifyRule: Hashable, Sendable {
    public var contact: Contact.Kind
    public var afterSeconds: Int64

    public init(contact: Contact.Kind, afterSeconds: Int64) {
        self.contact = contact
        self.afterSeconds = afterSeconds
    }
}
