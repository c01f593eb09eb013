/// The columns of a line (a table's cells, the parts of a bar) and the order in which they give way when
/// the screen is too narrow for all of them. Each screen writes its plan down in one place, so what goes
/// first at 80 columns is data (the sparkline, the duplicate clock, RUNNING) and what never goes (the
/// reason, the person, the id) is said, not the outcome of arithmetic spread over a view.
struct ColumnPlan {
    struct Column {
        var title: String
        /// The columns it takes, the gap after it included; for the filling column, the least it needs.
        var width: Int
        /// 1 gives way first, then 2 and so on; nil never gives way.
        var givesWay: Int?
        /// Takes whatever width the others leave (a title, a reason); its text is cut with `…`.
        var fills = false
        /// The least it narrows to (the gap included) when the columns that give way have gone and the
        /// rest still do not fit; nil keeps its width.
        var least: Int?

        init(_ title: String, _ width: Int, givesWay: Int? = nil, fills: Bool = false, least: Int? = nil) {
            self.title = title
            self.width = width
            self.givesWay = givesWay
            self.fills = fills
            self.least = least
        }

        /// A column as wide as its widest cell (or its title), at least `minimum` and at most `maximum`,
        /// plus a gap: an id column fits `INC-10234`, a name column the names there are. With `narrowsTo`,
        /// it gives up width down to that many columns (its text cut with `…`) before the others are cut.
        static func sized(
            _ title: String, to cells: [String], minimum: Int = 1, maximum: Int = .max, givesWay: Int? = nil,
            narrowsTo least: Int? = nil
        ) -> Column {
            let widest = cells.reduce(TextWidth.width(of: title)) { max($0, TextWidth.width(of: $1)) }
            let width = min(maximum, max(minimum, widest)) + 1
            return Column(title, width, givesWay: givesWay, least: least.map { min(width, $0 + 1) })
        }
    }

    var columns: [Column]

    init(_ columns: [Column]) { self.columns = columns }

    /// Each column's width in `total` columns: 0 for a column that gave way. Columns give way in their
    /// order until the rest (the filling column at its least) fit; then the columns that narrow give up
    /// what is still too much, down to their least; the filling column then takes what is left. If even
    /// that does not fit, the last columns are cut at the edge.
    func widths(in total: Int) -> [Int] {
        var widths = columns.map(\.width)
        let order = columns.indices.filter { columns[$0].givesWay != nil }
            .sorted { (columns[$0].givesWay!, $0) < (columns[$1].givesWay!, $1) }
        for index in order where widths.reduce(0, +) > total { widths[index] = 0 }
        for index in columns.indices where widths[index] > 0 {
            guard let least = columns[index].least else { continue }
            let excess = widths.reduce(0, +) - total
            if excess > 0 { widths[index] = max(least, widths[index] - excess) }
        }
        if let fill = columns.firstIndex(where: \.fills) {
            let others = widths.enumerated().reduce(0) { $0 + ($1.offset == fill ? 0 : $1.element) }
            widths[fill] = max(columns[fill].width, total - others)
        }
        return widths
    }

    /// Whether the column titled `title` is shown in `total` columns.
    func shows(_ title: String, in total: Int) -> Bool {
        guard let index = columns.firstIndex(where: { $0.title == title }) else { return false }
        return widths(in: total)[index] > 0
    }
}
