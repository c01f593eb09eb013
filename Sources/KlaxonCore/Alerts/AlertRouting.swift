/// Routing alert groups to incidents (issue 22, point 4): from the alert changes the router has not
/// handled yet (the `AlertBook`'s changes after `routedThrough`), the intake's routes and the open
/// incidents with the alert groups they carry, what to write, as values (`plan`). The engine (the one
/// process that sends the pages) carries the actions out, then records its progress (`alerts.routed`).
///
/// - A group with a new alert (`fired`), no open incident carrying it, and a route that says
///   `declare: SEVn` → one incident for the group (`declare`): titled by its first active alert, of the
///   most severe of its alerts' severities, the route's service, policy and runbook (else the alerts'
///   `runbook_url`s as links), impact from the earliest `startsAt`; `alert_group` on its declaration.
/// - `attach` → onto the most recently declared open incident of the route's service; none: only shown,
///   until one is open (`waitingToAttach` finds such groups again; any later change of the group too).
/// - A person's request (`alerts.attach`: `klaxon alert attach`, the console) puts the group on the
///   incident named, whatever the route, when that incident is open.
/// - `none`, or no route matches → only shown: nothing is written.
/// - Every change of a group on an incident goes on its timeline (`alerts.changed`, one record a group
///   per pass), repeats at most once every `repeatNoteSeconds` (counted from the last repeat or new
///   alert noted); once all the group's alerts are resolved
///   the record says so and, as the route says (`on_resolve`), the incident is marked mitigated or
///   resolved, only when it is not that far already.
/// - A group whose incident is resolved opens a new one with its next new alert; its repeats do nothing.
/// - A change at or before the `through` the incident's timeline already has for the group is not
///   written again (the engine died between the incident's write and `alerts.routed`).
/// - A group whose alerts all resolved before the router saw them declares nothing: nobody is paged for
///   what is over (it is shown).
public enum AlertRouting {
    /// Repeats of a group are noted at most this often on its incident. Alertmanager repeats a firing
    /// group every `repeat_interval` (4 h by default, often minutes), and an HA pair of Alertmanagers
    /// sends every notification twice: a timeline of the copies would bury what people write.
    public static let repeatNoteSeconds: Int64 = 30 * 60

    /// An open incident as the router needs it.
    public struct OpenIncident: Equatable, Sendable {
        public var id: String
        public var services: [String]
        public var declaredAt: Timestamp
        public var isMitigated: Bool
        public var alertGroups: [String: Incident.AlertGroupMark]

        public init(
            id: String, services: [String], declaredAt: Timestamp, isMitigated: Bool = false,
            alertGroups: [String: Incident.AlertGroupMark] = [:]
        ) {
            self.id = id
            self.services = services
            self.declaredAt = declaredAt
            self.isMitigated = isMitigated
            self.alertGroups = alertGroups
        }

        /// `incident` as replayed (a summary will do).
        public init(_ incident: Incident) {
            self.init(
                id: incident.id, services: incident.services, declaredAt: incident.declaredAt,
                isMitigated: incident.keyTimes[.mitigated] != nil, alertGroups: incident.alertGroups)
        }
    }

    /// One `alerts.changed` record: changes of one group's alerts, through record `through` of the journal
    /// `alerts`.
    public struct Note: Hashable, Sendable {
        /// One alert's change, as the timeline says it.
        public struct Entry: Hashable, Sendable {
            /// `A-3`.
            public var id: String
            public var kind: AlertChange.Kind
            public var name: String
            public var summary: String
            public var severity: String?

            public init(id: String, kind: AlertChange.Kind, name: String, summary: String, severity: String? = nil) {
                self.id = id
                self.kind = kind
                self.name = name
                self.summary = summary
                self.severity = severity
            }
        }

        public var group: String
        public var through: Int
        public var alerts: [Entry]
        /// When every alert of the group on the incident is resolved: how many there are.
        public var allResolved: Int?

        public init(group: String, through: Int, alerts: [Entry], allResolved: Int? = nil) {
            self.group = group
            self.through = through
            self.alerts = alerts
            self.allResolved = allResolved
        }

        /// The record's data (docs/journal-format.md).
        public var data: JSONValue {
            var fields: [String: JSONValue] = [
                "group": .string(group), "through": .number(Double(through)),
                "alerts": .array(
                    alerts.map { entry in
                        var fields: [String: JSONValue] = [
                            "id": .string(entry.id), "kind": .string(entry.kind.rawValue), "name": .string(entry.name),
                            "summary": .string(entry.summary)
                        ]
                        if let severity = entry.severity { fields["severity"] = .string(severity) }
                        return .object(fields)
                    })
            ]
            if let allResolved { fields["all_resolved"] = .number(Double(allResolved)) }
            return .object(fields)
        }
    }

