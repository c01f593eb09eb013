import KlaxonCore

// Until the escalate branch lands.
extension EscalationEngine {
    func escalateNowRefusal(_ incident: Incident, now: Timestamp) -> String? { nil }
}
