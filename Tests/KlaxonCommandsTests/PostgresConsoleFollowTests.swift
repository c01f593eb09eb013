import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// Two "machines": two workspace directories sharing nothing but the database's URI. The console of
    /// one, under tmux, shows what `klaxon` writes from the other.
    @Suite(.serialized)
    struct PostgresConsoleFollowTests {
        let klaxon = BuiltProducts.path("klaxon")

        /// `klaxon ARGUMENTS` on `ws` as carol, another process; what it printed, its exit status last (`EXIT 0`).
        func run(_ ws: TemporaryDirectory, _ arguments: String) throws -> String {
            try shell(
                "KLAXON_WORKSPACE=\(ws.path) KLAXON_USER=carol TZ=UTC HOME=\(ws.path) \(klaxon) \(arguments) 2>&1; echo \"EXIT $?\""
            )
        }

        /// The note goes onto a resolved incident: the console rereads the open incidents each second
        /// whatever tells it, and resolved ones only every 30 s, so there the notification is what brings
        /// the note within the few seconds waited.
        @Test func aConsoleShowsANoteWrittenFromAnotherWorkspace() async throws {
            let database = try await PostgresServer.shared().makeDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            let a = makeWorkspace("name: a\njournals: \"\(database.everydayURI)\"\n")
            let b = makeWorkspace("name: b\njournals: \"\(database.everydayURI)\"\n")
            #expect(try run(b, "incident declare 'CI queue backed up' --severity SEV3").contains("INC-1"))
            #expect(try run(b, "incident resolve 1 --summary 'runners added'").hasSuffix("EXIT 0\n"))
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(a.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "HOME": a.path])
            #expect(await tty.until("Resolved in the last 7 days") != nil, "\(tty.screen())")
            tty.press("Tab", "Enter")
            #expect(await tty.until("resolved: runners added") != nil, "\(tty.screen())")
            #expect(try run(b, "incident note 1 'queue drained, closing the bridge'").hasSuffix("EXIT 0\n"))
            #expect(
                await tty.until("queue drained, closing the bridge", timeout: 3) != nil,
                "the console never showed the note:\n\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
        }
    }
}
