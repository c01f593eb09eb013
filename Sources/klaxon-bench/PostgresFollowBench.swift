import Foundation
import KlaxonCore
import KlaxonEngine
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport

/// How soon another responder's note reaches a responder following the journals (issue 21: p99 ≤ 1 s):
/// a `klaxon-stress` writer, another process, appends notes to INC-1 at a steady rate while the
/// `Responder` of a second workspace (read-only, as a console's; the real clock) follows it in this
/// process, its loop waiting in `poll` on its descriptors as the console's does. A note's lag is from the
/// writer's acknowledgement (the time it printed after its append returned) to the pass that brought the
/// note; a note that arrived before the writer printed counts 0. On PostgreSQL (a cluster of its own,
/// on 127.0.0.1, `fsync` on) through LISTEN/NOTIFY, beside the file store through inotify.
enum PostgresFollowBench {
    struct Figures {
        /// Seconds, one per note.
        var postgresLags: [Double] = []
        var fileLags: [Double] = []
    }

    static let notes = 500
    static let rate = 20.0

    static func run(root: String, klaxon: String) throws -> Figures {
        let stress = (klaxon as NSString).deletingLastPathComponent + "/klaxon-stress"
        guard FileManager.default.isExecutableFile(atPath: stress) else {
            throw KlaxonError.failed("build klaxon-stress first (swift build -c release --product klaxon-stress)")
        }
        var figures = Figures()
        let server = try PostgresServer()
        let database = try server.makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        figures.postgresLags = try lags(workspace: root + "/follow-postgres", uri: database.everydayURI, stress: stress)
        figures.fileLags = try lags(workspace: root + "/follow-files", uri: nil, stress: stress)
        return figures
    }

    /// The lag of each of `notes` notes written by one `klaxon-stress` into the database at `uri`, or
    /// (nil) into the journals directory of `workspace`, followed by a responder on `workspace`.
    static func lags(workspace: String, uri: String?, stress: String) throws -> [Double] {
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        try ("name: bench-follow\n" + (uri.map { "journals: \"\($0)\"\n" } ?? "")).write(
            toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let journals = uri ?? workspace + "/journals"
        let loaded = try Workspace.load(directory: workspace)
        _ = try loaded.incidents.declare(
            Declaration(title: "Followed", severity: .sev2), by: WriterIdentity.current(actor: "bench"),
            at: Timestamp(Date()))
        var options = Responder.Options(role: "bench", displayZone: TimeZone(identifier: "UTC")!)
        options.readOnly = true
        let responder = try Responder(
            workspace: loaded, writer: WriterIdentity.current(actor: "bench"),
            checks: CheckFiles.load(workspaceRoot: workspace, timeZone: TimeZone(identifier: "UTC")!),
            options: options, environment: [:], clock: { Timestamp(Date()) })
        _ = responder.start()
        _ = responder.readFully("INC-1")

        let swarm = try WriterSwarm(stress: stress, journals: journals, writers: 1, notesEach: notes, rate: rate)
        var arrived: [String: Double] = [:]
        var seen = 0
        var writersDone: Date?
        while arrived.count < notes {
            if writersDone == nil && !swarm.running { writersDone = Date() }
            // Ten seconds past the writer's end at most: a note that never came is an error.
            if let done = writersDone, Date().timeIntervalSince(done) > 10 { break }
            var descriptors = responder.descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = responder.nextDeadline.milliseconds - Timestamp(Date()).milliseconds
            _ = poll(&descriptors, nfds_t(descriptors.count), Int32(max(0, min(wait, 100))))
            for event in responder.pass(now: Timestamp(Date())) {
                guard case .incidentChanged(let incident, _) = event, incident.id == "INC-1",
                    incident.notes.count > seen
                else { continue }
                let now = Date().timeIntervalSince1970
                for note in incident.notes[seen...] { arrived[note.text] = now }
                seen = incident.notes.count
            }
        }
        _ = responder.stop()
        guard swarm.waitUntilExit() == [0] else {
            throw KlaxonError.failed("the klaxon-stress writer on \(journals) failed")
        }
        let acknowledged = swarm.acknowledgements
        guard acknowledged.count == notes, acknowledged.allSatisfy({ arrived[$0.text] != nil }) else {
            throw KlaxonError.failed(
                "the responder on \(journals) got \(arrived.count) of \(acknowledged.count) acknowledged notes")
        }
        return acknowledged.map { max(0, arrived[$0.text]! - $0.time) }
    }
}
