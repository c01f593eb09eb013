import Testing

@testable import KlaxonCore

/// Issue 22, point 4: routing alert groups to incidents, as values. Each test feeds what the intake
/// recorded (records of the journal `alerts`, through an `AlertBook`), the routes and the open
/// incidents, and compares the actions `AlertRouting.plan` returns.
struct AlertRoutingTests {
    static let group = "{}:{alertname=\"RegistryDown\"}"
    var book = AlertBook()
    var pending: [AlertChange] = []
    var sequence = 0

    static func at(_ seconds: Int64) -> Timestamp { Timestamp(milliseconds: 1_800_000_000_000 + seconds * 1000) }

    static func alert(
        _ key: String, _ status: ReceivedAlerts.Status, startsAt: Int64 = 0, severity: String = "critical",
        summary: String = "registry answers 5xx", runbook: String? = nil
    ) -> ReceivedAlerts.Alert {
        var annotations = ["summary": summary]
        annotations["runbook_url"] = runbook
        return ReceivedAlerts.Alert(
            key: key, status: status, labels: ["alertname": "RegistryDown", "severity": severity, "team": "platform"],
            annotations: annotations, startsAt: at(startsAt), endsAt: status == .resolved ? at(startsAt + 60) : nil)
    }

    /// One request of Alertmanager for `group`, recorded at `seconds`: its changes join `pending`.
    mutating func receive(_ alerts: ReceivedAlerts.Alert..., group: String = group, at seconds: Int64 = 100) {
        sequence += 1
        let record = JournalRecord(
            sequence: sequence, timestamp: Self.at(seconds), actor: "klaxon", host: "h", pid: 1,
            type: ReceivedAlerts.recordType,
            data: ReceivedAlerts.draftData([
                ReceivedAlerts(source: .alertmanager, token: "am", group: group, receiver: "klaxon", alerts: alerts)
            ]), previousHash: .genesis, hash: .genesis)
        pending += book.apply(record)
    }

    static func route(
        match: [String: String] = [:], service: String? = "registry", policy: String? = "platform",
        runbook: String? = nil, _ declaration: IntakeRoute.Declaration = .declare(.sev2),
        onResolve: IntakeRoute.OnResolve = .note
    ) -> IntakeRoute {
        var route = IntakeRoute()
        route.match = match
        route.service = service
        route.policy = policy
        route.runbook = runbook
        route.declaration = declaration
        route.severities = ["critical": .sev1]
        route.onResolve = onResolve
        return route
    }

    func plan(_ routes: [IntakeRoute], open: [AlertRouting.OpenIncident] = []) throws -> [AlertRouting.Action] {
        AlertRouting.plan(changes: pending, book: book, router: try IntakeRouter(routes), open: open)
    }

    static func carrying(
        _ id: String = "INC-1", through: Int = 1, firstAlert: Int = 1, repeatsNotedAt: Timestamp? = nil,
        allResolved: Bool = false, mitigated: Bool = false
    ) -> AlertRouting.OpenIncident {
        AlertRouting.OpenIncident(
            id: id, services: ["registry"], declaredAt: at(100), isMitigated: mitigated,
            alertGroups: [
                group: .init(
                    through: through, firstAlert: firstAlert, repeatsNotedAt: repeatsNotedAt, allResolved: allResolved)
            ])
    }

    static func entry(_ id: String, _ kind: AlertChange.Kind, severity: String = "critical") -> AlertRouting.Note.Entry
    {
        .init(id: id, kind: kind, name: "RegistryDown", summary: "registry answers 5xx", severity: severity)
    }

    // MARK: declare

    @Test mutating func aFiringGroupWithADeclaringRouteDeclaresOneIncidentForTheGroup() throws {
        receive(
            Self.alert("f1", .firing, startsAt: 40, severity: "warning", runbook: "https://wiki/registry"),
            Self.alert("f2", .firing, startsAt: 10, runbook: "javascript:alert(1)"))
        let actions = try plan([Self.route()])
        let declaration = Declaration(
            title: "RegistryDown: registry answers 5xx (2 alerts)", severity: .sev1, services: ["registry"],
            impactStarted: Self.at(10), detected: Self.at(100), policy: "platform", alertGroup: Self.group)
        let note = AlertRouting.Note(
            group: Self.group, through: 1,
            alerts: [Self.entry("A-1", .fired, severity: "warning"), Self.entry("A-2", .fired)])
        // The most severe of its alerts (critical maps to SEV1), the earliest start, only web links.
        #expect(actions == [.declare(group: Self.group, declaration, links: ["https://wiki/registry"], note: note)])
    }

