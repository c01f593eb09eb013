import Foundation

/// Prometheus's whole alerting pipeline, real and on loopback: a pushgateway, Prometheus scraping it
/// and evaluating `rules` every second, and one Alertmanager (or a clustered pair) posting to a
/// webhook. `push(up:job:)` fires or resolves the rule of `testUpRule`: a real alert, end to end, in a
/// few seconds. Every server is killed when the pipeline is stopped or released.
public final class AlertPipeline: Sendable {
    public let pushgateway: RealServer
    /// One, or the two of a clustered pair (`RealServer.alertmanagerPair`).
    public let alertmanagers: [RealServer]
    public let prometheus: RealServer

    /// Starts the servers: the pushgateway, the Alertmanager(s) posting to `webhook`, then Prometheus.
    /// `clustered`: two Alertmanagers in a cluster, both posting the same groups.
    public init(webhook: AlertmanagerWebhook, clustered: Bool = false, rules: String = AlertPipeline.testUpRule())
        throws
    {
        pushgateway = try RealServer.pushgateway()
        alertmanagers =
            clustered
            ? try RealServer.alertmanagerPair(webhook: webhook) : [try RealServer.alertmanager(webhook: webhook)]
        prometheus = try RealServer.prometheus(rules: rules, alertmanagers: alertmanagers, pushgateway: pushgateway)
    }

    /// A rule list (YAML) with the one rule `push(up:job:)` toggles: `alert` fires for each job whose
    /// `klaxon_test_up` is 0, after `for` (its `job` label says which), with `labels` (`severity:
    /// critical` unless given) and a summary annotation naming the job.
    public static func testUpRule(
        alert: String = "KlaxonTestDown", for duration: String = "1s", labels: [String: String] = [:]
    ) -> String {
        let labels = (["severity": "critical"].merging(labels) { $1 }).sorted { $0.key < $1.key }
            .map { "\(AlertmanagerWebhook.quoted($0.key)): \(AlertmanagerWebhook.quoted($0.value))" }
            .joined(separator: ", ")
        return """
            [{alert: \(AlertmanagerWebhook.quoted(alert)), expr: "klaxon_test_up == 0", for: \(duration), labels: {\(labels)},
              annotations: {summary: "{{ $labels.job }} is down"}}]
            """
    }

    /// Pushes `klaxon_test_up{job=JOB}` to the pushgateway: 0 (`up: false`) fires the test rule's alert
    /// for `job` once Prometheus has scraped it and `for` has passed; 1 resolves it.
    public func push(up: Bool, job: String) throws {
        try pushgateway.push("# TYPE klaxon_test_up gauge\nklaxon_test_up \(up ? 1 : 0)\n", job: job)
    }

    /// Kills every server.
    public func stop() {
        prometheus.stop()
        for alertmanager in alertmanagers { alertmanager.stop() }
        pushgateway.stop()
    }

    /// The end of every server's log, for failure messages.
    public var log: String {
        ([prometheus, pushgateway] + alertmanagers).map { "--- \($0.name) (\($0.url)):\n\($0.log.suffix(1500))" }
            .joined(separator: "\n")
    }
}

extension RealServer {
    /// Replaces the metrics of group `job` on this pushgateway with `metrics` (the text format).
    public func push(_ metrics: String, job: String) throws {
        _ = try request("PUT", "/metrics/job/\(job)", body: metrics, contentType: "text/plain")
    }

    /// Silences, on this Alertmanager (API v2), the alerts whose labels equal `matchers` for
    /// `seconds` from now; returns the silence's id. In a cluster the silence reaches the peers by gossip.
    @discardableResult
    public func silence(_ matchers: [String: String], seconds: Int = 3600) throws -> String {
        let format = ISO8601DateFormatter()
        let silence: [String: Any] = [
            "matchers": matchers.sorted { $0.key < $1.key }.map {
                ["name": $0.key, "value": $0.value, "isRegex": false, "isEqual": true]
            },
            "startsAt": format.string(from: Date()), "endsAt": format.string(from: Date() + Double(seconds)),
            "createdBy": "klaxon-test", "comment": "made by a Klaxon test"
        ]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: silence), as: UTF8.self)
        let answer = try request("POST", "/api/v2/silences", body: body, contentType: "application/json")
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any],
            let id = object["silenceID"] as? String
        else { throw RealServerError("\(name) answered a silence with no silenceID: \(answer)") }
        return id
    }

    /// Sends one request to this server with curl and returns the body of its 2xx answer; throws with
    /// the status and body of any other.
    public func request(_ method: String, _ path: String, body: String? = nil, contentType: String? = nil) throws
        -> String
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sS", "--max-time", "10", "-X", method, "-w", "\n%{http_code}", url + path]
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
        if let body { arguments += ["--data-binary", body] }
        process.arguments = arguments
        let output = try runCapturingOutput(process)
        let status = output.split(separator: "\n").last.map(String.init) ?? ""
        let answer = String(output.dropLast(status.count).dropLast())
        guard process.terminationStatus == 0, status.hasPrefix("2") else {
            throw RealServerError(
                "\(method) \(url + path): curl exit \(process.terminationStatus), HTTP \(status): \(answer)")
        }
        return answer
    }
}
