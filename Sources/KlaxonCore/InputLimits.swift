/// The largest inputs Klaxon takes, in one place: every command and the console check against these,
/// so that no input makes a command run for minutes or grow to gigabytes (docs/security.md).
public enum InputLimits {
    /// The most characters a note, title, summary or action item holds: text is for people to read in
    /// the middle of an outage (a log belongs in a link), and the console lays it out on every frame.
    /// The console's text fields hold this many.
    public static let textCharacters = 65_536

    /// The most bytes (UTF-8) such a text holds: 4 a character, what any one-scalar character takes,
    /// so that one character cannot carry megabytes of combining marks.
    public static let textBytes = 4 * textCharacters

    /// The largest runbook file read (1 MiB): 2.5 times the 10,000-line runbook of the benchmark. A
    /// bigger one is named with this limit and left out; the others still work.
    public static let runbookBytes = 1 << 20

    /// The longest window a command computes over, in days (about ten years): shifts, gaps and
    /// calendars, the coverage `config validate` checks, escalation simulations and review reports.
    public static let windowDays = 3660

    /// Refuses `text` (named `what`: "the note", "the title") when it is longer than the limits.
    public static func check(_ text: String, _ what: String) throws(KlaxonError) {
        // Counting characters costs a pass over the text; few bytes are few characters.
        let bytes = text.utf8.count
        guard bytes > textCharacters else { return }
        let size: String
        if bytes > textBytes {
            size = "longer than \(textBytes) bytes"
        } else {
            let characters = text.count
            guard characters > textCharacters else { return }
            size = "\(characters) characters long"
        }
        throw .badInput(
            "\(what) is \(size); it may hold at most \(textCharacters) characters (\(textBytes) bytes): "
                + "shorten it, and put long output such as logs in a file and link to it")
    }

    /// Refuses a number of days outside 1 to `windowDays`, naming the option.
    public static func checkDays(_ days: Int, option: String) throws(KlaxonError) {
        guard (1...windowDays).contains(days) else {
            throw .badInput("\(option) is \(days); give a number of days from 1 to \(windowDays)")
        }
    }

    /// Refuses a window that does not end after it starts, or is longer than `windowDays`. The labels
    /// name the options with what was given: `--from (2026-11-23 00:00)`.
    public static func checkWindow(from start: Timestamp, to end: Timestamp, _ fromLabel: String, _ toLabel: String)
        throws(KlaxonError)
    {
        guard start < end else { throw .badInput("\(toLabel) must be after \(fromLabel)") }
        let days = start.seconds(until: end) / 86400
        guard days < windowDays || (days == windowDays && start.seconds(until: end) % 86400 == 0) else {
            throw .badInput(
                "from \(fromLabel) to \(toLabel) is \(days) days, more than the \(windowDays) days a window may span; ask for a shorter one"
            )
        }
    }
}
