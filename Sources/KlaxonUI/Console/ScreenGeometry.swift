import KlaxonCore

/// Where each screen's lists go in the model's terminal, and so how far the paging keys move: the
/// views draw these rows and `ConsoleUpdate` pages by them, so a page down shows the next rows and
/// skips none. The incident screen's is `IncidentLayout`, which the timeline's wrapping needs as well.
public struct ScreenGeometry: Sendable {
    public var rows: Int
    public var columns: Int

    public init(rows: Int, columns: Int = 80) {
        self.rows = rows
        self.columns = columns
    }

    /// The geometry of the model's terminal.
    public init(_ model: ConsoleModel) { self.init(rows: model.rows, columns: model.columns) }

    /// From this many columns the dashboard puts the status board, on call and a drill's pages beside
    /// the incidents, each with the room it needs, rather than two lines under them.
    public static let sidePanelMinimumColumns = 160

    /// Where the dashboard's side panel begins (its separator's column), when the terminal is wide
    /// enough for one: the panel takes two fifths, at most 72 columns (what its lines need); the incidents
    /// keep the rest.
    public var sidePanelColumn: Int? {
        columns >= Self.sidePanelMinimumColumns ? columns - min(72, columns * 2 / 5) : nil
    }

    /// The first row of a list under a screen's heading (row 2) and column titles (row 3).
    public static let listTop = 4

    /// The last row a screen draws in, above the bottom line.
    public var bottom: Int { rows - 2 }

    /// The first row a list of `count` rows shows in `rows` lines so that its `selection` is drawn:
    /// every view's lists scroll so.
    public static func scrolledStart(selection: Int, count: Int, rows: Int) -> Int {
        guard count > rows else { return 0 }
        return min(max(0, selection - rows + 1), count - rows)
    }

    // MARK: Dashboard

    /// Where the dashboard's lists and slots go: open incidents from `listTop`, a line saying how many
    /// more there are, the recently resolved (five rows, and the rows the open ones do not need), then
    /// the status and on-call slots.
    public struct Dashboard: Sendable, Equatable {
        public var openRows: Int
        /// The row of the "Resolved in the last 7 days" heading; its incidents follow.
        public var resolvedRow: Int
        public var resolvedRows: Int
        /// The row of the status board's and on call's headings; their lines follow.
        public var slotsRow: Int
    }

    /// The dashboard with `open` open and `resolved` recently resolved incidents.
    public func dashboard(open: Int, resolved: Int) -> Dashboard {
        // With a side panel, the slots are in it and the lists reach the bottom.
        let slotsRow = sidePanelColumn == nil ? bottom - 1 : bottom + 1
        // The rows both lists share (their headings and the "more" line aside): the open ones first;
        // the resolved get five (two when the open ones overflow), or more where the open ones leave rows
        // empty (a tall terminal).
        let shared = slotsRow - 7
        // When the open ones do not fit, they win: the resolved keep two rows (and their "more" line).
        let floor = open > shared - 5 ? 2 : 5
        let resolvedRows = max(1, min(resolved, shared - 1, max(floor, shared - open)))
        let resolvedRow = slotsRow - 2 - resolvedRows
        return Dashboard(
            openRows: max(1, resolvedRow - 5), resolvedRow: resolvedRow, resolvedRows: resolvedRows, slotsRow: slotsRow)
    }

    // MARK: Status board

    /// The rows `count` errors of `checks:` take under the status board's heading: two of them, then a
    /// line saying how many more.
    public static func problemRows(_ count: Int) -> Int { min(2, count) + (count > 2 ? 1 : 0) }

    /// The rows the status board scrolls its checks in, under its heading, the rows of `problems` errors
    /// of `checks:` and the column titles; up to four rows below them are left for group headings.
    public func statusBoardRows(problems: Int) -> Int {
        let titles = 3 + Self.problemRows(problems)
        return max(1, bottom - (titles + 1) - 4)
    }

    // MARK: Runbooks

    /// The runbook list's rows, under its heading and column titles.
    public var runbookListRows: Int { max(1, rows - 7) }

    /// The rows the viewer shows the document in (below its two header rows, above the bottom line).
    public var runbookRows: Int { max(1, rows - 5) }

    /// How far a page moves in the viewer: the rows shown less two, which stay in view as context.
    public var runbookPage: Int { max(1, runbookRows - 2) }

    // MARK: Reports

    /// The report's lines shown between the column headings and the bottom line.
    public var reportLines: Int { max(0, rows - 5) }

    // MARK: Alerts

    /// The alerts screen's list rows: from below its headings to above the selected alert's detail
    /// (7 lines and a blank one).
    public var alertListRows: Int { max(3, bottom - 4 - 8) }

    // MARK: Objectives

    /// The objectives screen's list rows: from below its headings to above the selected check's
    /// figures (6 lines and a blank one).
    public var objectiveListRows: Int { max(3, bottom - 4 - 7) }
}
