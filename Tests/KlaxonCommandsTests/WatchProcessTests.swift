import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// `klaxon status watch` and `klaxon watch` as real processes: they print changes as they happen and
/// stop cleanly on SIGTERM.
@Suite(.serialized)
struct WatchProcessTests {
    let klaxon = BuiltProducts.path("klaxon")

    /// Runs `arguments` with its output in a file; returns the process and the file.
    func start(_ arguments: [String], ws: TemporaryDirectory) throws -> (Process, String) {
        let out = ws.path + "/out-\(UUID().uuidString).txt"
        FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: klaxon)
        process.arguments = arguments + ["--workspace", ws.path]
        process.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle(forWritingAtPath: out)
        try process.run()
        return (process, out)
    }

    func waitForLines(_ path: String, count: Int, timeout: Double = 30) async throws -> [String] {
        for _ in 0..<Int(timeout * 10) {
            let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            if lines.count >= count { return lines }
            try await Task.sleep(for: .milliseconds(100))
        }
        return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func watchersPrintChangesRecordThemAndStopOnSIGTERM() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/healthz": .init([200]), "/uploads": .init([503])])
        defer { receiver.stop() }
        let port = receiver.port
        let ws = makeWorkspace("""
        name: t
        checks:
          - {name: health, url: "http://127.0.0.1:\(port)/healthz", interval: 2s, timeout: 2s}
          - {name: uploads, url: "http://127.0.0.1:\(port)/uploads", interval: 2s, timeout: 2s, service: registry}
        """)
        _ = try shell("KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Uploads failing' --severity SEV2 --service registry")

        // status watch: a line per change, as JSON.
        let (watch, watchOut) = try start(["status", "watch", "--json"], ws: ws)
        let lines = try await waitForLines(watchOut, count: 2)
        kill(watch.processIdentifier, SIGTERM)
        try await blocking { watch.waitUntilExit() }
        #expect(watch.terminationReason == .exit && watch.terminationStatus == 0)
        let changes = lines.compactMap { try? JSONParser.parse($0) }
        #expect(Set(changes.compactMap { $0["check"]?.stringValue }) == ["health", "uploads"], "\(lines)")
        #expect(changes.first { $0["check"] == "uploads" }?["to"] == "down")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/platform.jsonl"))  // status watch records nothing

        // klaxon watch: records the change on the platform journal and the registry incident.
        let (service, serviceOut) = try start(["watch"], ws: ws)
        let printed = try await waitForLines(serviceOut, count: 2)
        #expect(printed.contains { $0.contains("uploads unknown → down: HTTP 503") }, "\(printed)")
        kill(service.processIdentifier, SIGTERM)
        try await blocking { service.waitUntilExit() }
        #expect(service.terminationReason == .exit && service.terminationStatus == 0)
        let platform = try JournalFile.verify(path: ws.path + "/journals/platform.jsonl")
        #expect(platform.damage == nil && platform.recordCount == 1)
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        #expect(incident.timeline.last?.type == "check.changed" && incident.timeline.last?.actor == "status-poller")
    }
}
