import KlaxonCore

/// What a cell means; only the terminal adapter turns this into colours and attributes, with
/// monochrome and `NO_COLOR` fallbacks.
public enum Style: Int, CaseIterable, Hashable, Sendable {
    case normal, dim, heading, accent, selected, bar, hint, message, error
    case critical, warning, ok, acked, resolved, stale, match, code, actor, kind
    /// Markdown's inline styles, in runbooks.
    case emphasis, strong, strikethrough, link
    /// A check whose source cannot be read: neither up (green) nor down (red).
    case blind
    /// What must stand out in the top bar (open incidents, nobody on call, the store's outage, DRILL): a
    /// badge of its own colour, which keeps the bar a bar (red text on the terminal's background broke it).
    case barAlarm
    /// A public status update on the timeline: what the people who depend on the platform read, told
    /// apart from the internal notes around it.
    case publicUpdate
    /// A state's style inside a selected row: reverse video that keeps the state's colour, so the one
    /// DOWN row, selected by default, is still red.
    case selectedCritical, selectedWarning, selectedStale, selectedOk, selectedBlind, selectedResolved

    /// The style of a severity.
    static func of(_ severity: Severity) -> Style {
        switch severity {
        case .sev1, .sev2: .critical
        case .sev3: .warning
        default: .normal
        }
    }

    /// This style inside a selected row: its selected variant, or plain `selected` for styles that mean
    /// no state.
    public var selected: Style {
        switch self {
        case .critical, .error: .selectedCritical
        case .warning: .selectedWarning
        case .stale: .selectedStale
        case .ok, .acked: .selectedOk
        case .blind: .selectedBlind
        case .resolved: .selectedResolved
        default: .selected
        }
    }

    /// The style a selected variant keeps the colour of (nil for any other style).
    public var unselected: Style? {
        switch self {
        case .selectedCritical: .critical
        case .selectedWarning: .warning
        case .selectedStale: .stale
        case .selectedOk: .ok
        case .selectedBlind: .blind
        case .selectedResolved: .resolved
        default: nil
        }
    }
}

/// One cell of the screen: a character (with its combining marks) in a style. A wide character
/// takes its cell and the next, which holds `continuation`.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var style: Style

    public static let blank = Cell(character: " ", style: .normal)
    /// The right half of a wide character.
    public static let continuation = Cell(character: "\u{0}", style: .normal)

    public var isContinuation: Bool { character == "\u{0}" }
}

/// Cells of one row that are a link to an external URL: terminals that know OSC 8 make them clickable.
public struct Hyperlink: Hashable, Sendable {
    public var row: Int
    public var column: Int
    /// Columns, from `column`.
    public var width: Int
    public var url: String

    public init(row: Int, column: Int, width: Int, url: String) {
        self.row = row
        self.column = column
        self.width = width
        self.url = url
    }
}

