/// A mouse report from the terminal (SGR mouse mode, `ESC [ < b ; x ; y M` or `m`), as
/// `UTF8InputDecoder` decodes it: which button, pressed or released, and the cell, counted from 0.
public struct MouseEvent: Hashable, Sendable {
    /// What the report is of.
    public enum Button: Hashable, Sendable {
        case left, middle, right
        case wheelUp, wheelDown
        /// Anything else (the wheel's sideways tilt, extra buttons, motion): ignored by the console.
        case other(Int)
    }

    public var button: Button
    /// Pressed (`M`), or released (`m`); the wheel is always a press.
    public var pressed: Bool
    /// The row, from 0 at the top (the report counts from 1).
    public var row: Int
    /// The column, from 0 at the left (the report counts from 1).
    public var column: Int

    public init(button: Button, pressed: Bool, row: Int, column: Int) {
        self.button = button
        self.pressed = pressed
        self.row = row
        self.column = column
    }

    /// The event of an SGR report's button code `code` (its modifier bits, shift 4, meta 8 and ctrl 16,
    /// left out), at the 1-based `x` and `y` the report gives; `pressed` when it ended with `M`.
    public init(sgrCode code: Int, x: Int, y: Int, pressed: Bool) {
        let plain = code & ~(4 | 8 | 16)
        let button: Button =
            switch plain {
            case 0: .left
            case 1: .middle
            case 2: .right
            case 64: .wheelUp
            case 65: .wheelDown
            default: .other(plain)  // 32 and up without 64: motion, which the console does not ask for
            }
        self.init(button: button, pressed: pressed, row: y - 1, column: x - 1)
    }
}

/// The lists of the console a click can select a row of.
public enum ConsoleList: String, CaseIterable, Hashable, Sendable {
    case openIncidents, resolvedIncidents
    case checks, checkAlerts
    case alerts, objectives, runbooks
    case timeline, actionItems, incidentLinks
    /// The on-call screen's schedules (the selected one is the one `t` takes the pager of).
    case schedules
}

/// What a click on a part of the screen does.
public enum Click: Hashable, Sendable {
    /// What pressing `key` does: a hint of the bottom line, a part of the top bar, a heading.
    case key(Key)
    /// Selects row `index` of `list` (and its pane); on the row already selected, opens it as enter does.
    case row(ConsoleList, Int)
    /// The link or checklist step `index` of the runbook shown (`RunbookPage.targets`): a link is
    /// followed at once; a step is selected, and ticked by a click on it once selected.
    case runbookTarget(Int)
    /// Match `index` of the command palette: runs it, as enter on it does.
    case paletteMatch(Int)
    /// Option `option` of field `field` of the open dialog: chooses the option (in a dialog of choices
    /// only, whom to page or a status, focuses its field, and on the option already chosen submits it; in
    /// one with text fields the focus stays where the typing goes).
    case formOption(field: Int, option: Int)
    /// Text field `field` of the open dialog: focuses it.
    case formField(Int)
}

/// Cells of one row that mean something to a click, as the view drew them.
public struct ClickTarget: Hashable, Sendable {
    public var row: Int
    public var column: Int
    /// Columns, from `column`.
    public var width: Int
    public var click: Click

    public init(row: Int, column: Int, width: Int, click: Click) {
        self.row = row
        self.column = column
        self.width = width
        self.click = click
    }

    /// Whether the cell at (`row`, `column`) is one of this target's.
    public func contains(row: Int, column: Int) -> Bool {
        row == self.row && column >= self.column && column < self.column + width
    }
}
