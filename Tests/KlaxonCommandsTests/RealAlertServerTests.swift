import Foundation
import KlaxonCore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// `klaxon status check` against real Prometheus 2.42, Alertmanager 0.25 and etcd 3.4 servers
    /// (Debian's packages) started here on loopback with fresh state: what the recordings in
    /// ../shared/fixtures/real showed, seen live, and what happens when the sources stop.
    struct RealAlertServerTests {
        /// Always-firing rules: a Watchdog (a dead man's switch), a critical alert with a summary and
        /// a runbook, a warning that Alertmanager inhibits, and a critical one held pending by `for:`.
        static let rules = """
            [
              {alert: Watchdog, expr: vector(1), labels: {severity: none}},
              {alert: KlaxonAlwaysCritical, expr: vector(1), labels: {severity: critical, team: platform},
               annotations: {summary: registry answers 503, runbook_url: "https://runbooks.example/registry-5xx"}},
              {alert: KlaxonInhibited, expr: vector(1), labels: {severity: warning, team: platform}},
              {alert: KlaxonHeldPending, expr: vector(1), for: 1h, labels: {severity: critical, team: platform}},
            ]
            """

        /// Polls every check once (`status check --json`) until `done` holds for the checks by name,
        /// or 60 s; returns the last answer.
        func poll(_ ws: TemporaryDirectory, until done: ([String: JSONValue]) -> Bool) async throws -> [String: JSONValue] {
            var byName: [String: JSONValue] = [:]
            for _ in 0..<120 {
                let run = try await blocking { Klaxon(workspace: ws.path).run("status", "check", "--json") }
                byName = Dictionary(uniqueKeysWithValues: (run.json?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
                if done(byName) { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            return byName
        }

        @Test func firingAlertsAreDownHealthIsUpAndASourceThatStopsIsUnknownOrSilent() async throws {
            let alertmanager = try RealServer.alertmanager(
                inhibitRules: #"[{source_matchers: [alertname="KlaxonAlwaysCritical"], target_matchers: [alertname="KlaxonInhibited"]}]"#)
            let prometheus = try RealServer.prometheus(rules: Self.rules, alertmanager: alertmanager)
            let etcd = try RealServer.etcd()
            let ws = makeWorkspace("name: real\nchecks:\n" + [
                "{name: prom-platform, type: prometheus, url: \"\(prometheus.url)\", labels: {team: platform}}",
                "{name: prom-quiet, type: prometheus, url: \"\(prometheus.url)\", labels: {team: nobody}}",
                "{name: am-platform, type: alertmanager, url: \"\(alertmanager.url)\", labels: {team: platform}}",
                "{name: am-watchdog, type: alertmanager, url: \"\(alertmanager.url)\", labels: {team: nobody}, require: {alertname: Watchdog}}",
                "{name: etcd, url: \"\(etcd.url)/health\", expect: {json: {path: \"$.health\", equals: \"true\"}}}",
            ].map { "  - " + $0 }.joined(separator: "\n") + "\n")
            func state(_ byName: [String: JSONValue], _ name: String) -> String? { byName[name]?["state"]?.stringValue }
            func detail(_ byName: [String: JSONValue], _ name: String) -> String { byName[name]?["detail"]?.stringValue ?? "" }
            let servers = "\n--- prometheus:\n\(prometheus.log.suffix(1500))\n--- alertmanager:\n\(alertmanager.log.suffix(1500))\n--- etcd:\n\(etcd.log.suffix(1500))"

            // Live: Prometheus evaluates every second and sends to Alertmanager, which inhibits the warning.
            let live = try await poll(ws) { state($0, "prom-platform") == "down" && state($0, "am-platform") == "down" && state($0, "am-watchdog") == "up" }
            #expect(state(live, "prom-platform") == "down", "\(live)\(servers)")
            #expect(detail(live, "prom-platform") == "1 critical alert firing: KlaxonAlwaysCritical (1 pending)")
            let critical = live["prom-platform"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonAlwaysCritical" }
            #expect(critical?["summary"] == "registry answers 503")
            #expect(critical?["runbook_url"] == "https://runbooks.example/registry-5xx")
            #expect(critical?["starts_at"]?.stringValue != nil)
            let pending = live["prom-platform"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonHeldPending" }
            #expect(pending?["state"] == "pending" && pending?["counted"] == false, "a pending alert is not firing")
            #expect(state(live, "prom-quiet") == "up", "matchers that select nothing are all clear")
            #expect(state(live, "am-platform") == "down")
            #expect(detail(live, "am-platform") == "1 critical alert firing: KlaxonAlwaysCritical (1 silenced or inhibited)")
            let inhibited = live["am-platform"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonInhibited" }
            #expect(inhibited?["state"] == "inhibited" && inhibited?["counted"] == false)
            #expect(state(live, "am-watchdog") == "up", "the Watchdog is there")
            #expect(state(live, "etcd") == "up", "etcd answers {\"health\":\"true\"}, a string: \(detail(live, "etcd"))")

            // Prometheus stops: its checks are blind, not clear. Alertmanager lets the alerts it was sent
            // expire (4 resend delays): its checks then see no alerts at all, and only the dead man's
            // switch tells silence from health.
            prometheus.stop()
            let blind = try await poll(ws) { state($0, "am-watchdog") == "down" }
            #expect(state(blind, "prom-platform") == "unknown", "\(blind)")
            #expect(detail(blind, "prom-platform").hasPrefix("source unreachable: Failed to connect to 127.0.0.1 port \(prometheus.port)"))
            #expect(state(blind, "prom-quiet") == "unknown")
            #expect(state(blind, "am-watchdog") == "down", "\(blind)\(servers)")
            #expect(detail(blind, "am-watchdog").contains("monitoring pipeline silent"), "\(detail(blind, "am-watchdog"))")

            // Alertmanager stops too: unknown, never up.
            alertmanager.stop()
            etcd.stop()
            let gone = try await poll(ws) { state($0, "am-platform") == "unknown" }
            #expect(state(gone, "am-platform") == "unknown", "\(gone)")
            #expect(state(gone, "am-watchdog") == "unknown")
            #expect(detail(gone, "am-platform").hasPrefix("source unreachable: "))
            #expect(state(gone, "etcd") == "down", "a plain health check that cannot connect is down")
        }
    }
}
