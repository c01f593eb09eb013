import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// A workspace whose policy `platform` pages alice (webhook) in step 1 and bob (Slack) in step 2, five
/// minutes each, with no repeat and a 30-minute ack timeout; a failed page is tried 3 times, 30 s and
/// then 60 s apart.
func runnerWorkspace() -> TemporaryDirectory {
    let ws = makeWorkspace(
        """
        name: transport
        time_zone: UTC
        escalation: {attempts: 3, retry_backoff: 30s}
        """)
    ws.write(
        "Escalation/people.yaml",
        """
        people:
          - {id: alice, name: Alice Example, contacts: [{type: webhook, url: "http://127.0.0.1:9/alice"}]}
          - {id: bob, contacts: [{type: slack, url: "http://127.0.0.1:9/bob"}]}
        """)
    ws.writeWeeklySchedule("primary", participants: ["alice"])
    ws.writeWeeklySchedule("secondary", participants: ["bob"])
    ws.write(
        "Escalation/policies/platform.yaml",
        """
        name: platform
        steps:
          - {targets: [schedule:primary], escalate_after: 5m}
          - {targets: [schedule:secondary], escalate_after: 5m}
        ack_timeout: 30m
        """)
    return ws
}

/// One process's escalation engine, run in this one: its own journals and engine lock, the in-memory
/// transport and the test's fixed clock. `pass` is one pass of `klaxon watch`'s loop.
private final class Engine {
    let runner: EscalationRunner
    let store: IncidentStore
    private var journals: [String: IncidentJournal] = [:]

    /// `now` is the engine's clock when given (by default `clock`'s time).
    init(
        _ ws: TemporaryDirectory, clock: FixedClock, transport: any PageTransport, pid: Int,
        now: (@Sendable () -> Timestamp)? = nil
    ) throws {
        let workspace = try Workspace.load(directory: ws.path)
        store = try workspace.incidents
        runner = try EscalationRunner(
            workspace: workspace, writer: WriterIdentity(actor: "ops", host: "test-host", pid: pid),
            role: "test", transport: transport, clock: now ?? { clock.now }, wake: {})
    }

    /// Reads the journals (unless `refreshing` is false: the engine decides on what it read last), records
    /// the outcomes of finished deliveries, then lets the engine decide and start deliveries.
    @discardableResult
    func pass(refreshing: Bool = true) throws -> (problems: [String], nextWake: Timestamp?) {
        if refreshing {
            for id in try store.ids() where journals[id] == nil {
                journals[id] = try store.open(id, keepingTimeline: false)
            }
            for journal in journals.values { try journal.refresh() }
        }
        let finished = runner.recordFinished(journals)
        let tick = runner.tick(journals.values.sorted { $0.id < $1.id })
        return (finished.problems + tick.problems, tick.nextWake)
    }

    /// Waits for the deliveries under way (none may be held) and records their outcomes.
    func settle() {
        runner.waitForDeliveries()
        _ = runner.recordFinished(journals)
    }
}

/// INC-1's escalation as its journal tells it, one line per event: "09:00:30 attempt 1/1/1/alice/webhook #2 by 101".
func story(_ ws: TemporaryDirectory) throws -> [String] {
    let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
    return incident.escalationEvents.map { event in
        let at = String(event.at.rfc3339.dropFirst(11).prefix(8))
        switch event.kind {
        case .started(let policy): return "\(at) started \(policy)"
        case .pageRequested(let user): return "\(at) page \(user) requested"
        case .acknowledged: return "\(at) acknowledged by \(event.actor)"
        case .stopped: return "\(at) stopped"
        case .advanced: return "\(at) advanced by \(event.actor)"
        case .resolved: return "\(at) resolved"
        case .reopened: return "\(at) reopened"
        case .step(let phase, let cycle, let step): return "\(at) step \(phase)/\(cycle)/\(step)"
        case .attempt(let page, let attempt, _, _, let pid): return "\(at) attempt \(page) #\(attempt) by \(pid)"
        case .result(let page, let attempt, let delivered, let detail):
            let outcome = delivered.map { $0 ? "delivered" : "failed" } ?? "unknown"
            return "\(at) result \(page) #\(attempt) \(outcome): \(detail)"
        case .exhausted(let phase): return "\(at) exhausted \(phase)"
        }
    }
}

