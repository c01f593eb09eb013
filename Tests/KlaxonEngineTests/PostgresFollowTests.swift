import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

@testable import KlaxonEngine

/// The responder of one workspace following a PostgreSQL database that another workspace (sharing
/// nothing but the URI) writes to with the `klaxon` executable, another process: the note arrives
/// through LISTEN/NOTIFY, and one whose notification was lost with the follower's connection arrives by
/// the catch-up once the follower listens again.
///
/// The responder's clock is fixed, so after its first pass no second ever begins: the once-a-second
/// rereading of the open incidents and the half-minute rereading of everything never run, and what the
/// responder shows came from its follower alone.
struct PostgresFollowTests: ResponderPassing {
    let clock = FixedClock("2026-11-20T09:00:10Z")

    /// Two workspaces on one fresh database: A read by the responder, B written by `klaxon` as
    /// `writerRole`; INC-1 declared.
    func workspaces(writerRole: String = PostgresServer.everyday) async throws -> (
        database: PostgresDatabase, a: TemporaryDirectory, b: TemporaryDirectory
    ) {
        let database = try await PostgresServer.shared().makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let a = makeWorkspace("name: a\njournals: \"\(database.everydayURI)\"\n")
        let b = makeWorkspace("name: b\njournals: \"\(database.uri(as: writerRole))\"\n")
        let declared = try klaxon(b, "incident declare 'CI queue backed up' --severity SEV3")
        #expect(declared.contains("INC-1"), "\(declared)")
        return (database, a, b)
    }

    /// Runs the `klaxon` executable (another process) on workspace `ws` as carol; what it printed, its exit status last (`EXIT 0`).
    func klaxon(_ ws: TemporaryDirectory, _ arguments: String) throws -> String {
        try shell(
            "KLAXON_WORKSPACE=\(ws.path) KLAXON_USER=carol TZ=UTC HOME=\(ws.path) \(BuiltProducts.path("klaxon")) \(arguments) 2>&1; echo \"EXIT $?\""
        )
    }

    /// A read-only responder on `ws` (a console's `--read-only`: it takes no hold), started, INC-1 read
    /// fully (its notes kept), and its first pass done.
    func responder(_ ws: TemporaryDirectory) throws -> Responder {
        let responder = try made(ws, readOnly: true)
        _ = responder.start()
        _ = responder.readFully("INC-1")
        _ = responder.pass(now: clock.now)
        return responder
    }

    /// A responder on `ws` with the fixed clock, not started.
    func made(_ ws: TemporaryDirectory, readOnly: Bool) throws -> Responder {
        var options = Responder.Options(role: "test", displayZone: TimeZone(identifier: "UTC")!)
        options.readOnly = readOnly
        let clock = self.clock
        return try Responder(
            workspace: try Workspace.load(directory: ws.path),
            writer: WriterIdentity(actor: "ops", host: "test-host", pid: 101),
            checks: CheckFiles.load(workspaceRoot: ws.path, timeZone: TimeZone(identifier: "UTC")!),
            options: options, environment: [:], clock: { clock.now })
    }

    /// Passes as a caller's loop does (waiting in `poll` on the descriptors) for at most `limit` real
    /// seconds, until INC-1 shows a note saying `text`; whether it did.
    func shows(_ responder: Responder, note text: String, within limit: Double) -> Bool {
        events(of: responder, untilNote: text, within: limit) != nil
    }

    /// The events of the passes (as `shows` makes them) until INC-1 shows a note saying `text`; nil when
    /// it did not within `limit` real seconds.
    func events(of responder: Responder, untilNote text: String, within limit: Double) -> [ResponderEvent]? {
        func shown(_ event: ResponderEvent) -> Bool {
            guard case .incidentChanged(let incident, _) = event else { return false }
            return incident.id == "INC-1" && incident.notes.contains(where: { $0.text == text })
        }
        let events = passes(responder, limit: limit, until: shown)
        return events.contains(where: shown) ? events : nil
    }

    @Test func anotherWorkspacesNoteArrivesThroughTheNotification() async throws {
        let (_, a, b) = try await workspaces()
        let responder = try responder(a)
        #expect(try klaxon(b, "incident note 1 'runners at the ceiling'").hasSuffix("EXIT 0\n"))
        #expect(shows(responder, note: "runners at the ceiling", within: 2), "the note never arrived")
    }

    /// A notification is a hint: any role that may connect may NOTIFY on the channel. One naming an
    /// incident that does not exist is nothing to say (the walkthrough's console said "INC-424242 cannot
    /// be read"), and the note written after it arrives as ever.
    @Test func aNotificationOfAnIncidentThatDoesNotExistIsNotAProblem() async throws {
        let (database, a, b) = try await workspaces()
        let responder = try responder(a)
        try database.psql("NOTIFY klaxon_records, 'INC-424242 1'")
        #expect(try klaxon(b, "incident note 1 'after the stray notification'").hasSuffix("EXIT 0\n"))
        let passed = try #require(
            events(of: responder, untilNote: "after the stray notification", within: 5), "the note never arrived")
        let said = passed.compactMap { event -> String? in
            switch event {
            case .journalProblem(let text), .problem(let text): text
            default: nil
            }
        }
        #expect(said.isEmpty, "\(said)")
    }

    /// The follower's backend terminated while new connections to the database are refused, a note
    /// written meanwhile (its notification goes to nobody), then connections allowed again: the
    /// follower listens again and the responder rereads what it follows, within the bound of
    /// docs/postgresql.md (the follower's next try, at most 5 s, and the connection).
    @Test func aNoteWhoseNotificationWasLostArrivesByTheCatchUp() async throws {
        // B writes as the owner, whose connections the database still accepts.
        let (database, a, b) = try await workspaces(writerRole: PostgresServer.owner)
        let responder = try responder(a)
        let follower = try database.psql(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'klaxon follower' AND datname = current_database()"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(follower) != nil, "one follower listens: \(follower)")
        try database.psql("REVOKE CONNECT ON DATABASE \(database.name) FROM PUBLIC")
        try database.psql("SELECT pg_terminate_backend(\(follower))")
        #expect(try klaxon(b, "incident note 1 'written while nobody listened'").hasSuffix("EXIT 0\n"))
        #expect(!shows(responder, note: "written while nobody listened", within: 1), "its notification is lost")
        try database.psql("GRANT CONNECT ON DATABASE \(database.name) TO PUBLIC")
        #expect(
            shows(responder, note: "written while nobody listened", within: 10), "the catch-up never brought the note")
        #expect(try klaxon(b, "incident note 1 'and listened to again'").hasSuffix("EXIT 0\n"))
        #expect(shows(responder, note: "and listened to again", within: 2), "the follower listens again")
    }

    /// A responder that may write (a console's) on a database workspace makes no journals directory: the
    /// walkthrough found `postgresql:/…` directories made of the URI in each console's workspace.
    @Test func aWritingResponderMakesNoDirectoryOfTheURI() async throws {
        let (_, a, _) = try await workspaces()
        let responder = try made(a, readOnly: false)
        // The URI without its secrets is a relative path: made, it lands in the current directory.
        let madeOfTheURI = FileManager.default.currentDirectoryPath + "/postgresql:"
        try? FileManager.default.removeItem(atPath: madeOfTheURI)
        _ = responder.start()
        _ = responder.pass(now: clock.now)
        _ = responder.stop()
        #expect(!FileManager.default.fileExists(atPath: madeOfTheURI))
        #expect(try FileManager.default.contentsOfDirectory(atPath: a.path).sorted() == ["klaxon.yaml"])
    }
}
