import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// The mouse in a real terminal (tmux): the console asks for SGR mouse reports and gives the mouse
/// back on leaving; the reports a terminal sends (as raw bytes: tmux's own `send-keys -M` needs a real
/// mouse event) click rows and the top bar, and the wheel moves the selection.
extension EndToEnd {
    @Suite(.serialized)
    struct MouseEndToEndTests {
        let klaxon = BuiltProducts.path("klaxon")

        func console(_ ws: TemporaryDirectory, arguments: String = "", environment: [String: String] = [:]) throws
            -> TmuxSession
        {
            var env = ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC"]
            env.merge(environment) { _, new in new }
            return try TmuxSession(
                "\(klaxon) --workspace \(ws.path) \(arguments); echo \"EXIT $?\"", columns: 100, rows: 30,
                environment: env)
        }

        /// The row of the screen whose text contains `text`.
        func row(of text: String, _ tty: TmuxSession) -> Int? {
            tty.screen().split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) }
        }

        @Test func clicksSelectAndOpenRowsSwitchScreensAndTheWheelMoves() async throws {
            let ws = makeWorkspace()
            for title in ["Alpha broken", "Beta broken"] {
                _ = try shell(
                    "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare '\(title)' --severity SEV3 --service registry 2>&1"
                )
            }
            let tty = try console(ws)
            #expect(await tty.until("Open incidents (2)", timeout: 30) != nil, "\(tty.screen())")
            #expect(tty.paneFormat("#{mouse_standard_flag} #{mouse_sgr_flag}") == "1 1", "mouse mode asked for")
            // A click on the second row selects it; a second click opens it.
            let beta = try #require(row(of: "Beta broken", tty))
            let alpha = try #require(row(of: "Alpha broken", tty))
            let second = max(alpha, beta)
            let secondTitle = second == beta ? "Beta broken" : "Alpha broken"
            let firstTitle = second == beta ? "Alpha broken" : "Beta broken"
            tty.sendMouse(0, row: second, column: 10)
            try await Task.sleep(for: .milliseconds(300))
            #expect(tty.screen().contains("Open incidents (2)"), "one click only selects: \(tty.screen())")
            tty.sendMouse(0, row: second, column: 10)
            #expect(await tty.until("Timeline") != nil, "\(tty.screen())")
            #expect(tty.screen().contains(secondTitle))
            // Back, the wheel up (to the first row) and enter: the first incident.
            tty.press("Escape")
            #expect(await tty.until("Open incidents (2)") != nil)
            tty.sendMouse(64, row: 10, column: 10)
            try await Task.sleep(for: .milliseconds(200))
            tty.press("Enter")
            #expect(await tty.until("Timeline") != nil, "\(tty.screen())")
            #expect(tty.screen().contains(firstTitle), "\(tty.screen())")
            // Who is on call, in the top bar, leads to the on-call screen.
            let topBar = tty.screen().split(separator: "\n").first.map(String.init) ?? ""
            let onCall = try #require(topBar.range(of: "on call:"))
            tty.sendMouse(0, row: 0, column: topBar.distance(from: topBar.startIndex, to: onCall.lowerBound) + 2)
            #expect(await tty.until("No schedules") != nil, "\(tty.screen())")
            // A tab of the row under the top bar: the status board.
            let tabs =
                tty.screen().split(separator: "\n", omittingEmptySubsequences: false).dropFirst().first.map(String.init)
                ?? ""
            let status = try #require(tabs.range(of: "3 Status"), "\(tty.screen())")
            tty.sendMouse(0, row: 1, column: tabs.distance(from: tabs.startIndex, to: status.lowerBound) + 2)
            #expect(await tty.until("Status board") != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil)
            #expect(tty.paneFormat("#{mouse_standard_flag} #{mouse_sgr_flag}") == "0 0", "the mouse given back")
        }

        @Test func noMouseLeavesTheMouseToTheTerminal() async throws {
            let ws = makeWorkspace()
            for (arguments, environment) in [("--no-mouse", [:]), ("", ["KLAXON_NO_MOUSE": "1"])] {
                let tty = try console(ws, arguments: arguments, environment: environment)
                #expect(await tty.until("Open incidents (0)", timeout: 30) != nil, "\(tty.screen())")
                #expect(tty.paneFormat("#{mouse_standard_flag} #{mouse_sgr_flag}") == "0 0", "\(arguments)")
                tty.press("q")
                #expect(await tty.until("EXIT 0") != nil)
            }
        }
    }
}