    /// What the engine writes, in order.
    public enum Action: Hashable, Sendable {
        /// Declare an incident for `group` (the declaration carries it as `alert_group`), link `links` on it,
        /// then write `note` on it.
        case declare(group: String, Declaration, links: [String], note: Note)
        /// Write `note` on open incident `incident` (the group was on it, or attaches to it now).
        case note(incident: String, Note)
        /// Mark it mitigated: all the group's alerts resolved, and the route says `on_resolve: mitigate`.
        case mitigate(incident: String)
        /// Resolve it (`on_resolve: resolve`), with this summary.
        case resolve(incident: String, summary: String)
    }

    /// What to write for `changes` (the book's changes not routed yet, in order) of `book`, routed by
    /// `router`, with the incidents open now.
    public static func plan(changes: [AlertChange], book: AlertBook, router: IntakeRouter, open: [OpenIncident])
        -> [Action]
    {
        var groups: [String] = []
        var byGroup: [String: [AlertChange]] = [:]
        for change in changes {
            if byGroup[change.group] == nil { groups.append(change.group) }
            byGroup[change.group, default: []].append(change)
        }
        var actions: [Action] = []
        for group in groups {
            let changes = byGroup[group] ?? []
            let alerts = book.alerts(of: group)
            // The group's route, by the labels of the first of its alerts that changed (the alerts of an
            // Alertmanager group share the labels it was grouped by).
            guard let first = changes.map(\.alert).min(), first <= book.alerts.count else { continue }
            let route = router.route(for: book.alerts[first - 1].labels)?.route
            if changes.contains(where: { $0.kind == .attached }),
                let requested = book.attachRequests[group].flatMap({ id in open.first { $0.id == id } })
            {
                actions += place(changes, of: group, alerts: alerts, book: book, on: requested, route: route)
                continue
            }
            // The incident that carries the group: the one the router last sent it to, else the newest.
            let carrying = open.filter { $0.alertGroups[group] != nil }
            if let incident = carrying.first(where: { $0.id == book.incidents[group] })
                ?? carrying.max(by: { $0.declaredAt < $1.declaredAt })
            {
                actions += place(changes, of: group, alerts: alerts, book: book, on: incident, route: route)
                continue
            }
            let active = alerts.filter(\.isActive)
            guard let route, let lead = active.first else { continue }
            switch route.declaration {
            case .none:
                continue
            case .attach:
                // Any change of a group still firing: one that fired before its service had an open
                // incident attaches once one is open.
                guard let service = route.service,
                    let target = open.filter({ $0.services.contains(service) }).max(by: {
                        $0.declaredAt < $1.declaredAt
                    })
                else { continue }
                actions += place(changes, of: group, alerts: alerts, book: book, on: target, route: route)
            case .declare:
                guard let fired = changes.first(where: { $0.kind == .fired }) else { continue }
                // Titled by what fired now (a group that fires again after its incident was resolved
                // still has its older alerts firing).
                let lead = active.first { $0.number == fired.alert } ?? lead
                let severity = active.compactMap { route.severity(of: $0.labels) }.min() ?? .sev3
                var title = line(lead.name == lead.summary ? lead.name : "\(lead.name): \(lead.summary)")
                if active.count > 1 { title = "\(title.prefix(180)) (\(active.count) alerts)" }
                let links =
                    route.runbook != nil
                    ? []
                    : active.compactMap(\.runbookURL).reduce(into: [String]()) { links, url in
                        if !links.contains(url) && links.count < 5 && isWebLink(url) { links.append(url) }
                    }
                let declaration = Declaration(
                    title: String(title.prefix(200)), severity: severity, services: route.service.map { [$0] } ?? [],
                    impactStarted: active.map(\.startsAt).min(),
                    detected: changes.first { $0.kind == .fired }?.at, policy: route.policy,
                    runbooks: route.runbook.map { [$0] } ?? [], alertGroup: group)
                let firstAlert = active.map(\.number).min() ?? first
                guard
                    let note = note(
                        changes, of: group, alerts: alerts, book: book,
                        mark: Incident.AlertGroupMark(firstAlert: firstAlert))
                else { continue }
                actions.append(.declare(group: group, declaration, links: links, note: note))
            }
        }
        return actions
    }

    /// The actions for `changes` of `group` on `incident`: the note of what it does not have yet, and
    /// what the route says once all the group's alerts are resolved.
    private static func place(
        _ changes: [AlertChange], of group: String, alerts: [Alert], book: AlertBook, on incident: OpenIncident,
        route: IntakeRoute?
    ) -> [Action] {
        var mark = incident.alertGroups[group] ?? Incident.AlertGroupMark()
        var actions: [Action] = []
        if mark.firstAlert == 0 { mark.firstAlert = changes.map(\.alert).min() ?? 0 }
        let note = note(changes, of: group, alerts: alerts, book: book, mark: mark)
        if let note { actions.append(.note(incident: incident.id, note)) }
        // Said now, or by the note written before the engine died (its mitigation may not have been).
        let episode = alerts.filter { $0.number >= mark.firstAlert }
        let saidBefore = note == nil && mark.allResolved && !episode.contains(where: \.isActive)
        guard note?.allResolved != nil || saidBefore, let route else { return actions }
        switch route.onResolve {
        case .note:
            break
        case .mitigate:
            if !incident.isMitigated { actions.append(.mitigate(incident: incident.id)) }
        case .resolve:
            let count = episode.count
            actions.append(
                .resolve(
                    incident: incident.id,
                    summary: count == 1
                        ? "the group's only alert resolved" : "all \(count) alerts of the group resolved"))
        }
        return actions
    }

