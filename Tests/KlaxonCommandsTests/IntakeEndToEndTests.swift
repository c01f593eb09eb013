import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// Issue 22 end to end, with real Prometheus, pushgateway and Alertmanager (Debian's) on loopback
    /// posting to a real `klaxon watch`'s intake: a real rule fires → one incident per group, paged once
    /// by its route's policy; repeats and an HA pair's copies page no more; a silence sends no new page;
    /// the toggle back → the alerts resolved on the timeline and the incident mitigated (the route says
    /// `on_resolve: mitigate`); a group of 1,000 alerts is taken whole.
    struct IntakeEndToEndTests {
        static let token = "am-" + UUID().uuidString

        /// A workspace whose intake listens on `intakePort` and whose policy `platform` pages alice's
        /// webhook on `pagesPort`.
        static func workspace(intakePort: Int, pagesPort: Int) -> TemporaryDirectory {
            let ws = makeWorkspace(
                """
                name: intake
                time_zone: UTC
                escalation: {attempts: 3, retry_backoff: 1s}
                channels:
                  webhook: {secret: "env:KLAXON_TEST_WEBHOOK_SECRET"}
                  timeout: 5s
                intake:
                  listen: 127.0.0.1:\(intakePort)
                  tokens: {alertmanager: "env:KLAXON_AM_TOKEN"}
                  routes:
                    - match: {severity: critical}
                      service: registry
                      policy: platform
                      declare: SEV2
                      on_resolve: mitigate
                    - match: {}
                      declare: none
                """)
            ws.write(
                "Escalation/people.yaml",
                """
                people:
                  - id: alice
                    contacts: [{type: webhook, url: "http://127.0.0.1:\(pagesPort)/alice"}]
                """)
            ws.write(
                "Escalation/policies/platform.yaml",
                "name: platform\nsteps:\n  - {targets: [user:alice], escalate_after: 30m}\nack_timeout: 30m\n")
            return ws
        }

        struct Running {
            let ws: TemporaryDirectory
            let watch: Process
            let pages: HTTPReceiver
            let intakePort: Int
            var klaxon: Klaxon { Klaxon(workspace: ws.path) }
            var log: String { (try? String(contentsOfFile: ws.path + "/watch.log", encoding: .utf8)) ?? "" }
            func stop() {
                if watch.isRunning {
                    watch.terminate()
                    watch.waitUntilExit()
                }
                pages.stop()
            }
            var webhook: AlertmanagerWebhook {
                AlertmanagerWebhook(
                    url: "http://127.0.0.1:\(intakePort)/v1/alertmanager", token: IntakeEndToEndTests.token)
            }
            /// The pages alice's webhook received.
            var pageCount: Int { pages.requests.filter { $0.path == "/alice" }.count }
        }

        static func start(_ directory: TemporaryDirectory) async throws -> Running {
            let pages = try HTTPReceiver(directory: directory.path, routes: ["/alice": .init()])
            let intakePort = try RealServer.freePort()
            let ws = workspace(intakePort: intakePort, pagesPort: pages.port)
            let watch = try startWatch(
                ws, output: ws.path + "/watch.log", errors: ws.path + "/watch.log",
                environment: ["KLAXON_AM_TOKEN": token, "KLAXON_TEST_WEBHOOK_SECRET": "hook-secret"])
            let running = Running(ws: ws, watch: watch, pages: pages, intakePort: intakePort)
            // Listening before Alertmanager is started (it would retry, but the test should not wait for that).
            for _ in 0..<300 where !running.log.contains("listening on") {
                try await Task.sleep(for: .milliseconds(100))
            }
            return running
        }

        /// The requests recorded on the journal `alerts` (`alerts.received` records' batches), as JSON.
        func batches(_ running: Running) -> [JSONValue] {
            String(decoding: running.ws.read("journals/alerts.jsonl"), as: UTF8.self).split(separator: "\n")
                .compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"] == "alerts.received" }
                .flatMap { $0["data"]?["batches"]?.arrayValue ?? [] }
        }

        func alerts(_ running: Running) -> [JSONValue] {
            running.klaxon.run("alert", "list", "--all", "--json").json?.arrayValue ?? []
        }

        @Test func aRealRuleDeclaresOneIncidentPagedOnceAndItsResolutionMitigatesIt() async throws {
            let directory = TemporaryDirectory("intake-e2e")
            let running = try await Self.start(directory)
            defer { running.stop() }
            // A group per job: an alert of another job that got through would declare and page anew.
            var webhook = running.webhook
            webhook.groupBy = ["alertname", "job"]
            let pipeline = try await blocking { [webhook] in try AlertPipeline(webhook: webhook) }
            defer { pipeline.stop() }

            try await blocking { try pipeline.push(up: false, job: "registry") }
            let declared = try await until { running.klaxon.run("incident", "show", "INC-1", "--json").status == 0 }
            #expect(declared, "no incident within 60 s\n\(running.log)\n\(pipeline.log)")
            let paged = try await until { running.pageCount >= 1 }
            #expect(paged, "no page within 60 s\n\(running.log)")
            let incident = running.klaxon.run("incident", "show", "INC-1", "--json").json
            #expect(incident?["severity"] == "SEV2" && incident?["services"] == ["registry"])
            #expect(
                incident?["title"]?.stringValue?.contains("KlaxonTestDown") == true, "\(String(describing: incident))")
            // Paged by the route's policy.
            let page = try JSONParser.parse(Array(try #require(running.pages.requests.first).body.utf8))
            #expect(page["incident"]?["id"] == "INC-1" && page["page"]?["policy"] == "platform", "\(page)")

            // An alert of another group while a silence covers it: Alertmanager sends nothing of it, and
            // Klaxon declares nothing and pages nobody more (without the silence, it would: a group of its
            // own); what fires already goes on (the incident stays open).
            _ = try await blocking { try pipeline.alertmanagers[0].silence(["job": "ci"]) }
            try await blocking { try pipeline.push(up: false, job: "ci") }
            // Repeats arrive every 2 s (repeat_interval): several of them, and no new page.
            try await Task.sleep(for: .seconds(8))
            #expect(running.pageCount == 1, "one incident, one page\n\(running.log)")
            #expect(running.klaxon.run("incident", "show", "INC-2").status != 0, "one incident per group")
            let firing = alerts(running)
            #expect(firing.count == 1 && firing.first?["labels"]?["job"] == "registry", "\(firing)")
            #expect(firing.first?["incident"] == "INC-1")

            // Resolved: on the timeline, and the incident mitigated as the route says (not resolved).
            try await blocking { try pipeline.push(up: true, job: "registry") }
            let mitigated = try await until {
                running.klaxon.run("incident", "show", "INC-1", "--json").json?["key_times"]?["mitigated"]
                    .map { $0 != .null } ?? false
            }
            #expect(mitigated, "not mitigated within 60 s\n\(running.log)")
            let after = running.klaxon.run("incident", "show", "INC-1", "--json").json
            #expect(after?["status"] != "resolved", "never resolved by a machine unless the route says so")
            #expect(alerts(running).first?["state"] == "resolved")
            #expect(running.pageCount == 1)
            // On the timeline: the alert fired, then resolved, and the group said all resolved.
            let changes = (after?["timeline"]?.arrayValue ?? []).filter { $0["type"] == "alerts.changed" }
            let kinds = changes.flatMap { $0["data"]?["alerts"]?.arrayValue ?? [] }.compactMap {
                $0["kind"]?.stringValue
            }
            #expect(kinds.first == "fired" && kinds.contains("resolved"), "\(changes)")
            #expect(changes.contains { $0["data"]?["all_resolved"] == 1 }, "\(changes)")
        }

        @Test func aClusteredPairPostingTheSameGroupMakesOneIncidentAndOnePage() async throws {
            let directory = TemporaryDirectory("intake-e2e-ha")
            let running = try await Self.start(directory)
            defer { running.stop() }
            let pipeline = try await blocking { try AlertPipeline(webhook: running.webhook, clustered: true) }
            defer { pipeline.stop() }
            try await blocking { try pipeline.push(up: false, job: "registry") }
            let paged = try await until { running.pageCount >= 1 }
            #expect(paged, "no page within 60 s\n\(running.log)\n\(pipeline.log)")
            // Both Alertmanagers post (each group, again every 2 s): give them time to.
            try await Task.sleep(for: .seconds(6))
            #expect(running.pageCount == 1, "\(running.log)")
            #expect(running.klaxon.run("incident", "show", "INC-2").status != 0)
            #expect(alerts(running).count == 1)
            // Both of the pair did post to the intake: the journal alerts has notifications from each.
            let senders = Set(batches(running).compactMap { $0["external_url"]?.stringValue })
            #expect(senders == Set(pipeline.alertmanagers.map(\.url)), "\(senders)\n\(pipeline.log)")
        }

        @Test func aGroupOfAThousandAlertsIsTakenWhole() async throws {
            let directory = TemporaryDirectory("intake-e2e-1000")
            let running = try await Self.start(directory)
            defer { running.stop() }
            let pipeline = try await blocking { try AlertPipeline(webhook: running.webhook) }
            defer { pipeline.stop() }
            let series = (0..<1000).map { "klaxon_test_up{instance=\"host-\($0)\"} 0" }
            try await blocking {
                try pipeline.pushgateway.push(
                    "# TYPE klaxon_test_up gauge\n" + series.joined(separator: "\n") + "\n", job: "fleet")
            }
            let all = try await until { alerts(running).count >= 1000 }
            #expect(all, "\(alerts(running).count) alerts within 60 s\n\(running.log)")
            #expect(alerts(running).count == 1000)
            // Whole: once Alertmanager has them all, its notification carries the 1,000 in one request.
            let sizes = { batches(running).map { $0["alerts"]?.arrayValue?.count ?? 0 } }
            let whole = try await until { sizes().contains(1000) }
            #expect(whole, "the largest request held \(sizes().max() ?? 0) alerts")
            #expect(running.klaxon.run("incident", "show", "INC-2").status != 0, "one group, one incident")
        }
    }
}
