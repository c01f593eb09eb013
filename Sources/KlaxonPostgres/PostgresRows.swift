/// How the server sends a statement's result values: as text (what `rows` reads) or in PostgreSQL's
/// binary form (what `bytes(_:_:)` hands out: a `bytea` value is its bytes as they are, without the hex
/// text the server would otherwise write and the client turn back into bytes).
public enum PostgresResultFormat: Int32, Sendable {
    case text = 0
    case binary = 1
}

/// What a statement returned: its column names, its rows' values as the server sent them (nil for
/// NULL), and the command tag (`INSERT 0 1`, `COMMIT`). The values are kept as bytes in one buffer; `rows`
/// reads them as text.
public struct PostgresRows: Sendable, Equatable {
    /// The names of the columns, in order.
    public var columns: [String]
    /// The command tag, such as `SELECT 2`, `INSERT 0 1`, `COMMIT` (`ROLLBACK` when a COMMIT failed).
    public var command: String
    /// The form the values came in.
    public let format: PostgresResultFormat
    /// The number of rows.
    public let count: Int
    /// Every value's bytes, one after another, row by row.
    private let storage: [UInt8]
    /// Where each value lies in `storage`, row by row (`count` × `columns.count`); nil is SQL NULL.
    private let cells: [Range<Int>?]

    /// Rows of text values (nil is NULL).
    public init(columns: [String] = [], rows: [[String?]] = [], command: String = "") {
        var storage: [UInt8] = []
        var cells: [Range<Int>?] = []
        for row in rows {
            for value in row {
                cells.append(value.map { storage.count..<storage.count + $0.utf8.count })
                if let value { storage += value.utf8 }
            }
        }
        self.init(columns: columns, format: .text, count: rows.count, storage: storage, cells: cells, command: command)
    }

    init(
        columns: [String], format: PostgresResultFormat, count: Int, storage: [UInt8], cells: [Range<Int>?],
        command: String
    ) {
        self.columns = columns
        self.format = format
        self.count = count
        self.storage = storage
        self.cells = cells
        self.command = command
    }

    /// Each row's values as text in the order of `columns`; nil is SQL NULL. Meant for text results
    /// (binary values of other types than text and `bytea` are not text).
    public var rows: [[String?]] {
        (0..<count).map { row in (0..<columns.count).map { text(row, $0) } }
    }

    /// The bytes of the value in `row`, `column` (for a binary `bytea` or text value, what it holds),
    /// or nil when it is NULL.
    public func bytes(_ row: Int, _ column: Int) -> ArraySlice<UInt8>? {
        cells[row * columns.count + column].map { storage[$0] }
    }

    /// The number of rows an INSERT, UPDATE, DELETE or SELECT touched (the tag's last number), or nil.
    public var affectedRows: Int? { command.split(separator: " ").last.flatMap { Int($0) } }

    /// The value of `column` in row `row`: nil when it is NULL or there is no such column.
    public func value(_ row: Int, _ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return text(row, index)
    }

    /// The first row's first value: what `SELECT count(*)` and the like answer.
    public var scalar: String? { count > 0 && !columns.isEmpty ? text(0, 0) : nil }

    private func text(_ row: Int, _ column: Int) -> String? {
        bytes(row, column).map { String(decoding: $0, as: UTF8.self) }
    }
}
