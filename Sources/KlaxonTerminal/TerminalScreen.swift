internal import CNcursesw
#if canImport(Glibc)
import Glibc
#endif
import KlaxonCore

/// An ncursesw screen on a pair of streams: the real terminal for the console, or files (such as
/// /dev/null) for headless tests. Only this target touches ncurses.
public final class TerminalScreen {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let output: UnsafeMutablePointer<FILE>
    private let input: UnsafeMutablePointer<FILE>

    /// Starts ncurses for terminal type `term` writing to `outputPath` and reading `inputPath`, in
    /// `locale` ("" means the one the environment names). An unknown terminal type is an error, not
    /// an exit (which `initscr` would do).
    public init(term: String, outputPath: String, inputPath: String, locale: String = "") throws(KlaxonError) {
        setlocale(LC_ALL, locale) // without it wide characters are garbled
        guard let output = fopen(outputPath, "w") else { throw .failed("cannot open \(outputPath) for the screen") }
        guard let input = fopen(inputPath, "r") else {
            fclose(output)
            throw .failed("cannot open \(inputPath) for keyboard input")
        }
        guard let screen = newterm(term, output, input), let window = klaxon_stdscr() else {
            fclose(output); fclose(input)
            throw .badInput("the terminal type \"\(term)\" is unknown to ncurses; set TERM to one your system knows, e.g. xterm-256color")
        }
        self.screen = screen
        self.window = window
        self.output = output
        self.input = input
    }

    deinit {
        endwin()
        delscreen(screen)
        fclose(output)
        fclose(input)
    }

    public var rows: Int { Int(klaxon_getmaxy(window)) }
    public var columns: Int { Int(klaxon_getmaxx(window)) }

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
        return String(String.UnicodeScalarView(buffer.prefix(Int(count)).compactMap { Unicode.Scalar(UInt32(bitPattern: $0)) }))
    }

    /// The terminal column width of `scalar`: 2 for wide (CJK, most emoji), 0 for combining, else 1.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        Int(klaxon_wcwidth(wchar_t(bitPattern: scalar.value)))
    }

    /// Sends what was drawn to the output stream.
    public func refresh() { wrefresh(window) }
}
