import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Text typed or pasted ahead never becomes commands (issue 19, point 19): a bracketed paste is text
/// in a field and nothing outside one, and the rest of a burst that arrives as a dialog closes is
/// ignored. Seen before: a URL pasted just after a dialog closed ran as keys, and its `t` opened an
/// action item saved as `tps://grafana…`.
extension EndToEnd {
    @Suite(.serialized)
    struct TypeAheadEndToEndTests {
        let base = ConsoleEndToEndTests()
        let url = "https://grafana.example/d/registry?from=now-1h&to=now"

        @Test func aPasteIsTextInAFieldAndIgnoredWhereNoFieldIsOpen() async throws {
            let ws = makeWorkspace()
            Klaxon(workspace: ws.path).run("incident", "declare", "Registry uploads fail", "--severity", "SEV2")
            let tty = try base.console(ws)
            #expect(await tty.until("Registry uploads fail") != nil)
            tty.press("Enter")
            #expect(await tty.until("Timeline") != nil, "\(tty.screen())")
            // No text field open: the paste (with a line break, which a terminal sends as Enter) does nothing.
            try tty.paste("\(url)\nam", through: ws.path + "/paste.txt", bracketed: true)
            #expect(await tty.until("paste ignored: no text field is open") != nil, "\(tty.screen())")
            #expect(!tty.screen().contains("Action item on INC-1"), "\(tty.screen())")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try base.records(ws).map(\.type) == ["incident.declared"])
            // In a one-line field: the text, its line break a space, and no submit.
            tty.press("t")
            #expect(await tty.until("Action item on INC-1") != nil, "\(tty.screen())")
            try tty.paste("Check \(url)\nfor the 5xx\n", through: ws.path + "/paste.txt", bracketed: true)
            #expect(await tty.until("registry?from=now-1h&to=now for the 5xx") != nil, "\(tty.screen())")
            try await Task.sleep(for: .milliseconds(300))
            #expect(tty.screen().contains("Action item on INC-1"), "the paste submitted the form:\n\(tty.screen())")
            #expect(try base.records(ws).count == 1)
            tty.press("Enter")
            #expect(await tty.until("INC-1 #2 todo recorded") != nil, "\(tty.screen())")
            let item = try #require(try base.records(ws).last)
            #expect(item.type == "action.added" && item.data["text"]?.stringValue == "Check \(url) for the 5xx")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil)
        }

        @Test func keysThatArriveAsADialogClosesAreIgnored() async throws {
            let ws = makeWorkspace()
            Klaxon(workspace: ws.path).run("incident", "declare", "Registry uploads fail", "--severity", "SEV2")
            let tty = try base.console(ws)
            #expect(await tty.until("Registry uploads fail") != nil)
            tty.press("Enter", "t")
            #expect(await tty.until("Action item on INC-1") != nil, "\(tty.screen())")
            tty.type("Roll back registry-2")
            #expect(await tty.until("Roll back registry-2") != nil)
            // The enter that closes the dialog, and in the same write an `a` and a URL typed ahead.
            tty.sendBytes(["0d"] + Array(("a" + url).utf8).map { String(format: "%02x", $0) })
            #expect(await tty.until("typed as the dialog closed were ignored") != nil, "\(tty.screen())")
            try await Task.sleep(for: .milliseconds(300))
            #expect(!tty.screen().contains("Action item on INC-1"), "\(tty.screen())")
            #expect(try base.records(ws).map(\.type) == ["incident.declared", "action.added"])
            // Typed afterwards, keys are commands again: `m` asks, and `y` marks it mitigated.
            tty.press("m")
            #expect(await tty.until("Mark INC-1 mitigated") != nil, "\(tty.screen())")
            tty.press("y")
            #expect(await tty.until("INC-1 #3 mitigated recorded") != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0") != nil)
        }

        /// However the console ends (q, SIGTERM, a crash), bracketed paste is off again: a paste into
        /// the shell after it carries no ESC[200~ (which `cat -v` would show as ^[[200~).
        @Test func bracketedPasteIsOffAgainAfterEveryWayOfExiting() async throws {
            let ws = makeWorkspace()
            for ending in ["q", "SIGTERM", "SIGSEGV"] {
                let env = ["KLAXON_USER": "alice", "TERM": "xterm-256color", "SWIFT_BACKTRACE": "enable=no"]
                let tty = try TmuxSession(
                    "\(base.klaxon) --workspace \(ws.path); echo \"EXIT $?\"; cat -v", environment: env)
                #expect(await tty.until("Open incidents") != nil)
                switch ending {
                case "q": tty.press("q")
                default:
                    let pid = try #require(
                        try processID(commandLine: "\(base.klaxon) --workspace \(ws.path)"), "no klaxon process")
                    kill(pid, ending == "SIGTERM" ? SIGTERM : SIGSEGV)
                }
                #expect(await tty.until("EXIT ") != nil, "\(ending): \(tty.screen())")
                try tty.paste("after-\(ending)\n", through: ws.path + "/paste.txt", bracketed: true)
                #expect(
                    await tty.until { $0.components(separatedBy: "after-\(ending)").count >= 3 } != nil,
                    "\(ending): \(tty.screen())")
                #expect(!tty.screen().contains("[200~"), "\(ending) left bracketed paste on:\n\(tty.screen())")
            }
        }
    }
}
