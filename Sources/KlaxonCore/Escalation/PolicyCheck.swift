import Foundation

/// The checks of escalation policies that need the people and schedules they page, not just their syntax.
public enum PolicyCheck {
    /// Warnings: a person's notify rule that comes no sooner than the `escalate_after` of a step that
    /// may page them. The step moves on first (its unsent pages are dropped, as PagerDuty reassigns), so
    /// that contact is never used on that step. A schedule's people are everyone in its layers and
    /// overrides, since any of them may be on call.
    public static func findings(policies: [EscalationPolicy], people: [Person], schedules: [Schedule])
        -> [ConfigFinding]
    {
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
                    for rule in person.notify
                    where rule.afterSeconds >= limit && person.contacts.contains(where: { $0.kind == rule.contact }) {
                        findings.append(
                            ConfigFinding(
                                .warning, person.place,
                                "\(id)'s \(rule.contact.rawValue) after \(DurationText.short(seconds: rule.afterSeconds)) is never sent on step \(index + 1) "
                                    + "of policy \(policy.name), which escalates after \(DurationText.short(seconds: limit)); notify sooner or escalate later"
                            ))
                    }
                }
            }
        }
        return findings
    }

    /// Warnings, at the step that pages again: a person whom two consecutive steps of a policy page at
    /// the same moment within the window (on call in both steps' schedules, or named in one and on call
    /// in the other), so that "escalating to the next step" pages the same person again. The first such
    /// moment is named, as a date and time in `timeZone` (the workspace's).
    public static func repeatedPages(
        policies: [EscalationPolicy], calendars: [String: OnCallCalendar],
        from: Timestamp, to: Timestamp, timeZone: TimeZone
    ) -> [ConfigFinding] {
        let local = LocalTimeFormatter(timeZone: timeZone)
        /// Who each step pages, and when, within the window.
        func stretches(_ step: EscalationPolicy.Step) -> [String: [(start: Timestamp, end: Timestamp, via: String)]] {
            var byUser: [String: [(start: Timestamp, end: Timestamp, via: String)]] = [:]
            for target in step.targets {
                switch target {
                case .user(let id): byUser[id, default: []].append((from, to, "named"))
                case .schedule(let name):
                    guard let calendar = calendars[name] else { continue }
                    for shift in calendar.shifts(from: from, to: to) {
                        for user in shift.users {
                            byUser[user, default: []].append((shift.start, shift.end, "on call in \(name)"))
                        }
                    }
                }
            }
            return byUser
        }
        var findings: [ConfigFinding] = []
        for policy in policies where policy.steps.count > 1 {
            let steps = policy.steps.map(stretches)
            for index in 0..<(steps.count - 1) {
                let (this, next) = (steps[index], steps[index + 1])
                for user in this.keys.sorted() {
                    guard let later = next[user] else { continue }
                    var first: (at: Timestamp, a: String, b: String)?
                    for a in this[user]! {
                        for b in later where a.start < b.end && b.start < a.end {
                            let at = max(a.start, b.start)
                            if first.map({ at < $0.at }) ?? true { first = (at, a.via, b.via) }
                        }
                    }
                    guard let first else { continue }
                    let again = policy.steps[index + 1].place
                    findings.append(
                        ConfigFinding(
                            .warning, again.isEmpty ? policy.place : again,
                            "\(user) is paged by step \(index + 1) (\(first.a)) and again by step \(index + 2) (\(first.b)) of policy \(policy.name) "
                                + "from \(local.weekdayDateTime(first.at)): escalating there pages the same person again; give the steps different people"
                        ))
                }
            }
        }
        return findings
    }
}
