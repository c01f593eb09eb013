import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEnd {
    /// Issue 22, the heartbeat end to end: a real Alertmanager's always-firing Watchdog pointed at
    /// `klaxon watch`'s `/v1/heartbeat/NAME` keeps the heartbeat check up; once the alerting pipeline
    /// stops, the silence turns it down and pages, as docs/intake.md ("Heartbeats") says.
    struct IntakeHeartbeatEndToEndTests {
        /// Prometheus's Watchdog, routed by Alertmanager to the intake's heartbeat endpoint (repeated
        /// every 2 s), keeps the check `alerting-pipeline` (interval 10 s) up for 15 s: never down, nobody
        /// paged. The pipeline is then stopped: the check goes down, its `declare:` declares an
        /// incident titled with the silence, and the policy pages alice once.
        @Test func theWatchdogKeepsTheHeartbeatUpAndItsSilencePages() async throws {
            let directory = TemporaryDirectory("intake-heartbeat")
            let pages = try HTTPReceiver(directory: directory.path, routes: ["/alice": .init()])
            defer { pages.stop() }
            let intakePort = try RealServer.freePort()
            let ws = IntakeEndToEndTests.workspace(intakePort: intakePort, pagesPort: pages.port)
            ws.write(
                "klaxon.yaml",
                """
                name: heartbeat
                time_zone: UTC
                channels:
                  webhook: {secret: "env:KLAXON_TEST_WEBHOOK_SECRET"}
                intake:
                  listen: 127.0.0.1:\(intakePort)
                  tokens: {alertmanager: "env:KLAXON_AM_TOKEN"}
                checks:
                  - {name: alerting-pipeline, type: heartbeat, interval: 10s, service: observability, policy: platform, declare: SEV2}
                """)
            // The pipeline first: Alertmanager retries until the intake listens, so the first ping comes
            // soon after klaxon watch starts (its check would be down 10 s after the start without one).
            let webhook = AlertmanagerWebhook(
                url: "http://127.0.0.1:\(intakePort)/v1/heartbeat/alerting-pipeline", token: IntakeEndToEndTests.token)
            let pipeline = try await blocking {
                try AlertPipeline(
                    webhook: webhook, rules: "[{alert: Watchdog, expr: vector(1), labels: {severity: none}}]")
            }
            defer { pipeline.stop() }
            let output = ws.path + "/watch.out"
            let watch = try startWatch(
                ws, output: output, errors: ws.path + "/watch.err",
                environment: [
                    "KLAXON_AM_TOKEN": IntakeEndToEndTests.token, "KLAXON_TEST_WEBHOOK_SECRET": "hook-secret"
                ])
            defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
            let printed = {
                ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
                    + ((try? String(contentsOfFile: ws.path + "/watch.err", encoding: .utf8)) ?? "")
            }
            let pageCount = { pages.requests.filter { $0.path == "/alice" }.count }

            let up = try await until { printed().contains("alerting-pipeline unknown → up") }
            #expect(up, "\(printed())\n\(pipeline.log)")
            // Pinged: up for longer than its interval, nothing recorded, nobody paged.
            try await Task.sleep(for: .seconds(15))
            #expect(!printed().contains("→ down"), "\(printed())")
            let platform = (try? String(contentsOfFile: ws.path + "/journals/platform.jsonl", encoding: .utf8)) ?? ""
            #expect(!platform.contains("\"to\":\"down\""), "\(platform)")
            #expect(pageCount() == 0)

            pipeline.stop()
            let paged = try await until { pageCount() >= 1 }
            #expect(paged, "no page within 60 s of the pipeline's stop\n\(printed())")
            try await Task.sleep(for: .seconds(2))
            kill(watch.processIdentifier, SIGTERM)
            try await blocking { watch.waitUntilExit() }
            #expect(watch.terminationReason == .exit && watch.terminationStatus == 0, "\(printed())")
            #expect(pageCount() == 1)
            #expect(printed().contains("alerting-pipeline up → down: no ping for 10s or more"), "\(printed())")
            let incident = Klaxon(workspace: ws.path).run("incident", "show", "INC-1", "--json").json
            #expect(
                incident?["title"]?.stringValue?.hasPrefix("alerting-pipeline is down: no ping for 10s or more")
                    == true,
                "\(String(describing: incident))")
            #expect(incident?["severity"] == "SEV2" && incident?["services"] == ["observability"])
        }
    }
}
