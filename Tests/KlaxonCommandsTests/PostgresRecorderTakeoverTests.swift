import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// The walkthrough's double recording: two `klaxon watch` on one database, the first recording the
    /// checks' changes; its hold's session ends under it (a restart, a cut connection:
    /// `pg_terminate_backend` here) and the second takes the recording over. The first must stop
    /// recording: it went on, and each change was written twice (one outage declared as two incidents,
    /// paged twice). A recorder that lost its hold may take it again while it is free, so the first is
    /// stopped (`SIGSTOP`, a process paused or cut off while the server ends its session) until the
    /// second has taken it: otherwise whichever tries first records, and both are right.
    @Suite(.serialized)
    struct PostgresRecorderTakeoverTests {

        private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

        private func until(_ path: String, _ text: String, timeout: Double = 30) async throws -> Bool {
            for _ in 0..<Int(timeout * 10) where !read(path).contains(text) {
                try await Task.sleep(for: .milliseconds(100))
            }
            return read(path).contains(text)
        }

        @Test func aRecorderWhoseHoldIsLostStopsRecording() async throws {
            let database = try await initialisedDatabase()
            let files = TemporaryDirectory("service")
            let service = try HTTPReceiver(directory: files.path, routes: ["/healthz": .init([200])])
            defer { service.stop() }
            let config = """
                name: shared
                journals: "\(database.everydayURI)"
                checks:
                  - {name: web, url: "http://127.0.0.1:\(service.port)/healthz", interval: 1s, timeout: 1s}
                """
            let (one, two) = (makeWorkspace(config), makeWorkspace(config))
            let (firstLog, secondLog) = (one.path + "/watch.txt", two.path + "/watch.txt")
            let first = try startWatch(one, output: firstLog, errors: firstLog)
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            #expect(try await until(firstLog, "web unknown → up"), "\(read(firstLog))")
            let second = try startWatch(two, output: secondLog, errors: secondLog)
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            #expect(try await until(secondLog, "another process records"), "\(read(secondLog))")

            // The first's hold session ends while it is stopped; the second takes the recording over.
            kill(first.processIdentifier, SIGSTOP)
            defer { kill(first.processIdentifier, SIGCONT) }
            let cut = try await blocking {
                try database.psql(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'klaxon hold poller' AND datname = current_database()
                        AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)
                    """)
            }
            #expect(cut.hasPrefix("t"), "the recorder's hold session was ended: \(cut)")
            #expect(
                try await until(secondLog, "this process records the state changes now"), "\(read(secondLog))")
            // The first goes on, its hold lost and taken: it must not record what the second records.
            kill(first.processIdentifier, SIGCONT)

            service.stop()
            #expect(try await until(secondLog, "web up → down"), "\(read(secondLog))")
            try await Task.sleep(for: .seconds(3))
            let store = PostgresJournalStore(uri: database.everydayURI)
            let downs = try await blocking {
                try store.journal(PlatformJournal.name).readNewRecords().filter {
                    $0.type == "check.changed" && $0.data["to"] == "down"
                }
            }
            #expect(downs.count == 1, "recorded once: \(downs.map { "\($0.pid) \($0.data)" })")
            #expect(downs.first?.pid == Int(second.processIdentifier))
            #expect(read(firstLog).contains("no longer records the state changes"), "\(read(firstLog))")
            for process in [first, second] { kill(process.processIdentifier, SIGTERM) }
        }
    }
}
