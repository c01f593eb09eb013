import KlaxonCore

/// A runbook laid out to a width: lines of styled spans, with its headings (for the table of contents
/// and `#anchors`) and its targets (numbered links and checklist steps) located.
public struct RunbookPage: Sendable {
    public struct Span: Hashable, Sendable {
        public var text: String
        public var style: Style
        /// Index into `targets` when the span belongs to a link or a checklist step.
        public var target: Int?
    }

    public struct Line: Hashable, Sendable {
        public var spans: [Span]
        /// A line of a code block: verbatim, never wrapped; scrolls sideways instead.
        public var isCode = false
        /// A code line exactly as the file has it (tabs and all), for plain-text output.
        public var verbatim: String?
        public var text: String { spans.map(\.text).joined() }
    }

    public struct Heading: Hashable, Sendable {
        public var level: Int
        public var title: String
        public var anchor: String
        public var line: Int
    }

    public enum TargetKind: Hashable, Sendable {
        case link(url: String)
        /// A task-list item: its 1-based number among the runbook's steps, its text, and whether it is
        /// ticked (in the file, or by the incident shown).
        case step(number: Int, text: String, done: Bool)
    }

    public struct Target: Hashable, Sendable {
        public var kind: TargetKind
        /// The link's number as shown (`[3]`); the step's number for steps.
        public var number: Int
        /// The line it starts on.
        public var line: Int
    }

    public var width: Int
    public var lines: [Line] = []
    public var headings: [Heading] = []
    public var targets: [Target] = []

    /// The line of the heading with this anchor.
    public func line(ofAnchor anchor: String) -> Int? { headings.first { $0.anchor == anchor }?.line }

    /// The widest code line, for sideways scrolling.
    public var widestCodeLine: Int { lines.filter(\.isCode).map { TextWidth.width(of: $0.text) }.max() ?? 0 }
}

/// Lays markdown out to a width. Everything but code blocks wraps at word boundaries (or anywhere in a
/// word wider than the line); code blocks keep their lines exactly, tabs aside (shown as spaces).
public enum RunbookLayout {
    /// `ticks` maps a step's text to its state for the incident shown; steps not in it show the file's.
    public static func page(_ document: MarkdownNode, width: Int, ascii: Bool = false, ticks: [String: Bool] = [:]) -> RunbookPage {
        var builder = Builder(width: max(20, width), ascii: ascii, ticks: ticks)
        builder.blocks(document.children, prefix: Prefix())
        builder.footer(document)
        while builder.page.lines.last?.text.trimmingCharacters(in: .whitespaces).isEmpty == true { builder.page.lines.removeLast() }
        // Each target's line is where its first span landed after wrapping.
        var located = Set<Int>()
        for (number, line) in builder.page.lines.enumerated() {
            for span in line.spans { if let t = span.target, located.insert(t).inserted { builder.page.targets[t].line = number } }
        }
        return builder.page
    }

    /// What goes before each line of a block: the first line's and the following lines' (list markers,
    /// quote bars).
    struct Prefix {
        let first: [RunbookPage.Span]
        let rest: [RunbookPage.Span]
        /// Columns of `first` and of `rest`, measured once.
        let firstWidth: Int
        let restWidth: Int
        var width: Int { max(firstWidth, restWidth) }

        init(first: [RunbookPage.Span] = [], rest: [RunbookPage.Span] = []) {
            self.first = first
            self.rest = rest
            firstWidth = first.reduce(0) { $0 + TextWidth.width(of: $1.text) }
            restWidth = rest.reduce(0) { $0 + TextWidth.width(of: $1.text) }
        }

        func nested(first f: [RunbookPage.Span], rest r: [RunbookPage.Span]) -> Prefix {
            Prefix(first: first + f, rest: rest + r)
        }
    }

    /// One unbreakable piece of inline text.
    struct Piece {
        var text: String
        var style: Style
        var target: Int?
        /// A space between words (dropped at the start of a wrapped line).
        var isSpace = false
        var isHardBreak = false
        /// Columns, measured once.
        var width: Int

