import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// A check with `declare:` that is down gets its incident even when the declaration could not be made
/// at the moment it went down: nothing lost, and never two incidents for one outage.
struct StatusRecorderTests {
    static let t0 = Timestamp.parseRFC3339("2026-12-05T03:00:00Z")!
    let writer = WriterIdentity(actor: "test", host: "h", pid: 1)

    static var uploads: CheckDefinition {
        var check = CheckDefinition(name: "uploads", url: "http://127.0.0.1:1/uploads")
        check.declare = .sev2
        check.service = "registry"
        return check
    }

    func report(_ state: CheckState, at seconds: Int64, change: CheckStateMachine.Transition? = nil) -> CheckReport {
        CheckReport(
            check: Self.uploads, state: state, since: Self.t0, transition: change,
            evaluation: CheckEvaluation(observation: state == .down ? .failed("HTTP 503") : .ok("HTTP 200")),
            response: ProbeResponse(statusCode: state == .down ? 503 : 200), at: Self.t0.adding(seconds: seconds),
            lagMilliseconds: 0,
            failingSince: change == nil ? nil : Self.t0.adding(seconds: -30))
    }

    /// The declaration fails (the incidents' directory cannot be made: a file is in its place); the
    /// next report of the still-down check declares, with the impact from the first failure.
    @Test func aDeclarationThatFailedIsMadeAtTheNextReportWhileDown() throws {
        let ws = makeWorkspace("name: t\n")
        let blocked = ws.write("incidents", "not a directory")
        let store = IncidentStore(directory: blocked)
        let recorder = try StatusRecorder(
            workspace: try Workspace.load(directory: ws.path), store: store, writer: writer, role: "test",
            clock: { Self.t0 })
        var (changed, problems) = recorder.record(
            report(.down, at: 0, change: .init(from: .pending, to: .down, first: false)), openIncidents: [])
        #expect(changed.isEmpty)
        #expect(problems.first?.hasPrefix("uploads is down but its incident was not declared: ") == true, "\(problems)")
        #expect(problems.first?.hasSuffix("tried again at its next poll while it is down") == true, "\(problems)")
        #expect(recorder.owesDeclaration("uploads"))

        try FileManager.default.removeItem(atPath: blocked)
        (changed, problems) = recorder.record(report(.down, at: 60), openIncidents: [])
        #expect(problems.isEmpty, "\(problems)")
        let incident = try #require(changed.first).incident
        #expect(incident.declaringCheck == "uploads" && incident.id == "INC-1")
        #expect(incident.keyTimes[.impactStarted] == Self.t0.adding(seconds: -30))
        #expect(!recorder.owesDeclaration("uploads"))
        // Declared once: the next report changes nothing.
        #expect(recorder.record(report(.down, at: 120), openIncidents: changed).changed.isEmpty)
    }

