/// How many terminal columns text takes: 2 for wide characters (CJK, Hangul, fullwidth forms, emoji
/// shown as emoji), 0 for combining marks and zero-width characters, 1 otherwise. A test in
/// KlaxonTerminalTests keeps this in step with the C library's `wcwidth`.
public enum TextWidth {
    /// Ranges of East Asian Wide and Fullwidth characters (Unicode's EastAsianWidth.txt, W and F).
    static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
        0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
        0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
        0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
        0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
        0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
        0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
        0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248,
        0x1F250...0x1F251, 0x1F260...0x1F265, 0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
        0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4,
        0x1F3F8...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E,
        0x1F550...0x1F567, 0x1F57A...0x1F57A, 0x1F595...0x1F596, 0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F,
        0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF,
        0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0...0x1F7F0, 0x1F90C...0x1F93A,
        0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD
    ]

    /// The width of one Unicode scalar.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v < 0x20 ? 0 : 1 }
        if v < 0xA0 { return 0 }
        if v == 0xAD { return 1 }  // the soft hyphen: a format character that terminals still draw
        // Common ranges answered without Unicode property lookups: Latin-1 and Latin Extended (no marks
        // before U+0300), dashes, quotes and bullets, box drawing, and the CJK ideographs and Hangul syllables.
        if v < 0x300 || (0x2010...0x2027).contains(v) || (0x2030...0x205E).contains(v) || (0x2500...0x259F).contains(v)
        {
            return 1
        }
        if (0x4E00...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v) { return 2 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if v == 0x200B || (0x1160...0x11FF).contains(v) { return 0 }
        if v >= 0x1100 && isWide(v) { return 2 }
        return 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        var low = 0
        var high = wideRanges.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let range = wideRanges[mid]
            if v < range.lowerBound {
                high = mid - 1
            } else if v > range.upperBound {
                low = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// The width of one character (grapheme cluster): its first scalar's, or 2 for an emoji made to
    /// show as emoji with U+FE0F.
    public static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.count > 1, scalars.contains(where: { $0.value == 0xFE0F }), first.properties.isEmoji { return 2 }
        return width(of: first)
    }

    public static func width(of text: String) -> Int {
        // Printable ASCII, most text there is, is one column a byte: no grapheme breaking needed.
        var ascii = true
        for byte in text.utf8 where byte < 0x20 || byte >= 0x7F {
            ascii = false
            break
        }
        if ascii { return text.utf8.count }
        // Text made only of scalars that never join a neighbour in a grapheme cluster (Latin, dashes and
        // quotes, arrows, box drawing, CJK ideographs, Hangul syllables) is the sum of its scalars:
        // grapheme breaking, which costs more than the rest of a runbook's layout, is not needed.
        var total = 0
        var standalone = true
        for scalar in text.unicodeScalars {
            guard standsAlone(scalar.value) else {
                standalone = false
                break
            }
            total += width(of: scalar)
        }
        if standalone { return total }
        total = 0
        for c in text { total += width(of: c) }
        return total
    }

    /// Whether a scalar is printable and can never be part of a grapheme cluster with another scalar
    /// (no marks, joiners, selectors, regional indicators, Hangul jamo or controls among these).
    static func standsAlone(_ v: UInt32) -> Bool {
        (0x20..<0x7F).contains(v) || (0xA0..<0x300).contains(v) || (0x2010...0x2027).contains(v)
            || (0x2030...0x205E).contains(v) || (0x2190...0x21FF).contains(v) || (0x2500...0x259F).contains(v)
            || (0x4E00...0x9FFF).contains(v) || (0xAC00...0xD7A3).contains(v)
    }

    /// `text` cut to at most `columns` columns, ending with `ellipsis` when cut.
    public static func truncate(_ text: String, to columns: Int, ellipsis: String = "…") -> String {
        guard columns > 0 else { return "" }
        if width(of: text) <= columns { return text }
        let room = columns - width(of: ellipsis)
        guard room >= 0 else { return String(repeating: ".", count: columns) }
        var out = ""
        var used = 0
        for c in text {
            let w = width(of: c)
            if used + w > room { break }
            out.append(c)
            used += w
        }
        return out + ellipsis
    }

    /// `text` cut in the middle to at most `columns` columns, `…` where it was cut: for paths, whose
    /// start says where and whose end says what.
    public static func elideMiddle(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if width(of: text) <= columns { return text }
        guard columns > 2 else { return truncate(text, to: columns) }
        let characters = Array(text)
        // The end keeps the last component whole where it can (a file's name is at the end), leaving
        // the start at least a third.
        let last =
            text.split(separator: "/", omittingEmptySubsequences: false).last.map { width(of: String($0)) + 1 } ?? 0
        var tailRoom = max((columns - 1) / 2, min(last, (columns - 1) * 2 / 3))
        var headRoom = columns - 1 - tailRoom
        var head = ""
        var tail = ""
        for c in characters {
            let w = width(of: c)
            if w > headRoom { break }
            head.append(c)
            headRoom -= w
        }
        tailRoom += headRoom
        for c in characters.reversed() {
            let w = width(of: c)
            if w > tailRoom { break }
            tail.insert(c, at: tail.startIndex)
            tailRoom -= w
        }
        return head + "…" + tail
    }

    /// `text` padded with spaces (or cut) to exactly `columns` columns.
    public static func pad(_ text: String, to columns: Int) -> String {
        let cut = truncate(text, to: columns)
        return cut + String(repeating: " ", count: max(0, columns - width(of: cut)))
    }

    /// `text` broken into lines of at most `columns` columns, at spaces where possible; newlines in
    /// `text` start new lines.
    public static func wrap(_ text: String, to columns: Int) -> [String] {
        wrap(text[...], to: columns, maxLines: .max).map(\.text)
    }

    /// The first `maxLines` lines of `wrap(text, to: columns)`, each with the index in `text` where what
    /// follows it starts. It reads `text` only as far as those lines go, so the first lines of a huge text
    /// cost what a short text does.
    public static func wrap(_ text: Substring, to columns: Int, maxLines: Int) -> [(text: String, end: String.Index)] {
        guard columns > 0, maxLines > 0 else { return [] }
        var lines: [(text: String, end: String.Index)] = []
        var line = ""
        var used = 0
        // The word being read, each character with where it starts, and its width. Once it is wider than
        // a line it is cut wherever it must be, character by character as they come (`cutting`).
        var word: [(character: Character, at: String.Index)] = []
        var wordWidth = 0
        var cutting = false

        /// Ends the line; false when it was the last line wanted.
        func endLine(_ end: String.Index) -> Bool {
            lines.append((line, end))
            line = ""
            used = 0
            return lines.count < maxLines
        }
        /// Puts one character of a word wider than a line.
        func cut(_ c: Character, at index: String.Index) -> Bool {
            let w = width(of: c)
            if used + w > columns && !endLine(index) { return false }
            line.append(c)
            used += w
            return true
        }
        /// Puts the word read so far (ending at `end`) after a space, or on the next line when it does not fit.
        func placeWord(end: String.Index) -> Bool {
            defer {
                word.removeAll(keepingCapacity: true)
                wordWidth = 0
                cutting = false
            }
            if cutting { return true }
            if used > 0 && used + 1 + wordWidth > columns && !endLine(word.first?.at ?? end) { return false }
            if used > 0 {
                line += " "
                used += 1
            }
            for (c, _) in word { line.append(c) }
            used += wordWidth
            return true
        }

        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            let next = text.index(after: index)
            if c == "\n" {
                guard placeWord(end: index), endLine(next) else { return lines }
            } else if c == " " {
                guard placeWord(end: index) else { return lines }
            } else if cutting {
                guard cut(c, at: index) else { return lines }
            } else {
                word.append((c, index))
                wordWidth += width(of: c)
                if wordWidth > columns {
                    // Wider than a line: it starts a line of its own and is cut.
                    if used > 0 && !endLine(word[0].at) { return lines }
                    cutting = true
                    for (c, at) in word { guard cut(c, at: at) else { return lines } }
                }
            }
            index = next
        }
        if placeWord(end: index) { _ = endLine(index) }
        return lines
    }
}
