import Foundation
import KlaxonCore
import Testing

/// The notifications a real Alertmanager posted (Tests/Fixtures, recorded by RealAlertPipelineTests)
/// read by the intake's parser: the fields the intake relies on are there, firing and resolved.
struct RecordedWebhookTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)")
        return Array(try Data(contentsOf: url))
    }

    @Test func aRealFiringAndItsResolvedNotificationParseAsOneAlertOfOneGroup() throws {
        let firing = try AlertmanagerNotification.parse(Self.fixture("alertmanager-webhook-firing.json"))
        let resolved = try AlertmanagerNotification.parse(Self.fixture("alertmanager-webhook-resolved.json"))
        #expect(firing.status == .firing && resolved.status == .resolved)
        #expect(firing.groupKey == #"{}:{alertname="KlaxonTestDown"}"# && resolved.groupKey == firing.groupKey)
        #expect(firing.alerts.count == 1 && resolved.alerts.count == 1)
        let (fired, ended) = (try #require(firing.alerts.first), try #require(resolved.alerts.first))
        #expect(fired.fingerprint == ended.fingerprint && !fired.fingerprint.isEmpty)
        #expect(fired.labels["job"] == "registry" && fired.annotations["summary"] == "registry is down")
        #expect(fired.endsAt == nil, "Go's zero time: no end yet")
        #expect(ended.status == .resolved && ended.startsAt == fired.startsAt)
        #expect(try #require(ended.endsAt) > fired.startsAt)
        #expect(firing.truncatedAlerts == 0)
    }
}
