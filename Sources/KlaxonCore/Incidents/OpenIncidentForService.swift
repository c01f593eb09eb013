import Foundation

/// An open incident already there for a service a new declaration names: a second incident for the same
/// thing splits the responders and the timeline, so the console asks and `klaxon incident declare` warns.
public struct OpenIncidentForService: Equatable, Sendable {
    /// The open incident's id (`INC-7`).
    public var id: String
    /// Its title, to recognise it by.
    public var title: String
    /// The service it shares with the declaration, as the open incident spells it.
    public var service: String

    public init(id: String, title: String, service: String) {
        self.id = id
        self.title = title
        self.service = service
    }

    /// The open incident among `incidents` that has one of `services` (compared without regard to case
    /// or surrounding spaces), the most recently declared first; nil when none has.
    public static func find(for services: [String], among incidents: [Incident]) -> OpenIncidentForService? {
        let wanted = Set(services.map(key).filter { !$0.isEmpty })
        guard !wanted.isEmpty else { return nil }
        let open = incidents.filter(\.isOpen).sorted { a, b in
            a.declaredAt != b.declaredAt
                ? a.declaredAt > b.declaredAt : (IncidentID.number(of: a.id) ?? 0) > (IncidentID.number(of: b.id) ?? 0)
        }
        for incident in open {
            if let service = incident.services.first(where: { wanted.contains(key($0)) }) {
                return OpenIncidentForService(id: incident.id, title: incident.title, service: service)
            }
        }
        return nil
    }

    static func key(_ service: String) -> String {
        service.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
