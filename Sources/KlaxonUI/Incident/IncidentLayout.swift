import KlaxonCore

/// Where things go on the incident screen, and how the timeline breaks into lines. Update uses it to
/// keep the selected record in view; the view uses it to draw.
public struct IncidentLayout: Sendable {
    /// The incident's first header row: under the top bar and the tab row.
    public static let headerTop = 2
    /// Header lines above the timeline.
    public static let headerRows = 3
    /// At this width and wider, action items and links go beside the timeline; narrower, below it.
    public static let sidePanelFromColumns = 110
    public static let sidePanelWidth = 38

    public var timelineWidth: Int
    public var timelineRows: Int
    public var panelRow: Int
    public var panelColumn: Int
    public var panelWidth: Int
    public var panelRows: Int
    /// The actor column: as wide as the incident's widest actor, 5 to 16 columns (24 from 160), so a name
    /// is cut only when it is longer than that and short names leave the room to the text.
    public var actorWidth: Int

    /// The incident screen of `model`, its actor column fitted to the current incident's actors.
    public init(_ model: ConsoleModel) {
        let widest = model.currentIncident?.timeline.reduce(0) { max($0, TextWidth.width(of: $1.actor)) } ?? 0
        // Wide terminals give long actors (escalation-engine) their whole name.
        self.init(
            columns: model.columns, rows: model.rows, actorWidth: min(model.columns >= 160 ? 24 : 16, max(5, widest)))
    }

    public init(columns: Int, rows: Int, actorWidth: Int = 10) {
        self.actorWidth = actorWidth
        let top = Self.headerTop + Self.headerRows + 1  // top bar, tabs, header, timeline heading
        let available = max(1, rows - 1 - top)  // minus the bottom line
        if columns >= Self.sidePanelFromColumns {
            timelineWidth = columns - Self.sidePanelWidth - 1
            timelineRows = available
            panelRow = top - 1
            panelColumn = timelineWidth + 1
            panelWidth = Self.sidePanelWidth
            panelRows = available + 1
        } else {
            panelRows = min(6, max(3, available / 3))
            timelineWidth = columns
            timelineRows = max(1, available - panelRows)
            panelRow = top + timelineRows
            panelColumn = 0
            panelWidth = columns
        }
    }

    /// Whether action items and links go side by side in a wide panel under the timeline (else one
    /// above the other).
    public var panelSideBySide: Bool { panelColumn == 0 && panelWidth >= 80 }

    /// The action items' rows, under their heading.
    public var actionItemRows: Int {
        panelSideBySide ? panelRows - 1 : max(1, (panelRows - 2) / 2 + ((panelRows - 2) % 2))
    }

    /// The links' rows, under their heading.
    public var linkRows: Int { max(0, panelSideBySide ? panelRows - 1 : panelRows - 2 - actionItemRows) }

    /// The first row of the timeline's records.
    public var timelineTop: Int { Self.headerTop + Self.headerRows + 1 }

    // Columns of a timeline line.
    static let timeWidth = 8
    static let kindWidth = 9
    var kindColumn: Int { Self.timeWidth + 2 + actorWidth + 1 }
    var textColumn: Int { kindColumn + Self.kindWidth + 1 }

    /// One drawn line of the timeline.
    public struct Line: Sendable {
        public enum Kind: Sendable { case date, first, continuation }
        public var kind: Kind
        public var record: Int
        public var text: String
    }

    /// The columns of a record's text.
    public var textWidth: Int { max(10, timelineWidth - textColumn) }

    /// The lines of visible record `index`: a date line when its date differs from the record before,
    /// then its text wrapped under the text column (`textLines`).
    public func lines(
        of index: Int, in records: [JournalRecord], formatter: LocalTimeFormatter, glyphs: ConsoleModel.Glyphs,
        cache: TimelineCache
    ) -> [Line] {
        var out: [Line] = []
        if startsDay(index, in: records, formatter: formatter) {
            let day = formatter.civil(records[index].timestamp)
            let rule = glyphs == .unicode ? "──" : "--"
            out.append(Line(kind: .date, record: index, text: "\(rule) \(Self.weekday(day)) \(day.isoDate) \(rule)"))
        }
        for (i, piece) in textLines(of: records[index], formatter: formatter, cache: cache).enumerated() {
            out.append(Line(kind: i == 0 ? .first : .continuation, record: index, text: piece))
        }
        return out
    }

    public func lineCount(
        of index: Int, in records: [JournalRecord], formatter: LocalTimeFormatter, cache: TimelineCache
    ) -> Int {
        (startsDay(index, in: records, formatter: formatter) ? 1 : 0)
            + textLines(of: records[index], formatter: formatter, cache: cache).count
    }

