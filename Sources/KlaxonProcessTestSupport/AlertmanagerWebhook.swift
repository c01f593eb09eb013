import Foundation

/// Where a real Alertmanager (`RealServer.alertmanager(webhook:)`) posts its notifications: one
/// `webhook_configs` receiver that every alert is routed to, with timings short enough for a test
/// (Alertmanager's defaults wait 30 s for a group and 5 m between its notifications).
public struct AlertmanagerWebhook: Sendable {
    /// The receiver's URL (Klaxon's intake: `http://127.0.0.1:PORT/v1/alertmanager`).
    public var url: String
    /// Sent as `Authorization: Bearer TOKEN` (`http_config: {authorization: {credentials: …}}`), if given.
    public var token: String?
    /// The labels a group is made of: one notification per group.
    public var groupBy: [String]
    /// How long a new group waits for more alerts before its first notification.
    public var groupWait: String
    /// How long a group waits after a notification before one with its changes (new or resolved alerts).
    public var groupInterval: String
    /// How long a group that did not change waits before its notification is sent again.
    public var repeatInterval: String

    public init(
        url: String, token: String? = nil, groupBy: [String] = ["alertname"], groupWait: String = "1s",
        groupInterval: String = "1s", repeatInterval: String = "2s"
    ) {
        self.url = url
        self.token = token
        self.groupBy = groupBy
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
    }

    /// Alertmanager's `route:` and `receivers:` (YAML): resolved alerts are sent too, and a group's
    /// every alert (`max_alerts: 0`).
    var configuration: String {
        let groupBy = self.groupBy.map(Self.quoted).joined(separator: ", ")
        let authorization = token.map { ", http_config: {authorization: {credentials: \(Self.quoted($0))}}" } ?? ""
        return """
            route: {receiver: klaxon, group_by: [\(groupBy)], group_wait: \(groupWait), group_interval: \(groupInterval), repeat_interval: \(repeatInterval)}
            receivers:
              - name: klaxon
                webhook_configs: [{url: \(Self.quoted(url)), send_resolved: true, max_alerts: 0\(authorization)}]

            """
    }

    /// `text` as a YAML (JSON) double-quoted string.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: try! encoder.encode(text), as: UTF8.self)
    }
}
