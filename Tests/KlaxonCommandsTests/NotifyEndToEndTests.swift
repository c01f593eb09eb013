import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// Issue 26, points 8 and 10, in a real terminal: a SEV1 declared elsewhere rings the console's bell
/// and raises a desktop notification (read from the pane's raw output), `!` opens it, and a workspace
/// that says `notify: off` stays quiet.
extension EndToEnd {
    @Suite(.serialized)
    struct NotifyEndToEndTests {
        let klaxon = BuiltProducts.path("klaxon")

        func console(_ ws: TemporaryDirectory, output: String) throws -> TmuxSession {
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 100, rows: 30,
                environment: [
                    "KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC", "KLAXON_NOTIFY_OSC": "9"
                ])
            tty.recordOutput(to: output)
            return tty
        }

        /// A console on `ws` (its raw output to `output`) that has seen bob declare a SEV1 from the command line.
        func consoleSeesASEV1DeclaredElsewhere(_ ws: TemporaryDirectory, output: String) async throws -> TmuxSession {
            let tty = try console(ws, output: output)
            #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
            _ = try shell(
                "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Registry down' --severity SEV1 2>&1"
            )
            #expect(await tty.until("Open incidents (1)") != nil, "\(tty.screen())")
            return tty
        }

        func raw(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }

        @Test func aSEV1DeclaredElsewhereRingsAndBangOpensIt() async throws {
            let ws = makeWorkspace()
            let output = ws.path + "/pane.out"
            let tty = try await consoleSeesASEV1DeclaredElsewhere(ws, output: output)
            let notice = "\u{7}\u{1B}]9;SEV1 INC-1 declared: Registry down\u{7}"
            for _ in 0..<50 where !raw(output).contains(notice) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(raw(output).contains(notice))
            tty.press("!")
            #expect(
                await tty.until("INC-1: the most severe incident nobody has acknowledged") != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil)
        }

        @Test func notifyOffStaysQuiet() async throws {
            let ws = makeWorkspace("name: quiet\nnotify: off\n")
            let output = ws.path + "/pane.out"
            let tty = try await consoleSeesASEV1DeclaredElsewhere(ws, output: output)
            try await Task.sleep(for: .seconds(1))
            #expect(!raw(output).contains("\u{7}") && !raw(output).contains("\u{1B}]9;"))
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil)
        }
    }
}
