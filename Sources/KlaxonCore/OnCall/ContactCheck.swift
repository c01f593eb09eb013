/// The checks of people's contacts that need nothing but `Escalation/people.yaml`.
public enum ContactCheck {
    /// Warnings: each person whom a page reaches only through commands running `logger` (argv[0] named
    /// `logger`, as `klaxon init` writes), which put the page in the machine's system log and reach
    /// nobody: every contact is one, or the notify rules use no other. The warning is at the person's
    /// place in people.yaml, and names the kinds of contact that reach someone.
    public static func findings(people: [Person]) -> [ConfigFinding] {
        people.compactMap { person in
            let used = EscalationPlan.notifications(of: person).map(\.0)
            guard !used.isEmpty, used.allSatisfy(runsLogger) else { return nil }
            let id = person.id
            let unused = Set(person.contacts.filter { !runsLogger($0) }.map(\.kind))
            let what =
                person.contacts.count == 1
                ? "\(id)'s only contact is a command running logger"
                : unused.isEmpty
                    ? "every contact of \(id) is a command running logger"
                    : "\(id)'s notify rules use only a command running logger"
            let todo =
                unused.isEmpty
                ? "give \(id) a contact that reaches them: webhook or slack (url), email (address), or a command that reaches a phone (argv)"
                : "add a notify rule for \(id)'s "
                    + Contact.Kind.allCases.filter(unused.contains).map(\.rawValue).joined(separator: " or ")
                    + " contact"
            return ConfigFinding(
                .warning, person.place,
                "\(what), which writes each page to this machine's system log and reaches nobody; \(todo)")
        }
    }

    /// Whether `contact` is a command whose program is `logger` (`/usr/bin/logger`, `logger`).
    public static func runsLogger(_ contact: Contact) -> Bool {
        guard contact.kind == .command, let program = contact.target.first else { return false }
        return program.split(separator: "/").last == "logger"
    }
}
