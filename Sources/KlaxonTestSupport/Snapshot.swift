import Foundation
import KlaxonUI

/// Screen snapshots: a frame's text and, below it, one letter per cell for its style. Goldens live
/// in `__Snapshots__` beside the test file and are written only when RECORD_SNAPSHOTS=1.
public enum Snapshot {
    static let letters: [Style: Character] = [
        .normal: ".", .dim: "d", .heading: "H", .accent: "a", .selected: "S", .bar: "B", .hint: "h", .message: "m",
        .error: "E", .critical: "C", .warning: "W", .ok: "o", .acked: "k", .resolved: "r", .stale: "s", .match: "M",
        .code: "c", .actor: "u", .kind: "n", .emphasis: "i", .strong: "b", .strikethrough: "x", .link: "l",
        .blind: "U",
        // Selected variants: the capital of the state's colour (Red, Yellow, Magenta, Green, Unknown's V, gReen dim).
        .selectedCritical: "R", .selectedWarning: "Y", .selectedStale: "T", .selectedOk: "G", .selectedBlind: "V", .selectedResolved: "D",
    ]

    public static func text(of frame: Frame) -> String {
        var styles: [String] = []
        for row in 0..<frame.rows {
            var line = ""
            for x in 0..<frame.columns { line.append(letters[frame[row, x].style] ?? "?") }
            styles.append(line)
        }
        return frame.text + "\n" + String(repeating: "=", count: frame.columns) + "\n" + styles.joined(separator: "\n") + "\n"
    }

    /// Compares `frame` with the golden `name`; returns a description of the difference, or nil.
    public static func mismatch(_ frame: Frame, named name: String, testFile: String = #filePath) -> String? {
        mismatch(text(of: frame), named: name + ".txt", testFile: testFile)
    }

    /// Compares `actual` with the golden file `name` (with its extension); returns a description of
    /// the difference, or nil.
    public static func mismatch(_ actual: String, named name: String, testFile: String = #filePath) -> String? {
        let directory = (testFile as NSString).deletingLastPathComponent + "/__Snapshots__"
        let path = directory + "/" + name
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return nil
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            return "no golden \(path); record it with RECORD_SNAPSHOTS=1 swift test"
        }
        guard expected != actual else { return nil }
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) where i >= a.count || i >= b.count || a[i] != b[i] {
            return "\(name): first difference at line \(i + 1)\nexpected: \(i < a.count ? String(a[i]) : "")\nactual:   \(i < b.count ? String(b[i]) : "")\n\nactual:\n\(actual)"
        }
        return nil
    }
}
