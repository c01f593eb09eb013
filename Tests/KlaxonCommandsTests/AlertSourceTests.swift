import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// What real Prometheus 2.42, Alertmanager 0.25 and etcd 3.4 servers answered (../shared/fixtures/real,
/// recorded from Debian's packages), served on loopback and read by `klaxon status check`.
struct AlertSourceTests {
    static let realFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures/real")

    static func real(_ name: String) throws -> String {
        try String(contentsOf: realFixtures.appendingPathComponent(name), encoding: .utf8)
    }

    /// A recorded Alertmanager answer with one alert's `status` changed (or removed, with nil).
    static func alertmanager(_ name: String, alert: String, status: JSONValue?) throws -> String {
        guard case .array(let alerts) = try JSONParser.parse(Array(try real(name).utf8)) else { throw KlaxonError.badInput("not a list") }
        return JSONValue.array(alerts.map { item in
            guard case .object(var fields) = item, item["labels"]?["alertname"]?.stringValue == alert else { return item }
            fields["status"] = status
            return .object(fields)
        }).canonicalJSON
    }

    /// Polls `checks` (flow mappings in which `BASE` is the loopback server's URL) once, serving `routes`.
    func poll(_ routes: [String: HTTPReceiver.Route], _ checks: [String], text: Bool = false)
        async throws -> (run: CommandRun, byName: [String: JSONValue], requests: [HTTPReceiver.Request]) {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: routes)
        defer { receiver.stop() }
        let base = "http://127.0.0.1:\(receiver.port)"
        let ws = makeWorkspace("name: t\nchecks:\n" + checks.map { "  - " + $0.replacingOccurrences(of: "BASE", with: base) }.joined(separator: "\n") + "\n")
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-12-05T15:30:00Z"))
        let run = try await blocking { text ? k.run("status", "check") : k.run("status", "check", "--json") }
        let results = run.json?.arrayValue ?? []
        return (run, Dictionary(uniqueKeysWithValues: results.map { ($0["name"]?.stringValue ?? "", $0) }), receiver.requests)
    }

    // MARK: 13. A string is a string

    @Test func etcdsHealthIsAStringAndEqualsComparesWithTheTypeTheYAMLValueHas() async throws {
        let (run, byName, _) = try await poll(["/health": .init(body: try Self.real("etcd-health.json"))], [
            #"{name: quoted, url: "BASE/health", expect: {json: {path: "$.health", equals: "true"}}}"#,
            #"{name: single, url: "BASE/health", expect: {json: {path: "$.health", equals: 'true'}}}"#,
            #"{name: boolean, url: "BASE/health", expect: {json: {path: "$.health", equals: true}}}"#,
        ])
        #expect(byName["quoted"]?["state"] == "up", "\(run.output)\(run.errors)")
        #expect(byName["single"]?["state"] == "up")
        #expect(byName["boolean"]?["state"] == "down")
        #expect(byName["boolean"]?["detail"] == #"$.health is "true" (a string), expected true (a boolean)"#)
    }
}
