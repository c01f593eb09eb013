import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
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
        func poll(_ ws: TemporaryDirectory, until done: ([String: JSONValue]) -> Bool) async throws -> [String:
            JSONValue]
        {
            var byName: [String: JSONValue] = [:]
            for _ in 0..<120 {
                let run = try await blocking {
                    Klaxon(workspace: ws.path, clock: .wall()).run("status", "check", "--json")
                }
                byName = Dictionary(
                    uniqueKeysWithValues: (run.json?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
                if done(byName) { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            return byName
        }

        @Test func firingAlertsAreDownHealthIsUpAndASourceThatStopsIsUnknownOrSilent() async throws {
            let alertmanager = try RealServer.alertmanager(
                inhibitRules:
                    #"[{source_matchers: [alertname="KlaxonAlwaysCritical"], target_matchers: [alertname="KlaxonInhibited"]}]"#
            )
            let prometheus = try RealServer.prometheus(rules: Self.rules, alertmanagers: [alertmanager])
            let etcd = try RealServer.etcd()
            let ws = makeWorkspace(
                "name: real\nchecks:\n"
                    + [
                        "{name: prom-platform, type: prometheus, url: \"\(prometheus.url)\", labels: {team: platform}}",
                        "{name: prom-quiet, type: prometheus, url: \"\(prometheus.url)\", labels: {team: nobody}}",
                        "{name: am-platform, type: alertmanager, url: \"\(alertmanager.url)\", labels: {team: platform}}",
                        "{name: am-watchdog, type: alertmanager, url: \"\(alertmanager.url)\", labels: {team: nobody}, require: {alertname: Watchdog}, interval: 1s, timeout: 1s, silent_for: 2s}",
                        "{name: etcd, url: \"\(etcd.url)/health\", expect: {json: {path: \"$.health\", equals: \"true\"}}}"
                    ].map { "  - " + $0 }.joined(separator: "\n") + "\n")
            func state(_ byName: [String: JSONValue], _ name: String) -> String? { byName[name]?["state"]?.stringValue }
            func detail(_ byName: [String: JSONValue], _ name: String) -> String {
                byName[name]?["detail"]?.stringValue ?? ""
            }
            let servers =
                "\n--- prometheus:\n\(prometheus.log.suffix(1500))\n--- alertmanager:\n\(alertmanager.log.suffix(1500))\n--- etcd:\n\(etcd.log.suffix(1500))"

            // Live: Prometheus evaluates every second and sends to Alertmanager, which inhibits the warning.
            let live = try await poll(ws) {
                state($0, "prom-platform") == "down" && state($0, "am-platform") == "down"
                    && state($0, "am-watchdog") == "up"
            }
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
            #expect(
                detail(live, "am-platform") == "1 critical alert firing: KlaxonAlwaysCritical (1 silenced or inhibited)"
            )
            let inhibited = live["am-platform"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonInhibited" }
            #expect(inhibited?["state"] == "inhibited" && inhibited?["counted"] == false)
            #expect(state(live, "am-watchdog") == "up", "the Watchdog is there")
            #expect(
                state(live, "etcd") == "up", "etcd answers {\"health\":\"true\"}, a string: \(detail(live, "etcd"))")

            // Prometheus stops: its checks are blind, not clear. Alertmanager lets the alerts it was sent
            // expire (4 resend delays): its checks then see no alerts at all, and only the dead man's
            // switch tells silence from health.
            prometheus.stop()
            let blind = try await poll(ws) { state($0, "am-watchdog") == "down" }
            #expect(state(blind, "prom-platform") == "unknown", "\(blind)")
            #expect(
                detail(blind, "prom-platform").hasPrefix(
                    "source unreachable: Failed to connect to 127.0.0.1 port \(prometheus.port)"))
            #expect(state(blind, "prom-quiet") == "unknown")
            #expect(state(blind, "am-watchdog") == "down", "\(blind)\(servers)")
            #expect(
                detail(blind, "am-watchdog").contains("monitoring pipeline silent"), "\(detail(blind, "am-watchdog"))")

            // Alertmanager stops too: unknown, never up.
            alertmanager.stop()
            etcd.stop()
            let gone = try await poll(ws) { state($0, "am-platform") == "unknown" }
            #expect(state(gone, "am-platform") == "unknown", "\(gone)")
            #expect(state(gone, "am-watchdog") == "unknown")
            #expect(detail(gone, "am-platform").hasPrefix("source unreachable: "))
            #expect(state(gone, "etcd") == "down", "a plain health check that cannot connect is down")
        }

        /// Walkthrough of issue 19, point 9: a Prometheus that has not evaluated its rules yet answers
        /// an empty list, and a dead man's switch must not declare for that. Here the Watchdog fires only
        /// from eight seconds after the test starts (its expression holds it back; a server just
        /// (re)started looks the same until its first evaluation). `klaxon status watch`: the check with
        /// `silent_for: 30s` is confirming, says since when and when it would be down, and turns up when
        /// the Watchdog comes; the one with `silent_for: 2s` is down after two seconds, and up after.
        @Test func aSourceThatHasNotEvaluatedItsRulesYetIsConfirmingNotDown() async throws {
            let from = Int(Date().timeIntervalSince1970) + 8
            let prometheus = try RealServer.prometheus(
                rules: "[{alert: Watchdog, expr: \"vector(time()) > \(from)\", labels: {severity: none}}]")
            let ws = makeWorkspace(
                "name: real\nchecks:\n"
                    + [
                        "{name: patient, type: prometheus, url: \"\(prometheus.url)\", labels: {team: nobody}, require: {alertname: Watchdog}, interval: 1s, timeout: 1s, silent_for: 30s}",
                        "{name: hasty, type: prometheus, url: \"\(prometheus.url)\", labels: {team: nobody}, require: {alertname: Watchdog}, interval: 1s, timeout: 1s, silent_for: 2s}"
                    ].map { "  - " + $0 }.joined(separator: "\n") + "\n")
            let out = ws.path + "/out.txt"
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            let watch = Process()
            watch.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon"))
            watch.arguments = ["status", "watch", "--workspace", ws.path]
            watch.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
            watch.standardOutput = FileHandle(forWritingAtPath: out)
            try watch.run()
            var printed = ""
            for _ in 0..<400 where !(printed.contains("patient confirming → up") && printed.contains("hasty down → up"))
            {
                try await Task.sleep(for: .milliseconds(100))
                printed = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            }
            kill(watch.processIdentifier, SIGKILL)
            watch.waitUntilExit()
            let lines = printed.split(separator: "\n").map(String.init)
            let patient = lines.filter { $0.contains(" patient ") }
            let hasty = lines.filter { $0.contains(" hasty ") }
            #expect(patient.count == 2, "\(printed)\n--- prometheus:\n\(prometheus.log.suffix(1500))")
            #expect(
                patient.first?.contains("patient unknown → confirming: Watchdog missing since ") == true, "\(patient)")
            #expect(patient.first?.hasSuffix(" UTC, down after 30s") == true, "\(patient)")
            #expect(patient.last?.contains("patient confirming → up: no alerts firing") == true, "\(patient)")
            #expect(
                hasty.map { $0.split(separator: " ").dropFirst(2).prefix(3).joined(separator: " ") } == [
                    "unknown → confirming:", "confirming → down:", "down → up:"
                ], "\(hasty)")
            #expect(
                hasty.contains {
                    $0.contains("confirming → down: monitoring pipeline silent: no alert with alertname=Watchdog")
                }, "\(hasty)")
        }
    }
}
