import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Heartbeat pings are recorded on the journal `alerts`, so every responder judges a heartbeat check from
/// the same pings: a process without the intake (a console, a second klaxon watch) that takes the
/// recording over goes on from what was pinged, never writes the check unknown, and finds its silence.
extension IntakeTests {
    /// The heartbeat check these tests ping, `interval: 10s`.
    static let heartbeatChecks = "checks:\n  - {name: nightly-backup, type: heartbeat, interval: 10s}\n"

    /// `intakeWorkspace` with `heartbeatChecks`.
    func heartbeatWorkspace() -> TemporaryDirectory { intakeWorkspace(extra: Self.heartbeatChecks) }

    /// What the file at `path` holds once it holds `text` (at most `seconds` later).
    func output(_ path: String, containing text: String, seconds: Int = 30) async throws -> String {
        var out = ""
        for _ in 0..<(seconds * 10) where !out.contains(text) {
            try await Task.sleep(for: .milliseconds(100))
            out = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
        return out
    }

    /// Starts klaxon watch on `ws` and has nightly-backup recorded up: pinged, silent for its interval
    /// (down), pinged again (up), so that a change from up is what a later process prints.
    func watchWithTheHeartbeatRecordedUp(_ ws: TemporaryDirectory) async throws -> Running {
        let watch = try await start(ws)
        let bearer = ["Authorization: Bearer \(amSecret)"]
        for change in ["up → down", "down → up"] {
            #expect(try await send(watch.url + "/v1/heartbeat/nightly-backup", nil, headers: bearer).status == 200)
            let out = try await output(watch.output, containing: "nightly-backup " + change)
            #expect(out.contains("nightly-backup " + change), "\(watch.printed)")
        }
        return watch
    }

    /// Watch A (with the intake) records nightly-backup down, then up after a ping, and dies. Watch B, on
    /// the same workspace without `intake:` (as a console has none), takes the recording over: it must
    /// not write `up → unknown` (a process that receives no pings once did, a false record), and once
    /// the interval passes from the recorded ping it records the silence: `up → down`.
    @Test func aProcessWithoutTheIntakeJudgesTheHeartbeatFromTheRecordedPings() async throws {
        let ws = heartbeatWorkspace()
        let first = try await watchWithTheHeartbeatRecordedUp(ws)
        // Killed: it cannot say that it stopped listening, so its intake is taken as listening (a clean
        // stop is `aCleanlyStoppedIntakeMakesTheHeartbeatUnknownNotDown`).
        kill(first.process.processIdentifier, SIGKILL)
        try await blocking { first.process.waitUntilExit() }

        ws.write("klaxon.yaml", "name: t\n" + Self.heartbeatChecks)
        let printed = ws.path + "/second-output.txt"
        let second = try startWatch(ws, output: printed, errors: ws.path + "/second-errors.txt")
        defer {
            if second.isRunning {
                kill(second.processIdentifier, SIGTERM)
                second.waitUntilExit()
            }
        }
        let out = try await output(printed, containing: "nightly-backup up → down")
        #expect(out.contains("nightly-backup up → down: no ping for 10s or more: the last at "), "\(out)")
        #expect(!out.contains("unknown"), "\(out)")
        kill(second.processIdentifier, SIGTERM)
        try await blocking { second.waitUntilExit() }
        let changes = try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records.filter {
            $0.type == "check.changed"
        }.map {
            "\($0.data["from"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")"
        }
        #expect(changes.suffix(2) == ["down → up", "up → down"], "\(changes)")
        #expect(!changes.contains { $0.hasSuffix("→ unknown") }, "\(changes)")
    }

    /// Walkthrough: with klaxon watch stopped (nothing listens for pings), the console called the
    /// heartbeat check DOWN once its interval passed, "the backup job died" when Klaxon was what
    /// stopped. A clean stop records `intake.stopped`; every process then says the check unknown, why,
    /// and what to do, never down.
    @Test func aCleanlyStoppedIntakeMakesTheHeartbeatUnknownNotDown() async throws {
        let ws = heartbeatWorkspace()
        let watch = try await watchWithTheHeartbeatRecordedUp(ws)
        #expect(try await watch.stop() == 0)
        let book = AlertBook(records: try alertsJournal(ws).records)
        #expect(book.intakeStopped != nil, "a clean stop says it")
        let list = try await blocking { Klaxon(workspace: ws.path, environment: ["TZ": "UTC"]).run("alert", "list") }
        #expect(list.output.hasPrefix("intake stopped "), "\(list.output)")
        // A process without the intake, past the interval: unknown, said why.
        ws.write("klaxon.yaml", "name: t\n" + Self.heartbeatChecks)
        let printed = ws.path + "/second-output.txt"
        let second = try startWatch(ws, output: printed, errors: ws.path + "/second-errors.txt")
        _ = try await output(printed, containing: "nightly-backup", seconds: 25)
        try await Task.sleep(for: .seconds(12))  // past the interval from the ping: it stays unknown
        kill(second.processIdentifier, SIGTERM)
        try await blocking { second.waitUntilExit() }
        let out = (try? String(contentsOfFile: printed, encoding: .utf8)) ?? ""
        #expect(
            out.contains("nightly-backup up → unknown: no klaxon watch's intake listens for its pings since "), "\(out)"
        )
        #expect(!out.contains("→ down"), "\(out)")
    }
}