    /// A check that came back before the retry owes nothing.
    @Test func aCheckThatRecoveredOwesNoIncident() throws {
        let ws = makeWorkspace("name: t\n")
        let blocked = ws.write("incidents", "not a directory")
        let recorder = try StatusRecorder(
            workspace: try Workspace.load(directory: ws.path), store: IncidentStore(directory: blocked), writer: writer,
            role: "test", clock: { Self.t0 })
        _ = recorder.record(
            report(.down, at: 0, change: .init(from: .pending, to: .down, first: false)), openIncidents: [])
        try FileManager.default.removeItem(atPath: blocked)
        #expect(
            recorder.record(report(.up, at: 60, change: .init(from: .down, to: .up, first: false)), openIncidents: [])
                .changed.isEmpty)
        #expect(!recorder.owesDeclaration("uploads"))
        #expect(recorder.record(report(.down, at: 120), openIncidents: []).changed.isEmpty, "no change, no declaration")
    }

    /// Restarted on a platform journal that says uploads is down since t0: the incident is owed only
    /// if none was declared by uploads since then (the process died between the two writes).
    @Test(arguments: [false, true])
    func aRestartDeclaresOnlyAnIncidentThatWasNeverDeclared(declaredBefore: Bool) throws {
        let ws = makeWorkspace("name: t\n")
        let store = IncidentStore(directory: ws.path + "/journals")
        if declaredBefore {
            let journal = try store.declare(
                Declaration(title: "uploads is down: HTTP 503", severity: .sev2, check: "uploads"), by: writer,
                at: Self.t0)
            _ = try journal.perform(.resolve(summary: "fixed"), by: writer, now: { Self.t0.adding(seconds: 600) })
        }
        let recorder = try StatusRecorder(
            workspace: try Workspace.load(directory: ws.path), store: store, writer: writer, role: "test",
            clock: { Self.t0 },
            restored: ["uploads": .init(state: .down, since: Self.t0)])
        #expect(recorder.owesDeclaration("uploads"))
        let (changed, problems) = recorder.record(report(.down, at: 900), openIncidents: [])
        #expect(problems.isEmpty, "\(problems)")
        if declaredBefore {
            #expect(changed.isEmpty, "a resolved incident of this outage is not declared again by a restart")
            #expect(try store.ids() == ["INC-1"])
        } else {
            let incident = try #require(changed.first).incident
            #expect(incident.declaringCheck == "uploads")
            #expect(incident.keyTimes[.impactStarted] == Self.t0, "the impact began when the check was recorded down")
        }
        #expect(!recorder.owesDeclaration("uploads"))
    }

    /// Taking the recording over records changes only: a check never recorded that is unknown has nothing
    /// to say, one never recorded that is up its first result (on the platform journal only, as any first
    /// result), and one whose state differs from its last record gets one change. Each recorder's start
    /// is on the journal (the first died without a word: no stop).
    @Test func aTakeoverRecordsOnlyWhatChanged() throws {
        let ws = makeWorkspace("name: t\n")
        let workspace = try Workspace.load(directory: ws.path)
        let store = IncidentStore(directory: ws.path + "/journals")
        var first: StatusRecorder? = try StatusRecorder(
            workspace: workspace, store: store, writer: writer, role: "test", clock: { Self.t0 })
        #expect(first?.isRecording == true)
        _ = first?.record(
            report(.down, at: 0, change: .init(from: .unknown, to: .down, first: true)), openIncidents: [])
        let second = try StatusRecorder(
            workspace: workspace, store: store, writer: writer, role: "test", clock: { Self.t0 })
        #expect(!second.isRecording)
        func seen(_ name: String, _ state: CheckState) -> CheckReport {
            var check = CheckDefinition(name: name, url: "http://127.0.0.1:1/")
            check.service = "registry"
            return CheckReport(
                check: check, state: state, since: Self.t0.adding(seconds: 30), transition: nil,
                evaluation: CheckEvaluation(observation: .unknown("source unreachable")),
                response: ProbeResponse(statusCode: nil),
                at: Self.t0.adding(seconds: 30), lagMilliseconds: 0)
        }
        for (name, state) in [("blind", CheckState.unknown), ("fine", .up), ("uploads", .up)] {
            second.see(seen(name, state))
        }
        first = nil  // the recorder stops: its lock goes with it
        let taken = second.takeOverIfFree(openIncidents: [])
        #expect(taken.tookOver && taken.problems.isEmpty, "\(taken.problems)")
        let records = try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records
        #expect(
            records.map {
                guard $0.type == "check.changed" else { return $0.type }
                return
                    "\($0.data["check"]?.stringValue ?? "") \($0.data["from"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")"
            }
                == [
                    "poller.started", "uploads unknown → down", "poller.started", "fine unknown → up",
                    "uploads down → up"
                ])
    }

    /// The recorder's signs of life (`PollerLife`): its start before anything else, a beat after 15 minutes
    /// with nothing recorded, every minute while a check is down (a poller killed in an outage leaves at
    /// most a minute of it unknown), and its clean stop.
    @Test func itsSignsOfLifeComeEveryQuarterHourAndEveryMinuteWhileACheckIsDown() throws {
        let ws = makeWorkspace("name: t\n")
        let clock = FixedClock(Self.t0)
        let recorder = try StatusRecorder(
            workspace: try Workspace.load(directory: ws.path), store: IncidentStore(directory: ws.path + "/journals"),
            writer: writer, role: "test", clock: { clock.now })
        func signs() throws -> [String] {
            try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records.map {
                "\($0.type) +\(Self.t0.seconds(until: $0.timestamp))s"
            }
        }
        #expect(recorder.beat() == nil)
        clock.advance(seconds: 899)
        #expect(recorder.beat() == nil)
        #expect(try signs() == ["poller.started +0s"])
        clock.advance(seconds: 1)
        _ = recorder.beat()
        #expect(try signs() == ["poller.started +0s", "poller.alive +900s"])
        // Down at +960: a beat a minute after it, and after each minute.
        clock.advance(seconds: 60)
        _ = recorder.record(
            report(.down, at: 960, change: .init(from: .up, to: .down, first: false)), openIncidents: [])
        clock.advance(seconds: 59)
        _ = recorder.beat()
        clock.advance(seconds: 1)
        _ = recorder.beat()
        _ = recorder.beat()
        #expect(try signs().suffix(2) == ["check.changed +960s", "poller.alive +1020s"])
        // Up again at +1050: back to a quarter of an hour.
        clock.advance(seconds: 30)
        _ = recorder.record(report(.up, at: 1050, change: .init(from: .down, to: .up, first: false)), openIncidents: [])
        clock.advance(seconds: 60)
        _ = recorder.beat()
        #expect(try signs().suffix(2) == ["poller.alive +1020s", "check.changed +1050s"])
        clock.advance(seconds: 840)
        _ = recorder.beat()
        recorder.stopped()
        #expect(try signs().suffix(3) == ["check.changed +1050s", "poller.alive +1950s", "poller.stopped +1950s"])
    }
}
