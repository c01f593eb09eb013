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

        /// The walkthrough's freeze: another session holds the journal tables (`LOCK TABLE`, as a
        /// migration or a careless superuser would). The console goes on: its status board shows a
        /// check going down at once (the poller's report does not wait to be recorded), the top bar says
        /// the store is not answering within a few seconds, keys work (help opens and closes), and once
        /// the lock is gone the banner goes by itself and the change is recorded.
        @Test func aLockedTableNeitherFreezesTheConsoleNorHidesADownCheck() async throws {
            let database = try await initialisedDatabase()
            let files = TemporaryDirectory("service")
            let service = try HTTPReceiver(directory: files.path, routes: ["/healthz": .init([200])])
            defer { service.stop() }
            let ws = makeWorkspace(
                """
                name: shared
                journals: "\(database.everydayURI)"
                checks:
                  - {name: health, url: "http://127.0.0.1:\(service.port)/healthz", interval: 1s, timeout: 1s}
                """)
            let declared = Klaxon(workspace: ws.path).run(
                "incident", "declare", "Registry returns 503", "--severity", "SEV3")
            #expect(declared.status == 0, "\(declared.errors)")
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "HOME": ws.path])
            #expect(
                await tty.until(timeout: 20) { $0.contains("Open incidents (1)") && $0.contains("1 check") } != nil,
                "\(tty.screen())")

            ws.write(
                "Escalation/policies/platform.yaml",
                "name: platform\nsteps:\n  - {targets: [user:alice], escalate_after: 5m}\n")
            let lock = try await database.lockJournalTables(forSeconds: 15)
            // The check goes down: recording its change waits for the lock.
            service.stop()
            #expect(
                await tty.until(timeout: 12) { $0.contains("down: health") && $0.contains("store not answering since") }
                    != nil, "\(tty.screen())")
            #expect(tty.screen().contains("Registry returns 503"), "what was read stays: \(tty.screen())")
            tty.press("?")
            #expect(await tty.until("help: every key") != nil, "keys are read meanwhile: \(tty.screen())")
            tty.press("Escape")
            #expect(await tty.until { !$0.contains("help: every key") } != nil, "\(tty.screen())")

            _ = try await lock.value
            #expect(
                await tty.until(timeout: 20) { !$0.contains("store not answering since") } != nil, "\(tty.screen())")
            let store = PostgresJournalStore(uri: database.everydayURI)
            var changes: [JournalRecord] = []
            for _ in 0..<100 where changes.isEmpty {
                try await Task.sleep(for: .milliseconds(100))
                changes = ((try? await blocking { try store.journal(PlatformJournal.name).readNewRecords() }) ?? [])
                    .filter { $0.type == "check.changed" && $0.data["to"] == "down" }
            }
            #expect(changes.count == 1, "recorded once the store answers: \(changes.map(\.data))")
            tty.press("q")
            #expect(await tty.until("EXIT 0", timeout: 20) != nil, "\(tty.screen())")
        }

        /// The walkthrough's console started while its store kept it waiting: it painted nothing of who
        /// is on call ("on call: —"), never polled its check, and said "nothing down" of it. Now it says the
        /// store does not answer, "? open", who is on call (from files), and polls the check (its last
        /// state restored only if the store answers within 3 s).
        @Test func aConsoleStartedWhileTheStoreWaitsSaysWhatItKnowsAndWhatItDoesNot() async throws {
            let database = try await initialisedDatabase()
            let files = TemporaryDirectory("service")
            let service = try HTTPReceiver(directory: files.path, routes: ["/healthz": .init([200])])
            defer { service.stop() }
            let ws = makeWorkspace(
                """
                name: waiting
                journals: "\(database.everydayURI)"
                checks:
                  - {name: web, url: "http://127.0.0.1:\(service.port)/healthz", interval: 1s, timeout: 1s}
                """)
            ws.write("Escalation/people.yaml", "people:\n  - {id: alice, time_zone: UTC}\n")
            ws.write(
                "Escalation/schedules/primary.yaml",
                """
                name: primary
                time_zone: UTC
                layers:
                  - {name: all, rotation: weekly, start: 2026-01-05T09:00, participants: [alice]}
                """)
            ws.write(
                "Escalation/policies/platform.yaml",
                "name: platform\nsteps:\n  - {targets: [user:alice], escalate_after: 5m}\n")
            let lock = try await database.lockJournalTables(forSeconds: 15)
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "bob", "TERM": "xterm-256color", "TZ": "UTC", "HOME": ws.path])
            #expect(
                await tty.until(timeout: 15) {
                    $0.contains("store not answering since") && $0.contains("? open") && $0.contains("on call: alice")
                } != nil, "\(tty.screen())")
            // What may be paged is in files too: the declaration dialog offers the policy before any pass
            // of the responder has answered (a 10,000-incident console opened it too soon, under load).
            tty.press("d")
            #expect(await tty.until("Page by: [none]  platform") != nil, "\(tty.screen())")
            tty.press("Escape")
            // Polled while the store still waits: the board knows the check is up.
            #expect(
                await tty.until(timeout: 10) {
                    $0.contains("1 check · nothing down") && $0.contains("store not answering")
                }
                    != nil, "\(tty.screen())")
            _ = try await lock.value
            #expect(await tty.until(timeout: 20) { !$0.contains("store not answering") } != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0", timeout: 20) != nil, "\(tty.screen())")
        }
    }
}
