import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// `klaxon watch` on a database workspace whose server goes away (a private cluster stopped as a
    /// crash would, then started again) while an incident's second step comes due and its check goes
    /// down: the outage is said once, the check's change printed, no page sent; once the server answers,
    /// that is said once, the due page goes out exactly once, its attempt recorded before its result, and
    /// the incident the check owes is declared.
    @Suite(.serialized)
    struct PostgresWatchOutageTests {
        let klaxon = BuiltProducts.path("klaxon")

        private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        /// Waits up to `timeout` seconds until `condition` holds for the text of `path`; true if it did.
        private func until(_ path: String, timeout: Double = 20, _ condition: (String) -> Bool) async throws -> Bool {
            for _ in 0..<Int(timeout * 10) {
                if condition(read(path)) { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return condition(read(path))
        }

        private func count(_ text: String, in path: String) -> Int {
            read(path).components(separatedBy: text).count - 1
        }

        /// A watch started while the database does not answer says so, and not that another process
        /// records the state changes (the walkthrough saw that, with no other process anywhere).
        @Test func aWatchStartedWithoutItsDatabaseDoesNotBlameAnotherProcess() async throws {
            let port = try RealServer.freePort()
            let ws = makeWorkspace(
                """
                name: gone
                journals: "postgresql://klaxon_app@127.0.0.1:\(port)/klaxon"
                checks:
                  - {name: api, url: "http://127.0.0.1:\(port)/healthz", interval: 1s, timeout: 1s}
                """)
            let errors = ws.path + "/watch.err"
            let watch = try startWatch(ws, output: nil, errors: errors)
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            #expect(
                try await until(errors) { $0.contains("the journal store is unreachable since") }, "\(read(errors))")
            try await Task.sleep(for: .seconds(2))
            #expect(!read(errors).contains("another process records"), "\(read(errors))")
            #expect(watch.isRunning, "it goes on polling")
        }

        /// A watch whose password the server refuses does not say another process records (it cannot
        /// know): it says it does not record, and why.
        @Test func aWatchWhosePasswordIsRefusedDoesNotBlameAnotherProcess() async throws {
            let database = try await initialisedDatabase()
            let server = database.server
            let ws = makeWorkspace(
                """
                name: refused
                journals: "postgresql://\(PostgresServer.everyday)@127.0.0.1:\(server.port)/\(database.name)?sslmode=disable"
                checks:
                  - {name: api, url: "http://127.0.0.1:\(server.port)/healthz", interval: 1s, timeout: 1s}
                """)
            let errors = ws.path + "/watch.err"
            let watch = try startWatch(ws, output: nil, errors: errors, environment: ["PGPASSWORD": "wrong"])
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            #expect(
                try await until(errors) { $0.contains("does not record the checks' state changes") }, "\(read(errors))")
            #expect(!read(errors).contains("another process records"), "\(read(errors))")
            #expect(read(errors).contains("password authentication failed"), "\(read(errors))")
        }

        /// Another session holds the journal tables (`LOCK TABLE`) while a check goes down: the watch
        /// says once that the store has not answered (it no longer waits in silence), then that it
        /// answers again, and prints the change once it is recorded; SIGTERM then stops it cleanly.
        @Test func aLockedTableIsSaidOnceAndTheChangeIsRecordedAfter() async throws {
            let database = try await initialisedDatabase()
            let serviceFiles = TemporaryDirectory("service")
            let service = try HTTPReceiver(directory: serviceFiles.path, routes: ["/healthz": .init([200])])
            defer { service.stop() }
            let ws = makeWorkspace(
                """
                name: locked
                journals: "\(database.everydayURI)"
                checks:
                  - {name: health, url: "http://127.0.0.1:\(service.port)/healthz", interval: 1s, timeout: 1s}
                """)
            let (output, errors) = (ws.path + "/watch.out", ws.path + "/watch.err")
            let watch = try startWatch(ws, output: output, errors: errors)
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            #expect(try await until(errors) { $0.contains("this process sends the pages") }, "\(read(errors))")
            #expect(try await until(output) { $0.contains("health unknown → up") }, "\(read(output))")

            let lock = try await database.lockJournalTables(forSeconds: 10)
            service.stop()
            #expect(
                try await until(errors, timeout: 9) { $0.contains("the journal store has not answered since") },
                "\(read(errors))")
            #expect(!read(output).contains("up → down"), "not printed before it is recorded: \(read(output))")
            _ = try await lock.value
            #expect(
                try await until(errors) { $0.contains("the journal store answers again (it did not answer from") },
                "\(read(errors))")
            #expect(try await until(output) { $0.contains("health up → down") }, "\(read(output))")
            #expect(count("the journal store has not answered since", in: errors) == 1, "\(read(errors))")
            kill(watch.processIdentifier, SIGTERM)
            for _ in 0..<200 where watch.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!watch.isRunning && watch.terminationStatus == 0, "\(read(errors))")
        }

        @Test func theOutageIsSaidOnceNothingIsPagedMeanwhileAndThePageGoesOutOnceAfter() async throws {
            let (server, database) = try await PostgresServer.ownWithDatabase()
            _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
            defer { server.stop() }
            let serviceFiles = TemporaryDirectory("service")
            let service = try HTTPReceiver(directory: serviceFiles.path, routes: ["/healthz": .init([200])])
            defer { service.stop() }
            let pagerFiles = TemporaryDirectory("pager")
            let pager = try HTTPReceiver(directory: pagerFiles.path, routes: ["/*": .init()])
            defer { pager.stop() }
            let ws = makeWorkspace(
                """
                name: shared
                time_zone: UTC
                journals: "\(database.everydayURI)"
                escalation: {attempts: 3, retry_backoff: 1s}
                channels:
                  webhook: {secret: "env:KLAXON_TEST_WEBHOOK_SECRET"}
                  timeout: 5s
                checks:
                  - {name: api, url: "http://127.0.0.1:\(service.port)/healthz", interval: 1s, timeout: 1s, service: api, declare: SEV2, policy: api}
                """)
            ws.write(
                "Escalation/people.yaml",
                """
                people:
                  - {id: alice, contacts: [{type: webhook, url: "http://127.0.0.1:\(pager.port)/alice"}]}
                  - {id: bob, contacts: [{type: webhook, url: "http://127.0.0.1:\(pager.port)/bob"}]}
                  - {id: carol, contacts: [{type: webhook, url: "http://127.0.0.1:\(pager.port)/carol"}]}
                """)
            ws.write(
                "Escalation/policies/platform.yaml",
                """
                name: platform
                steps:
                  - {targets: [user:alice], escalate_after: 4s}
                  - {targets: [user:bob], escalate_after: 10m}
                ack_timeout: 30m
                """)
            ws.write(
                "Escalation/policies/api.yaml",
                """
                name: api
                steps:
                  - {targets: [user:carol], escalate_after: 10m}
                ack_timeout: 30m
                """)

            let output = ws.path + "/watch.out"
            let errors = ws.path + "/watch.err"
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            let watch = Process()
            watch.executableURL = URL(fileURLWithPath: klaxon)
            watch.arguments = ["watch", "--workspace", ws.path]
            watch.environment = [
                "KLAXON_USER": "ops", "TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": ws.path,
                "KLAXON_TEST_WEBHOOK_SECRET": "x"
            ]
            watch.standardOutput = FileHandle(forWritingAtPath: output)
            watch.standardError = FileHandle(forWritingAtPath: errors)
            try watch.run()
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            #expect(try await until(errors) { $0.contains("this process sends the pages") }, "\(read(errors))")
            for _ in 0..<100 where service.requests.count < 2 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(service.requests.count >= 2, "the check is polled")

            let declared = try shell(
                "KLAXON_USER=carol \(klaxon) --workspace \(ws.path) incident declare 'Builds stuck' --severity SEV2 --policy platform 2>&1"
            )
            #expect(declared == "INC-1\n")
            for _ in 0..<100 where pager.requests.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            #expect(pager.requests.map(\.path) == ["/alice"], "the first step's page")

            // The database goes away (bob's step comes due 4 s after alice's), then the service: the
            // change is printed, the outage said once, nothing paged.
            try await blocking { try server.stopImmediately() }
            service.stop()
            #expect(try await until(output) { $0.contains("api up → down") }, "out: \(read(output))")
            #expect(
                try await until(errors) { $0.contains("the journal store is unreachable since") }, "\(read(errors))")
            try await Task.sleep(for: .seconds(6))
            #expect(count("the journal store is unreachable since", in: errors) == 1, "\(read(errors))")
            #expect(
                read(errors).contains(
                    "Until it answers nothing is recorded (state changes are printed only) and no page is sent"))
            #expect(pager.requests.map(\.path) == ["/alice"], "no page while nothing can be recorded")
            #expect(watch.isRunning)

            // The server answers again: said once; bob's page goes out once; the incident the check owes is
            // declared and pages carol.
            try await blocking { try server.start() }
            #expect(try await until(errors) { $0.contains("the journal store answers again") }, "\(read(errors))")
            for _ in 0..<300 where pager.requests.count < 3 { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .seconds(3))
            kill(watch.processIdentifier, SIGTERM)
            try await blocking { watch.waitUntilExit() }
            #expect(watch.terminationReason == .exit && watch.terminationStatus == 0, "\(read(errors))")
            #expect(count("the journal store answers again (unreachable since", in: errors) == 1, "\(read(errors))")
            #expect(count("the journal store is unreachable since", in: errors) == 1, "\(read(errors))")
            let paged = pager.requests.map(\.path)
            #expect(
                paged.first == "/alice" && paged.sorted() == ["/alice", "/bob", "/carol"], "each page once: \(paged)")

            let store = IncidentStore(store: PostgresJournalStore(uri: database.everydayURI))
            let incident = try await blocking { try store.open("INC-1").incident }
            let pages = incident.timeline.map(\.type).filter { $0.hasPrefix("page.") }
            #expect(
                pages == ["page.attempt", "page.result", "page.attempt", "page.result"],
                "each attempt once, before its result: \(incident.timeline.map(\.type))")
            let owed = try await blocking { try store.open("INC-2").incident }
            #expect(owed.timeline.first?.actor == "status-poller", "the check's incident, declared once it could be")
            #expect(
                owed.timeline.map(\.type).filter { $0.hasPrefix("page.") } == ["page.attempt", "page.result"],
                "\(owed.timeline.map(\.type))")
        }
    }
}