    /// Whether visible record `index` is the first of its day (and gets a date line).
    func startsDay(_ index: Int, in records: [JournalRecord], formatter: LocalTimeFormatter) -> Bool {
        guard index > 0 else { return true }
        let day = formatter.civil(records[index].timestamp)
        let before = formatter.civil(records[index - 1].timestamp)
        return (day.year, day.month, day.day) != (before.year, before.month, before.day)
    }

    /// A record's text wrapped to the text column: at most as many lines as the timeline has rows (no
    /// more of it can be seen), the last of them saying how much was left out when that is not all.
    /// Only what those lines show is read, and the lines are kept in `cache`: neither a 20 MB note nor
    /// the clock's redraw each second makes the console lay a record out again.
    public func textLines(of record: JournalRecord, formatter: LocalTimeFormatter, cache: TimelineCache) -> [String] {
        let width = textWidth
        let maxLines = timelineRows
        return cache.lines(of: record, width: width, maxLines: maxLines, timeZone: formatter.timeZone) {
            Self.wrap(TimelineText.text(of: record, formatter: formatter), width: width, maxLines: maxLines)
        }
    }

    /// `text` in at most `maxLines` lines of `width` columns; when it does not fit, its first lines and
    /// then how much of it is not shown.
    static func wrap(_ text: String, width: Int, maxLines: Int) -> [String] {
        // The lines cannot show more than four bytes a column (zero-width characters aside): the rest of
        // the text is never read.
        let budget = maxLines * (width + 1) * 4
        var end = text.endIndex
        if text.utf8.count > budget {
            end = text.utf8.index(text.startIndex, offsetBy: budget)
            while UTF8.isContinuation(text.utf8[end]) { end = text.utf8.index(before: end) }
        }
        let lines = TextWidth.wrap(text[..<end], to: width, maxLines: maxLines)
        func omitted(after count: Int) -> Int {
            text.utf8.distance(from: count == 0 ? text.startIndex : lines[count - 1].end, to: text.endIndex)
        }
        guard omitted(after: lines.count) > 0 else { return lines.map(\.text) }
        // As many lines as leave room for the notice.
        var kept = lines.count
        while kept > 0 {
            let notice = omittedNotice(omitted(after: kept), width: width)
            if kept + notice.count <= maxLines { return lines[..<kept].map(\.text) + notice }
            kept -= 1
        }
        return Array(omittedNotice(text.utf8.count, width: width).prefix(maxLines))
    }

    static func omittedNotice(_ bytes: Int, width: Int) -> [String] {
        let size =
            bytes < 1000
            ? Plural.count(bytes, "byte")
            : bytes < 1_000_000 ? "\(bytes / 1000) KB" : "\(bytes / 1_000_000).\(bytes % 1_000_000 / 100_000) MB"
        return TextWidth.wrap("… \(size) more not shown; klaxon incident show prints it all", to: width)
    }

    /// The first record to draw so that the last records fill the timeline (when following the end);
    /// the first record drawn may show only its last lines.
    public func topForEnd(of records: [JournalRecord], formatter: LocalTimeFormatter, cache: TimelineCache) -> Int {
        var used = 0
        var index = records.count
        while index > 0 && used < timelineRows {
            used += lineCount(of: index - 1, in: records, formatter: formatter, cache: cache)
            index -= 1
        }
        return index
    }

    static func weekday(_ civil: CivilDateTime) -> String { civil.weekday.name.capitalized }

    /// Moves `model.timeline.top` so the selected record is entirely in view.
    public static func keepSelectionVisible(_ model: inout ConsoleModel) {
        guard let cursor = model.timeline.cursor else { return }
        let records = model.visibleRecords
        guard records.indices.contains(cursor) else {
            model.timeline.cursor = records.isEmpty ? nil : records.count - 1
            return keepSelectionVisible(&model)
        }
        let layout = IncidentLayout(model)
        let formatter = model.formatter
        if cursor < model.timeline.top {
            model.timeline.top = cursor
            return
        }
        let cache = model.timelineCache
        var used = 0
        for i in model.timeline.top...cursor {
            used += layout.lineCount(of: i, in: records, formatter: formatter, cache: cache)
        }
        while used > layout.timelineRows && model.timeline.top < cursor {
            used -= layout.lineCount(of: model.timeline.top, in: records, formatter: formatter, cache: cache)
            model.timeline.top += 1
        }
    }
}
