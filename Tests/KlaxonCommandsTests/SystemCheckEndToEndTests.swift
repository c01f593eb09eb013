import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

extension EndToEnd {
    /// The system checks through the real prober (libcurl) and `klaxon status check --json`: against
    /// real Prometheus 2.42 and etcd 3.4 servers started here on loopback with fresh state, and, for the
    /// systems that do not run here, against their documented answers (Tests/Fixtures/systems) served on
    /// loopback with the status each sends.
    struct SystemCheckEndToEndTests {
        /// Every check's answer of one `status check --json`, by name.
        static func check(_ ws: TemporaryDirectory, environment: [String: String] = [:]) -> [String: JSONValue] {
            let run = Klaxon(workspace: ws.path, clock: .wall(), environment: ["TZ": "UTC"].merging(environment) { $1 })
                .run("status", "check", "--json")
            return Dictionary(
                uniqueKeysWithValues: (run.json?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
        }

        @Test func documentedAnswersAreJudgedThroughThePollAndBuildkiteGetsItsToken() throws {
            let directory = TemporaryDirectory("systems")
            func route(_ fixture: String, _ status: Int = 200, requires: [String: String] = [:]) throws
                -> HTTPReceiver.Route
            {
                HTTPReceiver.Route([status], body: try SystemFixtures.text(fixture), requires: requires)
            }
            let server = try HTTPReceiver(
                directory: directory.path,
                routes: [
                    "/readyz*": try route("kubernetes-readyz-failing.txt", 500),
                    "/livez*": try route("kubernetes-livez-ok.txt"),
                    "/_cluster/health": try route("elasticsearch-health-red.json"),
                    "/queue/api/json*": try route("jenkins-queue-stuck.json"),
                    "/computer/api/json*": try route("jenkins-computer-offline.json"),
                    "/v3/metrics": try route(
                        "buildkite-metrics.json", requires: ["authorization": "Token agent-s3cret"]),
                    "/api/health": try route("grafana-health-db-failing.json", 503),
                    "/ready": try route("loki-ready.txt")
                ])
            defer { server.stop() }
            let base = "http://127.0.0.1:\(server.port)"
            let ws = makeWorkspace(
                "name: systems\nchecks:\n"
                    + [
                        "{name: cluster, type: kubernetes, url: \"\(base)\"}",
                        "{name: search, type: elasticsearch, url: \"\(base)\"}",
                        "{name: ci, type: jenkins, url: \"\(base)/\"}",
                        "{name: agents, type: buildkite, url: \"\(base)\", bearer_token: \"env:BUILDKITE_AGENT_TOKEN\"}",
                        "{name: dashboards, type: grafana, url: \"\(base)\"}",
                        "{name: logs, type: loki, url: \"\(base)\"}"
                    ].map { "  - " + $0 }.joined(separator: "\n") + "\n")
            let byName = Self.check(ws, environment: ["BUILDKITE_AGENT_TOKEN": "agent-s3cret"])
            func state(_ name: String) -> String? { byName[name]?["state"]?.stringValue }
            func detail(_ name: String) -> String { byName[name]?["detail"]?.stringValue ?? "" }

            #expect(state("cluster") == "down", "\(byName)")
            #expect(detail("cluster") == "readyz: etcd failed: reason withheld")
            #expect(byName["cluster"]?["items"]?.arrayValue?.first?["name"] == "readyz etcd")
            #expect(state("search") == "down")
            #expect(detail("search") == "red (a primary shard is unassigned): 1 unassigned shard, 3 nodes")
            #expect(state("ci") == "down", "the gpu job has waited since 2024")
            #expect(detail("ci").hasPrefix("queue 2, oldest gpu-tests waiting "), "\(detail("ci"))")
            #expect(
                detail("ci").hasSuffix(
                    "; 1 stuck (gpu-tests); 1 of 7 executors offline (gpu-agent-1) (≥ 1: degraded); 4 executors taken offline on purpose (linux-agent-1)"
                ))
            #expect(state("agents") == "up", "\(detail("agents"))")
            #expect(detail("agents") == "1 queue served; 5 jobs scheduled")
            #expect(state("dashboards") == "down")
            #expect(detail("dashboards") == "HTTP 503: database failing")
            #expect(state("logs") == "up")

            // Each check read its own paths; Jenkins asked only for the fields it judges; the token went
            // to Buildkite as `Token …`, and is in no output.
            let paths = Set(server.requests.map(\.path))
            #expect(paths.contains("/readyz?verbose") && paths.contains("/livez?verbose"))
            #expect(paths.contains { $0.hasPrefix("/queue/api/json?tree=items%5B") })
            #expect(
                server.requests.first { $0.path == "/v3/metrics" }?.headers["authorization"] == "Token agent-s3cret")
            #expect(!"\(byName)".contains("agent-s3cret"))

            // Without the token (its variable not set) nothing is sent: that is not known, not down.
            let refused = Self.check(ws)
            #expect(refused["agents"]?["state"] == "unknown")
            #expect(refused["agents"]?["detail"]?.stringValue?.contains("BUILDKITE_AGENT_TOKEN") == true)
        }

