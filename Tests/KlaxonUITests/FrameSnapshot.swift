import KlaxonTestSupport
import KlaxonUI

/// Screen snapshots: a frame's text and, below it, one letter per cell for its style. Here rather than
/// in KlaxonTestSupport, so that the core's and the store's tests do not build the console.
extension Snapshot {
    private static let letters: [Style: Character] = [
        .normal: ".", .dim: "d", .heading: "H", .accent: "a", .selected: "S", .bar: "B", .hint: "h", .message: "m",
        .error: "E", .critical: "C", .warning: "W", .ok: "o", .acked: "k", .resolved: "r", .stale: "s", .match: "M",
        .code: "c", .actor: "u", .kind: "n", .emphasis: "i", .strong: "b", .strikethrough: "x", .link: "l",
        .blind: "U", .publicUpdate: "p", .barAlarm: "A",
        // Selected variants: the capital of the state's colour (Red, Yellow, Magenta, Green, Unknown's V, gReen dim).
        .selectedCritical: "R", .selectedWarning: "Y", .selectedStale: "T", .selectedOk: "G", .selectedBlind: "V",
        .selectedResolved: "D"
    ]

    static func text(of frame: Frame) -> String {
        var styles: [String] = []
        for row in 0..<frame.rows {
            var line = ""
            for x in 0..<frame.columns { line.append(letters[frame[row, x].style] ?? "?") }
            styles.append(line)
        }
        return frame.text + "\n" + String(repeating: "=", count: frame.columns) + "\n" + styles.joined(separator: "\n")
            + "\n"
    }

    /// Compares `frame` with the golden `name`; returns a description of the difference, or nil.
    static func mismatch(_ frame: Frame, named name: String, testFile: String = #filePath) -> String? {
        mismatch(text(of: frame), named: name + ".txt", testFile: testFile)
    }
}
