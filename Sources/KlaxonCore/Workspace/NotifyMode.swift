/// How the console tells the person running it that something wants them, when they may be looking
/// elsewhere: a new SEV1 or SEV2 (or one raised to it), or a page to them (`notify:` in klaxon.yaml).
public enum NotifyMode: String, CaseIterable, Sendable {
    /// The terminal bell, and a desktop notification where the terminal raises them (OSC 9 or 777).
    case desktop
    /// The terminal bell only.
    case bell
    /// Nothing: the screen alone says it.
    case off
}
