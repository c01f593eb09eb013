import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// Issue 22, point 4, in the responder: alert groups read from the store's journal `alerts` (written
/// here as the intake writes it, `alerts.received` records through the store) and routed to incidents by
/// the process that sends the pages, on a file store and on PostgreSQL. The workspace is the escalation
/// tests' (`runnerWorkspace`: policy `platform` pages alice), the clock fixed, every page through the
/// in-memory transport.
struct AlertRouterTests: ResponderPassing {
    static let group = "{}:{alertname=\"RegistryDown\"}"
    let clock = FixedClock("2026-11-20T09:00:00Z")
    let transport = InMemoryPageTransport()

    static var routes: [IntakeRoute] {
        var route = IntakeRoute()
        route.match = ["severity": "critical"]
        route.service = "registry"
        route.policy = "platform"
        route.declaration = .declare(.sev2)
        return [route]
    }

    func responder(_ ws: TemporaryDirectory, pid: Int, routes: [IntakeRoute] = Self.routes) throws -> Responder {
        var options = Responder.Options(role: "test", displayZone: TimeZone(identifier: "UTC")!)
        options.intakeRoutes = routes
        let clock = self.clock
        return try Responder(
            workspace: try Workspace.load(directory: ws.path),
            writer: WriterIdentity(actor: "ops", host: "test-host", pid: pid),
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!), options: options,
            environment: [:], clock: { clock.now }, transport: transport)
    }

    /// Appends what the intake records for one Alertmanager notification of `Self.group`.
    func receive(_ ws: TemporaryDirectory, _ fingerprints: [String], _ status: ReceivedAlerts.Status = .firing) throws {
        let batch = ReceivedAlerts(
            source: .alertmanager, token: "alertmanager", group: Self.group, receiver: "klaxon",
            alerts: fingerprints.map { key in
                ReceivedAlerts.Alert(
                    key: key, status: status, labels: ["alertname": "RegistryDown", "severity": "critical"],
                    annotations: ["summary": "registry answers 5xx"],
                    startsAt: Timestamp.parseRFC3339("2026-11-20T08:58:00Z")!)
            })
        let draft = RecordDraft(
            type: ReceivedAlerts.recordType, data: ReceivedAlerts.draftData([batch]), timestamp: clock.now,
            actor: "intake", host: "test-host", pid: 900)
        let store = try Workspace.load(directory: ws.path).journalStore
        if try store.create(ReceivedAlerts.journalName, firstRecord: draft) == nil {
            _ = try store.journal(ReceivedAlerts.journalName).append { _ in draft }
        }
    }

    static func routed(_ events: [ResponderEvent]) -> [AlertGroupRouted] {
        events.compactMap { if case .alertGroupRouted(let routed) = $0 { routed } else { nil } }
    }

    static func problems(_ events: [ResponderEvent]) -> [String] {
        events.compactMap { if case .problem(let text) = $0 { text } else { nil } }
    }

    static func books(_ events: [ResponderEvent]) -> [AlertBook] {
        events.compactMap { if case .alertsChanged(let book) = $0 { book } else { nil } }
    }

    /// The records of journal `alerts`, by type.
    func alertsJournal(_ ws: TemporaryDirectory) throws -> [JournalRecord] {
        try Workspace.load(directory: ws.path).journalStore.journal(ReceivedAlerts.journalName).readNewRecords()
    }

    /// The incidents, fully read.
    func incidents(_ ws: TemporaryDirectory) throws -> [Incident] {
        let store = try Workspace.load(directory: ws.path).incidents
        return try store.ids().map { try store.open($0).incident }
    }

    /// What `declaresOnceAndPagesOnce` saw, checked by `check` in the test's own context (an expectation
    /// made on a Dispatch thread, as `blocking` runs it, is not the test's).
    struct Seen: Sendable {
        var otherEvents: [ResponderEvent] = []
        var afterOther: [Incident] = []
        var events: [ResponderEvent] = []
        var declared: [Incident] = []
        var pagedAfterDeclaring: [String] = []
        var routed: JournalRecord?
        var afterRepeats: [Incident] = []
        var last: JournalRecord?
        var paged: [String] = []
    }

    /// A group fires: the engine declares one incident for it, which its policy pages once (in the pass
    /// that declares it), and records its progress; a repeat and the HA peer's copy change nothing (a
    /// repeat within the half hour after the firing is not noted either). A second responder (another process: no engine hold) sees
    /// the alerts and declares nothing.
    func declaresOnceAndPagesOnce(_ ws: TemporaryDirectory) throws -> Seen {
        var seen = Seen()
        let engine = try responder(ws, pid: 101)
        _ = engine.start()
        _ = passes(engine) { if case .becameEngine = $0 { true } else { false } }
        let other = try responder(ws, pid: 102)
        _ = other.start()
        _ = other.pass(now: clock.now)

        try receive(ws, ["f1", "f2"])
        // The other process first: it sees the alerts, and routes nothing.
        seen.otherEvents = passes(other) { !Self.books([$0]).isEmpty }
        seen.afterOther = try incidents(ws)

        seen.events = passes(engine, until: Self.isPageFinished)
        seen.declared = try incidents(ws)
        seen.pagedAfterDeclaring = transport.deliveries.map(\.user)
        seen.routed = try alertsJournal(ws).last

        // A repeat, then the HA peer's copy of it.
        try receive(ws, ["f1", "f2"])
        try receive(ws, ["f1", "f2"])
        _ = passes(other, limit: 1.5) { _ in false }
        _ = passes(engine, limit: 1.5) { _ in false }
        seen.afterRepeats = try incidents(ws)
        seen.last = try alertsJournal(ws).last
        _ = other.stop()
        _ = engine.stop()
        seen.paged = transport.deliveries.map(\.user)
        return seen
    }

    func check(_ seen: Seen) throws {
        #expect(Self.books(seen.otherEvents).last?.alerts.count == 2, "the other process shows the alerts")
        #expect(seen.afterOther.isEmpty, "the other process declares nothing")
        #expect(Self.problems(seen.events).isEmpty, "\(Self.problems(seen.events))")
        let routed = Self.routed(seen.events)
        #expect(routed.map(\.kind) == [.declared] && routed.first?.incident == "INC-1", "\(routed)")
        let incident = try #require(seen.declared.first)
        #expect(seen.declared.count == 1)
        #expect(incident.title == "RegistryDown: registry answers 5xx (2 alerts)" && incident.severity == .sev2)
        #expect(incident.services == ["registry"] && incident.declaringAlertGroup == Self.group)
        #expect(incident.keyTimes[.impactStarted] == Timestamp.parseRFC3339("2026-11-20T08:58:00Z"))
        #expect(incident.timeline.filter { $0.type == "alerts.changed" }.count == 1)
        #expect(seen.pagedAfterDeclaring == ["alice"], "paged once, by its policy")
        #expect(
            seen.routed?.type == AlertBook.routedRecordType && seen.routed?.data["through"] == 1,
            "\(String(describing: seen.routed))")
        #expect(seen.routed?.data["incidents"]?[Self.group] == "INC-1")

        #expect(seen.afterRepeats.count == 1)
        #expect(
            seen.afterRepeats.first?.timeline.filter { $0.type == "alerts.changed" }.map {
                TimelineText.alertsText($0.data)
            } == ["2 alerts fired: A-1 RegistryDown, A-2 RegistryDown"],
            "a repeat right after the firing (and its HA copy) is not noted: repeats at most every half hour")
        let last = try #require(seen.last)
        #expect(last.type == AlertBook.routedRecordType && last.data["through"]?.intValue == last.sequence - 1)
        #expect(seen.paged == ["alice"])
    }

    /// Walkthrough: without a journal `alerts` (no intake yet) the start said nothing of the alerts,
    /// and the console's Alerts screen said "not read yet" for ever.
    @Test func theStartSaysTheAlertsEvenWhenNoneWereEverReceived() throws {
        let ws = runnerWorkspace()
        let responder = try responder(ws, pid: 1)
        let books = Self.books(responder.start())
        #expect(books.count == 1 && books.first?.alerts.isEmpty == true)
        #expect(Self.books(responder.pass(now: clock.now)).isEmpty, "said once, not at every pass")
        _ = responder.stop()
    }

    /// Walkthrough: an `attach` route's group that fired before its service had an open incident stayed
    /// on none for ever. It attaches once an incident of the service is declared (by a person, here),
    /// with no new notification; and `klaxon alert attach` puts it on another incident.
    @Test func anAttachGroupWaitsForAnIncidentOfItsServiceAndAPersonCanMoveIt() throws {
        let ws = runnerWorkspace()
        var route = IntakeRoute()
        route.service = "registry"
        route.declaration = .attach
        let engine = try responder(ws, pid: 101, routes: [route])
        defer { _ = engine.stop() }
        _ = engine.start()
        _ = passes(engine) { if case .becameEngine = $0 { true } else { false } }
        try receive(ws, ["f1", "f2"])
        _ = passes(engine) { !Self.books([$0]).isEmpty }
        _ = engine.pass(now: clock.now)
        #expect(try incidents(ws).isEmpty, "nothing declared: the route attaches")

        let person = WriterIdentity(actor: "ana", host: "laptop", pid: 7)
        let store = try Workspace.load(directory: ws.path).incidents
        _ = try store.declare(
            Declaration(title: "registry slow", severity: .sev2, services: ["registry"]), by: person, at: clock.now)
        clock.advance(seconds: 1)  // the engine routes in its pass of each second
        var events = passes(engine) { !Self.routed([$0]).isEmpty }
        #expect(Self.routed(events).map { "\($0.incident) \($0.kind)" } == ["INC-1 attached"], "\(events)")
        let attached = try store.open("INC-1").incident
        #expect(attached.alertGroups[Self.group]?.firstAlert == 1)
        #expect(
            attached.timeline.last.map { TimelineText.alertsText($0.data) }
                == "2 alerts attached: A-1 RegistryDown, A-2 RegistryDown", "\(attached.timeline)")

        _ = try store.declare(Declaration(title: "the real cause", severity: .sev1), by: person, at: clock.now)
        let k = KlaxonCommandsTestSupport.Klaxon(workspace: ws.path, clock: clock)
        let run = k.run("alert", "attach", "A-2", "INC-2")
        clock.advance(seconds: 1)
        #expect(run.status == 0, "\(run.errors)")
        #expect(
            run.output
                == "A-2 and the 1 other firing alerts of its group will go on INC-2's timeline; its later changes too.\n"
        )
        events = passes(engine) { !Self.routed([$0]).isEmpty }
        #expect(Self.routed(events).map { "\($0.incident) \($0.kind)" } == ["INC-2 attached"], "\(events)")
        let book = try #require(Self.books(events).last)
        #expect(try book.incident(of: #require(book.alert("A-1"))) == "INC-2")
        #expect(try store.open("INC-2").incident.alertGroups[Self.group] != nil)
    }

    /// The console's `d` on the alerts screen: the incident declared carries the selected alert's group
    /// (a `none` route only showed it), its firing alerts on the timeline.
    @Test func aDeclarationForAnAlertPutsItsGroupOnTheIncident() throws {
        let ws = runnerWorkspace()
        let engine = try responder(ws, pid: 101, routes: [IntakeRoute()])
        defer { _ = engine.stop() }
        _ = engine.start()
        _ = passes(engine) { if case .becameEngine = $0 { true } else { false } }
        try receive(ws, ["f1", "f2"])
        _ = passes(engine) { !Self.books([$0]).isEmpty }
        let declared = engine.declare(Declaration(title: "registry down", severity: .sev2), attachingAlert: "A-2")
        #expect(declared.contains { if case .declared("INC-1") = $0 { true } else { false } }, "\(declared)")
        clock.advance(seconds: 1)
        let events = passes(engine) { !Self.routed([$0]).isEmpty }
        #expect(Self.routed(events).map { "\($0.incident) \($0.kind)" } == ["INC-1 attached"], "\(events)")
        let incident = try incidents(ws).first
        #expect(incident?.alertGroups[Self.group]?.firstAlert == 1)
        // An alert this process does not know: declared all the same, and said how to attach it.
        let unknown = engine.declare(Declaration(title: "other", severity: .sev3), attachingAlert: "A-9")
        #expect(
            Self.problems(unknown).first
                == "INC-2 was declared, but A-9 was not put on it (there is no alert A-9 in what this console read); run klaxon alert attach A-9 INC-2"
        )
    }

    /// Walkthrough: route edits were ignored until klaxon watch restarted, silently. klaxon.yaml's
    /// routes are taken within a second of a change and said; routes that do not compile keep those in
    /// use, said why.
    @Test func editedRoutesAreRoutedByWithoutARestart() throws {
        let ws = runnerWorkspace()
        let config = "name: transport\ntime_zone: UTC\nescalation: {attempts: 3, retry_backoff: 30s}\n"
        ws.write("klaxon.yaml", config + "intake:\n  routes:\n    - {match: {}, declare: none}\n")
        let engine = try responder(ws, pid: 101, routes: [IntakeRoute()])
        defer { _ = engine.stop() }
        _ = engine.start()
        _ = passes(engine) { if case .becameEngine = $0 { true } else { false } }

        ws.write(
            "klaxon.yaml",
            config
                + "intake:\n  routes:\n    - {match: {severity: critical}, service: registry, policy: platform, declare: SEV2}\n"
        )
        clock.advance(seconds: 1)
        var events = passes(engine) { if case .alertRoutesReloaded = $0 { true } else { false } }
        #expect(
            events.contains { if case .alertRoutesReloaded(let routes) = $0 { routes.count == 1 } else { false } },
            "\(events)")
        try receive(ws, ["f1"])
        events = passes(engine) { !Self.routed([$0]).isEmpty }
        #expect(Self.routed(events).map { "\($0.incident) \($0.kind)" } == ["INC-1 declared"], "\(events)")

        ws.write("klaxon.yaml", config + "intake:\n  routes:\n    - {match_re: {alertname: \"(\"}, declare: none}\n")
        clock.advance(seconds: 1)
        events = passes(engine) { !Self.problems([$0]).isEmpty }
        let problem = try #require(Self.problems(events).first)
        #expect(problem.hasPrefix("klaxon.yaml changed but"), "\(problem)")
        #expect(problem.hasSuffix("in use go on"), "\(problem)")
        // Mended: said, so the one who fixed it knows it was taken.
        ws.write(
            "klaxon.yaml",
            config
                + "intake:\n  routes:\n    - {match: {severity: critical}, service: registry, policy: platform, declare: SEV2}\n"
        )
        clock.advance(seconds: 1)
        events = passes(engine) { if case .alertRoutesReloaded = $0 { true } else { false } }
        #expect(events.contains { if case .alertRoutesReloaded = $0 { true } else { false } }, "\(events)")
    }

    @Test func aGroupIsDeclaredOnceAndPagedOnceOnAFileStore() throws {
        try check(try declaresOnceAndPagesOnce(runnerWorkspace()))
    }

    @Test func aGroupIsDeclaredOnceAndPagedOnceOnPostgreSQL() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let ws = runnerWorkspace()
        ws.write(
            "klaxon.yaml",
            """
            name: transport
            time_zone: UTC
            escalation: {attempts: 3, retry_backoff: 30s}
            journals: "\(database.everydayURI)"
            """)
        try check(try await blocking { try declaresOnceAndPagesOnce(ws) })
    }

    /// The engine died after it wrote on the incident and before it recorded `alerts.routed` (the
    /// record cut from the journal's end, as a kill between the two leaves it): the next engine finds
    /// the group on the open incident and writes nothing twice, pages nobody again, and records its
    /// progress.
    @Test func aRestartBetweenTheIncidentsWriteAndItsProgressDeclaresNothingTwice() throws {
        let ws = runnerWorkspace()
        try receive(ws, ["f1"])
        do {
            let first = try responder(ws, pid: 101)
            _ = first.start()
            _ = passes(first, until: Self.isPageFinished)
            _ = first.stop()
        }
        let path = ws.path + "/journals/alerts.jsonl"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 && lines[1].contains(AlertBook.routedRecordType), "\(lines)")
        try (lines[0] + "\n").write(toFile: path, atomically: false, encoding: .utf8)

        let second = try responder(ws, pid: 102)
        _ = second.start()
        let events = passes(second) { _ in (try? alertsJournal(ws).count) == 2 }
        _ = passes(second, limit: 1) { _ in false }
        _ = second.stop()
        #expect(Self.problems(events).isEmpty, "\(Self.problems(events))")
        #expect(Self.routed(events).isEmpty, "\(Self.routed(events))")
        let incidents = try incidents(ws)
        #expect(incidents.map(\.id) == ["INC-1"])
        #expect(incidents.first?.timeline.filter { $0.type == "alerts.changed" }.count == 1)
        #expect(try alertsJournal(ws).last?.data["through"] == 1)
        #expect(transport.deliveries.map(\.user) == ["alice"])
    }

    /// The engine declares and writes on the incident, but its progress cannot be recorded (another
    /// writer holds the journal `alerts`' lock): said once, and recorded at a later pass once the lock is
    /// free, with nothing declared or written twice.
    @Test func aProgressThatCannotBeRecordedIsRecordedLaterWithNothingTwice() throws {
        let ws = runnerWorkspace()
        try receive(ws, ["f1"])
        let path = ws.path + "/journals/alerts.jsonl"
        let holder = try startLockHolder(of: path)
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        // Until the holder has the lock (`flock -n` fails then).
        for _ in 0..<100 where try shell("flock -n '\(path)' true; echo $?").hasPrefix("0") { usleep(50_000) }
        let engine = try responder(ws, pid: 101)
        _ = engine.start()
        var held = passes(engine) { !Self.problems([$0]).isEmpty }
        // Tried again each second, said once.
        for _ in 0..<3 {
            clock.advance(seconds: 1)
            held += engine.pass(now: clock.now)
        }
        #expect(Self.problems(held).count == 1, "said once: \(Self.problems(held))")
        #expect(Self.problems(held).first?.contains("alerts not routed yet") == true)
        #expect(try incidents(ws).map(\.id) == ["INC-1"] && (try alertsJournal(ws)).count == 1)

        holder.terminate()
        holder.waitUntilExit()
        clock.advance(seconds: 1)
        let later = passes(engine) { _ in (try? alertsJournal(ws).count) == 2 }
        _ = passes(engine, limit: 1.5) { _ in false }
        _ = engine.stop()
        #expect(Self.problems(later).isEmpty, "\(Self.problems(later))")
        let incidents = try incidents(ws)
        #expect(incidents.map(\.id) == ["INC-1"])
        #expect(incidents.first?.timeline.filter { $0.type == "alerts.changed" }.count == 1)
        let routed = try alertsJournal(ws).last
        #expect(routed?.type == AlertBook.routedRecordType && routed?.data["through"] == 1)
        #expect(transport.deliveries.map(\.user) == ["alice"])
    }

    /// With `on_resolve: mitigate`, once the group's every alert resolved the timeline says so and the
    /// incident is marked mitigated by `klaxon`, once; it is not resolved.
    @Test func allResolvedMitigatesTheIncidentOnce() throws {
        let ws = runnerWorkspace()
        try receive(ws, ["f1"])
        var routes = Self.routes
        routes[0].onResolve = .mitigate
        var options = Responder.Options(role: "test", displayZone: TimeZone(identifier: "UTC")!)
        options.intakeRoutes = routes
        let clock = self.clock
        let engine = try Responder(
            workspace: try Workspace.load(directory: ws.path),
            writer: WriterIdentity(actor: "ops", host: "test-host", pid: 101),
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!), options: options,
            environment: [:], clock: { clock.now }, transport: transport)
        _ = engine.start()
        _ = passes(engine, until: Self.isPageFinished)
        try receive(ws, ["f1"], .resolved)
        let events = passes(engine) { if case .alertGroupRouted(let r) = $0 { r.kind == .resolved } else { false } }
        try receive(ws, ["f1"], .resolved)  // the HA peer's copy
        _ = passes(engine, limit: 1.5) { _ in false }
        _ = engine.stop()
        #expect(Self.problems(events).isEmpty, "\(Self.problems(events))")
        let incident = try #require(try incidents(ws).first)
        #expect(incident.keyTimes[.mitigated] != nil && incident.isOpen)
        let mitigated = incident.timeline.filter { $0.type == "mitigated" }
        #expect(mitigated.count == 1 && mitigated.first?.actor == "klaxon")
        #expect(
            incident.timeline.filter { $0.type == "alerts.changed" }.map { TimelineText.alertsText($0.data) }.last
                == "alert A-1 RegistryDown resolved: registry answers 5xx (critical); the group's only alert resolved")
    }
}
