import Foundation

/// Files a test keeps for people to look at after it ran (a browser's screenshots): under
/// `$KLAXON_TEST_ARTIFACTS` when set, else `.build/test-artifacts/` of this package (git-ignored).
public enum TestArtifacts {
    /// The artifacts' directory: `$KLAXON_TEST_ARTIFACTS`, or `.build/test-artifacts` of this package.
    public static var root: String {
        if let root = ProcessInfo.processInfo.environment["KLAXON_TEST_ARTIFACTS"], !root.isEmpty { return root }
        // This file is Sources/KlaxonProcessTestSupport/TestArtifacts.swift of the package.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/test-artifacts").path
    }

    /// An empty directory `ROOT/test` (what an earlier run kept there is removed first), whose path is
    /// printed so that it shows in the test's output.
    public static func directory(_ test: String) throws -> String {
        let path = root + "/" + test
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        print("test artifacts: \(path)")
        return path
    }
}