func time(_ hms: String) -> Timestamp { Timestamp.parseRFC3339("2026-11-20T\(hms)Z")! }

/// The escalation runner in-process: deterministic, on a fixed clock, every page through the in-memory
/// transport. The same behaviour against real receivers and processes is in EscalationCommandTests.
struct EscalationRunnerTests {
    let ws = runnerWorkspace()
    let clock = FixedClock("2026-11-20T09:00:00Z")
    let transport = InMemoryPageTransport()
    var k: KlaxonCommandsTestSupport.Klaxon { KlaxonCommandsTestSupport.Klaxon(workspace: ws.path, clock: clock) }

    func declare() {
        let declared = k.run(
            "incident", "declare", "Registry returns 503", "--severity", "SEV2", "--policy", "platform")
        #expect(declared.status == 0, "\(declared.errors)")
    }

    /// A receiver de-duplicates pages by their ids (`X-Klaxon-Page`, the payload's `page.id`): two
    /// incidents paging alice by the same policy send two ids, each naming its incident, and a retry of a
    /// page carries the id of its first attempt. Through the real transport, to a loopback receiver.
    @Test func pageIdsAreUniqueAcrossIncidentsAndKeptByARetry() async throws {
        let http = TemporaryDirectory("receiver")
        // The first page to arrive fails, so that it is tried again 30 s later.
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/alice": .init([500, 200])])
        defer { receiver.stop() }
        ws.write(
            "Escalation/people.yaml",
            """
            people:
              - {id: alice, contacts: [{type: webhook, url: "http://127.0.0.1:\(receiver.port)/alice"}]}
              - {id: bob, contacts: [{type: slack, url: "http://127.0.0.1:9/bob"}]}
            """)
        declare()
        declare()
        let channels = try Workspace.load(directory: ws.path).config.channels
        let engine = try Engine(
            ws, clock: clock, transport: ChannelPageTransport(channels: channels, environment: [:]), pid: 101)
        try engine.pass()
        engine.settle()
        clock.advance(seconds: 30)
        try engine.pass()
        engine.settle()

        let pages = try receiver.requests.map { request in
            let page = try JSONParser.parse(request.body)["page"]
            #expect(request.headers["x-klaxon-page"] == page?["id"]?.stringValue, "the header is the payload's id")
            return (id: request.headers["x-klaxon-page"] ?? "", attempt: page?["attempt"])
        }
        #expect(pages.count == 3, "\(pages)")
        #expect(
            Set(pages.map(\.id)) == ["INC-1/1/1/1/alice/webhook", "INC-2/1/1/1/alice/webhook"], "\(pages.map(\.id))")
        let retry = try #require(pages.last)
        #expect(retry.id == pages.first?.id && retry.attempt == .number(2), "\(pages)")
    }

    @Test func pagesTheStepOnceThroughTheTransport() throws {
        declare()
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        let first = try engine.pass()
        #expect(first.problems.isEmpty, "\(first.problems)")
        engine.settle()
        try engine.pass()

        let sent = transport.deliveries
        #expect(sent.count == 1)
        let page = try #require(sent.first)
        #expect(page.at == time("09:00:00"))
        #expect(page.attempt.incidentID == "INC-1" && page.user == "alice" && page.attempt.contact.kind == .webhook)
        #expect((page.attempt.step, page.attempt.steps, page.attempt.attempt, page.attempt.attempts) == (1, 2, 1, 3))
        #expect(
            page.message.userName == "Alice Example"
                && page.message.headline == "INC-1 SEV2 Registry returns 503 — step 1 of 2 (platform)")
        #expect(
            try story(ws) == [
                "09:00:00 started platform",
                "09:00:00 step 1/1/1",
                "09:00:00 attempt 1/1/1/alice/webhook #1 by 101",
                "09:00:00 result 1/1/1/alice/webhook #1 delivered: delivered"
            ])
        // Nothing more until the next step, which the engine asks to be woken for.
        clock.advance(seconds: 299)
        let later = try engine.pass()
        #expect(transport.deliveries.count == 1)
        #expect(later.nextWake == time("09:05:00"))
    }

    /// The engine's lock names its holder "since" it took the lock, not since its process started: a
    /// takeover says when it happened. (Before: the process's start time.)
    @Test func theEngineLockSaysSinceWhenItWasTaken() throws {
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        clock.advance(seconds: 125)
        try engine.pass()
        let holder = try String(contentsOfFile: ws.path + "/journals/.engine.lock", encoding: .utf8)
        #expect(holder.contains("since 2026-11-20T09:02:05"), "\(holder)")
    }

    @Test func retriesAFailedPageWithBackoffUpToTheLimitShowingItFailing() throws {
        declare()
        transport.script("alice", .fail(reason: "HTTP 500"), .fail(reason: "HTTP 500"), .fail(reason: "HTTP 503"))
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        engine.settle()
        #expect(try engine.pass().nextWake == time("09:00:30"), "the first retry after 30 s")
        #expect(
            k.run("escalation", "status").output.contains(
                "platform: step 1 of 2, PAGE FAILING (1 of 3) → alice: HTTP 500"))

        clock.advance(seconds: 29)
        try engine.pass()
        #expect(transport.deliveries.count == 1, "not before the backoff")
        clock.advance(seconds: 1)
        try engine.pass()
        engine.settle()
        #expect(try engine.pass().nextWake == time("09:01:30"), "the wait doubles: 60 s")
        clock.advance(seconds: 59)
        try engine.pass()
        #expect(transport.deliveries.count == 2)
        clock.advance(seconds: 1)
        try engine.pass()
        engine.settle()
        // Three attempts were the limit: the next wake is the next step, not a retry.
        #expect(try engine.pass().nextWake == time("09:05:00"))
        clock.advance(seconds: 209)
        try engine.pass()
        #expect(
            transport.deliveries.map { "\($0.at.rfc3339) #\($0.attempt.attempt)" }
                == ["2026-11-20T09:00:00.000Z #1", "2026-11-20T09:00:30.000Z #2", "2026-11-20T09:01:30.000Z #3"])

        let status = k.run("escalation", "status")
        #expect(
            status.output.contains("INC-1     platform: step 1 of 2, PAGE FAILING (3 of 3) → alice: HTTP 503"),
            "\(status.output)")
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        let files = EscalationFiles.load(workspaceRoot: ws.path)
        let state = files.engine(retry: .init(attempts: 3, backoffSeconds: 30)).pagingState(
            of: incident, now: clock.now)
        #expect(state.short == "FAILING → alice")

        // The next step reaches bob: the step is no longer failing.
        clock.advance(seconds: 1)
        try engine.pass()
        engine.settle()
        try engine.pass()
        let after = k.run("escalation", "status").output
        #expect(after.contains("platform: step 2 of 2") && !after.contains("FAILING"), "\(after)")
    }

    @Test func escalatesToTheNextStepAndRunsOut() throws {
        declare()
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        engine.settle()
        clock.advance(seconds: 300)
        #expect(try engine.pass().nextWake == time("09:10:00"), "the policy runs out after step 2")
        engine.settle()
        clock.advance(seconds: 300)
        let end = try engine.pass()
        #expect(end.nextWake == nil)
        #expect(
            transport.deliveries.map { "\($0.user) \($0.attempt.contact.kind.rawValue) step \($0.attempt.step)" } == [
                "alice webhook step 1", "bob slack step 2"
            ])
        #expect(
            try story(ws).suffix(4) == [
                "09:05:00 step 1/1/2",
                "09:05:00 attempt 1/1/2/bob/slack #1 by 101",
                "09:05:00 result 1/1/2/bob/slack #1 delivered: delivered",
                "09:10:00 exhausted 1"
            ])
        clock.advance(seconds: 3600)
        try engine.pass()
        #expect(transport.deliveries.count == 2, "an exhausted policy pages nobody more")
    }

    /// Issue 23: `klaxon incident escalate` only records; the engine's next pass pages the next step at
    /// once, and its wait counts from then (the policy runs out 5 minutes after, not at 09:10).
    @Test func escalatingNowPagesTheNextStepOnTheNextPass() throws {
        declare()
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        engine.settle()
        clock.advance(seconds: 60)
        let escalate = k.run("incident", "escalate", "INC-1", "--as", "carol")
        #expect(escalate.status == 0, "\(escalate.errors)")
        #expect(escalate.output == "INC-1: escalated platform to step 2 of 2 now; paging bob\n")
        #expect(transport.deliveries.count == 1, "nothing is sent by the command")
        let next = try engine.pass()
        engine.settle()
        #expect(next.nextWake == time("09:06:00"), "step 2's 5 minutes count from the escalation")
        #expect(
            transport.deliveries.map { "\($0.at.rfc3339) \($0.user) step \($0.attempt.step)" } == [
                "2026-11-20T09:00:00.000Z alice step 1", "2026-11-20T09:01:00.000Z bob step 2"
            ])
        #expect(
            try story(ws).suffix(4) == [
                "09:01:00 advanced by carol",
                "09:01:00 step 1.5/1/2",
                "09:01:00 attempt 1.5/1/2/bob/slack #1 by 101",
                "09:01:00 result 1.5/1/2/bob/slack #1 delivered: delivered"
            ])
        clock.advance(seconds: 300)
        try engine.pass()
        #expect(try story(ws).last == "09:06:00 exhausted 1.5")
        clock.advance(seconds: 600)
        try engine.pass()
        #expect(transport.deliveries.count == 2, "bob's old step at 09:05 is not paged again")
    }

    @Test func anAcknowledgementWhileThePageIsInFlightKeepsItsOutcomeAndStopsTheRest() throws {
        declare()
        transport.script("alice", .hold)
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        #expect(transport.waitUntilDelivered(1))
        #expect(transport.held.map(\.user) == ["alice"])
        // alice acknowledges while her page is still being sent.
        clock.advance(seconds: 10)
        let ack = k.run("incident", "ack", "INC-1", "--as", "alice")
        #expect(ack.status == 0, "\(ack.errors)")
        #expect(transport.release("alice", with: .delivered(detail: "HTTP 202")) == 1)
        engine.settle()
        clock.advance(seconds: 290)
        try engine.pass()
        engine.settle()
        #expect(transport.deliveries.map(\.user) == ["alice"], "bob is never paged")
        #expect(
            try story(ws) == [
                "09:00:00 started platform",
                "09:00:00 step 1/1/1",
                "09:00:00 attempt 1/1/1/alice/webhook #1 by 101",
                "09:00:10 acknowledged by alice",
                "09:00:10 result 1/1/1/alice/webhook #1 delivered: HTTP 202"
            ])
        #expect(
            k.run("escalation", "status").output.contains(
                "INC-1     acknowledged by alice at 09:00, pages again in 25m10s\n"))
    }

    @Test func anAcknowledgementAfterTheEnginesLastReadWinsOverThePageAboutToGo() throws {
        declare()
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        engine.settle()
        clock.advance(seconds: 300)
        // The engine read the journal before alice acknowledged, and decides on what it read: step 2.
        #expect(k.run("incident", "ack", "INC-1", "--as", "alice").status == 0)
        let stale = try engine.pass(refreshing: false)
        #expect(stale.problems.isEmpty, "a decision overtaken by an ack is no problem: \(stale.problems)")
        engine.settle()
        try engine.pass()
        #expect(
            transport.deliveries.map(\.user) == ["alice"],
            "bob's page is refused: the incident changed after it was decided")
        // Nor does the timeline claim that step 2 paged bob after the acknowledgement.
        let told = try story(ws)
        #expect(told.last == "09:05:00 acknowledged by alice", "\(told)")
    }

    @Test func anAcknowledgementAfterTheEnginesLastReadIsNeverCalledExhausted() throws {
        declare()
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        engine.settle()
        clock.advance(seconds: 300)
        try engine.pass()
        engine.settle()
        try engine.pass()
        clock.advance(seconds: 300)
        // bob acknowledges at 09:10, as the policy runs out; the engine decides on what it read before.
        #expect(k.run("incident", "ack", "INC-1", "--as", "bob").status == 0)
        let stale = try engine.pass(refreshing: false)
        #expect(stale.problems.isEmpty, "\(stale.problems)")
        try engine.pass()
        let told = try story(ws)
        #expect(
            told.last == "09:10:00 acknowledged by bob", "no \"exhausted: nobody acknowledged\" after bob did: \(told)")
        #expect(k.run("escalation", "status").output.contains("INC-1     acknowledged by bob at 09:10"))
    }

    @Test func theAckTimeoutPagesAgainFromTheFirstStep() throws {
        declare()
        let engine = try Engine(ws, clock: clock, transport: transport, pid: 101)
        try engine.pass()
        engine.settle()
        clock.advance(seconds: 60)
        #expect(k.run("incident", "ack", "INC-1", "--as", "alice").status == 0)
        try engine.pass()
        clock.advance(seconds: 30 * 60 - 1)
        #expect(try engine.pass().nextWake == time("09:31:00"))
        #expect(transport.deliveries.count == 1)
        clock.advance(seconds: 1)
        try engine.pass()
        engine.settle()
        #expect(
            transport.deliveries.map { "\($0.at.rfc3339) \($0.user) step \($0.attempt.step) \($0.attempt.page)" }
                == [
                    "2026-11-20T09:00:00.000Z alice step 1 1/1/1/alice/webhook",
                    "2026-11-20T09:31:00.000Z alice step 1 1.5/1/1/alice/webhook"
                ])
    }

    @Test func twoRunnersOneSendsTheOtherTakesOverWhenItStops() throws {
        declare()
        defer { transport.release() }  // the stopped runner's thread, still sending
        var first: Engine? = try Engine(ws, clock: clock, transport: transport, pid: 101)
        let second = try Engine(ws, clock: clock, transport: transport, pid: 102)
        try first?.pass()
        try second.pass()
        first?.settle()
        #expect(first?.runner.isEngine == true && !second.runner.isEngine)
        #expect(
            second.runner.otherEngine?.contains("test of ops on test-host, pid 101") == true,
            "\(second.runner.otherEngine ?? "nil")")

        // Step 2 is due: the second passes first and sends nothing; the first's page to bob is in flight when it stops.
        clock.advance(seconds: 300)
        transport.script("bob", .hold)
        try second.pass()
        #expect(transport.deliveries.map(\.user) == ["alice"])
        try first?.pass()
        #expect(transport.waitUntilDelivered(2))
        first = nil  // the process is gone: its engine lock is released, its page to bob never recorded
        clock.advance(seconds: 1)
        try second.pass()
        second.settle()
        #expect(second.runner.isEngine)
        #expect(
            try story(ws).suffix(3) == [
                "09:05:00 step 1/1/2",
                "09:05:00 attempt 1/1/2/bob/slack #1 by 101",
                "09:05:01 result 1/1/2/bob/slack #1 unknown: outcome unknown: the engine stopped while sending (test-host pid 101); not sent again"
            ])
        clock.advance(seconds: 299)
        try second.pass()
        #expect(transport.deliveries.map(\.user) == ["alice", "bob"], "every page sent exactly once")
        #expect(try story(ws).last == "09:10:00 exhausted 1")
    }
}

