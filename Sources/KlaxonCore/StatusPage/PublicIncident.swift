/// What the status page may say of an incident: its id, title, severity, status, when it began and its
/// public status updates (`status.update` records), nothing else. Notes, who wrote what, roles, pages and
/// alerts have no field here, so no renderer can show them.
public struct PublicIncident: Hashable, Sendable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var status: IncidentStatus
    public var declaredAt: Timestamp
    /// The services it affects (as `declare` named them): the page names the components whose checks
    /// belong to them.
    public var services: [String]
    /// Its public updates, oldest first.
    public var updates: [Update]
    /// A rehearsal (`klaxon drill`): never on the page.
    public var isDrill: Bool
    /// The components whose checks belong to its services (set by `StatusPage.build`).
    public var components: [String] = []

    /// One public update: a phase and its text, with when it was posted (never who posted it).
    public struct Update: Hashable, Sendable {
        public var sequence: Int
        public var at: Timestamp
        public var phase: IncidentStatus
        public var text: String

        public init(sequence: Int, at: Timestamp, phase: IncidentStatus, text: String) {
            self.sequence = sequence
            self.at = at
            self.phase = phase
            self.text = text
        }
    }

    public init(
        id: String, title: String, severity: Severity, status: IncidentStatus, declaredAt: Timestamp,
        services: [String] = [], updates: [Update] = [], isDrill: Bool = false
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.status = status
        self.declaredAt = declaredAt
        self.services = services
        self.updates = updates
        self.isDrill = isDrill
        publicStatus = IncidentStatus.publicPhase(status: status, said: updates.last?.phase)
    }

    public var isOpen: Bool { status.isOpen }

    /// Where it stands for the public, as Atlassian's incidents do: the phase its updates said (the comms
    /// role's word), unless its status is further along or it was reopened since
    /// (`IncidentStatus.publicPhase`; `Incident.nextUpdatePhase` when made from an incident).
    public var publicStatus: IncidentStatus

    /// Its impact in Atlassian's words: SEV1 critical, SEV2 major, SEV3 minor, SEV4 and SEV5 none.
    public var impact: Indicator {
        switch severity {
        case .sev1: .critical
        case .sev2: .major
        case .sev3: .minor
        case .sev4, .sev5: .none
        }
    }

    /// When it last changed for the page: its last update, else its declaration.
    public var updatedAt: Timestamp { updates.last?.at ?? declaredAt }
}

extension PublicIncident {
    /// The public side of `incident`: its status updates, never its notes, people, roles or pages. An
    /// update posted again as it was (to resend it where it failed) is said once, when first said.
    public init(_ incident: Incident) {
        var updates: [Update] = []
        for update in incident.statusUpdates
        where !(updates.last.map { $0.text == update.text && $0.phase == update.phase } ?? false) {
            updates.append(Update(sequence: update.sequence, at: update.at, phase: update.phase, text: update.text))
        }
        self.init(
            id: incident.id, title: incident.title, severity: incident.severity, status: incident.status,
            declaredAt: incident.declaredAt, services: incident.services, updates: updates,
            isDrill: incident.drill != nil)
        publicStatus = incident.nextUpdatePhase
    }

    /// The page's order: the most severe first (a SEV1 is not below a newer SEV3), then the newest.
    static func pageOrder(_ a: PublicIncident, _ b: PublicIncident) -> Bool {
        a.severity != b.severity ? a.severity < b.severity : a.declaredAt > b.declaredAt
    }
}