        /// Issue 25: an objective on two counters of a real Prometheus (its own HTTP requests, scraped every
        /// second): the poll reads both counters' increase and says how many of the events were good; a
        /// selector Prometheus cannot read is unknown.
        @Test func anObjectiveOnARealPrometheusCountsItsEvents() async throws {
            let prometheus = try RealServer.prometheus(rules: "[]", scrapingItself: true)
            defer { prometheus.stop() }
            let ws = makeWorkspace(
                "name: real\nchecks:\n"
                    + [
                        "{name: requests, type: prometheus_query, url: \"\(prometheus.url)\", interval: 10s, policy: p, slo: {objective: 99, good: 'prometheus_http_requests_total{code=~\"2..\"}', total: prometheus_http_requests_total}}",
                        "{name: broken, type: prometheus_query, url: \"\(prometheus.url)\", interval: 10s, policy: p, slo: {objective: 99, good: 'up', total: 'up{'}}"
                    ].map { "  - " + $0 }.joined(separator: "\n") + "\n")
            var byName: [String: JSONValue] = [:]
            func detail(_ name: String) -> String { byName[name]?["detail"]?.stringValue ?? "" }
            // Until two scrapes give the counters an increase.
            for _ in 0..<120 {
                byName = try await blocking { Self.check(ws) }
                if detail("requests").contains(" events good ") { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            let counts = detail("requests").split(separator: " ").prefix(3)
            let good = Int(counts.first ?? "")
            let total = Int(counts.last ?? "")
            #expect(
                good != nil && total != nil && total! > 0 && good! <= total!,
                "\(byName)\n\(prometheus.log.suffix(1500))")
            #expect(detail("requests").contains(" events good in the last 10s ("))
            // Its state is the pace its bad share burns a 99 % budget at: ≥ 14.4× down, past 1× degraded.
            // (The broken check's queries are answered 400: Prometheus counts them among its own requests.)
            if let good, let total, total > 0 {
                let burn = (1 - Double(good) / Double(total)) / 0.01
                let expected = burn >= 14.4 ? "down" : burn > 1 ? "degraded" : "up"
                #expect(byName["requests"]?["state"]?.stringValue == expected, "\(detail("requests"))")
            }
            #expect(
                byName["requests"]?["reads"]?.arrayValue?.first?.stringValue?.hasSuffix(
                    "/api/v1/query?query=sum%28increase%28prometheus_http_requests_total%7Bcode%3D~%222..%22%7D%5B10s%5D%29%29"
                )
                    == true, "\(byName["requests"] ?? .null)")
            #expect(byName["broken"]?["state"] == "unknown")
            #expect(detail("broken").hasPrefix("the total query failed: "), "\(detail("broken"))")
        }

