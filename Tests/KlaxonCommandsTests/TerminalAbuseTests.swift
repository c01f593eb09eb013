import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// What terminals do to a console mid-incident: windows dragged about, panes split down to nothing,
/// garbage on the input. (The 1 MB paste is in ConsoleEndToEndTests.) Same suite, so it runs serialized.
extension EndToEnd.ConsoleEndToEndTests {
    /// The incident screen at the size the test left it: whole, within the terminal, answering keys.
    func expectWholeIncidentScreen(
        _ tty: TmuxSession, columns: Int, rows: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let whole = await tty.until { screen in
            let lines = screen.split(separator: "\n")
            return lines.count <= rows && lines.allSatisfy { $0.count <= columns }
                && screen.contains("Timeline") && screen.contains("Action items")
                && lines.contains { $0.hasPrefix("n note") }
        }
        #expect(whole != nil, "\(tty.screen())", sourceLocation: sourceLocation)
    }

    @Test func aResizeStormLeavesAWholeScreenThatStillAnswers() async throws {
        let ws = makeWorkspace()
        Klaxon(workspace: ws.path).run("incident", "declare", "Registry returns 503", "--severity", "SEV1")
        for n in 1...40 { Klaxon(workspace: ws.path).run("incident", "note", "1", "note \(n) before the storm") }
        let tty = try console(ws)
        #expect(await tty.until("Registry returns 503") != nil)
        tty.press("Enter")
        await expectWholeIncidentScreen(tty, columns: 100, rows: 30)
        // 150 sizes as fast as tmux sends them, from a sliver to a wall, too small and big enough in turn.
        for _ in 0..<150 { tty.resize(columns: Int.random(in: 5...220), rows: Int.random(in: 2...70)) }
        tty.resize(columns: 100, rows: 30)
        await expectWholeIncidentScreen(tty, columns: 100, rows: 30)
        #expect(tty.screen().contains("note 40 before the storm"), "the timeline lost its end:\n\(tty.screen())")
        tty.press("n")
        #expect(await tty.until("Note on INC-1") != nil, "\(tty.screen())")
        tty.type("after the storm")
        tty.press("C-s")
        #expect(await tty.until("INC-1 #42 note recorded") != nil, "\(tty.screen())")
        tty.press("q")
        #expect(await tty.until("EXIT 0") != nil)
        #expect(try records(ws).last?.data["text"] == "after the storm")
    }

    @Test func aTwentyByFivePaneSaysWhatToDoAndComesBackWhenItGrows() async throws {
        let ws = makeWorkspace()
        Klaxon(workspace: ws.path).run("incident", "declare", "Runner fleet exhausted", "--severity", "SEV2")
        let tty = try console(ws, columns: 20, rows: 5)
        #expect(
            await tty.until {
                $0.contains("Too small: 20×5.") && $0.contains("Needs 80×24.") && $0.contains("q quits.")
            } != nil, "\(tty.screen())")
        tty.resize(columns: 100, rows: 30)
        #expect(await tty.until("Runner fleet exhausted") != nil, "\(tty.screen())")
        tty.resize(columns: 20, rows: 5)
        #expect(await tty.until("Too small: 20×5.") != nil, "\(tty.screen())")
        tty.press("q")
        #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
    }

    @Test func invalidUTF8OnTheInputIsDroppedAndTheRestStillTypes() async throws {
        let ws = makeWorkspace()
        Klaxon(workspace: ws.path).run("incident", "declare", "Prometheus down", "--severity", "SEV2")
        let tty = try console(ws)
        #expect(await tty.until("Prometheus down") != nil)
        // Bytes no UTF-8 terminal sends: a stray continuation, bytes that never occur, an overlong
        // slash, a surrogate, a five-byte form. On the dashboard they are not keys.
        let garbage = ["80", "ff", "fe", "c0", "af", "ed", "a0", "80", "f8", "88", "80", "80", "80"]
        tty.sendBytes(garbage)
        tty.press("Enter", "n")
        #expect(await tty.until("Note on INC-1") != nil, "\(tty.screen())")
        tty.type("before ")
        tty.sendBytes(garbage)
        tty.type("after ✓ ")
        // A character cut short by the next one typed costs only itself (ncurses' get_wch lost "cd(e").
        tty.sendBytes(["61", "e2", "82", "63", "64", "c3", "28", "65"])
        tty.press("C-s")
        #expect(await tty.until("INC-1 #2 note recorded") != nil, "\(tty.screen())")
        #expect(try records(ws).last?.data["text"] == "before after ✓ acd(e")
        tty.press("q")
        #expect(await tty.until("EXIT 0") != nil, "\(tty.screen())")
    }
}
