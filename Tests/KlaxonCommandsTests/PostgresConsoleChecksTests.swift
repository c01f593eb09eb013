import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// The console on a database workspace whose klaxon.yaml has checks: its recorder writes the checks'
    /// changes on the platform journal through the store, and a console on another "machine" (a
    /// workspace directory sharing only the URI) sees the incident the first one declared.
    @Suite(.serialized)
    struct PostgresConsoleChecksTests {
        let klaxon = BuiltProducts.path("klaxon")

        private func console(_ ws: TemporaryDirectory) throws -> TmuxSession {
            try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "HOME": ws.path])
        }

        @Test func aConsoleWithChecksRecordsTheirChangesAndAnotherMachineSeesItsIncident() async throws {
            // Whatever waits for the server runs off Swift's cooperative pool.
            let database = try await initialisedDatabase()
            let files = TemporaryDirectory("service")
            let service = try HTTPReceiver(
                directory: files.path, routes: ["/healthz": .init([200]), "/uploads": .init([503])])
            defer { service.stop() }
            let a = makeWorkspace(
                """
                name: a
                journals: "\(database.everydayURI)"
                checks:
                  - {name: health, url: "http://127.0.0.1:\(service.port)/healthz", interval: 1s, timeout: 1s}
                  - {name: uploads, url: "http://127.0.0.1:\(service.port)/uploads", interval: 1s, timeout: 1s, service: registry}
                """)
            let b = makeWorkspace("name: b\njournals: \"\(database.everydayURI)\"\n")

            let first = try console(a)
            #expect(
                await tty(first, shows: ["2 checks · 1 down: uploads", "Open incidents (0)"]), "\(first.screen())")

            // The recorder's change, on the platform journal in the database.
            let store = PostgresJournalStore(uri: database.everydayURI)
            var changes: [JournalRecord] = []
            for _ in 0..<100 where changes.count < 2 {
                try await Task.sleep(for: .milliseconds(100))
                changes = ((try? await blocking { try store.journal(PlatformJournal.name).readNewRecords() }) ?? [])
                    .filter { $0.type == "check.changed" }
            }
            // Each check's first result: health's too (the status page knows it from then on).
            #expect(
                Set(changes.map { "\($0.data["check"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")" })
                    == ["uploads → down", "health → up"], "\(changes.map(\.data))")
            #expect(changes.allSatisfy { $0.actor == "status-poller" })

            first.press("d")
            first.type("Uploads return 503")
            first.press("Tab", "2", "Tab")
            first.type("registry")
            first.press("Enter")
            #expect(
                await first.until("INC-1  SEV2  investigating  Uploads return 503") != nil, "\(first.screen())")

            let second = try console(b)
            #expect(
                await tty(second, shows: ["Open incidents (1)", "Uploads return 503"]), "\(second.screen())")
            for tty in [first, second] {
                tty.press("q")
                #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
            }
        }

        private func tty(_ tty: TmuxSession, shows texts: [String]) async -> Bool {
            await tty.until(timeout: 20) { screen in texts.allSatisfy { screen.contains($0) } } != nil
        }
    }
}