    @Test mutating func oneAlertTitlesTheIncidentAloneAndTheRoutesRunbookReplacesTheAlertsLinks() throws {
        receive(Self.alert("f1", .firing, severity: "warning", runbook: "https://wiki/registry"))
        let actions = try plan([Self.route(runbook: "registry-5xx", .declare(.sev3))])
        guard case .declare(_, let declaration, let links, _)? = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(declaration.title == "RegistryDown: registry answers 5xx")
        #expect(declaration.severity == .sev3, "warning is not mapped: the route's own")
        #expect(declaration.runbooks == ["registry-5xx"] && links.isEmpty)
    }

    /// The sender's text cannot make a title of two lines (the declaration would be refused) nor carry
    /// escape sequences.
    @Test mutating func aSummaryWithLineBreaksAndEscapesMakesAOneLineTitle() throws {
        receive(Self.alert("f1", .firing, summary: "down\n\u{1B}[2Jnow"))
        guard case .declare(_, let declaration, _, let note)? = try plan([Self.route()]).first else {
            Issue.record("nothing declared")
            return
        }
        #expect(declaration.title == "RegistryDown: down  [2Jnow")
        #expect(note.alerts.first?.summary == "down  [2Jnow")
        #expect(throws: Never.self) { try declaration.payload(id: "INC-1") }
    }

    // MARK: attach, none

