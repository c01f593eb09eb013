import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// The responder on its own thread: a store that does not answer (a table locked by another session of
/// a real PostgreSQL server) keeps the responder's call waiting, never the caller's; the wait is said
/// once it is long, and its end once it returns.
@Suite(.serialized)
struct ResponderThreadTests {
    let writer = WriterIdentity(actor: "ops", host: "test-host", pid: 101)
    let utc = TimeZone(identifier: "UTC")!

    /// Takes the thread's outputs every 50 ms (sleeping, off the cooperative pool's threads) until one
    /// satisfies `wanted` or 60 s pass; returns them all.
    func outputs(
        _ thread: ResponderThread, until wanted: (ResponderThread.Output) -> Bool
    ) async throws -> [ResponderThread.Output] {
        var taken: [ResponderThread.Output] = []
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let new = thread.takeOutputs()
            taken += new
            if new.contains(where: wanted) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return taken
    }

    func responderThread(_ workspace: Workspace) throws -> ResponderThread {
        let (writer, utc) = (writer, utc)
        return try ResponderThread(clock: { Timestamp(Date()) }) { _ throws(KlaxonError) in
            try Responder(
                workspace: workspace, writer: writer,
                checks: CheckFiles.load(workspaceRoot: workspace.root, timeZone: utc),
                options: Responder.Options(role: "test", displayZone: utc), environment: [:],
                clock: { Timestamp(Date()) })
        }
    }

    @Test func aLockedTableKeepsTheResponderWaitingNotTheCallerAndTheWaitIsSaid() async throws {
        let server = try await PostgresServer.shared()
        let database = try await blocking {
            let database = try server.makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            return database
        }
        let ws = makeWorkspace("name: slow\ntime_zone: UTC\njournals: \"\(database.everydayURI)\"\n")
        let workspace = try Workspace.load(directory: ws.path)
        let writer = writer
        try await blocking {
            _ = try workspace.incidents.declare(
                Declaration(title: "Registry 503", severity: .sev3), by: writer, at: Timestamp(Date()))
        }
        let thread = try responderThread(workspace)
        let started = try await outputs(thread) { if case .answered(.start, _) = $0 { true } else { false } }
        #expect(thread.hasStarted)
        #expect(
            started.contains {
                if case .answered(.start, let events) = $0 {
                    events.contains {
                        if case .incidentChanged(let incident, _) = $0 { incident.id == "INC-1" } else { false }
                    }
                } else {
                    false
                }
            }, "\(started)")

        // Another session holds the tables for 8 s: every read of the journals waits for it.
        let lockedFrom = Timestamp(Date())
        let lock = try await database.lockJournalTables(forSeconds: 8)
        thread.ask(.readFully("INC-1"))
        let waiting = try await outputs(thread) { if case .notAnswering = $0 { true } else { false } }
        let since = waiting.compactMap { if case .notAnswering(let since) = $0 { since } else { nil } }
        #expect(since.count == 1, "\(waiting)")
        // The wait said is this one (a pass may have met the lock before the read did).
        #expect(since.allSatisfy { $0 >= lockedFrom.adding(seconds: -5) }, "\(since) \(lockedFrom)")
        #expect(thread.notAnsweringSince != nil)
        // The caller is not held: a stop that waits briefly gives up while the responder waits.
        #expect(thread.stop(waitingAtMost: 0.2) == nil)

        _ = try await lock.value
        let after = try await outputs(thread) { if case .answersAgain = $0 { true } else { false } }
        let again = after.compactMap { if case .answersAgain(let since) = $0 { since } else { nil } }
        #expect(again == since, "\(after)")
        #expect(thread.notAnsweringSince == nil)
        // What waited was answered, the incident read in full.
        let rest = after + (thread.stop(waitingAtMost: 30) ?? [])
        #expect(
            rest.contains {
                if case .answered(.readFully("INC-1"), let events) = $0 {
                    events.contains {
                        if case .incidentChanged(let incident, _) = $0 { incident.keepsTimeline } else { false }
                    }
                } else {
                    false
                }
            }, "\(rest)")
        #expect(!rest.contains { if case .notAnswering = $0 { true } else { false } }, "said once: \(rest)")
    }

    /// A responder that cannot be made says why, once, and its thread ends.
    @Test func aResponderThatCannotBeMadeSaysWhy() async throws {
        let thread = try ResponderThread(clock: { Timestamp(Date()) }) { _ throws(KlaxonError) -> Responder in
            throw .badInput("the journal store cannot be opened here")
        }
        let taken = try await outputs(thread) { if case .failedToStart = $0 { true } else { false } }
        let errors = taken.compactMap { if case .failedToStart(let error) = $0 { error.message } else { nil } }
        #expect(errors == ["the journal store cannot be opened here"])
        #expect(thread.hasStarted)
        #expect(thread.stop(waitingAtMost: 10) != nil)
    }
}