        init(text: String, style: Style, target: Int? = nil, isSpace: Bool = false, isHardBreak: Bool = false) {
            self.text = text; self.style = style; self.target = target; self.isSpace = isSpace; self.isHardBreak = isHardBreak
            width = isSpace ? 1 : TextWidth.width(of: text)
        }
    }

    struct Builder {
        var page: RunbookPage
        let ascii: Bool
        let ticks: [String: Bool]
        /// Anchors given so far, for GitHub's `-1`, `-2` on repeats.
        var anchorCounts: [String: Int] = [:]
        var stepCount = 0
        var links: [String] = []
        /// How deep the blocks being laid out are nested; past `maximumDepth` a block is shown as plain
        /// text, so no input can exhaust the stack.
        var depth = 0
        static let maximumDepth = 48

        init(width: Int, ascii: Bool, ticks: [String: Bool]) {
            page = RunbookPage(width: width)
            self.ascii = ascii
            self.ticks = ticks
        }

        func glyph(_ unicode: String, _ plain: String) -> String { ascii ? plain : unicode }

        mutating func blank() {
            if let last = page.lines.last, last.isCode || !last.spans.allSatisfy({ $0.text.utf8.allSatisfy { $0 == 32 } }) {
                page.lines.append(.init(spans: []))
            }
        }

        /// Adds a line; `width` is its width when the caller measured it already.
        mutating func emit(_ spans: [RunbookPage.Span], isCode: Bool = false, verbatim: String? = nil, width: Int? = nil) {
            guard !isCode, (width ?? spans.reduce(0, { $0 + TextWidth.width(of: $1.text) })) > page.width else {
                page.lines.append(.init(spans: spans, isCode: isCode, verbatim: verbatim))
                return
            }
            // A safety net for what nesting leaves no room for: wider lines are cut into pieces that fit,
            // so no text is lost and nothing runs off the screen.
            var line: [RunbookPage.Span] = [], used = 0
            for span in spans {
                var chunk = ""
                for ch in span.text {
                    let w = TextWidth.width(of: ch)
                    if used + w > page.width {
                        if !chunk.isEmpty { line.append(.init(text: chunk, style: span.style, target: span.target)) }
                        page.lines.append(.init(spans: line))
                        line = []; chunk = ""; used = 0
                    }
                    chunk.append(ch)
                    used += w
                }
                if !chunk.isEmpty { line.append(.init(text: chunk, style: span.style, target: span.target)) }
            }
            if !line.isEmpty { page.lines.append(.init(spans: line)) }
        }

        /// Whether a nested block still gets its own indentation (deep nesting stops indenting at half
        /// the width, so text keeps room).
        func canIndent(_ prefix: Prefix) -> Bool { prefix.width + 6 <= page.width / 2 }

        // MARK: Blocks

        mutating func blocks(_ nodes: [MarkdownNode], prefix: Prefix, tight: Bool = false) {
            var prefix = prefix
            for (i, node) in nodes.enumerated() {
                if case .footnoteDefinition = node.kind { continue }  // gathered at the end
                block(node, prefix: prefix)
                // Only the first block of a list item carries its marker.
                prefix = Prefix(first: prefix.rest, rest: prefix.rest)
                if !tight && i < nodes.count - 1 { blankWith(prefix) }
            }
        }

        /// A blank line that keeps the quote bars of the enclosing blocks.
        mutating func blankWith(_ prefix: Prefix) {
            if prefix.rest.allSatisfy({ $0.text.utf8.allSatisfy { $0 == 32 } }) { blank() } else { emit(prefix.rest) }
        }

