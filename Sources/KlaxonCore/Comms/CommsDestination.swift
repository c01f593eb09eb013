/// One place status updates are sent to, named in `klaxon.yaml`'s `comms: destinations:` (docs/comms.md).
/// Secrets stay references (`env:NAME`, `file:PATH`) until the moment of sending.
public struct CommsDestination: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// A Slack incoming webhook: its URL is a credential, so only ever a reference; `channel` is how
        /// the timeline names it (`#platform-status`).
        case slack(url: SecretReference, channel: String?)
        /// A mailing list or a few addresses, sent through `channels: email`.
        case email(addresses: [String])
        /// A generic webhook: JSON (docs/comms.md) signed with HMAC-SHA256 as pages' webhooks are. `url` is
        /// a plain URL or a reference.
        case webhook(url: String, secret: SecretReference)

        /// `slack`, `email`, `webhook`: the journal's `kind`.
        public var name: String {
            switch self {
            case .slack: "slack"
            case .email: "email"
            case .webhook: "webhook"
            }
        }
    }

    /// The destination's name in `comms: destinations:` (what routes name).
    public var name: String
    public var kind: Kind
    /// `klaxon.yaml:line:column`, for messages.
    public var place: String

    public init(name: String, kind: Kind, place: String = "") {
        self.name = name
        self.kind = kind
        self.place = place
    }

    /// How the timeline and screens name it: `#platform-status` (a Slack channel), `slack platform-status`
    /// (no channel given), `email eng-all`, `webhook bridge`.
    public var label: String {
        switch kind {
        case .slack(_, let channel?): channel
        default: "\(kind.name) \(name)"
        }
    }
}

/// Which destinations an incident's updates go to (`comms: routes:`): every route that matches adds its
/// destinations. A route matches an incident of one of its `services` (any service when none is
/// given) with one of its `severities` (any when none is given).
public struct CommsRoute: Hashable, Sendable {
    public var services: [String]
    public var severities: [Severity]
    /// Destination names.
    public var to: [String]
    /// `klaxon.yaml:line:column`, for messages.
    public var place: String

    public init(services: [String] = [], severities: [Severity] = [], to: [String], place: String = "") {
        self.services = services
        self.severities = severities
        self.to = to
        self.place = place
    }

    /// Whether the updates of an incident of `services` and `severity` go by this route.
    public func matches(services incidentServices: [String], severity: Severity) -> Bool {
        (services.isEmpty || services.contains(where: incidentServices.contains))
            && (severities.isEmpty || severities.contains(severity))
    }
}

extension CommsConfig {
    /// Where `incident`'s updates go, in the order the routes first name them, each once. A drill's
    /// incident goes nowhere: a rehearsal never tells the people who depend on the platform.
    public func destinations(for incident: Incident) -> [CommsDestination] {
        guard incident.drill == nil else { return [] }
        var names: [String] = []
        for route in routes where route.matches(services: incident.services, severity: incident.severity) {
            for name in route.to where !names.contains(name) { names.append(name) }
        }
        return names.compactMap { name in destinations.first { $0.name == name } }
    }
}
