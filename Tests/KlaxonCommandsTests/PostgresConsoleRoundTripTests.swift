import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// The console's needless store round trips, counted in the server's log of the test's database
    /// (`log_statement = 'all'` set on it alone).
    @Suite(.serialized)
    struct PostgresConsoleRoundTripTests {
        let klaxon = BuiltProducts.path("klaxon")

        /// An incident on screen whose full journal cannot be read (its rows deleted by a superuser
        /// after the console listed it) is asked for once, not on every repaint (each second, for the
        /// clock): no statement naming INC-1 is in the log in the seconds after the first.
        @Test func anIncidentThatCannotBeReadIsAskedForOnceNotOnEveryRepaint() async throws {
            let database = try await PostgresServer.shared().makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            let ws = makeWorkspace("name: a\njournals: \"\(database.everydayURI)\"\n")
            // The real binary, on the real clock: resolved now, the incident is on the dashboard.
            for arguments in ["incident declare 'Disk full on db-2' --severity SEV3", "incident resolve 1 --summary x"]
            {
                let printed = try shell(
                    "KLAXON_WORKSPACE=\(ws.path) KLAXON_USER=carol TZ=UTC HOME=\(ws.path) \(klaxon) \(arguments) 2>&1; echo \"EXIT $?\""
                )
                #expect(printed.hasSuffix("EXIT 0\n"), "\(printed)")
            }
            try database.psql("ALTER DATABASE \(database.name) SET log_statement = 'all'")
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "HOME": ws.path])
            #expect(await tty.until("Disk full on db-2") != nil, "\(tty.screen())")
            try database.psql(
                """
                SET session_replication_role = replica;
                DELETE FROM klaxon.records WHERE journal = 'INC-1'; DELETE FROM klaxon.journals WHERE name = 'INC-1'
                """)
            tty.press("Tab", "Enter")
            #expect(await tty.until("INC-1 cannot be read") != nil, "\(tty.screen())")
            // Each read of the missing journal looks for its rows, with INC-1 as the parameter.
            func lookups() -> Int { Self.lookups(of: "INC-1", in: database.server.log) }
            let first = lookups()
            #expect(first >= 1, "the read is in the log")
            try await Task.sleep(for: .seconds(4))
            #expect(lookups() == first, "asked again on repaints: \(lookups() - first) more lookups in 4 s")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
        }

        /// The statements in `log` with `journal` as their first parameter (each's DETAIL line).
        static func lookups(of journal: String, in log: String) -> Int {
            log.components(separatedBy: "\n").filter { $0.contains("DETAIL:  parameters: $1 = '\(journal)'") }.count
        }
    }
}