        mutating func block(_ node: MarkdownNode, prefix: Prefix) {
            let available = max(8, page.width - prefix.width)
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth {
                wrap(words(node.plainText, style: .normal, target: nil), prefix: prefix, width: available)
                return
            }
            switch node.kind {
            case .heading(let level):
                let pieces = inline(node.children, base: .heading)
                let start = page.lines.count
                wrap(pieces, prefix: prefix, width: available)
                let anchor = RunbookLinks.uniqueAnchor(RunbookLinks.slug(node.plainText), counts: &anchorCounts)
                page.headings.append(.init(level: level, title: node.plainText, anchor: anchor, line: start))
                if level <= 2 {
                    let titleWidth = min(available, page.lines[start...].map { TextWidth.width(of: $0.text) - prefix.width }.max() ?? 0)
                    let rule = String(repeating: level == 1 ? glyph("━", "=") : glyph("─", "-"), count: max(3, titleWidth))
                    emit(prefix.rest + [.init(text: rule, style: .heading)])
                }
            case .paragraph:
                wrap(inline(node.children, base: .normal), prefix: prefix, width: available)
            case .blockQuote:
                let bar = RunbookPage.Span(text: glyph("│ ", "| "), style: .dim)
                blocks(node.children, prefix: canIndent(prefix) ? prefix.nested(first: [bar], rest: [bar]) : prefix)
            case .list(let ordered, let start, let tight):
                let last = start + node.children.count - 1
                let numberWidth = String(last).count
                for (i, item) in node.children.enumerated() {
                    var marker: String
                    if ordered {
                        let n = String(start + i)
                        marker = String(repeating: " ", count: numberWidth - n.count) + n + ". "
                    } else {
                        marker = glyph("• ", "* ")
                    }
                    var first = [RunbookPage.Span(text: marker, style: .dim)]
                    var rest = [RunbookPage.Span(text: String(repeating: " ", count: TextWidth.width(of: marker)), style: .normal)]
                    if case .item(let task?) = item.kind {
                        stepCount += 1
                        let text = Self.trimmed(item.plainText)
                        let done = ticks[text] ?? task
                        let target = page.targets.count
                        page.targets.append(.init(kind: .step(number: stepCount, text: text, done: done), number: stepCount, line: page.lines.count))
                        first.append(.init(text: done ? "[x] " : "[ ] ", style: done ? .ok : .accent, target: target))
                        rest.append(.init(text: "    ", style: .normal))
                    }
                    let itemPrefix = canIndent(prefix) ? prefix.nested(first: first, rest: rest) : Prefix(first: prefix.rest + first, rest: prefix.rest)
                    blocks(item.children, prefix: itemPrefix, tight: tight)
                    if !tight && i < node.children.count - 1 { blankWith(prefix) }
                }
            case .codeBlock(let info, let literal):
                let language = info.split(separator: " ").first.map(String.init) ?? ""
                let label = language.isEmpty ? "code" : language
                emit(prefix.rest + [.init(text: glyph("╭─ ", "-- ") + label + " ", style: .dim)])
                var lines = literal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                for line in lines {
                    // Tabs to spaces (a cell cannot hold a tab); nothing else changes.
                    emit(prefix.rest + [.init(text: Self.expandTabs(line), style: .code)], isCode: true,
                         verbatim: prefix.rest.map(\.text).joined() + line)
                }
                emit(prefix.rest + [.init(text: glyph("╰─", "--"), style: .dim)])
            case .htmlBlock(let html):
                for line in html.split(separator: "\n") { wrap([Piece(text: String(line), style: .dim)], prefix: prefix, width: available) }
            case .thematicBreak:
                emit(prefix.rest + [.init(text: String(repeating: glyph("─", "-"), count: available), style: .dim)])
            case .table(let alignments):
                table(node, alignments: alignments, prefix: prefix, width: available)
            case .item:
                blocks(node.children, prefix: prefix)
            default:
                // Anything else (an inline node at block level, a node type cmark adds later): its text.
                wrap(inline([node], base: .normal), prefix: prefix, width: available)
            }
        }

        /// Without leading and trailing spaces (cheaper than Foundation's trimming, which goes through NSString).
        static func trimmed(_ text: String) -> String {
            let utf8 = text.utf8
            guard let start = utf8.firstIndex(where: { $0 != 32 && $0 != 9 && $0 != 10 }),
                  let last = utf8.lastIndex(where: { $0 != 32 && $0 != 9 && $0 != 10 }) else { return "" }
            return String(text[start...last])
        }

