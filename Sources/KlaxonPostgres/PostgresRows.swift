/// What a statement returned: its column names and rows of text values (nil for NULL), as the server
/// sent them in text format, and the command tag (`INSERT 0 1`, `COMMIT`).
public struct PostgresRows: Sendable, Equatable {
    /// The names of the columns, in order.
    public var columns: [String]
    /// Each row's values in the order of `columns`; nil is SQL NULL.
    public var rows: [[String?]]
    /// The command tag, such as `SELECT 2`, `INSERT 0 1`, `COMMIT` (`ROLLBACK` when a COMMIT failed).
    public var command: String

    public init(columns: [String] = [], rows: [[String?]] = [], command: String = "") {
        self.columns = columns
        self.rows = rows
        self.command = command
    }

    /// The number of rows an INSERT, UPDATE, DELETE or SELECT touched (the tag's last number), or nil.
    public var affectedRows: Int? { command.split(separator: " ").last.flatMap { Int($0) } }

    /// The value of `column` in row `row`: nil when it is NULL or there is no such column.
    public func value(_ row: Int, _ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }

    /// The first row's first value: what `SELECT count(*)` and the like answer.
    public var scalar: String? { rows.first?.first ?? nil }
}
