import KlaxonTerminal
import Testing

// ncurses keeps one current screen per process: these tests run one at a time.
@Suite(.serialized)
struct TerminalScreenTests {
    @Test func drawsAWideCharacterIntoAHeadlessScreenAndReadsItBack() throws {
        let screen = try TerminalScreen(term: "xterm-256color", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8")
        #expect(screen.rows > 0 && screen.columns > 0)
        screen.put("A漢B", row: 2, column: 3)
        screen.refresh()
        #expect(screen.cellText(row: 2, column: 3) == "A")
        #expect(screen.cellText(row: 2, column: 4) == "漢")
        // 漢 is two columns wide: B lands two cells further on.
        #expect(screen.cellText(row: 2, column: 6) == "B")
        #expect(TerminalScreen.width(of: "漢") == 2)
        #expect(TerminalScreen.width(of: "a") == 1)
    }

    @Test func anUnknownTerminalTypeIsAnErrorNotAnExit() {
        #expect(throws: (any Error).self) {
            _ = try TerminalScreen(term: "no-such-terminal-xyz", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8")
        }
    }
}
