import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// The keys of the checks that understand a system, read from klaxon.yaml, and the mistakes in them
/// each named with its place and what to write instead.
struct SystemCheckKeysTests {
    let utc = TimeZone(identifier: "UTC")!

    func load(_ checks: String) -> (files: CheckFiles, path: String, directory: TemporaryDirectory) {
        let dir = TemporaryDirectory()
        let path = dir.write("klaxon.yaml", "name: t\nchecks:\n" + checks)
        return (CheckFiles.load(workspaceRoot: dir.path, timeZone: utc), path, dir)
    }

    @Test func everyKindReadsWithItsOwnKeys() throws {
        let (files, _, dir) = load(
            """
              - name: errors
                type: prometheus_query
                url: http://127.0.0.1:9090
                query: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
                down: "> 0.05"
                degraded: ">= 0.01"
                empty: up
              - name: jenkins
                type: jenkins
                url: https://ci.example
                thresholds: {queue_wait: {degraded: 10m, down: 2h}, offline_executors: {degraded: 2, down: 8}}
              - {name: agents, type: buildkite, url: "https://agent.buildkite.com", bearer_token: "env:BUILDKITE_AGENT_TOKEN", queues: [default, gpu]}
              - {name: cluster, type: kubernetes, url: "https://10.0.0.1:6443", bearer_token: "file:/var/run/token", ca_file: certs/cluster-ca.pem}
              - {name: search, type: opensearch, url: "https://search.example:9200"}
            """)
        // The CA file is not there: said, and the check is polled all the same (it is down until it is).
        #expect(
            files.findings.map(\.description) == [
                "\(dir.path)/klaxon.yaml:15:115: warning: ca_file \(dir.path)/certs/cluster-ca.pem does not exist; its check cannot verify the server and is down until it can"
            ])
        let byName = Dictionary(uniqueKeysWithValues: files.checks.map { ($0.name, $0) })
        let errors = try #require(byName["errors"])
        #expect(errors.kind == .prometheusQuery)
        #expect(errors.query.query.hasPrefix("sum(rate(http_requests_total{code=~\"5..\"}[5m]))"))
        #expect(errors.query.down == QueryRules.Condition(.greater, 0.05))
        #expect(errors.query.degraded == QueryRules.Condition(.greaterOrEqual, 0.01))
        #expect(errors.query.whenEmpty == .ok)
        let jenkins = try #require(byName["jenkins"])
        #expect(jenkins.limit(.queueWait) == SystemMeasure.Limit(degraded: 600, down: 7200))
        #expect(jenkins.limit(.offlineExecutors) == SystemMeasure.Limit(degraded: 2, down: 8))
        let agents = try #require(byName["agents"])
        #expect(agents.queues == ["default", "gpu"])
        // Buildkite's agent API reads the token as `Token …`, not `Bearer …`.
        #expect(agents.kind.tokenScheme == "Token")
        let cluster = try #require(byName["cluster"])
        #expect(cluster.caFile == dir.path + "/certs/cluster-ca.pem", "relative to klaxon.yaml")
        #expect(byName["search"]?.kind == .opensearch)
    }

    @Test func mistakesAreNamedWithTheirPlace() {
        let (files, path, _) = load(
            """
              - {name: q1, type: prometheus_query, url: "http://p:9090", down: "> 0.05"}
              - {name: q2, type: prometheus_query, url: "http://p:9090", query: up}
              - {name: q3, type: prometheus_query, url: "http://p:9090", query: up, down: "above 5"}
              - {name: q4, type: prometheus_query, url: "http://p:9090", query: up, down: "< 1", empty: fine}
              - {name: j1, type: jenkins, url: "http://j", thresholds: {queue_wait: {degraded: 1h, down: 10m}}}
              - {name: j2, type: jenkins, url: "http://j", thresholds: {scheduled_jobs: {degraded: 5}}}
              - {name: j3, type: jenkins, url: "http://j", thresholds: {queue_length: {degraded: 5}}}
              - {name: h1, url: "http://h", query: up}
              - {name: g1, type: grafana, url: "http://g", queues: [default]}
              - {name: e1, type: etcd, url: "http://e", expect: {status: [200]}}
              - {name: q5, type: prometheus_query, url: "http://p:9090", query: up, down: "> 1", degraded: "> 5"}
              - {name: k1, type: kubernetes, url: "http://k", ca_file: ca.pem}
            """)
        let errors = files.findings.filter { $0.level == .error }.map(\.description)
        let expected = [
            "\(path):3:5: error: check q1: a prometheus_query check needs query:, a PromQL expression",
            "\(path):4:5: error: check q2: a prometheus_query check needs down: or degraded: (such as down: \"> 0.05\"), or it could never fail",
            "\(path):5:79: error: down is \"above 5\"; expected a comparison and a number, such as \"> 0.05\" (one of >, >=, <, <=, ==, !=), in quotes",
            "\(path):6:93: error: empty is \"fine\"; expected one of up, degraded, down, unknown",
            "\(path):7:73: error: thresholds: queue_wait: down is below degraded; down is the worse level, so give it the larger value",
            "\(path):8:60: error: check j2: thresholds: scheduled_jobs is a buildkite measure; type: jenkins has queue_wait, offline_executors",
            "\(path):9:61: error: unknown measure \"queue_length\" in thresholds (known: jenkins: queue_wait, offline_executors; buildbot: pending_wait, disconnected_workers; buildkite: scheduled_jobs)",
            "\(path):10:40: error: check h1: query: is for prometheus_query checks (type: is http)",
            "\(path):11:56: error: check g1: queues: is for buildkite checks (type: is grafana)",
            "\(path):12:53: error: check e1: expect: is for http checks; type: etcd judges its answer itself (docs/checks.md, Systems by name)",
            "\(path):13:96: error: check q5: degraded: \"> 5\" can never apply: every value it holds for, down: \"> 1\" holds for too, and down is judged first; give degraded: the milder bound (such as down: \"> 0.05\", degraded: \"> 0.01\")"
        ]
        #expect(errors == expected)
        #expect(files.checks.map(\.name) == ["k1"], "no check with an error is polled")
        #expect(
            files.findings.filter { $0.level == .warning }.map(\.description).contains(
                "\(path):14:60: warning: ca_file is for https: the url is http://, so nothing is verified and the file is not read"
            ))
    }

    /// `down: > 0.05` unquoted is a YAML syntax error (a bare `>` begins a folded block): the error says
    /// to quote it.
    @Test func anUnquotedConditionIsToldToBeQuoted() {
        let (files, path, _) = load(
            """
              - name: errors
                type: prometheus_query
                url: http://p:9090
                query: up
                down: >= 0.05
            """)
        let errors = files.findings.filter { $0.level == .error }.map(\.description)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("\(path):") == true)
        #expect(
            errors.first?.hasSuffix(
                "; a condition such as >= 0.05 must be in quotes (down: \"> 0.05\"): YAML reads a bare > or < otherwise"
            ) == true,
            "\(errors)")
    }
}