        static func expandTabs(_ line: String) -> String {
            guard line.utf8.contains(9) else { return line }
            var out = "", column = 0
            for ch in line {
                if ch == "\t" {
                    let spaces = 4 - column % 4
                    out += String(repeating: " ", count: spaces)
                    column += spaces
                } else {
                    out.append(ch)
                    column += TextWidth.width(of: ch)
                }
            }
            return out
        }

        // MARK: Inline

        mutating func inline(_ nodes: [MarkdownNode], base: Style, target: Int? = nil) -> [Piece] {
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth * 2 {
                return words(nodes.map(\.plainText).joined(), style: base, target: target)
            }
            var pieces: [Piece] = []
            for node in nodes {
                switch node.kind {
                case .text(let text): pieces += words(text, style: base, target: target)
                case .softBreak: pieces.append(Piece(text: " ", style: base, target: target, isSpace: true))
                case .lineBreak: pieces.append(Piece(text: "", style: base, isHardBreak: true))
                case .code(let code): pieces += words(code, style: .code, target: target)
                case .htmlInline(let html): pieces += words(html, style: .dim, target: target)
                case .emphasis: pieces += inline(node.children, base: base == .normal ? .emphasis : base, target: target)
                case .strong: pieces += inline(node.children, base: base == .normal || base == .emphasis ? .strong : base, target: target)
                case .strikethrough: pieces += inline(node.children, base: base == .normal ? .strikethrough : base, target: target)
                case .link(let url, _):
                    links.append(url)
                    let index = page.targets.count
                    page.targets.append(.init(kind: .link(url: url), number: links.count, line: page.lines.count))
                    pieces += inline(node.children, base: .link, target: index)
                    pieces.append(Piece(text: "[\(links.count)]", style: .dim, target: index))
                case .image(let url, _):
                    let alt = node.plainText
                    pieces += words("[image: \(alt.isEmpty ? "no description" : alt)] \(url)", style: .dim, target: target)
                case .footnoteReference(let label):
                    pieces.append(Piece(text: "[^\(label)]", style: .accent, target: target))
                default:
                    pieces += inline(node.children, base: base, target: target)
                }
            }
            return pieces
        }

        /// Text split into words and single spaces (at ASCII space, tab and newline: bytes that never
        /// occur inside a multi-byte character).
        func words(_ text: String, style: Style, target: Int?) -> [Piece] {
            var pieces: [Piece] = []
            let utf8 = text.utf8
            var wordStart = utf8.startIndex
            var index = utf8.startIndex
            func flush(_ end: String.Index) {
                if wordStart < end { pieces.append(Piece(text: String(text[wordStart..<end]), style: style, target: target)) }
            }
            while index < utf8.endIndex {
                let byte = utf8[index]
                if byte == 32 || byte == 10 || byte == 9 {
                    flush(index)
                    if pieces.last?.isSpace != true { pieces.append(Piece(text: " ", style: style, target: target, isSpace: true)) }
                    index = utf8.index(after: index)
                    wordStart = index
                } else {
                    index = utf8.index(after: index)
                }
            }
            flush(utf8.endIndex)
            return pieces
        }

        /// Greedy word wrap of `pieces` into lines of `width` columns after the prefix.
        mutating func wrap(_ pieces: [Piece], prefix: Prefix, width: Int) {
            for (i, line) in Self.wrapped(pieces, width: width).enumerated() {
                emit((i == 0 ? prefix.first : prefix.rest) + line.spans, width: line.width + (i == 0 ? prefix.firstWidth : prefix.restWidth))
            }
        }

