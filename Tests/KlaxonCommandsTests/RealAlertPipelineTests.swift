import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// The harness of the intake's tests proven on its own: real Prometheus 2.42, pushgateway 1.5 and
    /// Alertmanager 0.25 (Debian's packages) on loopback, posting to a loopback receiver what Klaxon's
    /// intake will receive. `RECORD_FIXTURES=1` saves the first firing and resolved notifications in
    /// Tests/Fixtures (for the unit tests).
    struct RealAlertPipelineTests {
        static let token = "s3cret-intake-token"
        static let path = "/v1/alertmanager"

        /// A receiver that answers 401 to a request without the bearer token, as the intake does.
        static func receiver(_ directory: TemporaryDirectory) throws -> HTTPReceiver {
            try HTTPReceiver(
                directory: directory.path, routes: [path: .init(requires: ["authorization": "Bearer \(token)"])])
        }

        static func webhook(_ receiver: HTTPReceiver) -> AlertmanagerWebhook {
            AlertmanagerWebhook(url: "http://127.0.0.1:\(receiver.port)\(path)", token: token)
        }

        /// The notifications received so far, parsed (each must parse), until `done` holds or 60 s pass.
        func notifications(
            _ receiver: HTTPReceiver, until done: ([AlertmanagerNotification]) -> Bool
        ) async throws -> [(request: HTTPReceiver.Request, notification: AlertmanagerNotification)] {
            var received: [(request: HTTPReceiver.Request, notification: AlertmanagerNotification)] = []
            for _ in 0..<600 {
                received = try receiver.requests.map { ($0, try AlertmanagerNotification.parse(Array($0.body.utf8))) }
                if done(received.map(\.notification)) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return received
        }

        /// Writes a received body to Tests/Fixtures/NAME when asked (RECORD_FIXTURES=1).
        func record(_ name: String, _ body: String) throws {
            guard ProcessInfo.processInfo.environment["RECORD_FIXTURES"] == "1" else { return }
            let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures")
            try body.write(to: fixtures.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }

        @Test func aRuleThatFiresIsPostedWithTheTokenAndItsResolutionAfterTheToggle() async throws {
            let directory = TemporaryDirectory("receiver")
            let receiver = try Self.receiver(directory)
            defer { receiver.stop() }
            let pipeline = try await blocking { try AlertPipeline(webhook: Self.webhook(receiver)) }
            defer { pipeline.stop() }

            try await blocking { try pipeline.push(up: false, job: "registry") }
            let firing = try await notifications(receiver) { !$0.isEmpty }
            let first = try #require(firing.first, "no notification within 60 s\n\(pipeline.log)")
            #expect(first.request.method == "POST")
            #expect(first.request.headers["authorization"] == "Bearer \(Self.token)")
            #expect(first.request.headers["user-agent"]?.hasPrefix("Alertmanager/") == true)
            let notification = first.notification
            #expect(notification.status == .firing)
            #expect(notification.receiver == "klaxon")
            #expect(notification.groupKey == #"{}:{alertname="KlaxonTestDown"}"#)
            #expect(notification.externalURL == pipeline.alertmanagers[0].url)
            let alert = try #require(notification.alerts.first)
            #expect(notification.alerts.count == 1)
            #expect(alert.status == .firing)
            #expect(
                alert.labels == [
                    "alertname": "KlaxonTestDown", "job": "registry", "severity": "critical", "env": "klaxon-real"
                ])
            #expect(alert.annotations["summary"] == "registry is down")
            #expect(alert.fingerprint.count == 16, "Alertmanager's fingerprint is 16 hex digits: \(alert.fingerprint)")
            #expect(alert.endsAt == nil, "a firing alert ends at Go's zero time")
            #expect(alert.generatorURL?.contains("/graph?g0.expr=") == true)
            try record("alertmanager-webhook-firing.json", first.request.body)

            // Toggled back: the same group and alert, resolved.
            try await blocking { try pipeline.push(up: true, job: "registry") }
            let all = try await notifications(receiver) { $0.contains { $0.status == .resolved } }
            let resolved = try #require(
                all.first { $0.notification.status == .resolved }, "no resolved notification\n\(pipeline.log)")
            #expect(resolved.request.headers["authorization"] == "Bearer \(Self.token)")
            #expect(resolved.notification.groupKey == notification.groupKey)
            #expect(resolved.notification.alerts.map(\.fingerprint) == [alert.fingerprint])
            #expect(resolved.notification.alerts.first?.status == .resolved)
            #expect(resolved.notification.alerts.first?.startsAt == alert.startsAt)
            let endsAt = try #require(resolved.notification.alerts.first?.endsAt)
            #expect(endsAt >= alert.startsAt)
            try record("alertmanager-webhook-resolved.json", resolved.request.body)
        }

        @Test func aClusteredPairPostsTheSameGroupFromBothAndASilenceReachesBoth() async throws {
            let directory = TemporaryDirectory("receiver")
            let receiver = try Self.receiver(directory)
            defer { receiver.stop() }
            let pipeline = try await blocking { try AlertPipeline(webhook: Self.webhook(receiver), clustered: true) }
            defer { pipeline.stop() }
            let urls = Set(pipeline.alertmanagers.map(\.url))
            #expect(urls.count == 2)
            // Each knows the other: a cluster of two.
            let status = try await blocking { try pipeline.alertmanagers[0].request("GET", "/api/v2/status") }
            #expect(status.components(separatedBy: "\"address\"").count - 1 == 2, "\(status)")

            try await blocking { try pipeline.push(up: false, job: "registry") }
            let received = try await notifications(receiver) { Set($0.compactMap(\.externalURL)) == urls }
            let firing = received.map(\.notification).filter { $0.status == .firing }
            #expect(Set(firing.compactMap(\.externalURL)) == urls, "both send\n\(pipeline.log)")
            #expect(Set(firing.map(\.groupKey)) == [#"{}:{alertname="KlaxonTestDown"}"#])
            #expect(Set(firing.flatMap { $0.alerts.map(\.fingerprint) }).count == 1, "one alert, one fingerprint")
            #expect(received.allSatisfy { $0.request.headers["authorization"] == "Bearer \(Self.token)" })

            // A silence made on one is on both (gossip): each says the alert is suppressed by it.
            let id = try await blocking { try pipeline.alertmanagers[0].silence(["alertname": "KlaxonTestDown"]) }
            var suppressed: [Bool] = []
            for _ in 0..<300 {
                suppressed = try await blocking {
                    try pipeline.alertmanagers.map {
                        let alerts = try $0.request("GET", "/api/v2/alerts")
                        return alerts.contains(#""state":"suppressed""#) && alerts.contains(id)
                    }
                }
                if suppressed == [true, true] { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(suppressed == [true, true], "\(pipeline.log)")
        }
    }
}
