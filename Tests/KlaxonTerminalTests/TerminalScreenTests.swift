import Foundation
import KlaxonCore
import KlaxonTestSupport
import KlaxonUI
import Testing

@testable import KlaxonTerminal

// ncurses keeps one current screen per process: these tests run one at a time.
@Suite(.serialized)
struct TerminalScreenTests {
    func headless(noColor: Bool = false) throws -> TerminalScreen {
        try TerminalScreen(
            term: "xterm-256color", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8", noColor: noColor
        )
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

    /// ncurses cannot carry OSC 8: the screen writes a link's cells again inside the sequence, between
    /// saving and restoring the cursor, once per link that is new or redrawn, and never when off.
    @Test func linksAreMarkedAsHyperlinksOnceAndOnlyWhenWanted() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/screen.out"
        let url = "https://grafana.forge.internal/d/registry"
        var frame = Frame(columns: 80, rows: 24)
        let end = frame.put("dashboard", row: 2, column: 4, style: .link)
        frame.hyperlinks = [Hyperlink(row: 2, column: 4, width: end - 4, url: url)]
        do {
            let screen = try TerminalScreen(
                term: "xterm-256color", outputPath: path, inputPath: "/dev/null", locale: "C.UTF-8", hyperlinks: true)
            screen.paint(frame)
            let marked =
                "\u{1B}7\u{1B}[3;5H\u{1B}]8;;\(url)\u{1B}\\\u{1B}[0;4;34mdashboard\u{1B}]8;;\u{1B}\\\u{1B}[0m\u{1B}8"
            #expect(try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: marked).count == 2)
            // Unchanged: not written again.
            screen.paint(frame)
            #expect(try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "]8;;").count == 3)
            // Selected, ncurses redraws it in the new style: marked again, in that style.
            frame.restyle(row: 2, column: 4, count: 9, style: .selected)
            screen.paint(frame)
            let output = try String(contentsOfFile: path, encoding: .utf8)
            #expect(output.components(separatedBy: "]8;;").count == 5)
            #expect(output.contains("\u{1B}]8;;\(url)\u{1B}\\\u{1B}[0;7mdashboard"))
            screen.restore()
        }
        let plainPath = directory.path + "/plain.out"
        do {
            let screen = try TerminalScreen(
                term: "xterm-256color", outputPath: plainPath, inputPath: "/dev/null", locale: "C.UTF-8")
            screen.paint(frame)
            screen.restore()
        }
        let plain = try String(contentsOfFile: plainPath, encoding: .utf8)
        #expect(plain.contains("dashboard") && !plain.contains("]8;;"))
    }

