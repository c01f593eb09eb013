import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 21's two "machines": two workspace directories that share nothing but the database (each its
/// own klaxon.yaml and its own password file, the URIs naming the same server, database and role), four
/// writers on each side appending 250 notes each to one incident at once. The writers are
/// `klaxon-stress` processes (the code of `klaxon incident note`, without starting 2,000 processes), at
/// 25 notes a second each (200 a second in all, for about 10 s: flat out they took the two cores from
/// the rest of the suite). A console under tmux on each side, started before the writers with the
/// incident open, follows the database: at the end both screens show all 2,001 records and the last note
/// of each side.
extension PostgresUnderLoad {
    struct PostgresTwoMachinesTests {
        @Test func fourWritersOnEachOfTwoMachinesMakeOneChainOf2001Records() async throws {
            let server = try await PostgresServer.shared()
            let database = try await blocking { try server.makeDatabase() }
            let (homeA, uriA) = try machine("a", server: server, database: database)
            let (homeB, uriB) = try machine("b", server: server, database: database)
            defer { withExtendedLifetime((homeA, homeB)) {} }
            let a = try await blocking { try PostgresWorkspace(database, uri: uriA) }
            let b = try await blocking { try PostgresWorkspace(database, uri: uriB, preparing: false) }
            let consoles = [try await console(a.directory), try await console(b.directory)]
            for tty in consoles {
                #expect(await tty.until(" · 1 record ", timeout: 20) != nil, "\(tty.screen())")
            }

            let stress = BuiltProducts.path("klaxon-stress")
            let writersA = try WriterSwarm(
                stress: stress, journals: uriA, writers: 4, notesEach: 250, rate: 25, name: "a")
            let writersB = try WriterSwarm(
                stress: stress, journals: uriB, writers: 4, notesEach: 250, rate: 25, name: "b")
            let statuses = try await blocking { writersA.waitUntilExit() + writersB.waitUntilExit() }
            #expect(statuses == Array(repeating: 0, count: 8))
            let acknowledged = writersA.acknowledgements + writersB.acknowledgements
            #expect(acknowledged.count == 2000)

            let timeline = try await blocking {
                try IncidentStore(store: PostgresJournalStore(uri: uriB)).open("INC-1").incident.timeline
            }
            #expect(timeline.map(\.sequence) == Array(1...2001))
            let expected = Set(
                ["a", "b"].flatMap { side in (1...4).flatMap { w in (1...250).map { "\(side)-\(w) \($0)" } } })
            let notes = timeline.compactMap { $0.data["text"]?.stringValue }
            #expect(notes.count == 2000 && Set(notes) == expected, "every note once")
            let bySequence = Dictionary(
                uniqueKeysWithValues: timeline.map { ($0.sequence, $0.data["text"]?.stringValue) })
            #expect(acknowledged.allSatisfy { bySequence[$0.sequence] == $0.text }, "each writer was told its record")

            // Both machines verify the same one chain.
            let verifiedA = try await blocking { try a.klaxon("journal", "verify") }
            let verifiedB = try await blocking { try b.klaxon("journal", "verify") }
            #expect(verifiedA.status == 0 && verifiedB.status == 0, "\(verifiedA.errors)\(verifiedB.errors)")
            #expect(verifiedA.output.hasPrefix("INC-1: ok, 2001 records, last hash "), "\(verifiedA.output)")
            #expect(verifiedB.output == verifiedA.output)

            // Both consoles show every record and the last note of each side (a writer's last is its 250th).
            let lastNotes = [writersA.acknowledgements, writersB.acknowledgements].compactMap {
                $0.max { $0.sequence < $1.sequence }?.text
            }
            #expect(lastNotes.count == 2 && lastNotes.allSatisfy { $0.hasSuffix(" 250") }, "\(lastNotes)")
            for tty in consoles {
                let shown = await tty.until(timeout: 20) { screen in
                    screen.contains(" · 2001 records") && lastNotes.allSatisfy { screen.contains($0) }
                }
                #expect(shown != nil, "\(lastNotes):\n\(tty.screen())")
                tty.press("q")
                #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
            }
        }

        /// The console of `ws` under tmux as alice, on INC-1's timeline (its open incidents' list has it first).
        private func console(_ ws: TemporaryDirectory) async throws -> TmuxSession {
            let tty = try TmuxSession(
                "\(BuiltProducts.path("klaxon")) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 40,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "HOME": ws.path])
            guard await tty.until("Open incidents (1)", timeout: 20) != nil else {
                throw RealServerError("the console did not list INC-1:\n\(tty.screen())")
            }
            tty.press("Enter")
            return tty
        }

        /// A "machine": a directory of its own holding a copy of the cluster's password file, and the
        /// everyday URI naming that copy.
        private func machine(_ name: String, server: PostgresServer, database: PostgresDatabase) throws -> (
            TemporaryDirectory, String
        ) {
            let home = TemporaryDirectory("klaxon-machine-\(name)")
            let passfile = home.path + "/pgpass"
            _ = FileManager.default.createFile(
                atPath: passfile, contents: FileManager.default.contents(atPath: server.passfile),
                attributes: [.posixPermissions: 0o600])
            return (
                home,
                "postgresql://\(PostgresServer.everyday)@127.0.0.1:\(server.port)/\(database.name)?passfile=\(passfile)"
            )
        }
    }
}
