import Foundation

/// A fresh directory under the system's temporary directory, removed when this is released.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "klaxon-test") {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside this directory (creating parent directories) and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let file = path + "/" + name
        try! FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Writes `Escalation/schedules/NAME.yaml`: one weekly layer of `participants` from Monday
    /// 2026-01-05, in UTC (the schedule most escalation tests need).
    public func writeWeeklySchedule(_ name: String, participants: [String]) {
        let people = participants.joined(separator: ", ")
        write(
            "Escalation/schedules/\(name).yaml",
            """
            time_zone: UTC
            layers: [{name: all, rotation: weekly, start: 2026-01-05T00:00, participants: [\(people)]}]
            """)
    }

    public func read(_ name: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path + "/" + name) ?? Data())
    }
}

/// Where `swift build` put this package's executables: beside the running test binary.
public enum BuiltProducts {
    public static var directory: String {
        (CommandLine.arguments[0] as NSString).deletingLastPathComponent
    }

    public static func path(_ name: String) -> String { directory + "/" + name }
}

/// A fresh workspace with the given klaxon.yaml (the command tests' and the engine tests').
public func makeWorkspace(_ config: String = "name: test-platform\nstale_after: 30m\n") -> TemporaryDirectory {
    let dir = TemporaryDirectory("klaxon-ws")
    dir.write("klaxon.yaml", config)
    return dir
}
