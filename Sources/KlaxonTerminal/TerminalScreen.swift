internal import CNcursesw
import KlaxonCore
import KlaxonUI

#if canImport(Glibc)
    import Glibc
#endif

/// What the terminal delivered: keys and resizes.
public enum TerminalEvent: Equatable, Sendable {
    case key(Key)
    case resize(columns: Int, rows: Int)
}

/// An ncursesw screen on a pair of streams: the real terminal for the console, or files (such as
/// /dev/null) for headless tests. Only this target touches ncurses: it paints `Frame`s, mapping
/// semantic styles to colours and attributes, and decodes keys.
public final class TerminalScreen {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let output: UnsafeMutablePointer<FILE>
    private let input: UnsafeMutablePointer<FILE>
    /// Whether styles use colours (a colour terminal and no `NO_COLOR`), or attributes only.
    public let usesColor: Bool
    /// Whether the locale is UTF-8; if not, the console draws in ASCII.
    public let isUTF8: Bool
    /// Whether the frame's external links are marked as OSC 8 hyperlinks.
    public let hyperlinks: Bool
    /// Whether the terminal is asked for mouse reports (SGR mouse mode): asked for, and the terminal
    /// type knows a mouse (`mouseAvailable`).
    public let usesMouse: Bool
    /// The bytes of terminfo's `kmous`: ncurses takes them for `KEY_MOUSE` itself (`ESC [ <` for
    /// xterm), and the rest of the report after them comes as bytes; they go back to the decoder.
    private let mouseKeyBytes: [UInt8]
    private var painted: Frame?
    private var decoder: UTF8InputDecoder
    private var ended = false

    /// Starts ncurses for terminal type `term` writing to `outputPath` and reading `inputPath`, in
    /// `locale` ("" means the one the environment names). An unknown terminal type is an error, not
    /// an exit (which `initscr` would do). With `mouse`, clicks and the wheel are asked for where the
    /// terminal type knows a mouse (`mouseAvailable`).
    public init(
        term: String, outputPath: String, inputPath: String, locale: String = "", noColor: Bool = false,
        hyperlinks: Bool = false, mouse: Bool = false
    ) throws(KlaxonError) {
        self.hyperlinks = hyperlinks
        setlocale(LC_ALL, locale)  // without it wide characters are garbled
        isUTF8 = String(cString: klaxon_codeset()).uppercased().replacingOccurrences(of: "-", with: "") == "UTF8"
        // Any other locale: a byte is a character of its own (Latin-1).
        decoder = UTF8InputDecoder(latin1: !isUTF8)
        guard let output = fopen(outputPath, "w") else { throw .failed("cannot open \(outputPath) for the screen") }
        guard let input = fopen(inputPath, "r") else {
            fclose(output)
            throw .failed("cannot open \(inputPath) for keyboard input")
        }
        guard let screen = newterm(term, output, input), let window = klaxon_stdscr() else {
            fclose(output)
            fclose(input)
            throw .badInput(
                "the terminal type \"\(term)\" is unknown to ncurses; set TERM to one your system knows, e.g. xterm-256color"
            )
        }
        self.screen = screen
        self.window = window
        self.output = output
        self.input = input
        raw()  // ctrl-c, ctrl-s and ctrl-q reach the console as keys
        noecho()
        nonl()
        keypad(window, true)
        set_escdelay(25)
        curs_set(0)
        usesColor = has_colors() && !noColor
        if usesColor {
            start_color()
            use_default_colors()
            for style in Style.allCases {
                let (foreground, background, _) = Self.colors(style)
                init_pair(Int16(style.rawValue + 1), foreground, background)
            }
        }
        let kmous = tigetstr("kmous")
        if let kmous, Int(bitPattern: kmous) != -1 {
            mouseKeyBytes = Array(String(cString: kmous).utf8)
        } else {
            mouseKeyBytes = []
        }
        usesMouse = mouse && Self.mouseAvailable(term: term, kmous: mouseKeyBytes)
        setBracketedPaste(true)
        setMouse(true)
    }

    deinit {
        restore()
        delscreen(screen)
        fclose(output)
        fclose(input)
    }

