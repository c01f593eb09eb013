import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// Issue 24, point 2, end to end: updates posted with the CLI are sent by a real `klaxon watch` to a
    /// loopback Slack-compatible receiver, the SMTP sink and a signed webhook that answers 500; the
    /// attempts are on the timeline, `incident show` says what was sent and, loudly, what was not.
    struct CommsEndToEndTests {
        @Test func updatesFromTheCommandLineReachSlackAndEmailThroughKlaxonWatch() async throws {
            let directory = TemporaryDirectory("comms-e2e")
            let hooks = try HTTPReceiver(
                directory: directory.path, routes: ["/slack/status": .init([200]), "/hooks/bridge": .init([500])])
            defer { hooks.stop() }
            try FileManager.default.createDirectory(atPath: directory.path + "/mail", withIntermediateDirectories: true)
            let mail = try SMTPSink(directory: directory.path + "/mail")
            defer { mail.stop() }
            let ws = makeWorkspace(
                """
                name: comms
                time_zone: UTC
                channels:
                  email: {server: "smtp://127.0.0.1:\(mail.port)", from: klaxon@example.com}
                  timeout: 5s
                comms:
                  cadence: {SEV1: 30m, SEV2: 1h}
                  attempts: 2
                  retry_backoff: 2s
                  destinations:
                    platform-status: {slack: env:KLAXON_SLACK_STATUS, channel: "#platform-status"}
                    eng-all: {email: [eng-all@example.com]}
                    bridge: {webhook: "http://127.0.0.1:\(hooks.port)/hooks/bridge", secret: env:BRIDGE_SECRET}
                  routes:
                    - {services: [registry], to: [platform-status, eng-all]}
                    - {severities: [SEV1], to: [bridge]}
                """)
            let log = ws.path + "/watch.log"
            let watch = try startWatch(
                ws, output: log, errors: log,
                environment: [
                    "KLAXON_SLACK_STATUS": "http://127.0.0.1:\(hooks.port)/slack/status",
                    "BRIDGE_SECRET": "s3cret-value"
                ])
            defer {
                watch.terminate()
                watch.waitUntilExit()
            }
            let k = Klaxon(workspace: ws.path, clock: FixedClock(Timestamp(Date())))
            #expect(
                k.run(
                    "incident", "declare", "Registry returns 503", "--severity", "SEV2", "--service", "registry"
                ).status == 0)
            let posted = k.run("incident", "update", "INC-1", "Pushes fail; pulls work.", "--status", "identified")
            #expect(posted.status == 0, "\(posted.errors)")
            let store = IncidentStore(directory: ws.path + "/journals")
            func records(_ type: RecordType) -> [JournalRecord] {
                ((try? store.open("INC-1").incident.timeline) ?? []).filter { $0.type == type.rawValue }
            }
            let sent = try await until { records(.updateResult).count == 2 && !mail.messages.isEmpty }
            let log1 = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(sent, "\(log1)\n\(k.run("incident", "show", "INC-1").output)")
            let slack = try #require(hooks.requests.first { $0.path == "/slack/status" })
            #expect(slack.body.contains("[SEV2] INC-1 Identified: Registry returns 503"), "\(slack.body)")
            #expect(
                try #require(mail.messages.first).contains("Subject: [SEV2] INC-1 identified: Registry returns 503"))
            let shown = k.run("incident", "show", "INC-1").output
            #expect(shown.contains("Updates: update #1 sent to #platform-status, email eng-all"), "\(shown)")
            #expect(shown.contains("comms     sending update #1 to #platform-status, attempt 1 of 2"), "\(shown)")
            #expect(shown.contains("comms     update #1 sent to email eng-all"), "\(shown)")

            // SEV1 adds the signed webhook, which answers 500: tried twice, then shown as not sent.
            #expect(k.run("incident", "severity", "INC-1", "SEV1").status == 0)
            #expect(k.run("incident", "update", "INC-1", "A fix is rolling out.", "--status", "monitoring").status == 0)
            let failed = try await until {
                // Update #2's results: between the severity and it, update #1 may have been tried at the bridge.
                records(.updateResult).filter { $0.data["destination"] == "bridge" && $0.data["number"] == 2 }.count
                    == 2
            }
            #expect(failed, "\(k.run("incident", "show", "INC-1").output)")
            let bridge = hooks.requests.filter { $0.path == "/hooks/bridge" }
            #expect(bridge.count >= 2)
            #expect(bridge.first?.headers["x-klaxon-signature"]?.hasPrefix("t=") == true)
            let after = k.run("incident", "show", "INC-1").output
            #expect(
                after.contains("Updates: update #2 NOT SENT to webhook bridge: gave up after 2 attempts: HTTP 500"),
                "\(after)")
            #expect(after.contains("Updates: update #2 sent to #platform-status"), "\(after)")
            #expect(!after.contains("s3cret-value") && !after.contains("/slack/status"))
            let json = try #require(k.run("incident", "show", "INC-1", "--json").json)
            let deliveries = try #require(json["update_deliveries"]?.arrayValue)
            #expect(
                deliveries.map { $0["state"]?.stringValue ?? "" } == ["delivered", "delivered", "gave_up"],
                "\(deliveries)")
            #expect(deliveries.last?["problem"] == .bool(true))
        }
    }
}