/// The engine on a database: a holder that lost only its hold connection (the server ended that session,
/// and another process took the engine) while it was about to record a page's attempt. Its append proves
/// the hold in the same transaction, so the attempt is refused and the page is sent once, by the taker.
struct EscalationRunnerHoldTests {
    let clock = FixedClock("2026-11-20T09:00:00Z")

    @Test func aHolderThatLostItsHoldWhileDecidingRecordsNoAttemptAndSendsNothing() async throws {
        let database = try await PostgresServer.shared().makeDatabase()
        // Run off the cooperative pool (processes, waits); what it saw is checked here.
        let seen = try await blocking { try self.cutWhileDeciding(database) }
        #expect(seen.cut == "t", "A's hold connection ended")
        #expect(seen.bTookOver, "B took the engine over")
        #expect(seen.second == ["alice"], "B sent the page")
        #expect(seen.first.isEmpty, "A sent it too: \(seen.first)")
        #expect(seen.attempts == 1, "attempts recorded")
    }

    /// A holds the engine; INC-1 is declared; in A's next pass, once it found the hold held and before it
    /// records the attempt, A's hold connection is ended and B takes over (and pages alice). Returns what
    /// `pg_terminate_backend` said, whether B took over, who A and B paged, and the attempts recorded.
    private func cutWhileDeciding(_ database: PostgresDatabase) throws -> (
        cut: String?, bTookOver: Bool, first: [String], second: [String], attempts: Int
    ) {
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let ws = runnerWorkspace()
        ws.write(
            "klaxon.yaml",
            """
            name: transport
            time_zone: UTC
            journals: "\(database.everydayURI)"
            escalation: {attempts: 3, retry_backoff: 30s}
            """)
        let clock = self.clock
        // A's clock cuts A's hold connection and lets B take the engine over at the second time A reads it
        // in its next pass: after the pass found the hold held, before it records the attempt.
        let cut = Cut()
        let first = InMemoryPageTransport()
        let a = try Engine(ws, clock: clock, transport: first, pid: 101) {
            cut.atSecondCall()
            return clock.now
        }
        try a.pass()
        guard a.runner.isEngine else { return (nil, false, [], [], 0) }
        let k = KlaxonCommandsTestSupport.Klaxon(workspace: ws.path, clock: clock)
        _ = k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2", "--policy", "platform")

        let second = InMemoryPageTransport()
        let b = try Engine(ws, clock: clock, transport: second, pid: 202)
        var said: String?
        cut.arm {
            said = try? database.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'klaxon hold engine' AND datname = current_database()"
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            // B takes the engine once the server has ended A's session, and pages alice.
            for _ in 0..<100 where !b.runner.isEngine {
                _ = try? b.pass()
                if !b.runner.isEngine { Thread.sleep(forTimeInterval: 0.05) }
            }
            b.settle()
        }
        try a.pass()
        a.settle()
        let incident = try Workspace.load(directory: ws.path).incidents.open("INC-1").incident
        let attempts = incident.escalationEvents.filter { if case .attempt = $0.kind { true } else { false } }
        return (
            cut.made ? said : nil, b.runner.isEngine, first.deliveries.map(\.user), second.deliveries.map(\.user),
            attempts.count
        )
    }
}

/// What a test does at the second time an engine's clock is read after `arm` (on the engine's thread;
/// deliveries read the clock on theirs, so it is locked).
private final class Cut: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    private var action: (() -> Void)?
    private(set) var made = false

    func arm(_ action: @escaping () -> Void) {
        lock.withLock {
            calls = 0
            self.action = action
        }
    }

    func atSecondCall() {
        let due: (() -> Void)? = lock.withLock {
            guard action != nil else { return nil }
            calls += 1
            guard calls == 2 else { return nil }
            defer {
                action = nil
                made = true
            }
            return action
        }
        due?()
    }
}
