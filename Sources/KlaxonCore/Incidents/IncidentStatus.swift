/// Where the response stands: `investigating` → `identified` → `monitoring` → `resolved`.
public enum IncidentStatus: String, CaseIterable, Sendable, CustomStringConvertible {
    case investigating, identified, monitoring, resolved

    public init?(parsing text: String) { self.init(rawValue: text.lowercased()) }

    public var isOpen: Bool { self != .resolved }
    public var description: String { rawValue }

    public static let expected = "investigating, identified, monitoring or resolved"
}
