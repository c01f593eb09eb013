import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 21, point 5: two `klaxon watch` on two "machines" (two workspace directories that share only
/// the database's URI) page as one. The engine's holder is lost after its first page, killed or its
/// hold connection cut by the server; the other takes over (after a cut, the first may take it back on
/// a new connection: whoever tries first), and every page reaches the loopback receiver exactly once,
/// each attempt once in the journal.
///
/// The takeover bound: a killed holder's socket closes, so the server ends its session at once and the
/// other takes the hold at its next pass (within a second); a cut connection is the same on the server's
/// side, and the cut holder finds out at its next pass (`isHeld` is a round trip), and sends nothing
/// until it holds it again. Observed here: another session held the lock 0.91 to 0.96 s after the loss (four runs, both
/// cases); the test allows 5 s for a loaded machine. A vanished host (no FIN, no RST) is the server's
/// keepalives' bound, about 10 s (docs/postgresql.md, "Holds"): `PostgresVanishedHostTests`.
extension EndToEnd {
    @Suite(.serialized)
    struct PostgresWatchTakeoverTests {
        enum Loss: String, CaseIterable, Sendable {
            /// SIGKILL of the holder's process.
            case killed
            /// `pg_terminate_backend` of the holder's hold connection: the process lives on without it.
            case connectionCut
        }

        let klaxon = BuiltProducts.path("klaxon")

        /// A workspace of its own on `uri`: alice, bob and erin by webhook on `port` (each page says its id
        /// in `X-Klaxon-Page`); a policy of two steps of 4 s, twice round.
        private func machine(uri: String, port: Int) -> TemporaryDirectory {
            let ws = makeWorkspace(
                """
                name: shared
                time_zone: UTC
                journals: "\(uri)"
                escalation: {attempts: 3, retry_backoff: 1s}
                channels:
                  webhook: {secret: "env:KLAXON_TEST_WEBHOOK_SECRET"}
                  timeout: 5s
                """)
            ws.write(
                "Escalation/people.yaml",
                """
                people:
                  - {id: alice, contacts: [{type: webhook, url: "http://127.0.0.1:\(port)/alice"}]}
                  - {id: bob, contacts: [{type: webhook, url: "http://127.0.0.1:\(port)/bob"}]}
                  - {id: erin, contacts: [{type: webhook, url: "http://127.0.0.1:\(port)/erin"}]}
                """)
            ws.write(
                "Escalation/policies/platform.yaml",
                """
                name: platform
                steps:
                  - {targets: [user:alice], escalate_after: 4s}
                  - {targets: [user:bob, user:erin], escalate_after: 4s}
                repeat: 1
                ack_timeout: 30m
                """)
            return ws
        }

        private func startWatch(_ ws: TemporaryDirectory, output: String) throws -> Process {
            let watch = Process()
            watch.executableURL = URL(fileURLWithPath: klaxon)
            watch.arguments = ["watch", "--workspace", ws.path]
            watch.environment = [
                "KLAXON_USER": "ops", "TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": ws.path,
                "KLAXON_TEST_WEBHOOK_SECRET": "x"
            ]
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let handle = FileHandle(forWritingAtPath: output)
            watch.standardOutput = handle
            watch.standardError = handle
            try watch.run()
            return watch
        }

        /// The backend pid of the session holding the engine's hold, as `pg_locks` shows it.
        private func engineSession(_ database: PostgresDatabase) throws -> Int? {
            Int(
                try database.psql(
                    """
                    SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
                        AND classid = \(PostgresSchema.holdLockNamespace) AND objid = hashtext('engine')::oid AND objsubid = 2
                        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """
                ).trimmingCharacters(in: .whitespacesAndNewlines))
        }

        private func said(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        @Test(arguments: Loss.allCases)
        func twoWatchesOnOneDatabasePageEachPageOnceWhenTheHolderIsLost(_ loss: Loss) async throws {
            let database = try await PostgresServer.shared().makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(directory: http.path, routes: ["/*": .init()])
            defer { receiver.stop() }
            let one = machine(uri: database.everydayURI, port: receiver.port)
            let two = machine(uri: database.everydayURI, port: receiver.port)

            let first = try startWatch(one, output: one.path + "/watch.txt")
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            for _ in 0..<100 where !said(one.path + "/watch.txt").contains("this process sends the pages") {
                try await Task.sleep(for: .milliseconds(100))
            }
            let second = try startWatch(two, output: two.path + "/watch.txt")
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            for _ in 0..<100 where !said(two.path + "/watch.txt").contains("another process sends") {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(
                said(two.path + "/watch.txt").contains(
                    "another process sends this workspace's pages (klaxon watch of ops on"),
                "the second names the first as the engine, from the database: \(said(two.path + "/watch.txt"))")
            let status = try shell("KLAXON_USER=carol \(klaxon) --workspace \(two.path) escalation status")
            #expect(
                status.contains("engine: klaxon watch of ops on") && status.contains("pid \(first.processIdentifier)"))

            _ = try shell(
                "KLAXON_USER=carol \(klaxon) --workspace \(two.path) incident declare 'Builds stuck' --severity SEV2 --policy platform"
            )
            for _ in 0..<200 where !receiver.requests.contains(where: { $0.path == "/alice" }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(receiver.requests.contains(where: { $0.path == "/alice" }), "the first page arrived")
            let holding = try engineSession(database)
            #expect(holding != nil, "a session holds the engine's lock")
            let lost = ContinuousClock.now
            switch loss {
            case .killed:
                kill(first.processIdentifier, SIGKILL)
                try await blocking { first.waitUntilExit() }
            case .connectionCut:
                let cut = try database.psql("SELECT pg_terminate_backend(\(holding ?? 0))")
                #expect(cut.hasPrefix("t"), "the holder's hold connection was cut: \(cut)")
            }
            // The takeover: another session holds the lock about a second after the loss (the next pass of
            // the watch that takes it); 5 s leaves room for a loaded machine.
            var taken: Int?
            for _ in 0..<100 where taken == nil || taken == holding {
                try await Task.sleep(for: .milliseconds(100))
                taken = try engineSession(database)
            }
            let takeover = ContinuousClock.now - lost
            #expect(taken != nil && taken != holding && takeover < .seconds(5), "taken over after \(takeover)")

            let store = IncidentStore(store: PostgresJournalStore(uri: database.everydayURI))
            var incident = try store.open("INC-1").incident
            for _ in 0..<400
            where !incident.timeline.contains(where: { $0.type == RecordType.escalationExhausted.rawValue }) {
                try await Task.sleep(for: .milliseconds(100))
                incident = try store.open("INC-1").incident
            }
            for watch in [first, second] where watch.isRunning { kill(watch.processIdentifier, SIGTERM) }
            try await blocking {
                first.waitUntilExit()
                second.waitUntilExit()
            }

            // Every page once: two rounds of alice, bob and erin, each page by its id.
            let received = receiver.requests
            let pageIDs = received.compactMap { $0.headers["x-klaxon-page"] }
            #expect(pageIDs.count == received.count, "every request names its page")
            #expect(received.count == 6, "\(received.map(\.path))")
            #expect(Set(pageIDs).count == pageIDs.count, "no page twice: \(pageIDs.sorted())")
            for who in ["/alice", "/bob", "/erin"] {
                #expect(received.filter { $0.path == who }.count == 2, "\(who): \(received.map(\.path))")
            }
            let attempts = incident.timeline.filter { $0.type == RecordType.pageAttempt.rawValue }
            #expect(attempts.count == 6, "each attempt once in the journal: \(attempts.map(\.data))")
            #expect(incident.timeline.contains { $0.type == RecordType.escalationExhausted.rawValue })
            if loss == .killed {
                let engines = Set(attempts.map(\.pid))
                #expect(engines == [Int(first.processIdentifier), Int(second.processIdentifier)], "\(engines)")
            }
        }

        /// The console starts on a database workspace, and takes the pages over from a `klaxon watch` on
        /// another "machine" when that one dies, saying so.
        @Test func aConsoleOnTheDatabaseTakesThePagesOverFromAWatchElsewhere() async throws {
            let database = try await PostgresServer.shared().makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            let one = machine(uri: database.everydayURI, port: 9)
            let two = machine(uri: database.everydayURI, port: 9)
            let watch = try startWatch(one, output: one.path + "/watch.txt")
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            for _ in 0..<100 where !said(one.path + "/watch.txt").contains("this process sends the pages") {
                try await Task.sleep(for: .milliseconds(100))
            }
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(two.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "HOME": two.path])
            #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
            #expect(!tty.screen().contains("sends the pages now"))
            kill(watch.processIdentifier, SIGKILL)
            #expect(
                await tty.until("this console sends the pages now: the process that did has stopped") != nil,
                "\(tty.screen())")
        }
    }
}
