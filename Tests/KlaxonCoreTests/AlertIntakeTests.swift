import Foundation
import Testing

@testable import KlaxonCore

/// Issue 22, the pure part: the bodies Alertmanager and PagerDuty-style senders push, read strictly
/// where Klaxon relies on a field and refused whole, with every problem named; and the routes.
struct AlertIntakeTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aRealAlertmanagerNotificationIsReadWhole() throws {
        let firing = try AlertmanagerNotification.parse(fixture("real/am-webhook-firing-KlaxonAlwaysCritical.json"))
        #expect(firing.status == .firing && firing.receiver == "klaxon-hook")
        #expect(firing.groupKey == "{}:{alertname=\"KlaxonAlwaysCritical\"}")
        #expect(firing.groupLabels == ["alertname": "KlaxonAlwaysCritical"])
        #expect(firing.externalURL == "http://vm:19093" && firing.truncatedAlerts == 0)
        let alert = try #require(firing.alerts.first)
        #expect(firing.alerts.count == 1)
        #expect(alert.fingerprint == "faafda1730ad1126" && alert.name == "KlaxonAlwaysCritical")
        #expect(
            alert.labels["severity"] == "critical" && alert.annotations["summary"] == "Always-on critical test alert")
        #expect(alert.startsAt == Timestamp.parseRFC3339("2026-12-05T15:23:33.143Z"))
        #expect(alert.endsAt == nil, "Go's zero time is no end")
        #expect(alert.generatorURL == "http://vm:19090/graph?g0.expr=vector%281%29+%3E+0&g0.tab=1")

        let resolved = try AlertmanagerNotification.parse(fixture("real/am-webhook-resolved-KlaxonToggle.json"))
        #expect(resolved.status == .resolved && resolved.alerts.map(\.status) == [.resolved])
        #expect(resolved.alerts.first?.endsAt == Timestamp.parseRFC3339("2026-12-05T15:24:43.143Z"))
    }

    @Test func aNotificationMissingWhatKlaxonReliesOnIsRefusedWithEveryProblemNamed() throws {
        var body = try #require(
            try JSONParser.parse(fixture("real/am-webhook-firing-KlaxonAlwaysCritical.json")).objectFields)
        body["groupKey"] = nil
        body["version"] = "3"
        var alert = try #require(body["alerts"]?.arrayValue?.first?.objectFields)
        alert["fingerprint"] = nil
        alert["startsAt"] = "yesterday"
        alert["labels"] = .object(["alertname": .number(5)])
        body["alerts"] = .array([.object(alert)])
        let refused = #expect(throws: InvalidAlertBody.self) {
            try AlertmanagerNotification.parse(Array(JSONValue.object(body).canonicalJSON.utf8))
        }
        #expect(
            refused?.problems == [
                "version: is 3; this reads Alertmanager's webhook version 4 (Alertmanager 0.x)",
                "groupKey: missing",
                "alerts[0].labels.alertname: must be a string",
                "alerts[0].startsAt: is \"yesterday\", not an RFC 3339 time",
                "alerts[0].fingerprint: missing"
            ])
        #expect(throws: InvalidAlertBody(["the body is not JSON: expected '\"' at byte 1"])) {
            try AlertmanagerNotification.parse(bytes("{"))
        }
        #expect(throws: InvalidAlertBody(["the body: must be an object"])) {
            try AlertmanagerNotification.parse(bytes("[1]"))
        }
    }

    @Test func aPagerDutyTriggerIsReadAsPagerDutyDocumentsIt() throws {
        let event = try PagerDutyEvent.parse(
            bytes(
                """
                {"payload": {"summary": "Example alert on host1.example.com", "timestamp": "2015-07-17T08:42:58.315+0000",
                 "source": "cluster/api-stats-prod-003", "severity": "info", "component": "postgres", "group": "prod-datapipe",
                 "class": "deploy", "custom_details": {"ping time": "1500ms", "load avg": 0.75}},
                 "routing_key": "samplekeyhere", "dedup_key": "samplekeyhere",
                 "images": [{"src": "https://example.com/logo.png", "href": "https://example.com/", "alt": "Example text"}],
                 "links": [{"href": "https://example.com/", "text": "Link text"}],
                 "event_action": "trigger", "client": "Sample Monitoring Service", "client_url": "https://monitoring.example.com"}
                """))
        #expect(event.action == .trigger && event.routingKey == "samplekeyhere" && event.dedupKey == "samplekeyhere")
        let payload = try #require(event.payload)
        #expect(payload.summary == "Example alert on host1.example.com" && payload.severity == .info)
        #expect(payload.timestamp == Timestamp.parseRFC3339("2015-07-17T08:42:58.315Z"), "+0000, PagerDuty's own form")
        #expect(payload.component == "postgres" && payload.group == "prod-datapipe" && payload.eventClass == "deploy")
        #expect(payload.customDetails?["load avg"] == .number(0.75))
        #expect(
            event.links == [
                .init(href: "https://example.com/", text: "Link text"),
                .init(href: "https://example.com/", text: "Example text")
            ])
        #expect(event.client == "Sample Monitoring Service" && event.clientURL == "https://monitoring.example.com")

        let resolve = try PagerDutyEvent.parse(
            bytes(#"{"routing_key": "k", "dedup_key": "d", "event_action": "resolve"}"#))
        #expect(resolve.action == .resolve && resolve.payload == nil && resolve.dedupKey == "d")
        let noKey = try PagerDutyEvent.parse(
            bytes(
                #"{"routing_key": "k", "event_action": "trigger", "payload": {"summary": "s", "source": "ci", "severity": "error"}}"#
            ))
        #expect(noKey.dedupKey == nil, "a trigger may come without one")
    }

    @Test func aPagerDutyEventThatBreaksItsRulesIsRefusedWithEveryProblemNamed() {
        let missing = #expect(throws: InvalidAlertBody.self) {
            try PagerDutyEvent.parse(Array(#"{"event_action": "acknowledge"}"#.utf8))
        }
        #expect(missing?.problems == ["routing_key: missing", "dedup_key: missing"])
        let trigger = #expect(throws: InvalidAlertBody.self) {
            try PagerDutyEvent.parse(
                Array(
                    """
                    {"routing_key": "k", "event_action": "trigger", "dedup_key": "\(String(repeating: "d", count: 256))",
                     "payload": {"summary": "\(String(repeating: "s", count: 1025))", "severity": "sev1", "timestamp": "noon"}}
                    """.utf8))
        }
        #expect(
            trigger?.problems == [
                "dedup_key: longer than 255 characters",
                "payload.summary: longer than 1024 characters",
                "payload.source: missing",
                "payload.severity: is \"sev1\"; must be critical, error, warning or info",
                "payload.timestamp: is \"noon\", not an ISO 8601 time"
            ])
        let action = #expect(throws: InvalidAlertBody.self) {
            try PagerDutyEvent.parse(Array(#"{"routing_key": "k", "event_action": "page"}"#.utf8))
        }
        #expect(action?.problems == ["event_action: is \"page\"; must be trigger, acknowledge or resolve"])
        let payload = #expect(throws: InvalidAlertBody.self) {
            try PagerDutyEvent.parse(Array(#"{"routing_key": "k", "event_action": "trigger"}"#.utf8))
        }
        #expect(payload?.problems == ["payload: missing"])
    }

    @Test func theFirstRouteThatMatchesDecidesWithRegularExpressionsAnchored() throws {
        var critical = IntakeRoute()
        critical.match = ["severity": "critical"]
        critical.service = "registry"
        critical.policy = "platform"
        critical.declaration = .declare(.sev2)
        critical.severities = ["critical": .sev1]
        var registry = IntakeRoute()
        registry.matchRE = ["alertname": "Registry.*"]
        registry.declaration = .attach
        var unlabelled = IntakeRoute()
        unlabelled.match = ["team": ""]
        let rest = IntakeRoute()
        let router = try IntakeRouter([critical, registry, unlabelled, rest])

        let first = router.route(for: ["severity": "critical", "alertname": "RegistryDown", "team": "x"])
        #expect(first?.index == 0 && first?.route.severity(of: ["severity": "critical"]) == .sev1)
        #expect(critical.severity(of: ["severity": "page"]) == .sev2, "an unmapped value takes the route's")
        #expect(router.route(for: ["alertname": "RegistryDown", "team": "x"])?.index == 1)
        #expect(router.route(for: ["alertname": "NotRegistryDown", "team": "x"])?.index == 3, "anchored at the start")
        #expect(router.route(for: ["alertname": "Disk"])?.index == 2, "a missing label reads as empty")
        #expect(registry.severity(of: [:]) == nil, "attach declares nothing")

        #expect(router.unreachable.isEmpty)
        var shadowed = IntakeRoute()
        shadowed.match = ["severity": "critical", "team": "platform"]
        let late = try IntakeRouter([critical, rest, shadowed, registry])
        #expect(late.unreachable.map(\.route) == [3, 4] && late.unreachable.map(\.shadowedBy) == [1, 2])
        #expect(throws: KlaxonError.self) {
            try IntakeRouter([
                registry,
                {
                    var r = IntakeRoute()
                    r.matchRE = ["a": "("]
                    return r
                }()
            ])
        }
    }
}

extension JSONValue {
    /// The fields of an object (tests edit recorded bodies).
    fileprivate var objectFields: [String: JSONValue]? {
        if case .object(let fields) = self { fields } else { nil }
    }
}
