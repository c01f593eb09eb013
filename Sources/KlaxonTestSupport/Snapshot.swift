import Foundation

/// Golden files: text compared with a file in `__Snapshots__` beside the test file, written only
/// when RECORD_SNAPSHOTS=1. (The console's screens are snapshotted by KlaxonUITests' FrameSnapshot.)
public enum Snapshot {
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
            return
                "\(name): first difference at line \(i + 1)\nexpected: \(i < a.count ? String(a[i]) : "")\nactual:   \(i < b.count ? String(b[i]) : "")\n\nactual:\n\(actual)"
        }
        return nil
    }
}
