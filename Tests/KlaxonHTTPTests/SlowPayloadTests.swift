import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// A payload that is slow to judge holds up nobody else: 15,400 alerts of distinct names (which took
/// seconds to judge while the poller stood still) polled beside a healthy check every second.
extension PollerTiming {
    struct SlowPayloadTests {
        @Test func fifteenThousandAlertsDoNotHoldUpAHealthyCheck() async throws {
            let dir = TemporaryDirectory()
            let receiver = try HTTPReceiver(
                directory: dir.path,
                routes: [
                    "/api/v1/alerts": .init(body: StatusPayloadFixtures.prometheusAlerts(15_400)), "/healthz": .init()
                ])
            defer { receiver.stop() }
            let base = "http://127.0.0.1:\(receiver.port)"
            var healthy = CheckDefinition(name: "ok", url: base + "/healthz")
            healthy.intervalSeconds = 1
            healthy.timeoutSeconds = 1
            var alerts = CheckDefinition(name: "alerts", kind: .prometheus, url: base)
            alerts.intervalSeconds = 2
            alerts.timeoutSeconds = 2
            let reports = Reports()
            let poller = StatusPoller(
                checks: [healthy, alerts], maintenance: [], clock: { Timestamp(Date()) }, deliver: reports.add)
            poller.start()
            let started = Date()
            while Date().timeIntervalSince(started) < 10 { try await Task.sleep(for: .milliseconds(200)) }
            poller.stop()
            let all = reports.all
            // The alerts were read and judged, every one of them.
            let judged = all.filter { $0.check.name == "alerts" }
            #expect(
                !judged.isEmpty && judged.allSatisfy { $0.evaluation.items.count == 15_400 },
                "\(judged.map(\.evaluation.observation))")
            #expect(
                judged.first?.evaluation.observation.detail
                    == "15400 alerts firing: A00000, A00001, A00002 and 15397 more")
            // Meanwhile the healthy check was polled about every second, each poll on time, and stayed up
            // (bounds a correct poller meets on a busy machine; the stalled one missed them by seconds).
            let ok = all.filter { $0.check.name == "ok" }
            #expect(ok.count >= 7, "\(ok.count) polls of the healthy check in 10 s")
            #expect(ok.allSatisfy { $0.state == .up }, "\(ok.map { ($0.state, $0.evaluation.observation.detail) })")
            #expect(keptSchedule(lags: ok.map(\.lagMilliseconds)), "\(ok.map(\.lagMilliseconds))")
        }
    }
}
