import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonHTTP
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Synchronization
import Testing

@testable import KlaxonEngine

/// The responder in-process, as the console and `klaxon watch` run it: a workspace of its own
/// (`runnerWorkspace`: policy `platform` pages alice, then bob after five minutes), the test's fixed
/// clock, every page through the in-memory transport, and other writers as other processes are (the
/// CLI in-process, appending to the same journals).
struct ResponderTests: ResponderPassing {
    let ws = runnerWorkspace()
    let clock = FixedClock("2026-11-20T09:00:00Z")
    let transport = InMemoryPageTransport()
    var k: KlaxonCommandsTestSupport.Klaxon { KlaxonCommandsTestSupport.Klaxon(workspace: ws.path, clock: clock) }

    func responder(pid: Int = 101) throws -> Responder {
        let workspace = try Workspace.load(directory: ws.path)
        let checks = CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!)
        let clock = self.clock
        return try Responder(
            workspace: workspace, writer: WriterIdentity(actor: "ops", host: "test-host", pid: pid), checks: checks,
            options: Responder.Options(role: "test", displayZone: TimeZone(identifier: "UTC")!),
            environment: [:], clock: { clock.now }, transport: transport)
    }

    static func changed(_ events: [ResponderEvent]) -> [String] {
        events.compactMap { if case .incidentChanged(let incident, _) = $0 { incident.id } else { nil } }
    }

    static func problems(_ events: [ResponderEvent]) -> [String] {
        events.compactMap { if case .problem(let text) = $0 { text } else { nil } }
    }

    /// Declared with a policy: the pass that follows sends the page through the transport, records it,
    /// and says so in its events (the incident changed, the engine is this process, the page delivered).
    @Test func aDeclaredIncidentWithAPolicyIsPagedAndTheEventsSayWhatHappened() throws {
        let responder = try responder()
        _ = responder.start()
        let declared = responder.declare(
            Declaration(title: "Registry returns 503", severity: .sev2, policy: "platform"))
        #expect(Self.changed(declared) == ["INC-1"])
        #expect(declared.contains { if case .declared("INC-1") = $0 { true } else { false } })

        let first = responder.pass(now: clock.now)
        #expect(Self.problems(first).isEmpty, "\(Self.problems(first))")
        #expect(Self.changed(first).contains("INC-1"), "the step and the attempt recorded")
        #expect(first.contains { if case .becameEngine = $0 { true } else { false } })
        let engine = first.compactMap {
            if case .escalationsChanged(let statuses, let engine, let targets) = $0 {
                (statuses, engine, targets)
            } else {
                nil
            }
        }.last
        #expect(engine?.1 == .thisProcess)
        #expect(engine?.0["INC-1"] != nil)
        #expect(engine?.2.contains(.policy("platform")) == true)

        let finished = passes(responder, until: Self.isPageFinished)
        let page = finished.compactMap {
            if case .pageFinished(let attempt, let outcome) = $0 { (attempt, outcome) } else { nil }
        }.first
        #expect(page?.0.incidentID == "INC-1" && page?.0.user == "alice")
        #expect(page?.1 == .delivered(detail: "delivered"))
        #expect(transport.deliveries.map(\.user) == ["alice"])
        #expect(
            try story(ws) == [
                "09:00:00 started platform",
                "09:00:00 step 1/1/1",
                "09:00:00 attempt 1/1/1/alice/webhook #1 by 101",
                "09:00:00 result 1/1/1/alice/webhook #1 delivered: delivered"
            ])
        _ = responder.stop()
    }

    /// The platform journal appears once the first state change is recorded: the watcher tells of it,
    /// and it is not taken for an incident. (Before: "platform cannot be read: "platform" is not an
    /// incident id" on the bottom line of every fresh workspace and drill.)
    @Test func thePlatformJournalIsNotTakenForAnIncident() throws {
        let responder = try responder()
        _ = responder.start()
        _ = responder.pass(now: clock.now)
        ws.write("journals/platform.jsonl", "")
        let events = passes(responder, limit: 1.5) { _ in false }
        let said = events.compactMap { event -> String? in
            switch event {
            case .journalProblem(let text), .problem(let text): text
            default: nil
            }
        }
        #expect(said.isEmpty, "\(said)")
        _ = responder.stop()
    }

    /// A process that cannot take the engine's lock for writing (a read-only journals directory, a lock
    /// file it may not write) still shows each incident's escalation, as a read-only console does, and
    /// says why it sends no page. (Before: no escalation state at all, so every incident read "not
    /// paging: no policy".)
    @Test func aProcessThatCannotSendPagesStillShowsTheEscalations() throws {
        try FileManager.default.createDirectory(
            atPath: ws.path + "/journals/.engine.lock", withIntermediateDirectories: true)
        let responder = try responder()
        let started = responder.start()
        #expect(Self.problems(started).contains { $0.contains("cannot send pages") }, "\(Self.problems(started))")
        _ = responder.declare(Declaration(title: "Registry returns 503", severity: .sev2, policy: "platform"))
        let events = responder.pass(now: clock.now)
        let engine = events.compactMap {
            if case .escalationsChanged(let statuses, let engine, _) = $0 { (statuses, engine) } else { nil }
        }.last
        #expect(engine?.0["INC-1"] != nil, "the escalation of INC-1 is shown")
        #expect(engine?.1 != .thisProcess)
        #expect(transport.deliveries.isEmpty)
        _ = responder.stop()
    }

    /// Another writer acknowledges (the CLI, appending to the journal): the next pass reads it, and the
    /// policy's next step never pages bob.
    @Test func anAckFromAnotherWriterIsSeenAtTheNextPassAndStopsThePaging() throws {
        let responder = try responder()
        _ = responder.start()
        _ = responder.declare(Declaration(title: "Registry returns 503", severity: .sev2, policy: "platform"))
        _ = passes(responder, until: Self.isPageFinished)
        #expect(k.run("incident", "ack", "INC-1", "--as", "alice").status == 0)

        clock.advance(seconds: 1)
        let seen = responder.pass(now: clock.now)
        #expect(Self.changed(seen).contains("INC-1"), "the ack is read")
        clock.advance(seconds: 600)
        let later = responder.pass(now: clock.now)
        #expect(Self.problems(later).isEmpty, "\(Self.problems(later))")
        _ = responder.stop()
        #expect(transport.deliveries.map(\.user) == ["alice"], "bob is never paged")
        #expect(try story(ws).contains { $0.hasSuffix("acknowledged by alice") })
        #expect(!(try story(ws)).contains { $0.contains("step 1/1/2") })
    }

    /// A check of the incident's service goes down (its first poll answers 503, from a loopback server):
    /// the change is recorded in platform.jsonl and on the open incident before its report is returned.
    @Test func aCheckReportIsRecordedOntoTheOpenIncidentOfItsService() throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/uploads": .init([503], body: "down")])
        defer { receiver.stop() }
        ws.write(
            "klaxon.yaml",
            """
            name: transport
            time_zone: UTC
            checks:
              - {name: uploads, url: "http://127.0.0.1:\(receiver.port)/uploads", interval: 30s, timeout: 5s, service: registry}
            """)
        #expect(k.run("incident", "declare", "Uploads fail", "--severity", "SEV3", "--service", "registry").status == 0)
        let responder = try responder()
        _ = responder.start()
        #expect(responder.isRecording)
        let events = passes(responder) { event in
            if case .checkReported(let report) = event { report.transition != nil } else { false }
        }
        _ = responder.stop()
        let report = events.compactMap { if case .checkReported(let report) = $0 { report } else { nil } }.last
        #expect(report?.check.name == "uploads" && report?.state == .down, "\(events)")
        let reported = try #require(events.lastIndex { if case .checkReported = $0 { true } else { false } })
        #expect(Self.changed(Array(events[reported...])).contains("INC-1"), "the incident's change follows its report")
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        let change = incident.timeline.first { $0.type == "check.changed" }
        #expect(change?.data["check"] == "uploads" && change?.data["to"] == "down", "\(incident.timeline.map(\.type))")
        let platform = try String(contentsOfFile: ws.path + "/journals/platform.jsonl", encoding: .utf8)
        #expect(platform.contains("\"uploads\""))
    }

    /// A heartbeat check goes through what every check goes through: pinged (a ping recorded on the
    /// journal `alerts`, as `klaxon watch`'s intake records it) it is up; silent for its interval it is
    /// down, recorded, declared with its policy and paged; pinged again it is up.
    @Test func aSilentHeartbeatCheckIsRecordedDeclaredAndPagedLikeAnyCheck() throws {
        ws.write(
            "klaxon.yaml",
            """
            name: transport
            time_zone: UTC
            checks:
              - {name: nightly-backup, type: heartbeat, interval: 5m, service: registry, policy: platform, declare: SEV2}
            """)
        // What klaxon watch's intake records: its start, then a ping (another process: the responder
        // judges from the journal `alerts`).
        let alerts = AlertJournal(store: FileJournalStore(directory: ws.path + "/journals"))
        func record(_ type: String, _ data: JSONValue) throws {
            try alerts.append(
                RecordDraft(type: type, data: data, timestamp: clock.now, actor: "klaxon", host: "h", pid: 7))
        }
        func ping() throws {
            try record(
                ReceivedAlerts.recordType,
                ReceivedAlerts.draftData([], pings: [.init(check: "nightly-backup", token: "am", at: clock.now)]))
        }
        try record(HeartbeatPing.intakeStartedRecordType, HeartbeatPing.intakeData(listen: "127.0.0.1:9095"))
        try ping()
        let responder = try responder()
        defer { _ = responder.stop() }
        _ = responder.start()
        func reported(_ state: CheckState) -> (ResponderEvent) -> Bool {
            { if case .checkReported(let report) = $0 { report.state == state } else { false } }
        }
        var events = passes(responder, until: reported(.up))
        #expect(events.contains(where: reported(.up)), "\(events)")

        // The board is read at every pass; the poller judges on its own thread. Jumping 300 s at once let a
        // loaded machine's poller judge before a pass read the board at the new time: a board unread for
        // 300 s is unknown, not down (the real clock never jumps so). So the board is read just before.
        clock.advance(seconds: 299)
        _ = passes(responder, limit: 0.3) { _ in false }
        clock.advance(seconds: 1)
        events = passes(responder, until: Self.isPageFinished)
        #expect(events.contains(where: reported(.down)), "\(events)")
        #expect(transport.deliveries.map(\.user) == ["alice"])
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        #expect(incident.declaringCheck == "nightly-backup" && incident.severity == .sev2)
        #expect(incident.title == "nightly-backup is down: no ping for 5m or more: the last at 09:00:00 UTC")

        try ping()
        events = passes(responder, until: reported(.up))
        #expect(events.contains(where: reported(.up)), "\(events)")
        let platform = try String(contentsOfFile: ws.path + "/journals/platform.jsonl", encoding: .utf8)
        #expect(platform.components(separatedBy: "\"nightly-backup\"").count - 1 >= 2, "down, then up: \(platform)")
    }

    /// The recorder names itself as the engine does (role, user, host, pid, since when), so that whoever
    /// reads the hold (`klaxon.holds`, `.poller.lock`) knows which console or `klaxon watch` records.
    @Test func theRecorderNamesItselfAsTheEngineDoes() throws {
        ws.write(
            "klaxon.yaml",
            """
            name: transport
            time_zone: UTC
            checks:
              - {name: uploads, url: "http://127.0.0.1:1/uploads", interval: 30s, timeout: 5s}
            """)
        let responder = try responder()
        #expect(responder.isRecording)
        let store = FileJournalStore(directory: ws.path + "/journals")
        #expect(
            try store.hold("poller", creating: false).holder()
                == "test of ops on test-host, pid 101, since 2026-11-20T09:00:00.000Z")
        _ = responder.pass(now: clock.now)
        #expect(
            try store.hold("engine", creating: false).holder()
                == "test of ops on test-host, pid 101, since 2026-11-20T09:00:00.000Z", "the engine's, alike")
    }

    /// A page is in flight (the transport holds it) when the responder stops: stop waits for it and
    /// records its outcome, so no page is left unknown.
    @Test func stopWaitsForADeliveryInFlightAndRecordsIt() throws {
        transport.script("alice", .hold)
        let responder = try responder()
        _ = responder.start()
        _ = responder.declare(Declaration(title: "Registry returns 503", severity: .sev2, policy: "platform"))
        _ = responder.pass(now: clock.now)
        #expect(transport.waitUntilDelivered(1))
        #expect(transport.held.count == 1)
        // Released only once stop has begun to wait (a stop that does not wait returns before it).
        let transport = self.transport
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) {
            transport.release(with: .delivered(detail: "late"))
        }
        let stopped = responder.stop()
        let page = stopped.compactMap {
            if case .pageFinished(let attempt, let outcome) = $0 { (attempt, outcome) } else { nil }
        }.first
        #expect(page?.0.user == "alice" && page?.1 == .delivered(detail: "late"), "\(stopped)")
        #expect(try story(ws).last == "09:00:00 result 1/1/1/alice/webhook #1 delivered: late")
    }

    /// A drill's director runs on the responder's passes, each second: the platform breaks at the
    /// scripted time and recovers once an incident the responder follows is acknowledged (by another
    /// writer here), as the scenario says.
    @Test func aDrillBreaksThePlatformOnTimeAndRecoversAfterTheAcknowledgement() throws {
        let platform = RecordingPlatform()
        let healthy = ["/kube/readyz": DrillResponse(status: 200, body: "ok")]
        let scenario = DrillScenario(
            name: "kube", title: "The API server fails",
            events: [.init(atSeconds: 10, path: "/kube/readyz", status: 503)],
            recovery: .init(afterRecord: .acknowledged))
        let workspace = try Workspace.load(directory: ws.path)
        let clock = self.clock
        let responder = try Responder(
            workspace: workspace, writer: WriterIdentity(actor: "ops", host: "test-host", pid: 101),
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!),
            options: Responder.Options(role: "test", displayZone: TimeZone(identifier: "UTC")!),
            environment: [:], clock: { clock.now }, transport: transport,
            drill: DrillDirector(scenario: scenario, platform: healthy, server: platform, speed: 1, start: clock.now))
        func drill(_ events: [ResponderEvent]) -> DrillStatus? {
            events.compactMap { if case .drillChanged(let status) = $0 { status } else { nil } }.last
        }
        _ = responder.start()
        _ = responder.declare(Declaration(title: "API server down", severity: .sev2))
        #expect(drill(responder.pass(now: clock.now))?.elapsedSeconds == 0)
        #expect(platform.served.last?["/kube/readyz"]?.status == 200)

        clock.advance(seconds: 10)
        let broken = drill(responder.pass(now: clock.now))
        #expect(broken?.elapsedSeconds == 10 && broken?.recovered == false)
        #expect(platform.served.last?["/kube/readyz"]?.status == 503)

        #expect(k.run("incident", "ack", "INC-1", "--as", "alice").status == 0)
        clock.advance(seconds: 1)
        let recovered = drill(responder.pass(now: clock.now))
        #expect(recovered?.recovered == true)
        #expect(platform.served.last?["/kube/readyz"]?.status == 200)
        _ = responder.stop()
    }
}

/// A drill's platform that serves nothing: it keeps what it was told to serve.
private final class RecordingPlatform: DrillPlatform {
    private let state = Mutex<[[String: DrillResponse]]>([])
    func serve(_ responses: [String: DrillResponse]) { state.withLock { $0.append(responses) } }
    var served: [[String: DrillResponse]] { state.withLock { $0 } }
    var pages: [DrillStatus.SinkPage] { [] }
}