    @Test func hyperlinksAreWantedExceptWhereNotKnownToWork() {
        #expect(TerminalScreen.hyperlinksWanted(environment: ["TERM": "xterm-256color"]))
        #expect(
            TerminalScreen.hyperlinksWanted(environment: ["TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"]))
        #expect(TerminalScreen.hyperlinksWanted(environment: ["TERM": "screen", "TMUX": "/tmp/tmux-0/default,1,0"]))
        #expect(!TerminalScreen.hyperlinksWanted(environment: ["TERM": "screen"]))
        #expect(!TerminalScreen.hyperlinksWanted(environment: ["TERM": "linux"]))
        #expect(!TerminalScreen.hyperlinksWanted(environment: ["TERM": "xterm-256color", "KLAXON_HYPERLINKS": "0"]))
        #expect(TerminalScreen.hyperlinksWanted(environment: ["TERM": "linux", "KLAXON_HYPERLINKS": "1"]))
    }

    /// SGR mouse mode is asked for where the terminfo knows a mouse, and given back on leaving and
    /// around `$EDITOR`; never with `--no-mouse`, nor on a terminal without `kmous` (vt100).
    @Test func mouseModeIsAskedForOnlyWhereTheTerminalHasAMouse() throws {
        let directory = TemporaryDirectory()
        func output(term: String, mouse: Bool, suspending: Bool = false) throws -> (String, Bool) {
            let path = directory.path + "/\(term)-\(mouse)-\(suspending).out"
            let screen = try TerminalScreen(
                term: term, outputPath: path, inputPath: "/dev/null", locale: "C.UTF-8", mouse: mouse)
            if suspending {
                screen.suspend()
                screen.resume()
            }
            screen.restore()
            return (try String(contentsOfFile: path, encoding: .utf8), screen.usesMouse)
        }
        let on = "\u{1B}[?1000h\u{1B}[?1006h"
        let off = "\u{1B}[?1006l\u{1B}[?1000l"
        let (xterm, xtermUses) = try output(term: "xterm-256color", mouse: true)
        #expect(xtermUses && xterm.components(separatedBy: on).count == 2 && xterm.hasSuffix(off))
        let (edited, _) = try output(term: "xterm-256color", mouse: true, suspending: true)
        #expect(edited.components(separatedBy: on).count == 3 && edited.components(separatedBy: off).count == 3)
        for (term, mouse) in [("xterm-256color", false), ("vt100", true), ("linux", true)] {
            let (text, uses) = try output(term: term, mouse: mouse)
            #expect(!uses && !text.contains("?1000") && !text.contains("?1006"), "\(term) \(mouse)")
        }
        #expect(TerminalScreen.mouseAvailable(term: "tmux-256color", kmous: Array("\u{1B}[M".utf8)))
        #expect(!TerminalScreen.mouseAvailable(term: "vt100", kmous: []))
        #expect(TerminalScreen.mouseWanted(disabled: false, environment: [:]))
        #expect(!TerminalScreen.mouseWanted(disabled: true, environment: [:]))
        #expect(!TerminalScreen.mouseWanted(disabled: false, environment: ["KLAXON_NO_MOUSE": "1"]))
        #expect(TerminalScreen.mouseWanted(disabled: false, environment: ["KLAXON_NO_MOUSE": "0"]))
    }

    @Test func aMouseReportBecomesAKey() {
        let event = MouseEvent(button: .left, pressed: true, row: 1, column: 2)
        #expect(TerminalScreen.keys([.scalar("a"), .mouse(event)]) == [.key(.character("a")), .key(.mouse(event))])
    }

    @Test func colourFollowsNO_COLOR() throws {
        #expect(try headless(noColor: true).usesColor == false)
    }

    /// A public status update is told from a note on the timeline with colour (magenta) and without it
    /// (bold, where a note's text is plain); an overdue update is red, and bold and underlined without colour.
    @Test func statusUpdatesAndOverdueUpdatesStandOutWithAndWithoutColour() throws {
        let colour = try headless()
        #expect(colour.sgr(.publicUpdate) == "\u{1B}[0;35m")
        #expect(colour.sgr(.critical) == "\u{1B}[0;1;31m")
        let mono = try headless(noColor: true)
        #expect(mono.sgr(.publicUpdate) == "\u{1B}[0;1m")
        #expect(mono.sgr(.normal) == "\u{1B}[0m" && mono.sgr(.kind) == "\u{1B}[0m")
        #expect(mono.sgr(.critical) == "\u{1B}[0;1;4m")
    }

    @Test func anUnknownTerminalTypeIsAnErrorNotAnExit() {
        #expect(throws: (any Error).self) {
            _ = try TerminalScreen(
                term: "no-such-terminal-xyz", outputPath: "/dev/null", inputPath: "/dev/null", locale: "C.UTF-8")
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

    /// Issue 26, point 7: alt-enter (ESC and a carriage return in one read) is a key of its own, the
    /// note's new line; an ESC alone is still esc, and one before a letter still esc and the letter.
    @Test func decodesAltEnter() {
        var decoder = UTF8InputDecoder()
        let read = Array("\u{1B}\r".utf8).flatMap { decoder.feed($0) }
        #expect(TerminalScreen.keys(read) == [.key(.altEnter)])
        #expect(TerminalScreen.keys([.scalar("\u{1B}")]) == [.key(.escape)])
        #expect(TerminalScreen.keys([.scalar("\u{1B}"), .scalar("x")]) == [.key(.escape), .key(.character("x"))])
        #expect(TerminalScreen.keys([.scalar("\r")]) == [.key(.enter)])
    }

    /// The views measure text with TextWidth; the terminal with wcwidth. They must agree, or wide
    /// characters misalign the columns.
    @Test func textWidthAgreesWithTheCLibrary() throws {
        _ = try headless()  // sets the UTF-8 locale wcwidth needs
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x17F, 0x300...0x36F, 0x391...0x3C9, 0x400...0x44F, 0x1100...0x115F,
            0x2010...0x2027, 0x2190...0x21FF, 0x2500...0x257F, 0x3000...0x303E, 0x3041...0x30FF,
            0x4E00...0x4FFF, 0xAC00...0xAD00, 0xFF01...0xFF60, 0x1F300...0x1F64F, 0x1F680...0x1F6C5,
            0x1F900...0x1F9FF
        ]
        var disagreements: [String] = []
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value), scalar.properties.generalCategory != .unassigned else {
                    continue
                }
                let c = TerminalScreen.width(of: scalar)
                guard c >= 0 else { continue }
                if TextWidth.width(of: scalar) != c {
                    disagreements.append("U+\(String(value, radix: 16)) ours \(TextWidth.width(of: scalar)) libc \(c)")
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(20))")
    }
}

/// Issue 26, point 10: which terminals get a desktop notification, and that an incident's title can
/// neither end the sequence nor start another.
@Test func desktopNotificationsWhereTheTerminalRaisesThemAndTextMadeSafe() {
    typealias D = TerminalScreen.DesktopNotification
    #expect(D.wanted(environment: ["TERM_PROGRAM": "iTerm.app"]) == .osc9)
    #expect(D.wanted(environment: ["WT_SESSION": "x"]) == .osc9)
    #expect(D.wanted(environment: ["VTE_VERSION": "7600", "TERM": "xterm-256color"]) == .osc777)
    #expect(D.wanted(environment: ["TERM": "foot"]) == .osc777)
    #expect(D.wanted(environment: ["TERM": "xterm-256color"]) == nil)
    #expect(D.wanted(environment: ["TERM_PROGRAM": "iTerm.app", "KLAXON_NOTIFY_OSC": "0"]) == nil)
    #expect(D.wanted(environment: ["KLAXON_NOTIFY_OSC": "777"]) == .osc777)
    let hostile = ConsoleNotice(title: "SEV1 INC-7; declared", body: "disk\u{7}\u{1B}]52;c;eA==\u{7} full")
    #expect(
        D.osc9.sequence(hostile) == "\u{1B}]9;SEV1 INC-7; declared: disk\u{FFFD}\u{FFFD}]52;c;eA==\u{FFFD} full\u{7}")
    #expect(
        D.osc777.sequence(hostile)
            == "\u{1B}]777;notify;SEV1 INC-7, declared;disk\u{FFFD}\u{FFFD}]52;c;eA==\u{FFFD} full\u{7}")
}
