import Foundation

/// The health answers of real systems in `Tests/Fixtures/systems` (each one's source is in its
/// SOURCES.md), for the tests of the system checks.
public enum SystemFixtures {
    /// The directory of the fixtures.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/systems")

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The body of the fixture `name` (`elasticsearch-health-red.json`).
    public static func body(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
            throw Missing(description: "no fixture \(name) in \(directory.path)")
        }
        return Array(data)
    }

    /// The fixture as text.
    public static func text(_ name: String) throws -> String { String(decoding: try body(name), as: UTF8.self) }
}
