import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// Issue 21, point 6, on the real console under tmux, its journals in a private PostgreSQL cluster
    /// that is stopped (as a crash would) and started again.
    @Suite(.serialized)
    struct PostgresOutageConsoleTests {
        let klaxon = BuiltProducts.path("klaxon")

        /// The top bar says the store is unreachable, in red, within a few seconds; the incident list
        /// stays; a note saved meanwhile is refused and stays in its dialog; once the server runs again
        /// the banner goes by itself and the same ctrl-s saves the note, once.
        @Test func theConsoleSaysSoKeepsTheNoteAndPicksUpByItself() async throws {
            let (server, database) = try await PostgresServer.ownWithDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            defer { server.stop() }
            let ws = makeWorkspace("name: shared\njournals: \"\(database.everydayURI)\"\n")
            let declared = Klaxon(workspace: ws.path).run(
                "incident", "declare", "Registry returns 503", "--severity", "SEV3")
            #expect(declared.status == 0, "\(declared.errors)")
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 100, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC"])
            #expect(await tty.until("Open incidents (1)") != nil, "\(tty.screen())")

            try await blocking { try server.stopImmediately() }
            #expect(await tty.until("store unreachable since", timeout: 20) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("Registry returns 503"), "what was read stays: \(tty.screen())")
            tty.press("Enter")
            tty.press("n")
            tty.type("written while the database was down")
            tty.press("C-s")
            #expect(
                await tty.until("NOT SAVED: the journal store is unreachable since") != nil, "\(tty.screen())")
            #expect(tty.screen().contains("written while the database was down"), "kept in its dialog")

            try await blocking { try server.start() }
            #expect(
                await tty.until(timeout: 20) { !$0.contains("store unreachable since") } != nil, "\(tty.screen())")
            tty.press("C-s")
            #expect(await tty.until("note recorded") != nil, "\(tty.screen())")
            let notes = try IncidentStore(store: PostgresJournalStore(uri: database.everydayURI)).open("INC-1")
                .incident.timeline.compactMap { $0.data["text"]?.stringValue }
            #expect(notes == ["written while the database was down"])
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
        }
    }
}