        @Test func aQueryOnARealPrometheusIsHeldToItsConditionsAndAnEtcdSaysItsHealth() async throws {
            let prometheus = try RealServer.prometheus(
                rules: "[{record: \"klaxon:error_ratio\", expr: vector(0.07)}]", scrapingItself: true)
            let etcd = try RealServer.etcd()
            defer {
                prometheus.stop()
                etcd.stop()
            }
            let ws = makeWorkspace(
                "name: real\nchecks:\n"
                    + [
                        "{name: up, type: prometheus_query, url: \"\(prometheus.url)\", query: 'up{job=\"prometheus\"}', down: \"< 1\"}",
                        "{name: ratio, type: prometheus_query, url: \"\(prometheus.url)\", query: \"klaxon:error_ratio\", down: \"> 0.05\", degraded: \"> 0.01\"}",
                        "{name: nothing, type: prometheus_query, url: \"\(prometheus.url)\", query: 'up{job=\"nobody\"}', down: \"< 1\"}",
                        "{name: broken, type: prometheus_query, url: \"\(prometheus.url)\", query: \"sum(\", down: \"> 0\"}",
                        "{name: etcd, type: etcd, url: \"\(etcd.url)\"}"
                    ].map { "  - " + $0 }.joined(separator: "\n") + "\n")
            var byName: [String: JSONValue] = [:]
            // Until Prometheus has scraped itself and evaluated the rule once (each every second).
            for _ in 0..<120 {
                byName = try await blocking { Self.check(ws) }
                if byName["up"]?["state"] == "up" && byName["ratio"]?["state"] == "down" { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            let servers = "\n--- prometheus:\n\(prometheus.log.suffix(1500))\n--- etcd:\n\(etcd.log.suffix(1500))"
            func state(_ name: String) -> String? { byName[name]?["state"]?.stringValue }
            func detail(_ name: String) -> String { byName[name]?["detail"]?.stringValue ?? "" }
            #expect(state("up") == "up", "\(byName)\(servers)")
            #expect(
                detail("up").hasPrefix(#"up{instance="127.0.0.1:"#)
                    && detail("up").hasSuffix(#", job="prometheus"} = 1"#))
            #expect(state("ratio") == "down")
            #expect(detail("ratio") == "klaxon:error_ratio{} = 0.07 (> 0.05)")
            #expect(state("nothing") == "unknown", "an empty answer is unknown unless empty: says")
            #expect(detail("nothing").hasPrefix("no series: the query matched nothing (empty: says"))
            #expect(state("broken") == "unknown", "a query that errors says nothing of the platform")
            #expect(detail("broken").hasPrefix("the query failed: bad_data: "), "\(detail("broken"))")
            #expect(state("etcd") == "up", "\(detail("etcd"))")
            #expect(detail("etcd") == "health true")

            // Prometheus stops: its queries are not known; etcd stops: it is down.
            prometheus.stop()
            etcd.stop()
            let after = try await blocking { Self.check(ws) }
            #expect(after["ratio"]?["state"] == "unknown", "\(after)")
            #expect(after["ratio"]?["detail"]?.stringValue?.hasPrefix("source unreachable: ") == true)
            #expect(after["etcd"]?["state"] == "down")
            #expect(after["etcd"]?["detail"]?.stringValue?.hasPrefix("/health: ") == true)
        }

        /// A real Buildbot 3.7 master and worker (Debian's packages, buildbot-www from PyPI): a configured
        /// worker that never connects, a build request nobody can claim, and the last worker gone.
        @Test func aRealBuildbotsWorkersAndPendingRequestsAreJudged() async throws {
            let (master, pbPort) = try RealServer.buildbot(builders: [("build", "linux"), ("gpu-tests", "gpu")])
            defer { master.stop() }
            let worker = try RealServer.buildbotWorker("linux", pbPort: pbPort, masterPort: master.port)
            defer { worker.stop() }
            let ws = makeWorkspace(
                "name: real\nchecks:\n  - {name: ci, type: buildbot, url: \"\(master.url)\", "
                    + "thresholds: {pending_wait: {degraded: 1s, down: 1h}, disconnected_workers: {degraded: 2}}}\n")
            func poll(until done: (String, String) -> Bool) async throws -> (state: String, detail: String) {
                var last = ("", "")
                for _ in 0..<120 {
                    let ci = try await blocking { Self.check(ws)["ci"] }
                    last = (ci?["state"]?.stringValue ?? "", ci?["detail"]?.stringValue ?? "")
                    if done(last.0, last.1) { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                return last
            }
            let logs = { "\n--- master:\n\(master.log.suffix(1500))\n--- worker:\n\(worker.log.suffix(1000))" }

            // linux connects; gpu never does (one disconnected worker is below the limit of 2).
            let connected = try await poll { state, _ in state == "up" }
            #expect(connected.state == "up", "\(connected)\(logs())")
            #expect(connected.detail == "1 worker connected, 1 not (gpu); nothing pending")

            // A build of gpu-tests: only gpu could claim it. (Builder ids are not given in the order of
            // the configuration: the id is asked for by name.)
            let builder = try shell(
                "curl -s '\(master.url)/api/v2/builders?name=gpu-tests' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"builders\"][0][\"builderid\"])'"
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            let forced = try shell(
                "curl -s -X POST -H 'Content-Type: application/json' -d '{\"jsonrpc\":\"2.0\",\"method\":\"force\",\"params\":{\"builderid\":\"\(builder)\"},\"id\":1}' \(master.url)/api/v2/forceschedulers/force"
            )
            #expect(forced.contains("\"result\""), "builder \(builder): \(forced)")
            let pending = try await poll { state, _ in state == "degraded" }
            #expect(pending.state == "degraded", "\(pending)\(logs())")
            #expect(
                pending.detail.hasPrefix("1 worker connected, 1 not (gpu); 1 pending, the oldest for "), "\(pending)")

            // The last worker goes: nothing can build.
            worker.stop()
            let gone = try await poll { state, _ in state == "down" }
            #expect(gone.state == "down", "\(gone)\(logs())")
            #expect(gone.detail.hasPrefix("no worker connected (2 configured); 1 pending"), "\(gone)")
        }
    }
}