    /// Gives the terminal back (idempotent).
    public func restore() {
        guard !ended else { return }
        ended = true
        endwin()
        setBracketedPaste(false)
        setMouse(false)
    }

    /// Whether a terminal of type `term`, whose terminfo `kmous` is `kmous`, is asked for mouse
    /// reports: its terminfo must know a mouse (`kmous`, which xterm, its kin, tmux and screen have,
    /// and monochrome terminals such as vt100 lack), and it must not be the Linux console, whose mouse
    /// (gpm) sends no SGR reports.
    public static func mouseAvailable(term: String, kmous: [UInt8]) -> Bool {
        !kmous.isEmpty && term != "linux" && !term.hasPrefix("linux-")
    }

    /// Whether the console asks for mouse reports: not with `--no-mouse` (`disabled`), nor with
    /// `KLAXON_NO_MOUSE` set to anything but `0` or nothing.
    public static func mouseWanted(disabled: Bool, environment: [String: String]) -> Bool {
        if disabled { return false }
        if let choice = environment["KLAXON_NO_MOUSE"], !choice.isEmpty { return choice == "0" }
        return true
    }

    /// Asks the terminal for reports of clicks and the wheel in SGR form (ESC[?1000h ESC[?1006h), or,
    /// leaving, for none, so the shell after (or `$EDITOR`) gets the mouse back. Nothing when the console
    /// does not use the mouse. TerminalSignals turns it off on a crash.
    func setMouse(_ on: Bool) {
        guard usesMouse else { return }
        fputs(on ? "\u{1B}[?1000h\u{1B}[?1006h" : "\u{1B}[?1006l\u{1B}[?1000l", output)
        fflush(output)
    }

    /// Asks the terminal to mark what is pasted (ESC[200~ … ESC[201~), so that pasted text is never
    /// taken for keys; or, leaving, not to, so the shell after gets a paste as it expects.
    /// TerminalSignals turns it off on a crash.
    func setBracketedPaste(_ on: Bool) {
        fputs(on ? "\u{1B}[?2004h" : "\u{1B}[?2004l", output)
        fflush(output)
    }

    public var rows: Int { Int(klaxon_getmaxy(window)) }
    public var columns: Int { Int(klaxon_getmaxx(window)) }
    /// The descriptor to poll for key presses.
    public var inputDescriptor: Int32 { fileno(input) }
    /// Whether the input waits for more bytes (the start of a paste marker, or a paste not yet ended):
    /// read again within `UTF8InputDecoder.markerWaitMilliseconds` even if none come.
    public var isWaitingForInput: Bool { decoder.isWaiting }

    // MARK: - Painting

