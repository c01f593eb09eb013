@testable import KlaxonTerminal
import KlaxonUI
import Testing

// ncurses keeps one current screen per process: these tests run one at a time.
@Suite(.serialized)
struct TerminalScreenTests {
    func headless(noColor: Bool = false) throws -> TerminalScreen {
        try TerminalScreen(term: "xterm-256color", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8", noColor: noColor)
    }

    @Test func drawsAWideCharacterIntoAHeadlessScreenAndReadsItBack() throws {
        let screen = try headless()
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

    @Test func paintsAFrameCellForCell() throws {
        let screen = try headless()
        var frame = Frame(columns: screen.columns, rows: screen.rows)
        frame.put("INC-12 磁盘 🧹 ok", row: 1, column: 2, style: .critical)
        screen.paint(frame)
        let expected: [(Int, String)] = [(2, "I"), (9, "磁"), (11, "盘"), (14, "🧹"), (17, "o")]
        for (column, text) in expected { #expect(screen.cellText(row: 1, column: column) == text, "column \(column)") }
        // A second frame changes only what differs.
        frame.put("INC-13", row: 1, column: 2, style: .critical)
        screen.paint(frame)
        #expect(screen.cellText(row: 1, column: 7) == "3")
        #expect(screen.cellText(row: 1, column: 9) == "磁")
    }

    @Test func colourFollowsNO_COLOR() throws {
        #expect(try headless(noColor: true).usesColor == false)
    }

    @Test func anUnknownTerminalTypeIsAnErrorNotAnExit() {
        #expect(throws: (any Error).self) {
            _ = try TerminalScreen(term: "no-such-terminal-xyz", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8")
        }
    }

    @Test func decodesControlKeys() {
        #expect(TerminalScreen.key(for: 13) == .enter)
        #expect(TerminalScreen.key(for: 27) == .escape)
        #expect(TerminalScreen.key(for: 19) == .control("s"))
        #expect(TerminalScreen.key(for: 12) == .control("l"))
        #expect(TerminalScreen.key(for: 127) == .backspace)
        #expect(TerminalScreen.key(for: 0x6F22) == .character("漢"))
        #expect(TerminalScreen.key(for: 0) == nil)
    }

    /// The views measure text with TextWidth; the terminal with wcwidth. They must agree, or wide
    /// characters misalign the columns.
    @Test func textWidthAgreesWithTheCLibrary() throws {
        _ = try headless() // sets the UTF-8 locale wcwidth needs
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x17F, 0x300...0x36F, 0x391...0x3C9, 0x400...0x44F, 0x1100...0x115F,
                                             0x2010...0x2027, 0x2190...0x21FF, 0x2500...0x257F, 0x3000...0x303E, 0x3041...0x30FF,
                                             0x4E00...0x4FFF, 0xAC00...0xAD00, 0xFF01...0xFF60, 0x1F300...0x1F64F, 0x1F680...0x1F6C5,
                                             0x1F900...0x1F9FF]
        var disagreements: [String] = []
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value), scalar.properties.generalCategory != .unassigned else { continue }
                let c = TerminalScreen.width(of: scalar)
                guard c >= 0 else { continue }
                if TextWidth.width(of: scalar) != c { disagreements.append("U+\(String(value, radix: 16)) ours \(TextWidth.width(of: scalar)) libc \(c)") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(20))")
    }
}
