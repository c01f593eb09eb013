/// Where the response stands: `investigating` → `identified` → `monitoring` → `resolved`.
public enum IncidentStatus: String, CaseIterable, Sendable, CustomStringConvertible {
    case investigating, identified, monitoring, resolved

    public init?(parsing text: String) { self.init(rawValue: text.lowercased()) }

    public var isOpen: Bool { self != .resolved }
    public var description: String { rawValue }

    public static let expected = "investigating, identified, monitoring or resolved"

    /// Where an incident stands for the public (a status update's phase unless one is chosen, the status
    /// page's word): `resolved` once resolved; else the further along of its `status` and the phase its
    /// last update `said` (since it was last reopened), so that a plain update never takes the public back
    /// from `monitoring` to `investigating` because nobody moved the internal status on.
    public static func publicPhase(status: IncidentStatus, said: IncidentStatus?) -> IncidentStatus {
        guard status.isOpen else { return .resolved }
        guard let said, said.isOpen else { return status }
        return allCases.firstIndex(of: said)! > allCases.firstIndex(of: status)! ? said : status
    }
}
