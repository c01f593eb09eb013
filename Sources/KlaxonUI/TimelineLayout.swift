import KlaxonCore

/// Where things go on the incident screen, and how the timeline breaks into lines. Update uses it to
/// keep the selected record in view; the view uses it to draw.
public struct IncidentLayout: Sendable {
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

    public init(columns: Int, rows: Int) {
        let top = 1 + Self.headerRows + 1 // top bar, header, timeline heading
        let available = max(1, rows - 1 - top) // minus the bottom line
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

    /// The first row of the timeline's records.
    public var timelineTop: Int { 1 + Self.headerRows + 1 }

    // Columns of a timeline line.
    static let timeWidth = 8
    static let actorWidth = 10
    static let kindWidth = 9
    static var textColumn: Int { timeWidth + 2 + actorWidth + 1 + kindWidth + 1 }

    /// One drawn line of the timeline.
    public struct Line: Sendable {
        public enum Kind: Sendable { case date, first, continuation }
        public var kind: Kind
        public var record: Int
        public var text: String
    }

    /// The lines of visible record `index`: a date line when its date differs from the record before,
    /// then its text wrapped under the text column.
    public func lines(of index: Int, in records: [JournalRecord], formatter: LocalTimeFormatter, glyphs: ConsoleModel.Glyphs) -> [Line] {
        var out: [Line] = []
        let record = records[index]
        let day = formatter.civil(record.timestamp)
        if index == 0 || formatter.civil(records[index - 1].timestamp).isoDate != day.isoDate {
            let rule = glyphs == .unicode ? "──" : "--"
            out.append(Line(kind: .date, record: index, text: "\(rule) \(Self.weekday(day)) \(day.isoDate) \(rule)"))
        }
        let textWidth = max(10, timelineWidth - Self.textColumn)
        let wrapped = TextWidth.wrap(TimelineText.text(of: record, formatter: formatter), to: textWidth)
        for (i, piece) in wrapped.enumerated() {
            out.append(Line(kind: i == 0 ? .first : .continuation, record: index, text: piece))
        }
        return out
    }

    public func lineCount(of index: Int, in records: [JournalRecord], formatter: LocalTimeFormatter, glyphs: ConsoleModel.Glyphs) -> Int {
        lines(of: index, in: records, formatter: formatter, glyphs: glyphs).count
    }

    /// The first record to draw so that the last records fill the timeline (when following the end);
    /// the first record drawn may show only its last lines.
    public func topForEnd(of records: [JournalRecord], formatter: LocalTimeFormatter, glyphs: ConsoleModel.Glyphs) -> Int {
        var used = 0
        var index = records.count
        while index > 0 && used < timelineRows {
            used += lineCount(of: index - 1, in: records, formatter: formatter, glyphs: glyphs)
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
        let layout = IncidentLayout(columns: model.columns, rows: model.rows)
        let formatter = model.formatter
        if cursor < model.timeline.top { model.timeline.top = cursor; return }
        var used = 0
        for i in model.timeline.top...cursor { used += layout.lineCount(of: i, in: records, formatter: formatter, glyphs: model.glyphs) }
        while used > layout.timelineRows && model.timeline.top < cursor {
            used -= layout.lineCount(of: model.timeline.top, in: records, formatter: formatter, glyphs: model.glyphs)
            model.timeline.top += 1
        }
    }
}
