/// The checks of escalation policies that need the people and schedules they page, not just their syntax.
public enum PolicyCheck {
    /// Warnings: a person's notify rule that comes no sooner than the `escalate_after` of a step that
    /// may page them. The step moves on first (its unsent pages are dropped, as PagerDuty reassigns), so
    /// that contact is never used on that step. A schedule's people are everyone in its layers and
    /// overrides, since any of them may be on call.
    public static func findings(policies: [EscalationPolicy], people: [Person], schedules: [Schedule]) -> [ConfigFinding] {
        var byID: [String: Person] = [:]
        for person in people where byID[person.id] == nil { byID[person.id] = person }
        var findings: [ConfigFinding] = []
        for policy in policies {
            for (index, step) in policy.steps.enumerated() {
                guard let limit = step.escalateAfterSeconds else { continue }
                var ids: [String] = []
                for target in step.targets {
                    switch target {
                    case .user(let id): ids.append(id)
                    case .schedule(let name):
                        guard let schedule = schedules.first(where: { $0.name == name }) else { continue }
                        ids += schedule.layers.flatMap(\.participants) + schedule.overrides.map(\.user)
                    }
                }
                var seen = Set<String>()
                for id in ids where seen.insert(id).inserted {
                    guard let person = byID[id] else { continue }
                    for rule in person.notify where rule.afterSeconds >= limit && person.contacts.contains(where: { $0.kind == rule.contact }) {
                        findings.append(ConfigFinding(.warning, person.place,
                            "\(id)'s \(rule.contact.rawValue) after \(DurationText.short(seconds: rule.afterSeconds)) is never sent on step \(index + 1) "
                            + "of policy \(policy.name), which escalates after \(DurationText.short(seconds: limit)); notify sooner or escalate later"))
                    }
                }
            }
        }
        return findings
    }
}
