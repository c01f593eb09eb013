import FlyingFox
import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// `klaxon status check` against a loopback server serving the recorded payloads.
struct StatusCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures")

    @Test func checksOfEveryKindSettleAndTheExitStatusSaysWhetherOneIsDown() async throws {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), logger: .disabled)
        await server.appendRoute("GET /healthz") { _ in
            HTTPResponse(statusCode: .ok, body: Data(#"{"status":"UP"}"#.utf8))
        }
        await server.appendRoute("GET /broken") { _ in HTTPResponse(statusCode: .serviceUnavailable) }
        await server.appendRoute("GET /vendor/api/v2/summary.json") { _ in
            HTTPResponse(
                statusCode: .ok,
                body: try Data(contentsOf: Self.fixtures.appendingPathComponent("statuspage_summary_github.json")))
        }
        await server.appendRoute("GET /prom/api/v1/alerts") { _ in
            HTTPResponse(
                statusCode: .ok,
                body: try Data(contentsOf: Self.fixtures.appendingPathComponent("prometheus_v1_alerts_watchdog.json")))
        }
        let task = Task { try await server.run() }
        defer { task.cancel() }
        // The suite's other tests may hold the cooperative pool for a while at its start (servers starting):
        // FlyingFox's 5 s default for the server's task to begin listening is too short there.
        try await server.waitUntilListening(timeout: 120)
        guard case .ip4(_, let port)? = await server.listeningAddress else {
            Issue.record("no address")
            return
        }
        let base = "http://127.0.0.1:\(port)"
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: registry-api, group: Registry, url: "\(base)/healthz", interval: 30s, timeout: 20s, expect: {status: [200], json: {path: "$.status", equals: UP}}}
              - {name: uploads, group: Registry, url: "\(base)/broken", interval: 30s, retry_interval: 1s, timeout: 20s, failure_threshold: 2}
              - {name: github, group: Vendors, type: statuspage, url: "\(base)/vendor", interval: 60s, timeout: 20s}
              - {name: alerts, group: Observability, type: prometheus, url: "\(base)/prom", interval: 60s, timeout: 20s}
              - {name: old-box, group: Registry, url: "\(base)/broken", interval: 30s, timeout: 20s}
            maintenance:
              - {checks: [old-box], from: 2026-11-20T00:00Z, to: 2026-12-31T00:00Z}
            """)
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-22T12:00:00Z"))
        let run = try await blocking { k.run("status", "check", "--json") }
        #expect(run.status == 1, "\(run.errors)")
        let checks = try #require(run.json?.arrayValue)
        let byName = Dictionary(uniqueKeysWithValues: checks.map { ($0["name"]?.stringValue ?? "", $0) })
        #expect(byName["registry-api"]?["state"] == "up")
        #expect(byName["registry-api"]?["latency_ms"]?.intValue != nil)
        #expect(byName["uploads"]?["state"] == "down")  // confirmed by a second poll a second later
        #expect(byName["uploads"]?["detail"] == "HTTP 503")
        #expect(byName["github"]?["state"] == "degraded")
        #expect(
            byName["github"]?["components"]?.arrayValue?.contains(["name": "Packages", "status": "partial_outage"])
                == true)
        #expect(byName["alerts"]?["state"] == "degraded")
        #expect(byName["alerts"]?["alerts"]?.arrayValue?.first?["name"] == "Watchdog")
        #expect(byName["old-box"]?["state"] == "maintenance")
        let text = try await blocking { k.run("status", "check", "registry-api", "github") }
        #expect(text.status == 0)
        #expect(text.output.contains("  registry-api  UP"))
        #expect(text.output.hasSuffix("nothing down\n"))
        // Issue 26, point 14: the columns line up across the groups (registry-api and github are in two).
        let all = try await blocking { k.run("status", "check") }
        let rows = all.output.split(separator: "\n").filter { $0.hasPrefix("  ") }
        // Where each row's second column starts: after the name and its padding.
        let stateColumns = Set(rows.map { $0.prefixMatch(of: /\s\s\S+\s+/)?.output.count })
        #expect(rows.count == 5 && stateColumns.count == 1, "\(all.output)")
        await server.stop()
    }

    /// `klaxon status check` receives no pings: a heartbeat check is unknown there, said why; the exit
    /// status says unknown.
    @Test func aHeartbeatCheckIsUnknownToAOneShotCheck() async throws {
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: nightly-backup, group: Jobs, type: heartbeat, interval: 10m}
            """)
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-22T12:00:00Z"))
        let run = try await blocking { k.run("status", "check", "--json") }
        #expect(run.status == 3, "\(run.errors)")
        let check = try #require(run.json?.arrayValue?.first)
        #expect(check["state"] == "unknown")
        #expect(
            check["detail"]
                == "judged from its pings (POST /v1/heartbeat/nightly-backup), which klaxon watch's intake records, by klaxon watch and the console; this command does not read them"
        )
    }
}