    /// Draws `frame`, sending only the cells that changed since the last one.
    public func paint(_ frame: Frame) {
        let previous = painted.flatMap { $0.columns == frame.columns && $0.rows == frame.rows ? $0 : nil }
        if previous == nil { werase(window) }
        var text = [wchar_t](repeating: 0, count: 8)
        for row in 0..<min(frame.rows, rows) {
            for x in 0..<min(frame.columns, columns) {
                let cell = frame[row, x]
                if cell.isContinuation || previous?[row, x] == cell { continue }
                var n = 0
                for scalar in cell.character.unicodeScalars where n < 5 {
                    text[n] = wchar_t(bitPattern: scalar.value)
                    n += 1
                }
                text[n] = 0
                let (attributes, pair) = look(cell.style)
                _ = klaxon_put_cell(window, Int32(row), Int32(x), text, attributes, pair)
            }
        }
        if let cursor = frame.cursor {
            curs_set(1)
            wmove(window, Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        wrefresh(window)
        if hyperlinks { markHyperlinks(frame, previous: previous) }
        painted = frame
    }

    /// Whether to mark links as OSC 8 hyperlinks on this terminal: `KLAXON_HYPERLINKS=0` turns them
    /// off, `1` on; otherwise they are on except on the Linux console and in GNU screen, which are not
    /// known to handle them. Any other terminal makes them clickable or ignores them, as the OSC 8
    /// convention asks of terminals.
    public static func hyperlinksWanted(environment: [String: String]) -> Bool {
        if let choice = environment["KLAXON_HYPERLINKS"], !choice.isEmpty { return choice != "0" }
        let term = environment["TERM"] ?? ""
        return !(term == "linux" || term == "dumb" || (term.hasPrefix("screen") && environment["TMUX"] == nil))
    }

    /// The escape sequence a terminal raises desktop notifications on: OSC 9 (iTerm2, WezTerm, Ghostty,
    /// Windows Terminal) or OSC 777 (VTE's terminals such as GNOME Terminal, foot, rxvt-unicode); nil
    /// where neither is known to work (the bell alone then). `KLAXON_NOTIFY_OSC` (9, 777 or 0) decides.
    public enum DesktopNotification: String, Sendable {
        case osc9 = "9"
        case osc777 = "777"

        public static func wanted(environment: [String: String]) -> DesktopNotification? {
            if let choice = environment["KLAXON_NOTIFY_OSC"], !choice.isEmpty { return Self(rawValue: choice) }
            let program = environment["TERM_PROGRAM"] ?? ""
            if ["iTerm.app", "WezTerm", "ghostty"].contains(program) || environment["WT_SESSION"] != nil {
                return .osc9
            }
            let term = environment["TERM"] ?? ""
            if environment["VTE_VERSION"] != nil || term.hasPrefix("foot") || term.hasPrefix("rxvt") { return .osc777 }
            return nil
        }

        /// The sequence for `notice`: its text one line, without control characters (a title could
        /// otherwise end the sequence and start another), and without `;` in OSC 777's title, which
        /// separates it from the body.
        public func sequence(_ notice: ConsoleNotice) -> String {
            func clean(_ text: String, _ limit: Int) -> String {
                String(TerminalText.printable(text).prefix(limit))
            }
            switch self {
            case .osc9: return "\u{1B}]9;\(clean(notice.title + ": " + notice.body, 300))\u{7}"
            case .osc777:
                let title = clean(notice.title, 100).replacingOccurrences(of: ";", with: ",")
                return "\u{1B}]777;notify;\(title);\(clean(notice.body, 200))\u{7}"
            }
        }
    }

    /// Rings the bell and, with `desktop`, raises a desktop notification by it.
    public func notify(_ notice: ConsoleNotice, desktop: DesktopNotification?) {
        fputs("\u{7}" + (desktop?.sequence(notice) ?? ""), output)
        fflush(output)
    }

    /// ncurses cannot carry OSC 8, so the cells of each link that is new (or that ncurses has just
    /// redrawn) are written again inside the hyperlink sequence: the same characters in the same
    /// styles at the same place, between saving and restoring the cursor (DECSC, DECRC). ncurses's
    /// picture of the screen stays true, and it leaves attributes normal after a refresh.
    func markHyperlinks(_ frame: Frame, previous: Frame?) {
        var out = ""
        for link in frame.hyperlinks where link.row < min(frame.rows, rows) && link.column >= 0 {
            let columns = link.column..<min(frame.columns, columns, link.column + link.width)
            if let previous, previous.hyperlinks.contains(link),
                columns.allSatisfy({ previous[link.row, $0] == frame[link.row, $0] })
            {
                continue
            }
            out += "\u{1B}[\(link.row + 1);\(link.column + 1)H\u{1B}]8;;\(link.url)\u{1B}\\"
            var style: Style?
            for x in columns where !frame[link.row, x].isContinuation {
                let cell = frame[link.row, x]
                if cell.style != style {
                    out += sgr(cell.style)
                    style = cell.style
                }
                out.append(cell.character)
            }
            out += "\u{1B}]8;;\u{1B}\\\u{1B}[0m"
        }
        guard !out.isEmpty else { return }
        fputs("\u{1B}7" + out + "\u{1B}8", output)
        fflush(output)
    }

    /// The SGR sequence that gives `style` the look `look(style)` gives it through ncurses.
    func sgr(_ style: Style) -> String {
        let (foreground, background, attributes) = usesColor ? Self.colors(style) : (-1, -1, Self.monochrome(style))
        var codes = ["0"]
        for (attribute, code) in [
            (klaxon_a_bold(), "1"), (klaxon_a_dim(), "2"), (klaxon_a_italic(), "3"), (klaxon_a_underline(), "4"),
            (klaxon_a_reverse(), "7")
        ] where attributes & attribute != 0 {
            codes.append(code)
        }
        if foreground >= 0 { codes.append(foreground < 8 ? "\(30 + foreground)" : "38;5;\(foreground)") }
        if background >= 0 { codes.append(background < 8 ? "\(40 + background)" : "48;5;\(background)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }

    /// Repaints everything on the next `paint` (ctrl-l, or after another program used the terminal).
    public func invalidate() {
        painted = nil
        clearok(window, true)
    }

    /// Attributes and colour pair of a style.
    func look(_ style: Style) -> (attr_t, Int16) {
        if usesColor {
            return (Self.colors(style).attributes, Int16(style.rawValue + 1))
        }
        return (Self.monochrome(style), 0)
    }

    /// Colours (foreground, background; -1 is the terminal's default) and attributes per style.
    static func colors(_ style: Style) -> (Int16, Int16, attributes: attr_t) {
        let bold = klaxon_a_bold()
        let dim = klaxon_a_dim()
        let reverse = klaxon_a_reverse()
        let none = klaxon_a_normal()
        // A state inside the selection: its colours reversed, so the selected DOWN row is red, not plain.
        if let state = style.unselected {
            let (foreground, background, attributes) = colors(state)
            return (foreground, background, attributes | reverse)
        }
        switch style {
        case .normal, .kind: return (-1, -1, none)
        case .dim, .hint: return (-1, -1, dim)
        case .heading: return (-1, -1, bold)
        case .accent, .code: return (Int16(COLOR_CYAN), -1, none)
        case .selected: return (-1, -1, reverse)
        case .bar: return (Int16(COLOR_WHITE), Int16(COLOR_BLUE), bold)
        case .barAlarm: return (Int16(COLOR_WHITE), Int16(COLOR_RED), bold)
        case .message, .ok, .acked: return (Int16(COLOR_GREEN), -1, none)
        case .resolved: return (Int16(COLOR_GREEN), -1, dim)
        case .error, .critical: return (Int16(COLOR_RED), -1, bold)
        case .warning: return (Int16(COLOR_YELLOW), -1, bold)
        case .stale: return (Int16(COLOR_MAGENTA), -1, bold)
        case .match: return (Int16(COLOR_BLACK), Int16(COLOR_YELLOW), none)
        case .actor: return (Int16(COLOR_BLUE), -1, bold)
        case .emphasis: return (-1, -1, klaxon_a_italic())
        case .strong: return (-1, -1, bold)
        case .strikethrough: return (-1, -1, dim)
        case .link: return (Int16(COLOR_BLUE), -1, klaxon_a_underline())
        case .blind: return (Int16(COLOR_CYAN), -1, bold | klaxon_a_underline())
        case .publicUpdate: return (Int16(COLOR_MAGENTA), -1, none)
        case .selectedCritical, .selectedWarning, .selectedStale, .selectedOk, .selectedBlind, .selectedResolved:
            return (-1, -1, reverse)
        }
    }

    /// Attributes only, for monochrome terminals and `NO_COLOR`: what must stand out still does.
    static func monochrome(_ style: Style) -> attr_t {
        let bold = klaxon_a_bold()
        let dim = klaxon_a_dim()
        let reverse = klaxon_a_reverse()
        let underline = klaxon_a_underline()
        if let state = style.unselected { return monochrome(state) | reverse }
        switch style {
        case .normal, .kind, .actor, .accent, .code, .message, .ok, .acked: return klaxon_a_normal()
        case .dim, .hint, .resolved: return dim
        case .heading, .warning: return bold
        case .selected, .bar: return reverse
        // Inside the reversed bar: still reversed, and underlined to stand out.
        case .barAlarm: return reverse | bold | underline
        case .error, .critical: return bold | underline
        case .stale: return bold | underline
        case .match: return reverse | underline
        case .emphasis: return klaxon_a_italic()
        case .strong: return bold
        case .strikethrough: return dim
        case .link: return underline
        case .blind: return dim | underline
        // Without colour the label says "update"; bold sets the public text apart from the notes.
        case .publicUpdate: return bold
        case .selectedCritical, .selectedWarning, .selectedStale, .selectedOk, .selectedBlind, .selectedResolved:
            return reverse
        }
    }

    // MARK: - Input

    /// The events waiting on the input, without blocking. `time` is when they are read (a monotonic
    /// clock): a paste whose end never comes ends a while after its bytes stop.
    public func readEvents(at time: Timestamp) -> [TerminalEvent] {
        nodelay(window, true)
        var events: [TerminalEvent] = []
        var bytes = 0
        // Bounded by bytes too, as a paste is one event however long: input that never stops still
        // lets the loop draw and answer between reads.
        while events.count < 100_000 && bytes < 1 << 22 {
            // Bytes, not wget_wch: its decoding drops the characters after an invalid byte in the same read.
            let code = wgetch(window)
            if code == ERR { return events + Self.keys(decoder.endRead(at: time)) }
            bytes += 1
            if code == KEY_RESIZE {
                events.append(.resize(columns: columns, rows: rows))
            } else if code == KEY_MOUSE {
                // ncurses matched terminfo's `kmous`, the start of a report: the decoder reads it whole.
                if !decoder.isPasting { events += Self.keys(mouseKeyBytes.flatMap { decoder.feed($0) }) }
            } else if code >= KEY_MIN {
                guard let key = Self.key(forKeyCode: code) else { continue }
                events += Self.keys(decoder.interrupt())
                // Inside a paste, a sequence ncurses took for a key is pasted text; it is left out.
                if !decoder.isPasting { events.append(.key(key)) }
            } else {
                events += Self.keys(decoder.feed(UInt8(truncatingIfNeeded: code)))
            }
        }
        return events
    }

    /// The keys of what the decoder read.
    static func keys(_ inputs: [UTF8InputDecoder.Input]) -> [TerminalEvent] {
        var events: [TerminalEvent] = []
        for input in inputs {
            switch input {
            case .scalar(let scalar):
                guard let key = Self.key(for: scalar.value) else { continue }
                // ESC and a carriage return in one read: the terminal's alt-enter (a person cannot type
                // the two within one read).
                if key == .enter, events.last == .key(.escape) {
                    events[events.count - 1] = .key(.altEnter)
                } else {
                    events.append(.key(key))
                }
            case .paste(let text, let cut): events.append(.key(.paste(text, cut: cut)))
            case .mouse(let event): events.append(.key(.mouse(event)))
            }
        }
        return events
    }

    /// The key of a code ncurses decoded from an escape sequence.
    static func key(forKeyCode code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_BTAB: .backTab
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_ENTER: .enter
        default: nil
        }
    }

    /// The key of a character code from the terminal.
    static func key(for code: UInt32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(code + 96)!))
        case 0..<32: return nil
        default: return Unicode.Scalar(code).map { .character(Character($0)) }
        }
    }

    // MARK: - Handing the terminal to another program

    /// Leaves curses mode so a program such as `$EDITOR` can use the terminal.
    public func suspend() {
        def_prog_mode()
        endwin()
        setBracketedPaste(false)
        setMouse(false)
    }

    /// Returns to curses mode after `suspend` and repaints everything.
    public func resume() {
        reset_prog_mode()
        setBracketedPaste(true)
        setMouse(true)
        invalidate()
    }

    // MARK: - Headless tests

    /// Writes `text` starting at (`row`, `column`).
    public func put(_ text: String, row: Int, column: Int) {
        var wide = text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        wide.append(0)
        _ = klaxon_mvwaddwstr(window, Int32(row), Int32(column), wide)
    }

    /// The text stored in the cell at (`row`, `column`): a character, or "" for the right half of a
    /// wide character.
    public func cellText(row: Int, column: Int) -> String {
        var buffer = [wchar_t](repeating: 0, count: 8)
        let count = klaxon_cell_text(window, Int32(row), Int32(column), &buffer, Int32(buffer.count))
        guard count > 0 else { return "" }
        return String(
            String.UnicodeScalarView(buffer.prefix(Int(count)).compactMap { Unicode.Scalar(UInt32(bitPattern: $0)) }))
    }

    /// The terminal column width of `scalar` by the C library (`wcwidth`): 2 wide, 0 combining, else 1.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        Int(klaxon_wcwidth(wchar_t(bitPattern: scalar.value)))
    }

    /// Sends what was drawn to the output stream.
    public func refresh() { wrefresh(window) }
}
