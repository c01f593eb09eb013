import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// Issue 21, point 6: with the database down (here: nobody listens on the URI's port, as after the
/// server stopped), each command that reads or writes journals exits 1 with one line on standard error
/// naming HOST:PORT, libpq's reason (its lines joined as clauses) and what to do; never "there is no
/// incident", nothing on standard output.
struct PostgresOutageCommandTests {
    @Test func eachCommandSaysInOneLineThatTheDatabaseCannotBeReached() throws {
        let port = try RealServer.freePort()
        let ws = makeWorkspace("name: gone\njournals: \"postgresql://klaxon_app@127.0.0.1:\(port)/klaxon\"\n")
        let k = Klaxon(workspace: ws.path)
        for arguments in [
            ["incident", "list"], ["incident", "list", "--all"], ["incident", "note", "1", "still failing"],
            ["incident", "declare", "Registry returns 503", "--severity", "SEV3"], ["incident", "show", "1"],
            ["incident", "ack", "1"],
            ["incident", "resolve", "1"], ["journal", "verify"], ["review", "export", "1"]
        ] {
            let run = k.run(arguments)
            #expect(run.status == 1, "\(arguments): \(run.status) \(run.errors)")
            #expect(run.output.isEmpty, "\(arguments): \(run.output)")
            let lines = run.errors.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): one line, not \(lines.count):\n\(run.errors)")
            #expect(
                run.errors.contains("PostgreSQL at 127.0.0.1:\(port), database klaxon: "), "\(arguments): \(run.errors)"
            )
            // libpq's two lines ("Connection refused", "Is the server running…?") as one line of clauses.
            #expect(
                run.errors.contains(
                    "failed: Connection refused; is the server running on that host and accepting TCP/IP connections; check that the server runs"
                ), "\(arguments): \(run.errors)")
            #expect(!run.errors.contains("no incident"), "\(arguments): \(run.errors)")
        }
    }
}
