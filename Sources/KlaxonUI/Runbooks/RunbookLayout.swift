import Dispatch
import Foundation
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
        /// What comes before the text: list markers, quote bars (shared between lines, not copied).
        public var lead: [Span] = []
        public var body: [Span]
        /// The whole line.
        public var spans: [Span] { lead.isEmpty ? body : lead + body }
        /// A line of a code block: verbatim, never wrapped; scrolls sideways instead.
        public var isCode = false
        /// A code line exactly as the file has it (tabs and all), for plain-text output.
        public var verbatim: String?
        public var text: String { (lead + body).map(\.text).joined() }

        public init(lead: [Span] = [], spans: [Span], isCode: Bool = false, verbatim: String? = nil) {
            self.lead = lead
            body = spans
            self.isCode = isCode
            self.verbatim = verbatim
        }
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
    public static func page(_ document: MarkdownNode, width: Int, ascii: Bool = false, ticks: [String: Bool] = [:])
        -> RunbookPage
    {
        let width = max(20, width)
        let blocks = document.children.filter {
            if case .footnoteDefinition = $0.kind { return false }
            return true
        }
        var builder = Builder(width: width, ascii: ascii, ticks: ticks)
        let counts = blocks.map(Counts.init)
        let chunks = Self.chunks(counts)
        if chunks.count < 2 {
            builder.blocks(blocks, prefix: Prefix())
        } else {
            builder = layOutInParallel(blocks, counts: counts, chunks: chunks, width: width, ascii: ascii, ticks: ticks)
        }
        builder.footer(document)
        while builder.page.lines.last?.text.trimmingCharacters(in: .whitespaces).isEmpty == true {
            builder.page.lines.removeLast()
        }
        // Each target's line is where its first span landed after wrapping.
        var located = [Bool](repeating: false, count: builder.page.targets.count)
        for (number, line) in builder.page.lines.enumerated() {
            for span in line.body where span.target != nil && !located[span.target!] {
                located[span.target!] = true
                builder.page.targets[span.target!].line = number
            }
        }
        return builder.page
    }

    /// What a top-level block registers (links and steps, in document order) and how big and deep it is:
    /// enough to lay blocks out on several cores and number them as one pass would.
    struct Counts {
        var links = 0, steps = 0, nodes = 0, depth = 0

        init(_ block: MarkdownNode) {
            var stack: [(node: MarkdownNode, depth: Int, inList: Bool)] = [(block, 1, false)]
            while let (node, level, inList) = stack.popLast() {
                nodes += 1
                depth = max(depth, level)
                switch node.kind {
                case .link: links += 1
                case .item(_?) where inList: steps += 1
                case .image, .footnoteDefinition, .codeBlock, .htmlBlock: continue  // their links are never targets
                default: break
                }
                let isList = {
                    if case .list = node.kind { return true }
                    return false
                }()
                for child in node.children.reversed() { stack.append((child, level + 1, isList)) }
            }
        }
    }

    /// Contiguous ranges of blocks of about equal size, one per core, for documents large enough to be
    /// worth it and shallow enough that no block is flattened (past `Builder.maximumDepth` what a block
    /// registers depends on the layout itself).
    static func chunks(_ counts: [Counts]) -> [Range<Int>] {
        let total = counts.reduce(0) { $0 + $1.nodes }
        let cores = min(8, ProcessInfo.processInfo.activeProcessorCount)
        guard cores > 1, total > 4000, counts.allSatisfy({ $0.depth < 32 }) else { return [0..<counts.count] }
        var ranges: [Range<Int>] = []
        var start = 0
        var size = 0
        for (i, count) in counts.enumerated() {
            size += count.nodes
            if size >= total / cores && ranges.count < cores - 1 {
                ranges.append(start..<(i + 1))
                start = i + 1
                size = 0
            }
        }
        if start < counts.count { ranges.append(start..<counts.count) }
        return ranges
    }

    /// Lays each chunk out on its own core, numbered from where the chunks before it end, then joins
    /// them as one pass would have: the blank line between blocks, heading lines and repeated anchors.
    static func layOutInParallel(
        _ blocks: [MarkdownNode], counts: [Counts], chunks: [Range<Int>], width: Int, ascii: Bool,
        ticks: [String: Bool]
    ) -> Builder {
        let results = UnsafeMutableBufferPointer<Builder?>.allocate(capacity: chunks.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
            var builder = Builder(width: width, ascii: ascii, ticks: ticks)
            for before in counts[..<chunks[i].lowerBound] {
                builder.linkBase += before.links
                builder.stepCount += before.steps
            }
            builder.targetBase = builder.linkBase + builder.stepCount
            builder.blocks(Array(blocks[chunks[i]]), prefix: Prefix())
            slots[i] = builder
        }
        var joined = results[0]!
        for i in 1..<chunks.count {
            let part = results[i]!
            if !part.page.lines.isEmpty { joined.blank() }
            let offset = joined.page.lines.count
            joined.page.lines += part.page.lines
            joined.page.targets += part.page.targets
            joined.page.headings += part.page.headings.map {
                var h = $0
                h.line += offset
                return h
            }
            joined.headingSlugs += part.headingSlugs
            joined.links += part.links
            joined.linkTargets += part.linkTargets
            joined.stepCount = part.stepCount
        }
        // Anchors repeat across chunks too: number them again over the whole document.
        var anchorCounts: [String: Int] = [:]
        for (i, slug) in joined.headingSlugs.enumerated() {
            joined.page.headings[i].anchor = RunbookLinks.uniqueAnchor(slug, counts: &anchorCounts)
        }
        return joined
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
            self.text = text
            self.style = style
            self.target = target
            self.isSpace = isSpace
            self.isHardBreak = isHardBreak
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
        /// Numbers and target indexes start after these (non-zero for the later chunks of a parallel layout).
        var linkBase = 0
        var targetBase = 0
        /// Each heading's slug before repeats were numbered, and each link's target index.
        var headingSlugs: [String] = []
        var linkTargets: [Int] = []
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
            let blankSpan = { (span: RunbookPage.Span) in span.text.utf8.allSatisfy { $0 == 32 } }
            if let last = page.lines.last,
                last.isCode || !last.lead.allSatisfy(blankSpan) || !last.body.allSatisfy(blankSpan)
            {
                page.lines.append(.init(spans: []))
            }
        }

        /// Adds a line; `width` is its width when the caller measured it already.
        mutating func emit(
            _ spans: [RunbookPage.Span], lead: [RunbookPage.Span] = [], isCode: Bool = false, verbatim: String? = nil,
            width: Int? = nil
        ) {
            guard !isCode,
                (width
                    ?? (lead.reduce(0, { $0 + TextWidth.width(of: $1.text) })
                        + spans.reduce(0, { $0 + TextWidth.width(of: $1.text) })))
                    > page.width
            else {
                page.lines.append(.init(lead: lead, spans: spans, isCode: isCode, verbatim: verbatim))
                return
            }
            let spans = lead + spans
            // A safety net for what nesting leaves no room for: wider lines are cut into pieces that fit,
            // so no text is lost and nothing runs off the screen.
            var line: [RunbookPage.Span] = []
            var used = 0
            for span in spans {
                var chunk = ""
                for ch in span.text {
                    let w = TextWidth.width(of: ch)
                    if used + w > page.width {
                        if !chunk.isEmpty { line.append(.init(text: chunk, style: span.style, target: span.target)) }
                        page.lines.append(.init(spans: line))
                        line = []
                        chunk = ""
                        used = 0
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
                let slug = RunbookLinks.slug(node.plainText)
                headingSlugs.append(slug)
                let anchor = RunbookLinks.uniqueAnchor(slug, counts: &anchorCounts)
                page.headings.append(.init(level: level, title: node.plainText, anchor: anchor, line: start))
                if level <= 2 {
                    let titleWidth = min(
                        available, page.lines[start...].map { TextWidth.width(of: $0.text) - prefix.width }.max() ?? 0)
                    let rule = String(
                        repeating: level == 1 ? glyph("━", "=") : glyph("─", "-"), count: max(3, titleWidth))
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
                    var rest = [
                        RunbookPage.Span(
                            text: String(repeating: " ", count: TextWidth.width(of: marker)), style: .normal)
                    ]
                    if case .item(let task?) = item.kind {
                        stepCount += 1
                        let text = Self.trimmed(item.plainText)
                        let done = ticks[text] ?? task
                        let target = targetBase + page.targets.count
                        page.targets.append(
                            .init(
                                kind: .step(number: stepCount, text: text, done: done), number: stepCount,
                                line: page.lines.count))
                        first.append(.init(text: done ? "[x] " : "[ ] ", style: done ? .ok : .accent, target: target))
                        rest.append(.init(text: "    ", style: .normal))
                    }
                    let itemPrefix =
                        canIndent(prefix)
                        ? prefix.nested(first: first, rest: rest)
                        : Prefix(first: prefix.rest + first, rest: prefix.rest)
                    let start = page.lines.count
                    blocks(item.children, prefix: itemPrefix, tight: tight)
                    // An item whose content draws nothing (`- [ ] ` and the line ends) still shows its
                    // marker and box: the step registered above points at this line.
                    if page.lines.count == start { emit([], lead: itemPrefix.first, width: itemPrefix.firstWidth) }
                    if !tight && i < node.children.count - 1 { blankWith(prefix) }
                }
            case .codeBlock(let info, let literal):
                let language = String(info.prefix { $0 != " " })
                let label = language.isEmpty ? "code" : language
                emit(prefix.rest + [.init(text: glyph("╭─ ", "-- ") + label + " ", style: .dim)])
                var lines = literal.utf8.split(separator: 10, omittingEmptySubsequences: false).map {
                    String(Substring($0))
                }
                if lines.last == "" { lines.removeLast() }
                for line in lines {
                    // Tabs to spaces (a cell cannot hold a tab); nothing else changes.
                    emit(
                        [.init(text: Self.expandTabs(line), style: .code)], lead: prefix.rest, isCode: true,
                        verbatim: prefix.rest.map(\.text).joined() + line)
                }
                emit(prefix.rest + [.init(text: glyph("╰─", "--"), style: .dim)])
            case .htmlBlock(let html):
                for line in html.split(separator: "\n") {
                    wrap([Piece(text: String(line), style: .dim)], prefix: prefix, width: available)
                }
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
                let last = utf8.lastIndex(where: { $0 != 32 && $0 != 9 && $0 != 10 })
            else { return "" }
            return String(text[start...last])
        }

        static func expandTabs(_ line: String) -> String {
            guard line.utf8.contains(9) else { return line }
            var out = ""
            var column = 0
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
            var pieces: [Piece] = []
            inline(nodes, base: base, target: target, into: &pieces)
            return pieces
        }

        /// The inline content of `nodes` as pieces, appended to `pieces` (one array for a whole paragraph).
        mutating func inline(_ nodes: [MarkdownNode], base: Style, target: Int?, into pieces: inout [Piece]) {
            depth += 1
            defer { depth -= 1 }
            if depth > Self.maximumDepth * 2 {
                words(nodes.map(\.plainText).joined(), style: base, target: target, into: &pieces)
                return
            }
            for node in nodes {
                switch node.kind {
                case .text(let text): words(text, style: base, target: target, into: &pieces)
                case .softBreak: pieces.append(Piece(text: " ", style: base, target: target, isSpace: true))
                case .lineBreak: pieces.append(Piece(text: "", style: base, isHardBreak: true))
                case .code(let code): words(code, style: .code, target: target, into: &pieces)
                case .htmlInline(let html): words(html, style: .dim, target: target, into: &pieces)
                case .emphasis:
                    inline(node.children, base: base == .normal ? .emphasis : base, target: target, into: &pieces)
                case .strong:
                    inline(
                        node.children, base: base == .normal || base == .emphasis ? .strong : base, target: target,
                        into: &pieces)
                case .strikethrough:
                    inline(node.children, base: base == .normal ? .strikethrough : base, target: target, into: &pieces)
                case .link(let url, _):
                    links.append(url)
                    let index = targetBase + page.targets.count
                    let number = linkBase + links.count
                    linkTargets.append(index)
                    page.targets.append(.init(kind: .link(url: url), number: number, line: page.lines.count))
                    inline(node.children, base: .link, target: index, into: &pieces)
                    pieces.append(Piece(text: "[\(number)]", style: .dim, target: index))
                case .image(let url, _):
                    let alt = node.plainText
                    words(
                        "[image: \(alt.isEmpty ? "no description" : alt)] \(url)", style: .dim, target: target,
                        into: &pieces)
                case .footnoteReference(let label):
                    pieces.append(Piece(text: "[^\(label)]", style: .accent, target: target))
                default:
                    inline(node.children, base: base, target: target, into: &pieces)
                }
            }
        }

        func words(_ text: String, style: Style, target: Int?) -> [Piece] {
            var pieces: [Piece] = []
            words(text, style: style, target: target, into: &pieces)
            return pieces
        }

        /// Text split into words and single spaces (at ASCII space, tab and newline: bytes that never
        /// occur inside a multi-byte character), appended to `pieces`.
        func words(_ text: String, style: Style, target: Int?, into pieces: inout [Piece]) {
            let utf8 = text.utf8
            var wordStart = utf8.startIndex
            var index = utf8.startIndex
            func flush(_ end: String.Index) {
                if wordStart < end {
                    pieces.append(Piece(text: String(text[wordStart..<end]), style: style, target: target))
                }
            }
            while index < utf8.endIndex {
                let byte = utf8[index]
                if byte == 32 || byte == 10 || byte == 9 {
                    flush(index)
                    if pieces.last?.isSpace != true {
                        pieces.append(Piece(text: " ", style: style, target: target, isSpace: true))
                    }
                    index = utf8.index(after: index)
                    wordStart = index
                } else {
                    index = utf8.index(after: index)
                }
            }
            flush(utf8.endIndex)
        }

        /// Greedy word wrap of `pieces` into lines of `width` columns after the prefix.
        mutating func wrap(_ pieces: [Piece], prefix: Prefix, width: Int) {
            for (i, line) in Self.wrapped(pieces, width: width).enumerated() {
                let lead = i == 0 ? prefix.first : prefix.rest
                emit(line.spans, lead: lead, width: line.width + (i == 0 ? prefix.firstWidth : prefix.restWidth))
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
            func newLine() {
                widths.append(lineWidth)
                lines.append([])
                lineWidth = 0
                pendingSpace = nil
            }
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
                if piece.isHardBreak {
                    newLine()
                    index += 1
                    continue
                }
                if piece.isSpace {
                    if lineWidth > 0 { pendingSpace = piece }
                    index += 1
                    continue
                }
                // The word is pieces[index..<end] (no array of its own: this runs once per word).
                var end = index
                var wordWidth = 0
                while end < pieces.count, !pieces[end].isSpace, !pieces[end].isHardBreak {
                    wordWidth += pieces[end].width
                    end += 1
                }
                let spaceWidth = pendingSpace == nil ? 0 : 1
                if lineWidth > 0 && lineWidth + spaceWidth + wordWidth > width { newLine() }
                if let space = pendingSpace {
                    add(" ", space.style, space.target)
                    lineWidth += 1
                    pendingSpace = nil
                }
                for piece in pieces[index..<end] {
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
                    c < row.children.count
                        ? inline(
                            row.children[c].children,
                            base: {
                                if case .tableRow(true) = row.kind { return .heading }
                                return .normal
                            }()) : []
                }
            }
            func naturalWidth(_ pieces: [Piece]) -> Int { pieces.reduce(0) { $0 + $1.width } }
            func longestWord(_ pieces: [Piece]) -> Int {
                var longest = 0
                var current = 0
                for p in pieces {
                    if p.isSpace {
                        current = 0
                    } else {
                        current += p.width
                        longest = max(longest, current)
                    }
                }
                return longest
            }
            let separator = 3  // " │ "
            // Too many columns to show side by side: each row as one line of cells, wrapped.
            if columns * 4 - separator > width {
                for row in cells {
                    var pieces: [Piece] = []
                    for (c, cell) in row.enumerated() {
                        if c > 0 {
                            pieces += [
                                Piece(text: " ", style: .dim, isSpace: true), Piece(text: glyph("│", "|"), style: .dim),
                                Piece(text: " ", style: .dim, isSpace: true)
                            ]
                        }
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
                let minimum = (0..<columns).map { c in
                    min(natural[c], max(3, min(16, cells.map { longestWord($0[c]) }.max() ?? 3)))
                }
                widths = minimum
                var spare = room - minimum.reduce(0, +)
                if spare < 0 {
                    widths = (0..<columns).map { _ in max(3, room / columns) }
                } else {
                    let wants = (0..<columns).map { natural[$0] - minimum[$0] }
                    let total = max(1, wants.reduce(0, +))
                    for c in 0..<columns {
                        let extra = wants[c] * spare / total
                        widths[c] += extra
                    }
                    spare = room - widths.reduce(0, +)
                    var c = 0
                    while spare > 0 && wants.contains(where: { $0 > 0 }) {
                        if widths[c] < natural[c] {
                            widths[c] += 1
                            spare -= 1
                        }
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
                        let (left, right): (Int, Int) =
                            switch alignment {
                            case .right: (gap, 0)
                            case .center: (gap / 2, gap - gap / 2)
                            default: (0, gap)
                            }
                        if c > 0 { spans.append(bar) }
                        if left > 0 { spans.append(.init(text: String(repeating: " ", count: left), style: .normal)) }
                        spans += content
                        // The last column is not padded on the right.
                        if right > 0 && c < columns - 1 {
                            spans.append(.init(text: String(repeating: " ", count: right), style: .normal))
                        }
                    }
                    let first = page.lines.isEmpty || l > 0 || r > 0
                    let lead = first ? prefix.rest : prefix.first
                    emit(spans, lead: lead, width: lineWidth + (first ? prefix.restWidth : prefix.firstWidth))
                }
                if r == 0, case .tableRow(true) = rows[0].kind {
                    let rule = widths.map { String(repeating: glyph("─", "-"), count: $0) }.joined(
                        separator: glyph("─┼─", "-+-"))
                    emit(prefix.rest + [.init(text: rule, style: .dim)], width: prefix.restWidth + lineWidth)
                }
            }
        }

        // MARK: Footnotes and links

        mutating func footer(_ document: MarkdownNode) {
            let notes = document.children.filter {
                if case .footnoteDefinition = $0.kind { return true }
                return false
            }
            if !notes.isEmpty {
                blank()
                emit([.init(text: "Footnotes", style: .heading)])
                for note in notes {
                    guard case .footnoteDefinition(let label) = note.kind else { continue }
                    let marker = "[^\(label.count > 16 ? String(label.prefix(15)) + "…" : label)] "
                    blocks(
                        note.children,
                        prefix: Prefix(
                            first: [.init(text: marker, style: .accent)],
                            rest: [
                                .init(text: String(repeating: " ", count: TextWidth.width(of: marker)), style: .normal)
                            ]))
                }
            }
            // Every link in full, numbered as in the text: URLs are never shortened.
            if !links.isEmpty {
                blank()
                emit([.init(text: "Links", style: .heading)])
                for (i, url) in links.enumerated() {
                    let target = linkTargets[i]
                    let marker = "[\(i + 1)] "
                    wrap(
                        words(url, style: .link, target: target),
                        prefix: Prefix(
                            first: [.init(text: marker, style: .dim)],
                            rest: [.init(text: String(repeating: " ", count: marker.count), style: .normal)]),
                        width: max(8, page.width - marker.count))
                }
            }
        }
    }
}
