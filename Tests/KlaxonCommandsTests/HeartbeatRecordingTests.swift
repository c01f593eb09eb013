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
    /// Watch A (with the intake) records nightly-backup down, then up after a ping, and dies. Watch B, on
    /// the same workspace without `intake:` (as a console has none), takes the recording over: it must
    /// not write `up → unknown` (a process that receives no pings once did, a false record), and once
    /// the interval passes from the recorded ping it records the silence: `up → down`.
    @Test func aProcessWithoutTheIntakeJudgesTheHeartbeatFromTheRecordedPings() async throws {
        let ws = TemporaryDirectory("klaxon-ws")
        let checks = """
            checks:
              - {name: nightly-backup, type: heartbeat, interval: 10s}
            """
        ws.write(
            "klaxon.yaml",
            """
            name: t
            intake:
              listen: 127.0.0.1:0
              tokens: {am: "env:KLAXON_AM_TOKEN", ci: "file:\(ws.path)/ci.token"}
            \(checks)
            """)
        let bearer = ["Authorization: Bearer \(amSecret)"]
        func printed(_ path: String, until text: String, seconds: Int = 30) async throws -> String {
            var out = ""
            for _ in 0..<(seconds * 10) where !out.contains(text) {
                try await Task.sleep(for: .milliseconds(100))
                out = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            }
            return out
        }
        let first = try await start(ws)
        #expect(try await send(first.url + "/v1/heartbeat/nightly-backup", nil, headers: bearer).status == 200)
        var out = try await printed(first.output, until: "nightly-backup up → down")
        #expect(out.contains("nightly-backup up → down"), "\(first.printed)")
        #expect(try await send(first.url + "/v1/heartbeat/nightly-backup", nil, headers: bearer).status == 200)
        out = try await printed(first.output, until: "nightly-backup down → up")
        #expect(out.contains("nightly-backup down → up"), "\(first.printed)")
        // Killed: it cannot say that it stopped listening, so its intake is taken as listening (a clean
        // stop is `aCleanlyStoppedIntakeMakesTheHeartbeatUnknownNotDown`).
        kill(first.process.processIdentifier, SIGKILL)
        try await blocking { first.process.waitUntilExit() }

        ws.write("klaxon.yaml", "name: t\n\(checks)\n")
        let output = ws.path + "/second-output.txt"
        let errors = ws.path + "/second-errors.txt"
        let second = try startWatch(ws, output: output, errors: errors)
        defer {
            if second.isRunning {
                kill(second.processIdentifier, SIGTERM)
                second.waitUntilExit()
            }
        }
        out = try await printed(output, until: "nightly-backup up → down")
        #expect(out.contains("nightly-backup up → down: no ping for 10s or more: the last at "), "\(out)")
        #expect(!out.contains("unknown"), "\(out)")
        kill(second.processIdentifier, SIGTERM)
        try await blocking { second.waitUntilExit() }
        let changes = try ReviewFiles.platformRecords(journalsDirectory: ws.path + "/journals").records.map {
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
        let ws = TemporaryDirectory("klaxon-ws")
        ws.write(
            "klaxon.yaml",
            """
            name: t
            intake:
              listen: 127.0.0.1:0
              tokens: {am: "env:KLAXON_AM_TOKEN", ci: "file:\(ws.path)/ci.token"}
            checks:
              - {name: nightly-backup, type: heartbeat, interval: 10s}
            """)
        let watch = try await start(ws)
        let ping = {
            try await self.send(
                watch.url + "/v1/heartbeat/nightly-backup", nil, headers: ["Authorization: Bearer \(self.amSecret)"])
        }
        func printed(_ text: String) async throws -> String {
            var out = ""
            for _ in 0..<300 where !out.contains(text) {
                try await Task.sleep(for: .milliseconds(100))
                out = (try? String(contentsOfFile: watch.output, encoding: .utf8)) ?? ""
            }
            return out
        }
        // Recorded up (after a silence and a ping), so that a change from it is printed below.
        #expect(try await ping().status == 200)
        #expect(try await printed("nightly-backup up → down").contains("nightly-backup up → down"))
        #expect(try await ping().status == 200)
        #expect(try await printed("nightly-backup down → up").contains("nightly-backup down → up"))
        #expect(try await watch.stop() == 0)
        let k = Klaxon(workspace: ws.path, environment: ["TZ": "UTC"])
        let book = AlertBook(records: try alertsJournal(ws).records)
        #expect(book.intakeStopped != nil, "a clean stop says it")
        let list = try await blocking { k.run("alert", "list") }
        #expect(list.output.hasPrefix("intake stopped "), "\(list.output)")
        // A process without the intake, past the interval: unknown, said why.
        ws.write("klaxon.yaml", "name: t\nchecks:\n  - {name: nightly-backup, type: heartbeat, interval: 10s}\n")
        let output = ws.path + "/second-output.txt"
        let second = try startWatch(ws, output: output, errors: ws.path + "/second-errors.txt")
        var out = ""
        for _ in 0..<250 where !out.contains("nightly-backup") {
            try await Task.sleep(for: .milliseconds(100))
            out = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }
        try await Task.sleep(for: .seconds(12))  // past the interval from the ping: it stays unknown
        kill(second.processIdentifier, SIGTERM)
        try await blocking { second.waitUntilExit() }
        out = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(
            out.contains("nightly-backup up → unknown: no klaxon watch's intake listens for its pings since "), "\(out)"
        )
        #expect(!out.contains("→ down"), "\(out)")
    }
}