    /// The note of `changes` the incident does not have yet (after `mark.through`), repeats folded; nil
    /// when nothing is left to say.
    private static func note(
        _ changes: [AlertChange], of group: String, alerts: [Alert], book: AlertBook, mark: Incident.AlertGroupMark
    ) -> Note? {
        let new = changes.filter { $0.sequence > mark.through }
        guard let through = new.map(\.sequence).max() else { return nil }
        var repeatsNotedAt = mark.repeatsNotedAt
        var repeatsRecord: Int?
        var entries: [Note.Entry] = []
        for change in new {
            if change.kind == .repeated {
                // Every alert of one notification repeats at once: they are noted together, or not at all.
                if change.sequence != repeatsRecord {
                    guard repeatsNotedAt.map({ $0.seconds(until: change.at) >= repeatNoteSeconds }) ?? true else {
                        continue
                    }
                    repeatsNotedAt = change.at
                    repeatsRecord = change.sequence
                }
            }
            // A new alert is news of the group: a repeat within the half hour after it adds nothing.
            if change.kind == .fired || change.kind == .attached { repeatsNotedAt = change.at }
            let alert = book.alerts[change.alert - 1]
            entries.append(
                Note.Entry(
                    id: alert.id, kind: change.kind, name: line(alert.name), summary: line(alert.summary),
                    severity: alert.severity.map(line)))
        }
        let resolved = new.contains { $0.kind == .resolved }
        let episode = alerts.filter { $0.number >= mark.firstAlert }
        let allResolved = resolved && !episode.isEmpty && !episode.contains(where: \.isActive) ? episode.count : nil
        guard !entries.isEmpty || allResolved != nil else { return nil }
        return Note(group: group, through: through, alerts: entries, allResolved: allResolved)
    }

    /// The alert groups an `attach` route left on no incident that can attach now: still firing, never
    /// put on an incident (`AlertBook.incidents`), and an open incident of the route's service exists.
    /// Their active alerts as `attached` changes (at the record that last changed each), for `plan`.
    public static func waitingToAttach(book: AlertBook, router: IntakeRouter, open: [OpenIncident]) -> [AlertChange] {
        let services = Set(open.flatMap(\.services))
        guard !services.isEmpty else { return [] }
        var changes: [AlertChange] = []
        var decided: [String: Bool] = [:]
        for alert in book.active where book.incidents[alert.group] == nil {
            let attaches =
                decided[alert.group]
                ?? {
                    guard let route = router.route(for: alert.labels)?.route, route.declaration == .attach,
                        let service = route.service
                    else { return false }
                    return services.contains(service)
                }()
            decided[alert.group] = attaches
            if attaches {
                changes.append(
                    AlertChange(
                        alert: alert.number, kind: .attached, group: alert.group, sequence: alert.lastSequence,
                        at: alert.lastReceived))
            }
        }
        return changes
    }

    /// Why `alert` is on no incident, as its route says (`routes`: klaxon.yaml's intake routes): for the
    /// Alerts screen and `klaxon alert show`, so a waiting `attach` is not read as "nothing routes it".
    public static func whyOnNoIncident(_ alert: Alert, routes: [IntakeRoute]) -> String {
        guard let router = try? IntakeRouter(routes) else {
            return "the intake's routes do not load (klaxon config validate)"
        }
        guard let (index, route) = router.route(for: alert.labels) else {
            return routes.isEmpty
                ? "klaxon.yaml has no intake routes: alerts are only shown" : "no intake route matches its labels"
        }
        switch route.declaration {
        case .none: return "route \(index + 1) only shows it (declare: none)"
        case .attach:
            let service = route.service ?? "?"
            return alert.isActive
                ? "route \(index + 1) attaches it to an open incident of service \(service): none is open; it attaches once one is"
                : "route \(index + 1) attaches to an open incident of service \(service): none was open while it fired"
        case .declare:
            return alert.isActive
                ? "route \(index + 1) declares for it: the process that sends the pages does so within a second (none runs?)"
                : "it resolved before it was routed: nothing was declared"
        }
    }

    /// The sender's text in one line of at most 200 characters (a title must be one line).
    static func line(_ text: String) -> String {
        let flat = String(
            String.UnicodeScalarView(text.unicodeScalars.map { TerminalText.isControl($0) ? " " : $0 }))
        return String(flat.trimmingWhitespace.prefix(200))
    }

    /// Only http and https links from an alert's annotations are linked.
    public static func isWebLink(_ url: String) -> Bool {
        (url.hasPrefix("https://") || url.hasPrefix("http://"))
            && !url.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == " " }
    }
}
