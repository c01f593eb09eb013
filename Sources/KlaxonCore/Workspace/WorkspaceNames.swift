/// The names a workspace knows — its people, services, runbooks and escalation policies — and the checks
/// of a name someone typed against them (issue 26): a runbook linked must exist (a URL is a URL); a
/// person or a service nothing knows is a warning with "did you mean", recorded as given, since an
/// incident may well involve someone or something the files do not list yet. The CLI and the console
/// both ask this, and the console's dialogs complete from it.
public struct WorkspaceNames: Hashable, Sendable {
    /// The ids of `Escalation/people.yaml`.
    public var people: [String]
    /// Every service a check, an alert route, a comms route or a runbook's `services:` names.
    public var services: [String]
    /// The runbooks of `Runbooks/`, by name.
    public var runbooks: [String]
    /// The policies of `Escalation/policies/`.
    public var policies: [String]
    /// Each check's name, with the service it names (nil when it names none): a check's name given as a
    /// service is said to be one, with its service.
    public var checkServices: [String: String?]

    /// Names as given; each list is kept sorted and without repeats.
    public init(
        people: [String] = [], services: [String] = [], runbooks: [String] = [], policies: [String] = [],
        checkServices: [String: String?] = [:]
    ) {
        self.people = Self.sortedNames(people)
        self.services = Self.sortedNames(services)
        self.runbooks = Self.sortedNames(runbooks)
        self.policies = Self.sortedNames(policies)
        self.checkServices = checkServices
    }

    /// `checkServices` of `checks`: each check's name with its service (the first check of a name, should
    /// two share one).
    public static func checkServices(_ checks: [CheckDefinition]) -> [String: String?] {
        Dictionary(checks.map { ($0.name, $0.service) }) { first, _ in first }
    }

    /// The services the workspace's configuration names: its checks', alert routes', comms routes' and
    /// runbooks' (an on-call schedule names people, not services).
    public static func services(
        checks: [CheckDefinition], alertRoutes: [IntakeRoute], commsRoutes: [CommsRoute], runbooks: [Runbook]
    ) -> [String] {
        sortedNames(
            checks.compactMap(\.service) + alertRoutes.compactMap(\.service) + commsRoutes.flatMap(\.services)
                + runbooks.flatMap(\.metadata.services))
    }

    /// A warning when `id` (named `what`: "commander", "the scribe") is not a person of
    /// `Escalation/people.yaml`, with the closest ids; nil when it is one, or when the workspace lists
    /// nobody (there is nothing to check against). `then` says, in brackets, what becomes of the name.
    public func personWarning(
        _ id: String, as what: String, then: String = "recorded as given, but nobody can page them"
    ) -> String? {
        guard !people.isEmpty, !people.contains(id) else { return nil }
        return "\(what) \"\(id)\" is not a person of Escalation/people.yaml (\(then))"
            + NameSuggestion.hint(for: id, among: people)
    }

    /// A warning when no check, alert route, comms route or runbook of the workspace names `service`, with
    /// the closest it knows; nil when one does, or when the workspace names no service at all. A check's
    /// name given as a service (`example-api` for `example`) is said to be one, with the check's service.
    public func serviceWarning(_ service: String) -> String? {
        guard !services.contains(service) else { return nil }
        if let checkService = checkServices[service] {
            guard let checkService else {
                return "service \"\(service)\" is the name of a check, which names no service (recorded as given)"
                    + NameSuggestion.hint(for: service, among: services)
            }
            return
                "service \"\(service)\" is the name of a check, whose service is \"\(checkService)\" (recorded as given); did you mean '\(checkService)'?"
        }
        guard !services.isEmpty else { return nil }
        var hint = NameSuggestion.hint(for: service, among: services)
        // Close to no service but to a check's name (`example-apii` for the check `example-api`): that
        // check's service is the one meant.
        if hint.isEmpty,
            let check = NameSuggestion.closest(to: service, among: Array(checkServices.keys), limit: 1).first,
            let checkService = checkServices[check] ?? nil
        {
            hint = "; did you mean '\(checkService)' (the service of check \(check))?"
        }
        return
            "service \"\(service)\" is named by no check, alert route, comms route or runbook of this workspace (recorded as given)"
            + hint
    }

    /// What to record for a link to `target`: an http or https URL as given, a runbook by its name
    /// (`registry-5xx`, also given as `registry-5xx.md` or `Runbooks/registry-5xx.md`); anything else is
    /// refused, with the closest runbook names.
    public func linkTarget(_ target: String) throws(KlaxonError) -> String {
        let trimmed = target.trimmingWhitespace
        if Self.isURL(trimmed) { return trimmed }
        let name = Runbook.name(referredToAs: trimmed)
        if runbooks.contains(name) { return name }
        guard !trimmed.contains("://") else {
            throw .badInput(
                "\"\(trimmed)\" is not an http or https URL; link a runbook by its name, or a URL starting http:// or https://"
            )
        }
        let hint = NameSuggestion.hint(for: name, among: runbooks)
        throw .badInput(
            "no runbook named \"\(trimmed)\" in Runbooks/, and it is not a URL (http:// or https://)"
                + (hint.isEmpty ? "; klaxon runbook list shows the runbooks" : hint))
    }

    /// Whether `text` is an http or https URL with something after the scheme.
    public static func isURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        for scheme in ["http://", "https://"] where lowered.hasPrefix(scheme) {
            return lowered.count > scheme.count && !text.contains(where: \.isWhitespace)
        }
        return false
    }

    /// What tab does to `typed` among `names`: the names starting with it (case ignored), best first, and
    /// the text they all start with (their longest common prefix, at least `typed`). Nil when no name
    /// starts with `typed`, or `typed` is empty.
    public static func completion(of typed: String, among names: [String]) -> (text: String, candidates: [String])? {
        guard !typed.isEmpty else { return nil }
        let lowered = typed.lowercased()
        let candidates = sortedNames(names).filter { $0.lowercased().hasPrefix(lowered) }
        guard var common = candidates.first.map(Array.init) else { return nil }
        for name in candidates.dropFirst() {
            let other = Array(name)
            var length = 0
            while length < min(common.count, other.count),
                String(common[length]).lowercased() == String(other[length]).lowercased()
            {
                length += 1
            }
            common.removeLast(common.count - length)
        }
        // Only the letters tab adds are taken from the names: what was typed stays as typed.
        let text = common.count > typed.count ? typed + String(common[typed.count...]) : typed
        return (text, candidates)
    }

    static func sortedNames(_ names: [String]) -> [String] { Array(Set(names.filter { !$0.isEmpty })).sorted() }
}

extension KeyTime {
    /// How far past now a key time may be and still be taken, in seconds: the clocks of the machines
    /// a team types on, and the minute a time like `09:31` names, are a little apart.
    public static let allowedSkewSeconds: Int64 = 60

    /// Refuses `time` (given as `what`: "--impact-start", "mitigated") when it is more than
    /// `allowedSkewSeconds` after `now`: key times say when things happened.
    public static func requirePast(_ time: Timestamp, _ what: String, now: Timestamp) throws(KlaxonError) {
        guard time > now.adding(seconds: allowedSkewSeconds) else { return }
        throw .badInput(
            "\(what) \(time.rfc3339) is in the future (it is \(now.rfc3339) now); key times are when things happened: give the time it happened, or wait until it has"
        )
    }
}
