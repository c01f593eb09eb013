/// A key press, as the terminal adapter decodes it.
public enum Key: Hashable, Sendable {
    case character(Character)
    case enter, escape, tab, backTab, backspace, delete
    /// alt (or meta) and enter, which terminals send as ESC and a carriage return: a new line in a note,
    /// where enter saves.
    case altEnter
    case up, down, left, right, pageUp, pageDown, home, end
    /// ctrl and a lowercase letter.
    case control(Character)
    /// Text the terminal marked as pasted (bracketed paste): never keys. `cut` when some of it was
    /// left out (see `UTF8InputDecoder`).
    case paste(String, cut: Bool)
    /// A click or the wheel (SGR mouse mode): never a key of the keymap; `ConsoleUpdate` finds what
    /// is under the pointer in the screen drawn (`Frame.clickTargets`).
    case mouse(MouseEvent)

    /// How the key is written in the help screen and the README.
    public var name: String {
        switch self {
        case .character(" "): return "space"
        case .character(let c): return String(c)
        case .enter: return "enter"
        case .altEnter: return "alt-enter"
        case .escape: return "esc"
        case .tab: return "tab"
        case .backTab: return "shift-tab"
        case .backspace: return "backspace"
        case .delete: return "delete"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "home"
        case .end: return "end"
        case .control(let c): return "ctrl-\(c)"
        case .paste: return "paste"
        case .mouse: return "mouse"
        }
    }
}