        /// Greedy word wrap of `pieces` into lines of at most `width` columns, with their widths.
        /// Consecutive non-space pieces form one word (`**bold**,` stays together).
        static func wrapped(_ pieces: [Piece], width: Int) -> [(spans: [RunbookPage.Span], width: Int)] {
            var lines: [[RunbookPage.Span]] = [[]]
            var widths: [Int] = []
            var lineWidth = 0
            var pendingSpace: Piece?
            var index = 0
            func newLine() { widths.append(lineWidth); lines.append([]); lineWidth = 0; pendingSpace = nil }
            /// Adds text to the current line, into its last span when the style and target match
            /// (a line is then a few spans, not one per word).
            func add(_ text: String, _ style: Style, _ target: Int?) {
                let last = lines.count - 1
                if let end = lines[last].last, end.style == style, end.target == target {
                    lines[last][lines[last].count - 1].text += text
                } else {
                    lines[last].append(.init(text: text, style: style, target: target))
                }
            }
            while index < pieces.count {
                let piece = pieces[index]
                if piece.isHardBreak { newLine(); index += 1; continue }
                if piece.isSpace { if lineWidth > 0 { pendingSpace = piece }; index += 1; continue }
                var end = index
                var word: [Piece] = []
                while end < pieces.count, !pieces[end].isSpace, !pieces[end].isHardBreak { word.append(pieces[end]); end += 1 }
                let wordWidth = word.reduce(0) { $0 + $1.width }
                let spaceWidth = pendingSpace == nil ? 0 : 1
                if lineWidth > 0 && lineWidth + spaceWidth + wordWidth > width { newLine() }
                if let space = pendingSpace {
                    add(" ", space.style, space.target)
                    lineWidth += 1
                    pendingSpace = nil
                }
                for piece in word {
                    if lineWidth + piece.width <= width {
                        add(piece.text, piece.style, piece.target)
                        lineWidth += piece.width
                        continue
                    }
                    // A word wider than the line (a long URL, CJK without spaces) breaks anywhere.
                    var chunk = ""
                    for ch in piece.text {
                        let w = TextWidth.width(of: ch)
                        if lineWidth + w > width && lineWidth > 0 {
                            if !chunk.isEmpty { add(chunk, piece.style, piece.target) }
                            chunk = ""
                            newLine()
                        }
                        chunk.append(ch)
                        lineWidth += w
                    }
                    if !chunk.isEmpty { add(chunk, piece.style, piece.target) }
                }
                index = end
            }
            widths.append(lineWidth)
            var result: [(spans: [RunbookPage.Span], width: Int)] = []
            for (i, spans) in lines.enumerated() {
                if i > 0 && spans.isEmpty && i == lines.count - 1 { continue }
                result.append((spans, widths[i]))
            }
            return result
        }

        // MARK: Tables

