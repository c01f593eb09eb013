import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// Issue 21, point 6, below the screen: a journal store that stops answering (a private PostgreSQL
/// cluster of the test's own, stopped as a crash would and started again) is said once, writes fail
/// without a line per second, nothing is paged that could not be recorded first, and everything goes on
/// once it answers.
struct StoreOutageTests {
    let clock = FixedClock("2026-11-20T09:00:00Z")
    let writer = WriterIdentity(actor: "ops", host: "test-host", pid: 101)

    /// A cluster of its own with one database, initialised, and the everyday role's URI.
    func privateDatabase() async throws -> (server: PostgresServer, uri: String) {
        let (server, database) = try await PostgresServer.ownWithDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        return (server, database.everydayURI)
    }

    static func outages(_ events: [ResponderEvent]) -> [Timestamp] {
        events.compactMap { if case .storeUnreachable(let since, _) = $0 { since } else { nil } }
    }

    static func said(_ events: [ResponderEvent]) -> [String] {
        events.compactMap {
            switch $0 {
            case .problem(let text), .journalProblem(let text): text
            default: nil
            }
        }
    }

    /// Passes a second apart (the clock moves on by one at each) until an event satisfies `wanted`, or
    /// `count` passes when `wanted` is nil; returns every event. The real-time limit bounds the wait for
    /// the saver's thread; nothing is measured.
    /// Waits by sleeping, not in `poll`: the cooperative pool's thread is not held meanwhile.
    func passes(_ responder: Responder, count: Int = 1000, until wanted: ((ResponderEvent) -> Bool)? = nil)
        async throws -> [ResponderEvent]
    {
        let deadline = Date().addingTimeInterval(30)
        var events: [ResponderEvent] = []
        for _ in 0..<count where Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            clock.advance(seconds: 1)
            let new = responder.pass(now: clock.now)
            events += new
            if let wanted, new.contains(where: wanted) { break }
        }
        return events
    }

    /// The console's and `klaxon watch`'s responder on a database workspace: the outage is one event
    /// with its reason, a save during it fails as an outage (and is not written), the reads go on
    /// quietly, and the first read that succeeds says the store answers again; a save then works.
    @Test func anOutageIsSaidOnceAndTheResponderPicksUpByItself() async throws {
        let (server, uri) = try await privateDatabase()
        defer { server.stop() }
        let ws = makeWorkspace("name: outage\ntime_zone: UTC\njournals: \"\(uri)\"\n")
        let workspace = try Workspace.load(directory: ws.path)
        _ = try workspace.incidents.declare(
            Declaration(title: "Registry 503", severity: .sev3), by: writer, at: clock.now)
        let clock = self.clock
        let responder = try Responder(
            workspace: workspace, writer: writer,
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!),
            options: Responder.Options(role: "test", displayZone: TimeZone(identifier: "UTC")!), environment: [:],
            clock: { clock.now })
        let started = responder.start()
        #expect(
            started.contains {
                if case .incidentChanged(let incident, _) = $0 { incident.id == "INC-1" } else { false }
            })
        let first = try await passes(responder, count: 2)
        #expect(Self.outages(started + first).isEmpty)

        try await blocking { try server.stopImmediately() }
        let stoppedAt = clock.now
        responder.perform(.note("during the outage"), on: "INC-1")
        var during = try await passes(responder) { if case .saveFailed = $0 { true } else { false } }
        during += try await passes(responder, count: 5)
        let failed = during.compactMap { if case .saveFailed(_, _, let error) = $0 { error } else { nil } }
        #expect(failed.count == 1 && failed.allSatisfy(\.isUnreachable), "\(failed)")
        let outages = Self.outages(during)
        #expect(outages.count == 1, "said once, not at each pass: \(during)")
        #expect(outages.allSatisfy { $0 > stoppedAt })
        #expect(Self.said(during).isEmpty, "no line per read: \(Self.said(during))")
        let reason = during.compactMap { if case .storeUnreachable(_, let reason) = $0 { reason } else { nil } }.first
        #expect(reason?.hasPrefix("PostgreSQL at 127.0.0.1:\(server.port)") == true, "\(reason ?? "")")

        try await blocking { try server.start() }
        let back = try await passes(responder) { if case .storeReachable = $0 { true } else { false } }
        #expect(back.contains { if case .storeReachable(let since) = $0 { since == outages.first } else { false } })
        #expect(Self.outages(back).isEmpty)
        responder.perform(.note("after the outage"), on: "INC-1")
        let saved = try await passes(responder) { if case .saved = $0 { true } else { false } }
        #expect(saved.contains { if case .saved(let id, _, _) = $0 { id == "INC-1" } else { false } })
        _ = responder.stop()
        let texts = try workspace.incidents.open("INC-1").incident.timeline.compactMap { $0.data["text"]?.stringValue }
        #expect(texts == ["after the outage"])
    }

    /// The engine never sends a page whose attempt it could not record: with the database stopped it
    /// records nothing, sends nothing and says nothing at each pass (the outage is said once, by the
    /// responder); once the database is back, the same pass records the attempt and then sends it.
    @Test func noPageIsSentThatCouldNotBeRecordedFirst() async throws {
        let (server, uri) = try await privateDatabase()
        defer { server.stop() }
        let ws = runnerWorkspace()  // the engine's lock and Escalation/ are files here; the journals are not
        let workspace = try Workspace.load(directory: ws.path)
        let transport = InMemoryPageTransport()
        let clock = self.clock
        let runner = try EscalationRunner(
            workspace: workspace, writer: writer, role: "test", transport: transport, clock: { clock.now }, wake: {})
        let reachability = StoreReachability(clock: { clock.now })
        runner.reachability = reachability
        let store = IncidentStore(store: PostgresJournalStore(uri: uri), lockWait: .brief)
        let journal = try store.declare(
            Declaration(title: "Registry 503", severity: .sev2, policy: "platform"), by: writer, at: clock.now)

        try await blocking { try server.stopImmediately() }
        for _ in 0..<3 {
            let tick = runner.tick([journal])
            #expect(tick.problems.isEmpty, "\(tick.problems)")
            #expect(tick.changed.isEmpty)
            clock.advance(seconds: 1)
        }
        runner.waitForDeliveries()
        #expect(transport.deliveries.isEmpty, "nothing sent unrecorded")
        #expect(reachability.isUnreachable)
        #expect(Self.outages(reachability.events()).count == 1)

        try await blocking { try server.start() }
        _ = try journal.refresh()
        let tick = runner.tick([journal])
        #expect(tick.problems.isEmpty, "\(tick.problems)")
        runner.waitForDeliveries()
        #expect(transport.deliveries.map(\.user) == ["alice"])
        let stored = try IncidentStore(store: PostgresJournalStore(uri: uri)).open("INC-1").incident.escalationEvents
        #expect(stored.contains { if case .attempt = $0.kind { true } else { false } }, "recorded before it was sent")
    }
}