    @Test mutating func attachGoesOntoTheMostRecentlyDeclaredOpenIncidentOfTheService() throws {
        receive(Self.alert("f1", .firing))
        let open = [
            AlertRouting.OpenIncident(id: "INC-1", services: ["registry"], declaredAt: Self.at(10)),
            AlertRouting.OpenIncident(id: "INC-2", services: ["registry", "ci"], declaredAt: Self.at(20)),
            AlertRouting.OpenIncident(id: "INC-3", services: ["ci"], declaredAt: Self.at(30))
        ]
        let actions = try plan([Self.route(.attach)], open: open)
        #expect(
            actions == [
                .note(incident: "INC-2", .init(group: Self.group, through: 1, alerts: [Self.entry("A-1", .fired)]))
            ])
        #expect(try plan([Self.route(.attach)], open: [open[2]]).isEmpty, "no open incident of the service: shown only")
    }

    /// An `attach` route's group that fired while its service had no open incident attaches once one is
    /// open: found again by `waitingToAttach` (every firing alert of it), or by its next change.
    @Test mutating func anAttachGroupThatFiredBeforeItsServiceHadAnIncidentAttachesOnceOneIsOpen() throws {
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing))
        let router = try IntakeRouter([Self.route(.attach)])
        #expect(try plan([Self.route(.attach)]).isEmpty, "no open incident of the service: shown only")
        #expect(AlertRouting.waitingToAttach(book: book, router: router, open: []).isEmpty)
        pending = []  // routed: it went on none
        let open = [AlertRouting.OpenIncident(id: "INC-4", services: ["registry"], declaredAt: Self.at(500))]
        let waiting = AlertRouting.waitingToAttach(book: book, router: router, open: open)
        #expect(waiting.map(\.alert) == [1, 2] && waiting.allSatisfy { $0.kind == .attached })
        let actions = AlertRouting.plan(changes: waiting, book: book, router: router, open: open)
        #expect(
            actions == [
                .note(
                    incident: "INC-4",
                    .init(
                        group: Self.group, through: 1,
                        alerts: [Self.entry("A-1", .attached), Self.entry("A-2", .attached)]
                    ))
            ])
        // Not for a route that declares or only shows, nor for another service's incident.
        #expect(
            AlertRouting.waitingToAttach(book: book, router: try IntakeRouter([Self.route(.none)]), open: open).isEmpty)
        let ci = [AlertRouting.OpenIncident(id: "INC-5", services: ["ci"], declaredAt: Self.at(500))]
        #expect(AlertRouting.waitingToAttach(book: book, router: router, open: ci).isEmpty)
        // Its next repeat attaches it too (it used to wait for a new alert).
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing), at: 600)
        #expect(
            try plan([Self.route(.attach)], open: open).first.map {
                if case .note("INC-4", _) = $0 { true } else { false }
            } == true)
    }

    /// A person's request (`alerts.attach`) puts the group on the incident named, whatever its route
    /// says, with its firing alerts; the book sends the alerts there once the router has.
    @Test mutating func anAttachRequestPutsTheGroupOnTheIncidentNamed() throws {
        receive(Self.alert("f1", .firing), Self.alert("f2", .resolved, startsAt: 10), Self.alert("f3", .firing))
        pending = []  // routed by a `none` route: on no incident
        sequence += 1
        let request = JournalRecord(
            sequence: sequence, timestamp: Self.at(700), actor: "ana", host: "h", pid: 1,
            type: AlertBook.attachRecordType,
            data: AlertBook.attachDraftData(alert: try #require(book.alert("A-2")), incident: "INC-9"),
            previousHash: .genesis, hash: .genesis)
        pending += book.apply(request)
        // The resolve of f2, never seen firing, made no alert: A-1 and A-2 (f3) fire.
        #expect(pending.map(\.alert) == [1, 2] && pending.allSatisfy { $0.kind == .attached && $0.sequence == 2 })
        let open = [AlertRouting.OpenIncident(id: "INC-9", services: [], declaredAt: Self.at(650))]
        let actions = try plan([Self.route(.none)], open: open)
        #expect(
            actions == [
                .note(
                    incident: "INC-9",
                    .init(
                        group: Self.group, through: 2,
                        alerts: [Self.entry("A-1", .attached), Self.entry("A-2", .attached)]))
            ])
        // Once the router recorded it, the alerts are INC-9's.
        sequence += 1
        _ = book.apply(
            JournalRecord(
                sequence: sequence, timestamp: Self.at(701), actor: "klaxon", host: "h", pid: 1,
                type: AlertBook.routedRecordType,
                data: AlertBook.routedDraftData(through: 2, incidents: [Self.group: "INC-9"]), previousHash: .genesis,
                hash: .genesis))
        #expect(try book.incident(of: #require(book.alert("A-2"))) == "INC-9")
        // An incident that is not open takes nothing: the request waits for nothing, it is shown only.
        #expect(try plan([Self.route(.none)], open: []).isEmpty)
    }

    /// A repeat soon after the group's firing was noted (Alertmanager's group_interval, an HA peer's
    /// copy 8–60 s later) adds nothing to the timeline: repeats are noted at most every half hour after
    /// the group's last news.
    @Test mutating func aRepeatSoonAfterTheFiringIsNotNoted() throws {
        receive(Self.alert("f1", .firing), at: 100)
        let fired = try plan([Self.route()])
        guard case .declare(_, _, _, let note)? = fired.first else {
            Issue.record("\(fired)")
            return
        }
        #expect(note.alerts == [Self.entry("A-1", .fired)])
        pending = []
        receive(Self.alert("f1", .firing), at: 130)
        // What the incident's replay of that note says: news noted at 100.
        #expect(try plan([Self.route()], open: [Self.carrying(repeatsNotedAt: Self.at(100))]).isEmpty)
    }

    @Test mutating func noneAndNoMatchingRouteOnlyShow() throws {
        receive(Self.alert("f1", .firing))
        #expect(try plan([Self.route(.none)]).isEmpty)
        #expect(try plan([Self.route(match: ["team": "web"])]).isEmpty)
        #expect(try plan([]).isEmpty)
        // The first route that matches decides.
        #expect(try plan([Self.route(match: ["team": "platform"], .none), Self.route()]).isEmpty)
    }

    // MARK: the timeline of a routed group

    @Test mutating func repeatsAreNotedAtMostOnceEveryThirtyMinutesFiringsAndResolutionsAlways() throws {
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing), at: 100)
        pending = []  // routed
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing), at: 200)  // a repeat of the group
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing), at: 201)  // the HA peer's copy
        receive(Self.alert("f3", .firing), at: 300)  // a new alert of the group
        receive(Self.alert("f1", .firing), at: 200 + 1799)
        receive(Self.alert("f2", .resolved), at: 2100)
        receive(Self.alert("f1", .firing), at: 200 + 1800)
        let actions = try plan([Self.route()], open: [Self.carrying()])
        // A-3's firing at 300 is news of the group: the repeats in the half hour after it are not noted.
        let note = AlertRouting.Note(
            group: Self.group, through: 7,
            alerts: [
                Self.entry("A-1", .repeated), Self.entry("A-2", .repeated), Self.entry("A-3", .fired),
                Self.entry("A-2", .resolved)
            ])
        #expect(actions == [.note(incident: "INC-1", note)])
        // A repeat noted on the incident before (its last alerts.changed) counts.
        pending = Array(pending.prefix(2))
        #expect(try plan([Self.route()], open: [Self.carrying(repeatsNotedAt: Self.at(150))]).isEmpty)
    }

    @Test mutating func allResolvedIsSaidAndOnResolveMitigatesOnlyWhatIsNotMitigatedYet() throws {
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing))
        pending = []
        receive(Self.alert("f1", .resolved), at: 200)
        let partly = try plan([Self.route(onResolve: .mitigate)], open: [Self.carrying()])
        #expect(
            partly == [
                .note(incident: "INC-1", .init(group: Self.group, through: 2, alerts: [Self.entry("A-1", .resolved)]))
            ], "one of two: nothing more")
        receive(Self.alert("f2", .resolved), at: 300)
        let note = AlertRouting.Note(
            group: Self.group, through: 3, alerts: [Self.entry("A-1", .resolved), Self.entry("A-2", .resolved)],
            allResolved: 2)
        #expect(try plan([Self.route(onResolve: .note)], open: [Self.carrying()]) == [.note(incident: "INC-1", note)])
        #expect(
            try plan([Self.route(onResolve: .mitigate)], open: [Self.carrying()]) == [
                .note(incident: "INC-1", note), .mitigate(incident: "INC-1")
            ])
        #expect(
            try plan([Self.route(onResolve: .mitigate)], open: [Self.carrying(mitigated: true)]) == [
                .note(incident: "INC-1", note)
            ])
        #expect(
            try plan([Self.route(onResolve: .resolve)], open: [Self.carrying()]) == [
                .note(incident: "INC-1", note),
                .resolve(incident: "INC-1", summary: "all 2 alerts of the group resolved")
            ])
    }

    /// The alerts of an earlier incident of the group are not this one's: "all N" counts from the first
    /// alert on this incident.
    @Test mutating func allResolvedCountsTheAlertsOfThisIncidentOnly() throws {
        receive(Self.alert("f1", .firing))
        receive(Self.alert("f1", .resolved), at: 200)
        receive(Self.alert("f1", .firing, startsAt: 300), at: 300)  // A-2, on INC-2
        pending = []
        receive(Self.alert("f1", .resolved, startsAt: 300), at: 400)
        let actions = try plan([Self.route()], open: [Self.carrying("INC-2", through: 3, firstAlert: 2)])
        #expect(
            actions == [
                .note(
                    incident: "INC-2",
                    .init(group: Self.group, through: 4, alerts: [Self.entry("A-2", .resolved)], allResolved: 1))
            ])
    }

    @Test mutating func aNewAlertAfterTheIncidentWasResolvedDeclaresAnotherARepeatNothing() throws {
        receive(Self.alert("f1", .firing), Self.alert("f2", .firing))
        receive(Self.alert("f1", .resolved), at: 200)
        pending = []
        // INC-1 was resolved by a person (it is not open); f2 still fires and repeats.
        receive(Self.alert("f2", .firing), at: 300)
        #expect(try plan([Self.route()]).isEmpty, "a repeat after the resolution: nothing")
        receive(Self.alert("f1", .firing, startsAt: 400), at: 400)  // fires again
        let actions = try plan([Self.route()])
        guard case .declare(let group, let declaration, _, let note)? = actions.first, actions.count == 1 else {
            Issue.record("\(actions)")
            return
        }
        #expect(group == Self.group && declaration.alertGroup == Self.group)
        #expect(declaration.title == "RegistryDown: registry answers 5xx (2 alerts)", "A-2 and A-3 fire")
        #expect(note.alerts.map(\.id) == ["A-2", "A-3"] && note.alerts.map(\.kind) == [.repeated, .fired])
        #expect(declaration.impactStarted == Self.at(0), "A-2 began at 0")
    }

    /// Walkthrough: a group whose incident was resolved by a person fires again: the new incident is
    /// titled by the alert that fired now, and takes the group's alerts still firing (they showed
    /// "acknowledged" on the resolved one); the one that resolved stays where it ended.
    @Test mutating func aGroupThatFiresAgainAfterItsIncidentWasResolvedTakesItsFiringAlertsToTheNewOne() throws {
        func routed(_ through: Int, _ incident: String) {
            sequence += 1
            _ = book.apply(
                JournalRecord(
                    sequence: sequence, timestamp: Self.at(Int64(sequence)), actor: "klaxon", host: "h", pid: 1,
                    type: AlertBook.routedRecordType,
                    data: AlertBook.routedDraftData(through: through, incidents: [Self.group: incident]),
                    previousHash: .genesis, hash: .genesis))
        }
        receive(
            Self.alert("n1", .firing, summary: "node n1 not ready"),
            Self.alert("n2", .firing, summary: "node n2 not ready"))
        routed(1, "INC-7")
        receive(Self.alert("n1", .resolved, summary: "node n1 not ready"), at: 200)
        pending = []
        // INC-7 was resolved by a person; n3 fires in the same group.
        receive(Self.alert("n3", .firing, startsAt: 300, summary: "node n3 not ready"), at: 300)
        guard case .declare(_, let declaration, _, _)? = try plan([Self.route()]).first else {
            Issue.record("nothing declared")
            return
        }
        #expect(declaration.title == "RegistryDown: node n3 not ready (2 alerts)", "titled by what fired now")
        routed(sequence, "INC-8")
        #expect(try book.incident(of: #require(book.alert("A-1"))) == "INC-7", "resolved on INC-7: stays there")
        #expect(try book.incident(of: #require(book.alert("A-2"))) == "INC-8", "still firing: on the new incident")
        #expect(try book.incident(of: #require(book.alert("A-3"))) == "INC-8")
    }

    @Test mutating func aGroupWhoseAlertsAllResolvedBeforeTheRouterSawThemDeclaresNothing() throws {
        receive(Self.alert("f1", .firing))
        receive(Self.alert("f1", .resolved), at: 200)
        #expect(try plan([Self.route()]).isEmpty)
    }

    // MARK: idempotency

    /// The engine died after the incident's write and before `alerts.routed`: the changes come again,
    /// and the incident's `through` says they are on it.
    @Test mutating func changesAnIncidentAlreadyHasAreNotWrittenAgain() throws {
        receive(Self.alert("f1", .firing))
        receive(Self.alert("f2", .firing), at: 150)
        #expect(try plan([Self.route()], open: [Self.carrying(through: 2)]).isEmpty)
        #expect(
            try plan([Self.route()], open: [Self.carrying(through: 1)]) == [
                .note(incident: "INC-1", .init(group: Self.group, through: 2, alerts: [Self.entry("A-2", .fired)]))
            ])
        // Declared (its declaration carries the group) but nothing written on it yet: not declared again.
        #expect(
            try plan([Self.route()], open: [Self.carrying(through: 0, firstAlert: 0)]) == [
                .note(
                    incident: "INC-1",
                    .init(group: Self.group, through: 2, alerts: [Self.entry("A-1", .fired), Self.entry("A-2", .fired)])
                )
            ])
    }

    /// The engine died after the note that said all resolved, before the mitigation.
    @Test mutating func aMitigationOwedAfterItsNoteIsMadeOnce() throws {
        receive(Self.alert("f1", .firing))
        receive(Self.alert("f1", .resolved), at: 200)
        let routes = [Self.route(onResolve: .mitigate)]
        #expect(
            try plan(routes, open: [Self.carrying(through: 2, allResolved: true)]) == [.mitigate(incident: "INC-1")])
        #expect(try plan(routes, open: [Self.carrying(through: 2, allResolved: true, mitigated: true)]).isEmpty)
    }

    // MARK: the records

    @Test func theTimelineSaysAnAlertsChangeInOneLine() {
        func text(_ note: AlertRouting.Note) -> String { TimelineText.alertsText(note.data) }
        #expect(
            text(.init(group: "g", through: 1, alerts: [Self.entry("A-3", .fired)]))
                == "alert A-3 RegistryDown fired: registry answers 5xx (critical)")
        let many = (1...12).map { Self.entry("A-\($0)", .fired) } + [Self.entry("A-20", .resolved)]
        #expect(
            text(.init(group: "g", through: 9, alerts: many))
                == "12 alerts fired: A-1 RegistryDown, A-2 RegistryDown, A-3 RegistryDown and 9 more; 1 resolved: A-20 RegistryDown"
        )
        // A sender's acknowledge is never a person acknowledging the incident.
        #expect(
            text(.init(group: "g", through: 1, alerts: [Self.entry("A-3", .acknowledged)]))
                == "alert A-3 RegistryDown acked by sender: registry answers 5xx (critical)")
        #expect(
            text(
                .init(
                    group: "g", through: 1, alerts: [Self.entry("A-3", .acknowledged), Self.entry("A-4", .acknowledged)]
                ))
                == "2 alerts acked by sender: A-3 RegistryDown, A-4 RegistryDown")
        // Alerts of one name are told apart by their summaries (which node), the name said once.
        let nodes = (1...12).map {
            AlertRouting.Note.Entry(
                id: "A-\($0)", kind: .fired, name: "NodeNotReady", summary: "node ci-\($0) is not ready")
        }
        #expect(
            text(.init(group: "g", through: 9, alerts: nodes))
                == "NodeNotReady: 12 alerts fired: A-1 node ci-1 is not ready, A-2 node ci-2 is not ready, A-3 node ci-3 is not ready and 9 more"
        )
        #expect(
            text(.init(group: "g", through: 9, alerts: [Self.entry("A-1", .resolved)], allResolved: 3))
                == "alert A-1 RegistryDown resolved: registry answers 5xx (critical); all 3 alerts of the group resolved"
        )
        let hostile = AlertRouting.Note.Entry(id: "A-1", kind: .fired, name: "X\u{1B}]0;pwned\u{07}", summary: "a\nb")
        let line = text(.init(group: "g", through: 1, alerts: [hostile]))
        #expect(!line.unicodeScalars.contains { TerminalText.isControl($0) }, "\(line)")
    }

    /// What the router writes on an incident replays into the marks it decides from, and a summary (the
    /// index) keeps them.
    @Test func anIncidentsAlertGroupsReplayFromItsRecordsAndSurviveTheIndex() throws {
        func record(_ sequence: Int, _ type: RecordType, _ data: JSONValue, at seconds: Int64) -> JournalRecord {
            JournalRecord(
                sequence: sequence, timestamp: Self.at(seconds), actor: "klaxon", host: "h", pid: 1,
                type: type.rawValue,
                data: data, previousHash: .genesis, hash: .genesis)
        }
        let declared = try Declaration(title: "RegistryDown", severity: .sev2, alertGroup: Self.group)
            .payload(id: "INC-1")
        let first = AlertRouting.Note(group: Self.group, through: 4, alerts: [Self.entry("A-2", .fired)])
        let repeats = AlertRouting.Note(
            group: Self.group, through: 6, alerts: [Self.entry("A-2", .repeated), Self.entry("A-3", .fired)])
        let other = AlertRouting.Note(
            group: "other", through: 7, alerts: [Self.entry("A-5", .resolved)], allResolved: 1)
        let incident = try IncidentReplay.replay([
            record(1, .declared, declared, at: 0), record(2, .alertsChanged, first.data, at: 10),
            record(3, .alertsChanged, repeats.data, at: 20), record(4, .alertsChanged, other.data, at: 30)
        ])
        #expect(incident.declaringAlertGroup == Self.group)
        #expect(incident.alertGroups[Self.group] == .init(through: 6, firstAlert: 2, repeatsNotedAt: Self.at(20)))
        #expect(incident.alertGroups["other"] == .init(through: 7, firstAlert: 5, allResolved: true))
        #expect(incident.unreadable.isEmpty)
        // A group's first note (its firing) is news: a repeat in the half hour after it is not noted.
        let fresh = try IncidentReplay.replay([
            record(1, .declared, declared, at: 0), record(2, .alertsChanged, first.data, at: 10)
        ])
        #expect(fresh.alertGroups[Self.group]?.repeatsNotedAt == Self.at(10))
        let summary = try IncidentSummaryCodec.decode(IncidentSummaryCodec.encode(incident))
        #expect(summary.alertGroups == incident.alertGroups && summary.declaringAlertGroup == Self.group)
        #expect(TimelineText.kind(of: record(2, .alertsChanged, first.data, at: 10)) == "alerts")
    }
}