        mutating func table(_ node: MarkdownNode, alignments: [MarkdownNode.Alignment], prefix: Prefix, width: Int) {
            let rows = node.children
            let columns = rows.map(\.children.count).max() ?? 0
            guard columns > 0 else { return }
            let cells: [[[Piece]]] = rows.map { row in
                (0..<columns).map { c in
                    c < row.children.count ? inline(row.children[c].children, base: { if case .tableRow(true) = row.kind { return .heading }; return .normal }()) : []
                }
            }
            func naturalWidth(_ pieces: [Piece]) -> Int { pieces.reduce(0) { $0 + $1.width } }
            func longestWord(_ pieces: [Piece]) -> Int {
                var longest = 0, current = 0
                for p in pieces { if p.isSpace { current = 0 } else { current += p.width; longest = max(longest, current) } }
                return longest
            }
            let separator = 3  // " │ "
            // Too many columns to show side by side: each row as one line of cells, wrapped.
            if columns * 4 - separator > width {
                for row in cells {
                    var pieces: [Piece] = []
                    for (c, cell) in row.enumerated() {
                        if c > 0 { pieces += [Piece(text: " ", style: .dim, isSpace: true), Piece(text: glyph("│", "|"), style: .dim), Piece(text: " ", style: .dim, isSpace: true)] }
                        pieces += cell
                    }
                    wrap(pieces, prefix: prefix, width: width)
                }
                return
            }
            let room = max(columns * 3, width - separator * (columns - 1))
            var natural = (0..<columns).map { c in max(1, cells.map { naturalWidth($0[c]) }.max() ?? 1) }
            var widths = natural
            if natural.reduce(0, +) > room {
                // Shrink the widest columns first, keeping whole words where it can.
                let minimum = (0..<columns).map { c in min(natural[c], max(3, min(16, cells.map { longestWord($0[c]) }.max() ?? 3))) }
                widths = minimum
                var spare = room - minimum.reduce(0, +)
                if spare < 0 {
                    widths = (0..<columns).map { _ in max(3, room / columns) }
                } else {
                    let wants = (0..<columns).map { natural[$0] - minimum[$0] }
                    let total = max(1, wants.reduce(0, +))
                    for c in 0..<columns { let extra = wants[c] * spare / total; widths[c] += extra }
                    spare = room - widths.reduce(0, +)
                    var c = 0
                    while spare > 0 && wants.contains(where: { $0 > 0 }) {
                        if widths[c] < natural[c] { widths[c] += 1; spare -= 1 }
                        c = (c + 1) % columns
                    }
                }
            }
            natural = widths
            let bar = RunbookPage.Span(text: glyph(" │ ", " | "), style: .dim)
            for (r, row) in cells.enumerated() {
                // Each cell wrapped to its column, then the row's lines side by side.
                let wrapped = (0..<columns).map { Self.wrapped(row[$0], width: widths[$0]) }
                let height = wrapped.map(\.count).max() ?? 1
                let lineWidth = widths.reduce(0, +) + separator * (columns - 1)
                for l in 0..<height {
                    var spans: [RunbookPage.Span] = []
                    for c in 0..<columns {
                        let (content, used) = l < wrapped[c].count ? wrapped[c][l] : ([], 0)
                        let gap = max(0, widths[c] - used)
                        let alignment = c < alignments.count ? alignments[c] : .none
                        let (left, right): (Int, Int) = switch alignment {
                        case .right: (gap, 0)
                        case .center: (gap / 2, gap - gap / 2)
                        default: (0, gap)
                        }
                        if c > 0 { spans.append(bar) }
                        if left > 0 { spans.append(.init(text: String(repeating: " ", count: left), style: .normal)) }
                        spans += content
                        // The last column is not padded on the right.
                        if right > 0 && c < columns - 1 { spans.append(.init(text: String(repeating: " ", count: right), style: .normal)) }
                    }
                    let first = page.lines.isEmpty || l > 0 || r > 0
                    emit((first ? prefix.rest : prefix.first) + spans, width: lineWidth + (first ? prefix.restWidth : prefix.firstWidth))
                }
                if r == 0, case .tableRow(true) = rows[0].kind {
                    let rule = widths.map { String(repeating: glyph("─", "-"), count: $0) }.joined(separator: glyph("─┼─", "-+-"))
                    emit(prefix.rest + [.init(text: rule, style: .dim)])
                }
            }
        }

        // MARK: Footnotes and links

        mutating func footer(_ document: MarkdownNode) {
            let notes = document.children.filter { if case .footnoteDefinition = $0.kind { return true }; return false }
            if !notes.isEmpty {
                blank()
                emit([.init(text: "Footnotes", style: .heading)])
                for note in notes {
                    guard case .footnoteDefinition(let label) = note.kind else { continue }
                    let marker = "[^\(label.count > 16 ? String(label.prefix(15)) + "…" : label)] "
                    blocks(note.children, prefix: Prefix(first: [.init(text: marker, style: .accent)],
                                                          rest: [.init(text: String(repeating: " ", count: TextWidth.width(of: marker)), style: .normal)]))
                }
            }
            // Every link in full, numbered as in the text: URLs are never shortened.
            if !links.isEmpty {
                blank()
                emit([.init(text: "Links", style: .heading)])
                for (i, url) in links.enumerated() {
                    let target = page.targets.firstIndex { $0.number == i + 1 && { if case .link = $0.kind { return true }; return false }($0) }
                    let marker = "[\(i + 1)] "
                    wrap(words(url, style: .link, target: target), prefix: Prefix(first: [.init(text: marker, style: .dim)],
                                                                                  rest: [.init(text: String(repeating: " ", count: marker.count), style: .normal)]),
                         width: max(8, page.width - marker.count))
                }
            }
        }
    }
}