/// A screen's worth of cells, drawn by the views and painted by the terminal adapter.
public struct Frame: Hashable, Sendable {
    public let columns: Int
    public let rows: Int
    public private(set) var cells: [Cell]
    /// External links on the screen, for the terminal adapter to mark as OSC 8 hyperlinks.
    public var hyperlinks: [Hyperlink] = []
    /// What a click means where: the rows of lists, links, the parts of the top and bottom lines, as
    /// drawn (later targets are on top). `ConsoleUpdate` looks the pointer up here.
    public var clickTargets: [ClickTarget] = []
    /// Where the terminal cursor goes (in an editor), or nil to hide it.
    public var cursor: (row: Int, column: Int)? {
        get { cursorPosition.map { ($0 / max(1, columns), $0 % max(1, columns)) } }
        set { cursorPosition = newValue.map { $0.row * columns + $0.column } }
    }
    private var cursorPosition: Int?

    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        cells = Array(repeating: .blank, count: self.columns * self.rows)
    }

    /// A cell. Setting one that is half of a wide character blanks the other half, so a wide
    /// character is never left cut in two.
    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * columns + column] }
        set {
            let index = row * columns + column
            if cells[index].isContinuation, column > 0 {
                cells[index - 1] = Cell(character: " ", style: cells[index - 1].style)
            }
            if column + 1 < columns, cells[index + 1].isContinuation, !newValue.isContinuation {
                cells[index + 1] = Cell(character: " ", style: cells[index + 1].style)
            }
            cells[index] = newValue
        }
    }

    /// Writes `text` at (`row`, `column`), cut to `width` columns (to the right edge by default) and
    /// to the frame; a cut text ends with `…` (unless `ellipsis` is false: code that scrolls sideways,
    /// a field being edited). Control characters become `�`; a wide character that would not fit whole
    /// is left out. Returns the column after the text.
    @discardableResult
    public mutating func put(
        _ text: String, row: Int, column: Int, style: Style = .normal, width: Int? = nil, ellipsis: Bool = true
    ) -> Int {
        guard row >= 0, row < rows, column < columns else { return column }
        let limit = min(columns, column + (width ?? columns))
        func shown(_ c: Character) -> Character {
            c.unicodeScalars.contains(where: TerminalText.isControl) ? Character(TerminalText.replacement) : c
        }
        // Where the text must stop to leave a column for `…`, if it does not fit: found reading only as
        // far as the room goes, so a megabyte of text costs what a line does.
        var end = text.endIndex
        if ellipsis {
            var used = 0
            var beforeEllipsis = text.startIndex
            for i in text.indices {
                used += TextWidth.width(of: shown(text[i]))
                if used > limit - column {
                    end = beforeEllipsis
                    break
                }
                if used <= limit - column - 1 { beforeEllipsis = text.index(after: i) }
            }
        }
        var x = column
        for var c in text[..<end] {
            c = shown(c)
            let w = TextWidth.width(of: c)
            if w == 0 {
                // A lone combining mark or zero-width character: skip it rather than misalign the line.
                continue
            }
            if x + w > limit { break }
            if x >= 0 {
                self[row, x] = Cell(character: c, style: style)
                if w == 2 {
                    // The half after a wide character: clear what it overlaps, then mark it.
                    if x + 2 < columns, cells[row * columns + x + 2].isContinuation {
                        self[row, x + 2] = Cell(character: " ", style: style)
                    }
                    cells[row * columns + x + 1] = .continuation
                }
            }
            x += w
        }
        if end < text.endIndex && x < limit {
            if x >= 0 { self[row, x] = Cell(character: "…", style: style) }
            x += 1
        }
        return x
    }

    /// Replaces every non-ASCII character by `replacement(character)`, and each right half of a wide
    /// character by `?`, so every cell is one ASCII column (for terminals whose locale is not UTF-8).
    public mutating func replaceNonASCII(_ replacement: (Character) -> Character) {
        for i in cells.indices {
            if cells[i].isContinuation {
                cells[i].character = "?"
            } else if !cells[i].character.isASCII {
                cells[i].character = replacement(cells[i].character)
            }
        }
    }

    /// Sets the style of `count` cells from (`row`, `column`), keeping their characters.
    public mutating func restyle(row: Int, column: Int, count: Int, style: Style) {
        guard row >= 0, row < rows else { return }
        for x in max(0, column)..<min(columns, column + count) { self[row, x].style = style }
    }

    /// Fills a row with `style` blanks.
    public mutating func fill(row: Int, style: Style) {
        guard row >= 0, row < rows else { return }
        for x in 0..<columns { self[row, x] = Cell(character: " ", style: style) }
    }

    /// Forgets the hyperlinks any of whose cells differ from `earlier`'s (something was drawn over them).
    public mutating func dropHyperlinks(changedSince earlier: Frame) {
        guard earlier.columns == columns, earlier.rows == rows else {
            hyperlinks = []
            return
        }
        let cells = cells
        let columns = columns
        hyperlinks.removeAll { link in
            (link.column..<min(columns, link.column + link.width)).contains {
                cells[link.row * columns + $0] != earlier.cells[link.row * columns + $0]
            }
        }
    }

    /// Makes `row` from `column` (to the right edge by default) mean `click`.
    public mutating func addClick(_ click: Click, row: Int, column: Int = 0, width: Int? = nil) {
        guard row >= 0, row < rows, column < columns else { return }
        let width = min(width ?? columns - column, columns - column)
        guard width > 0 else { return }
        clickTargets.append(ClickTarget(row: row, column: column, width: width, click: click))
    }

    /// What a click on the cell at (`row`, `column`) means: the last target drawn there, if any.
    public func click(row: Int, column: Int) -> Click? {
        clickTargets.last { $0.contains(row: row, column: column) }?.click
    }

    /// Forgets the click targets on rows from `rows` (something was drawn over them).
    public mutating func dropClickTargets(rows: Range<Int>) {
        clickTargets.removeAll { rows.contains($0.row) }
    }

    /// The text of one row (continuation cells left out).
    public func text(ofRow row: Int) -> String {
        var out = ""
        for x in 0..<columns where !self[row, x].isContinuation { out.append(self[row, x].character) }
        return out
    }

    /// The whole frame as text, one line per row, trailing spaces kept: the form of screen snapshots.
    public var text: String { (0..<rows).map(text(ofRow:)).joined(separator: "\n") }

    public static func == (a: Frame, b: Frame) -> Bool {
        a.columns == b.columns && a.rows == b.rows && a.cells == b.cells && a.cursorPosition == b.cursorPosition
            && a.hyperlinks == b.hyperlinks && a.clickTargets == b.clickTargets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(columns)
        hasher.combine(rows)
        hasher.combine(cells)
    }
}
