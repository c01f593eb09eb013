import KlaxonCore

/// The text of an input field or the note editor, with a cursor.
public struct TextBuffer: Hashable, Sendable {
    public private(set) var characters: [Character] = []
    /// Index into `characters` where the next character goes.
    public private(set) var cursor = 0
    public var multiline: Bool

    public init(_ text: String = "", multiline: Bool = false) {
        self.multiline = multiline
        characters = Array(text)
        cursor = characters.count
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.allSatisfy { $0.isWhitespace } }

    /// Applies an editing key; returns false when the key is not an editing key.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let c): insert(c)
        case .enter where multiline: insert("\n")
        case .backspace:
            if cursor > 0 {
                characters.remove(at: cursor - 1)
                cursor -= 1
            }
        case .delete, .control("d"):
            if cursor < characters.count { characters.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(characters.count, cursor + 1)
        case .home, .control("a"): cursor = lineStart(cursor)
        case .end, .control("e"): cursor = lineEnd(cursor)
        case .control("u"):
            let start = lineStart(cursor)
            characters.removeSubrange(start..<cursor)
            cursor = start
        case .control("k"):
            characters.removeSubrange(cursor..<lineEnd(cursor))
        case .control("w"):
            var start = cursor
            while start > 0, characters[start - 1] == " " { start -= 1 }
            while start > 0, characters[start - 1] != " ", characters[start - 1] != "\n" { start -= 1 }
            characters.removeSubrange(start..<cursor)
            cursor = start
        case .up where multiline:
            let start = lineStart(cursor)
            guard start > 0 else { return true }
            let column = cursor - start
            let previousStart = lineStart(start - 1)
            cursor = min(previousStart + column, start - 1)
        case .down where multiline:
            let end = lineEnd(cursor)
            guard end < characters.count else { return true }
            let column = cursor - lineStart(cursor)
            cursor = min(end + 1 + column, lineEnd(end + 1))
        default:
            return false
        }
        return true
    }

    /// The most characters a field holds, as much as a note or a title may (InputLimits, shared
    /// with the commands): a note is for people to read in the middle of an outage (a log belongs
    /// in a link), and every frame lays the text out again.
    public static let maximumCount = InputLimits.textCharacters

    /// Inserts `text` at the cursor in one step (a line break only where the buffer is multiline).
    /// Returns false when the text did not fit whole and was cut at `maximumCount`.
    @discardableResult
    public mutating func insert(_ text: String) -> Bool {
        let accepted = multiline ? Array(text) : text.filter { $0 != "\n" && $0 != "\r\n" }.map { $0 }
        let inserted = accepted.prefix(max(0, Self.maximumCount - characters.count))
        characters.insert(contentsOf: inserted, at: cursor)
        cursor += inserted.count
        return inserted.count == accepted.count
    }

    /// Inserts pasted text as text, whatever it holds: control characters are left out, a tab is a
    /// space, and a line break (LF, CR or CR LF) is a line break in a multi-line buffer and a space in
    /// a one-line one (where it would be enter), which also drops those that end the paste. Returns
    /// false when the text did not fit whole.
    @discardableResult
    public mutating func paste(_ text: String) -> Bool {
        var clean = String.UnicodeScalarView()
        var afterCR = false
        var trailingBreaks = 0
        for scalar in text.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            switch scalar {
            case "\n" where afterCR: continue
            case "\n", "\r":
                clean.append(multiline ? "\n" : " ")
                trailingBreaks += 1
            case "\u{00}"..."\u{08}", "\u{0B}"..."\u{1F}", "\u{7F}"..."\u{9F}": continue
            default:
                clean.append(scalar == "\t" ? " " : scalar)
                trailingBreaks = 0
            }
        }
        if !multiline { clean.removeLast(trailingBreaks) }
        return insert(String(clean))
    }

    mutating func insert(_ c: Character) {
        if (c == "\n" && !multiline) || characters.count >= Self.maximumCount { return }
        characters.insert(c, at: cursor)
        cursor += 1
    }

    func lineStart(_ index: Int) -> Int {
        var i = index
        while i > 0, characters[i - 1] != "\n" { i -= 1 }
        return i
    }

    func lineEnd(_ index: Int) -> Int {
        var i = index
        while i < characters.count, characters[i] != "\n" { i += 1 }
        return i
    }

    /// The lines of the text and the cursor's (line, column in display columns).
    public var linesAndCursor: (lines: [String], line: Int, column: Int) {
        var lines: [String] = [""]
        var line = 0
        var column = 0
        for (i, c) in characters.enumerated() {
            if i == cursor {
                line = lines.count - 1
                column = TextWidth.width(of: lines[lines.count - 1])
            }
            if c == "\n" { lines.append("") } else { lines[lines.count - 1].append(c) }
        }
        if cursor == characters.count {
            line = lines.count - 1
            column = TextWidth.width(of: lines[lines.count - 1])
        }
        return (lines, line, column)
    }
}
