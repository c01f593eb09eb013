import KlaxonCore
import KlaxonTestSupport
import Testing

/// The system checks judging what each system answers, as its own documentation or tests show it
/// (Tests/Fixtures/systems; where each came from is in its SOURCES.md), failures included.
struct SystemHealthTests {
    /// One answer of a poll: a fixture (or a body) with the status the system sends with it.
    struct Answer {
        var status: Int
        var body: [UInt8]
        static func fixture(_ name: String, _ status: Int = 200) throws -> Answer {
            Answer(status: status, body: try SystemFixtures.body(name))
        }
        static func text(_ body: String, _ status: Int = 200) -> Answer {
            Answer(status: status, body: Array(body.utf8))
        }
        var response: ProbeResponse {
            var response = ProbeResponse(statusCode: status)
            response.body = body
            return response
        }
    }

    static func check(_ kind: CheckDefinition.Kind, _ configure: (inout CheckDefinition) -> Void = { _ in })
        -> CheckDefinition
    {
        var check = CheckDefinition(name: kind.rawValue, kind: kind, url: "https://\(kind.rawValue).example:8443")
        configure(&check)
        return check
    }

    static func judge(_ check: CheckDefinition, _ answers: [Answer], now: Timestamp = Timestamp(milliseconds: 0))
        -> CheckEvaluation
    {
        CheckEvaluation.evaluate(check, responses: answers.map(\.response), now: now)
    }

    // MARK: Kubernetes

    @Test func kubernetesReadsReadyzAndLivezAndNamesTheFailingChecks() throws {
        let check = Self.check(.kubernetes)
        #expect(
            CheckEvaluation.requestURLs(check) == [
                "https://kubernetes.example:8443/readyz?verbose", "https://kubernetes.example:8443/livez?verbose"
            ])
        let ok = Self.judge(
            check, [try .fixture("kubernetes-readyz-ok.txt"), try .fixture("kubernetes-livez-ok.txt")])
        #expect(ok.observation == .ok("readyz and livez pass (38 checks)"))

        let failing = Self.judge(
            check, [try .fixture("kubernetes-readyz-failing.txt", 500), try .fixture("kubernetes-livez-ok.txt")])
        #expect(failing.observation == .failed("readyz: etcd failed: reason withheld"))
        #expect(failing.items.map(\.name) == ["readyz etcd"])

        // A 500 without the list (an older server, a proxy) is down all the same, with what it said.
        let bare = Self.judge(check, [.text("internal error\n", 500), try .fixture("kubernetes-livez-ok.txt")])
        #expect(bare.observation == .failed("readyz: HTTP 500: internal error"))
        // What a body says is one printable line: a tab is a space, an escape a replacement character.
        let hostile = Self.judge(check, [.text("internal\terror \u{1B}[2J\n[+]ping ok", 500), .text("ok")])
        #expect(hostile.observation == .failed("readyz: HTTP 500: internal error \u{FFFD}[2J"))
    }

    @Test func anAPIServerThatDoesNotAnswerIsDownButOneThatRefusesKlaxonIsUnknown() {
        let check = Self.check(.kubernetes)
        let refused = CheckEvaluation.evaluate(
            check,
            responses: [
                ProbeResponse(error: "Couldn't connect to server"), ProbeResponse(error: "Couldn't connect to server")
            ],
            now: Timestamp(milliseconds: 0))
        #expect(refused.observation == .failed("/readyz: Couldn't connect to server"))
        // No such path: the url is not the API server's (an older server without /livez too).
        let missing = Self.judge(check, [.text("ok"), .text("404 page not found", 404)])
        #expect(missing.observation.verdict == .unknown)
        #expect(
            missing.observation.detail.hasPrefix(
                "/livez answers HTTP 404: the url is not the address of the Kubernetes API server"))
        let gitlab = Self.judge(Self.check(.gitlab), [.text("", 404)])
        #expect(gitlab.observation.verdict == .unknown)
        #expect(gitlab.observation.detail.contains("monitoring allowlist"))
        let forbidden = Self.judge(check, [.text("Forbidden", 403), .text("ok")])
        #expect(forbidden.observation.verdict == .unknown)
        #expect(forbidden.observation.detail.hasPrefix("/readyz answers HTTP 403: Klaxon is not let in"))
    }

    // MARK: Elasticsearch and OpenSearch

    @Test(arguments: [
        ("elasticsearch-health-green.json", 200, CheckObservation.ok("green: 0 unassigned shards, 2 nodes")),
        (
            "elasticsearch-health-yellow.json", 200,
            .degraded("yellow (a replica is unassigned): 1 unassigned shard, 1 node")
        ),
        (
            "elasticsearch-health-red.json", 200,
            .failed("red (a primary shard is unassigned): 1 unassigned shard, 3 nodes")
        ),
        ("elasticsearch-no-master-503.json", 503, .failed("HTTP 503: master_not_discovered_exception"))
    ])
    func elasticsearchIsJudgedByItsBodyNotItsStatus(fixture: String, status: Int, expected: CheckObservation) throws {
        let check = Self.check(.elasticsearch)
        #expect(CheckEvaluation.requestURLs(check) == ["https://elasticsearch.example:8443/_cluster/health"])
        #expect(Self.judge(check, [try .fixture(fixture, status)]).observation == expected)
    }

    @Test func openSearchReadsTheSameHealth() throws {
        let green = Self.judge(Self.check(.opensearch), [try .fixture("opensearch-health-green.json")])
        #expect(green.observation.verdict == .ok)
        #expect(green.observation.detail.hasPrefix("green: "))
        // A body that is no cluster health (the url names another service) is not known to be fine.
        let other = Self.judge(Self.check(.opensearch), [.text(#"{"name":"node-1"}"#)])
        #expect(other.observation.verdict == .unknown)
    }

    // MARK: Jenkins

    /// 2025-01-01 12:00 UTC: gpu-tests has waited a day (stuck: its label's only node is offline), and
    /// deploy-prod a minute (blocked behind its running build).
    static let jenkinsNow = Timestamp(milliseconds: 1_735_732_800_000)

    @Test func jenkinsNamesTheOldestItemTheStuckOnesAndTheExecutorsOffline() throws {
        let check = Self.check(.jenkins)
        let answers = [try Answer.fixture("jenkins-queue-stuck.json"), try .fixture("jenkins-computer-offline.json")]
        let stuck = Self.judge(check, answers, now: Self.jenkinsNow)
        #expect(
            stuck.observation
                == .failed(
                    "queue 2, oldest gpu-tests waiting 1d00h (≥ 1h00m: down); 1 stuck (gpu-tests); 1 of 7 executors offline (gpu-agent-1) (≥ 1: degraded); 4 executors taken offline on purpose (linux-agent-1)"
                ))
        #expect(
            stuck.items.map { "\($0.name) \($0.status)" } == [
                "deploy-prod blocked", "gpu-tests stuck", "linux-agent-1 taken offline", "gpu-agent-1 offline"
            ])
        #expect(
            stuck.items.first { $0.name == "gpu-tests" }?.annotations["why"] == "All nodes of label ‘gpu’ are offline")

        // Thresholds move the queue's wait out of the way: a stuck item and an executor offline are
        // each degraded, not down.
        let patient = Self.check(.jenkins) { $0.thresholds = [.queueWait: .init(degraded: 2 * 86400)] }
        #expect(Self.judge(patient, answers, now: Self.jenkinsNow).observation.verdict == .degraded)
        let tolerant = Self.check(.jenkins) {
            $0.thresholds = [.queueWait: .init(degraded: 2 * 86400), .offlineExecutors: .init(degraded: 2)]
        }
        #expect(
            Self.judge(
                tolerant, [try .fixture("jenkins-queue-empty.json"), try .fixture("jenkins-computer-offline.json")]
            )
            .observation
                == .ok(
                    "queue empty; 1 of 7 executors offline (gpu-agent-1); 4 executors taken offline on purpose (linux-agent-1)"
                ))
    }

    @Test func aJenkinsWithAnEmptyQueueAndItsNodesOnlineIsUp() throws {
        let up = Self.judge(
            Self.check(.jenkins), [try .fixture("jenkins-queue-empty.json"), try .fixture("jenkins-computer-ok.json")],
            now: Self.jenkinsNow)
        #expect(up.observation.verdict == .ok, "\(up.observation)")
        #expect(up.observation.detail.hasPrefix("queue empty; "))
        #expect(up.observation.detail.hasSuffix(" executors online"))
    }

    @Test func jenkinsWithNoExecutorOnlineIsDownAndItsURLsAskOnlyForWhatIsJudged() throws {
        let allOff = Answer.text(
            #"{"computer":[{"displayName":"Built-In Node","numExecutors":2,"offline":true,"temporarilyOffline":true}]}"#
        )
        let down = Self.judge(Self.check(.jenkins), [try .fixture("jenkins-queue-empty.json"), allOff])
        #expect(
            down.observation
                == .failed("queue empty; no executor online; 2 executors taken offline on purpose (Built-In Node)"))
        let urls = CheckEvaluation.requestURLs(Self.check(.jenkins) { $0.url = "https://ci.example/jenkins/" })
        #expect(urls.count == 2)
        #expect(urls[0].hasPrefix("https://ci.example/jenkins/queue/api/json?tree=items%5Bid,stuck,"))
        #expect(urls[1].hasPrefix("https://ci.example/jenkins/computer/api/json?tree=computer%5B"))
    }

    // MARK: Buildbot and Buildkite

    @Test func buildbotCountsDisconnectedWorkersAndTheOldestUnclaimedRequest() throws {
        let check = Self.check(.buildbot)
        let answers = [try Answer.fixture("buildbot-workers.json"), try .fixture("buildbot-buildrequests.json")]
        // Request 45 was submitted at 298297875 and nobody claimed it; 30 minutes later:
        let later = Timestamp(milliseconds: (298_297_875 + 1800) * 1000)
        let judged = Self.judge(check, answers, now: later)
        #expect(
            judged.observation
                == .degraded(
                    "1 worker connected, 1 not (windows) (≥ 1: degraded); 1 pending, the oldest for 30m (≥ 15m: degraded)"
                ))
        let hourLater = Timestamp(milliseconds: (298_297_875 + 3600) * 1000)
        #expect(Self.judge(check, answers, now: hourLater).observation.verdict == .failed)
        let none = Answer.text(
            #"{"workers":[{"name":"w","configured_on":[{"masterid":1}],"connected_to":[]}],"meta":{}}"#)
        #expect(
            Self.judge(check, [none, try .fixture("buildbot-buildrequests.json")], now: later).observation.detail
                .hasPrefix("no worker connected (1 configured)"))
    }

    @Test func buildkiteJudgesEachQueueAndSendsTheAgentToken() throws {
        let metrics = try Answer.fixture("buildkite-metrics.json")
        #expect(Self.judge(Self.check(.buildkite), [metrics]).observation == .ok("1 queue served; 5 jobs scheduled"))
        let strict = Self.check(.buildkite) { $0.thresholds = [.scheduledJobs: .init(degraded: 5, down: 10)] }
        #expect(
            Self.judge(strict, [metrics]).observation
                == .degraded("default: 5 scheduled, 0 busy, 1 idle (≥ 5: degraded)"))
        let gpu = Self.check(.buildkite) { $0.queues = ["default", "gpu"] }
        #expect(Self.judge(gpu, [metrics]).observation == .degraded("gpu: no agent"))
        let starved = Answer.text(
            #"{"agents":{"queues":{}},"jobs":{"queues":{"gpu":{"scheduled":3,"running":0,"waiting":0,"total":3}}}}"#)
        #expect(Self.judge(gpu, [starved]).observation == .failed("default: no agent; gpu: 3 scheduled and no agent"))
        // Buildkite's API is an account of the agents: when it cannot be read, nothing is known.
        #expect(Self.judge(gpu, [.text("bad gateway", 502)]).observation.verdict == .unknown)
    }

    // MARK: The small health endpoints

    @Test(arguments: [
        (
            CheckDefinition.Kind.grafana, "grafana-health-ok.json", 200,
            CheckObservation.ok("database ok; Grafana 5.1.3")
        ),
        (.grafana, "grafana-health-db-failing.json", 503, .failed("HTTP 503: database failing")),
        (.gitlab, "gitlab-readiness-ok.json", 200, .ok("ready (7 checks ok)")),
        (
            .gitlab, "gitlab-readiness-failing.json", 503,
            .failed("HTTP 503: master_check: unexpected Master check result: false")
        ),
        (.argocd, "argocd-healthz.txt", 200, .ok("ok")),
        (.loki, "loki-ready.txt", 200, .ok("ready")),
        (.loki, "loki-not-ready.txt", 503, .failed("HTTP 503: Ingester not ready: waiting for 15s after being ready")),
        (.tempo, "tempo-ready.txt", 200, .ok("ready")),
        (.etcd, "etcd-health-true.json", 200, .ok("health true")),
        (.etcd, "etcd-health-false.json", 503, .failed("HTTP 503: health false (RAFT NO LEADER)")),
        (.splunk, "splunk-health-green.json", 200, .ok("green")),
        (.splunk, "splunk-health-red.json", 200, .failed("red: Index Processor > Buckets red"))
    ])
    func aSystemSaysItsOwnHealth(kind: CheckDefinition.Kind, fixture: String, status: Int, expected: CheckObservation)
        throws
    {
        #expect(Self.judge(Self.check(kind), [try .fixture(fixture, status)]).observation == expected)
    }

    @Test func argoCDsEmptyUnhealthyAnswerAndEtcdsBooleanAreDown() {
        #expect(Self.judge(Self.check(.argocd), [.text("", 503)]).observation == .failed("HTTP 503"))
        // `"health": true` (a boolean) is not what etcd says when healthy; it is not read as fine.
        #expect(Self.judge(Self.check(.etcd), [.text(#"{"health":true}"#)]).observation.verdict == .failed)
    }

    @Test func eachKindReadsItsOwnPathUnlessTheURLAlreadyEndsWithIt() {
        let expected: [CheckDefinition.Kind: String] = [
            .grafana: "/api/health", .gitlab: "/-/readiness?all=1", .argocd: "/healthz", .loki: "/ready",
            .tempo: "/ready", .etcd: "/health", .splunk: "/services/server/health/splunkd/details?output_mode=json",
            .buildkite: "/v3/metrics"
        ]
        for (kind, path) in expected {
            #expect(CheckEvaluation.requestURLs(Self.check(kind)) == ["https://\(kind.rawValue).example:8443" + path])
        }
        let given = Self.check(.loki) { $0.url = "http://loki.example:3100/ready" }
        #expect(CheckEvaluation.requestURLs(given) == ["http://loki.example:3100/ready"])
        // The path's own query is kept when the url names the path.
        let query = Self.query { $0.query = "up" }
        var named = query
        named.url = "http://prometheus.example:9090/api/v1/query"
        #expect(CheckEvaluation.requestURLs(named) == CheckEvaluation.requestURLs(query))
        #expect(CheckEvaluation.requestURLs(query) == ["http://prometheus.example:9090/api/v1/query?query=up"])
    }

    // MARK: PromQL

    static func query(_ configure: (inout QueryRules) -> Void) -> CheckDefinition {
        check(.prometheusQuery) {
            $0.url = "http://prometheus.example:9090"
            $0.query = QueryRules(query: "up", down: QueryRules.Condition(.less, 1))
            configure(&$0.query)
        }
    }

    @Test func aQueryIsSentEncodedAndEachSeriesIsHeldToTheConditions() throws {
        let check = Self.query { $0.query = #"sum(rate(x{code=~"5.."}[5m]))"# }
        #expect(
            CheckEvaluation.requestURLs(check) == [
                "http://prometheus.example:9090/api/v1/query?query=sum%28rate%28x%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29"
            ])
        let vector = Self.judge(Self.query { _ in }, [try .fixture("prometheus-query-vector.json")])
        #expect(
            vector.observation
                == .failed(#"1 of 2 series past a condition; up{instance="localhost:9100", job="node"} = 0 (< 1)"#))
        #expect(vector.items.map(\.status) == ["ok", "down"])
        #expect(vector.items.last?.annotations["value"] == "0")

        let degradedOnly = Self.query {
            $0.down = nil
            $0.degraded = QueryRules.Condition(.less, 1)
        }
        #expect(
            Self.judge(degradedOnly, [try .fixture("prometheus-query-vector.json")]).observation.verdict == .degraded)
        let allFine = Self.query { $0.down = QueryRules.Condition(.greater, 5) }
        #expect(
            Self.judge(allFine, [try .fixture("prometheus-query-vector.json")]).observation
                == .ok(
                    #"2 series, none past a condition; the highest up{instance="localhost:9090", job="prometheus"} = 1"#
                ))
        #expect(
            Self.judge(allFine, [try .fixture("prometheus-query-scalar.json")]).observation == .ok("scalar = 1"))
    }

    @Test func anEmptyResultIsWhatEmptySaysAndAFailedQueryIsUnknownNeverDown() throws {
        let empty = try Answer.fixture("prometheus-query-empty.json")
        #expect(
            Self.judge(Self.query { _ in }, [empty]).observation
                == .unknown("no series: the query matched nothing (empty: says what that means: up, degraded or down)"))
        #expect(Self.judge(Self.query { $0.whenEmpty = .ok }, [empty]).observation.verdict == .ok)
        #expect(Self.judge(Self.query { $0.whenEmpty = .failed }, [empty]).observation.verdict == .failed)

        let error = Self.judge(Self.query { _ in }, [try .fixture("prometheus-query-error.json", 400)])
        #expect(
            error.observation
                == .unknown(
                    #"the query failed: bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis"#
                ))
        let unreachable = CheckEvaluation.evaluate(
            Self.query { _ in }, responses: [ProbeResponse(error: "Couldn't connect to server")],
            now: Timestamp(milliseconds: 0))
        #expect(unreachable.observation == .unknown("source unreachable: Couldn't connect to server"))
    }

    @Test func conditionsParseAsWrittenAndNaNMeetsNone() {
        #expect(QueryRules.Condition(parsing: "> 0.05") == QueryRules.Condition(.greater, 0.05))
        #expect(QueryRules.Condition(parsing: ">=0.05") == QueryRules.Condition(.greaterOrEqual, 0.05))
        #expect(QueryRules.Condition(parsing: " != 1 ") == QueryRules.Condition(.notEqual, 1))
        #expect(QueryRules.Condition(parsing: "0.05") == nil)
        #expect(QueryRules.Condition(parsing: "> lots") == nil)
        #expect(QueryRules.Condition(parsing: "=> 1") == nil)
        for comparison in QueryRules.Condition.Comparison.allCases {
            #expect(!QueryRules.Condition(comparison, 0).holds(for: .nan), "\(comparison)")
        }
    }

    // MARK: An objective counted by Prometheus

    /// `slo: {good:, total:}` on a prometheus_query check: the poll asks both counters' increase since
    /// the poll before, adds the events to the ledger, and is up within the budget's pace, degraded past
    /// it, unknown when a query fails or the counts cannot both be right.
    @Test func anObjectiveOnTwoCountersCountsTheirEvents() throws {
        let check = Self.check(.prometheusQuery) {
            $0.intervalSeconds = 60
            $0.slo = ServiceLevelObjective(
                objective: 99.9,
                events: .init(
                    good: #"http_requests_total{job="registry",code!~"5.."}"#,
                    total: #"http_requests_total{job="registry"}"#))
        }
        #expect(
            SystemHealth.requestURLs(check) == [
                "https://prometheus_query.example:8443/api/v1/query?query=sum%28increase%28http_requests_total%7Bjob%3D%22registry%22%2Ccode%21~%225..%22%7D%5B60s%5D%29%29",
                "https://prometheus_query.example:8443/api/v1/query?query=sum%28increase%28http_requests_total%7Bjob%3D%22registry%22%7D%5B60s%5D%29%29"
            ])
        func vector(_ value: String) -> Answer {
            .text(
                #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764979200,"\#(value)"]}]}}"#
            )
        }
        let empty = Answer.text(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)

        let fine = Self.judge(check, [vector("99990.4"), vector("100000")])
        #expect(fine.observation == .ok("99990 of 100000 events good in the last 1m (99.990 %)"))
        #expect(fine.events == OutcomeLedger.Counts(good: 99_990, total: 100_000))
        let burning = Self.judge(check, [vector("9950"), vector("10000")])
        #expect(
            burning.observation
                == .degraded("9950 of 10000 events good in the last 1m (99.500 %), burning 5.0× the budget's pace"))
        let failing = Self.judge(check, [vector("19"), vector("459")])
        #expect(failing.observation.verdict == .failed, "96 % failing is an outage: \(failing.observation)")
        #expect(failing.events == OutcomeLedger.Counts(good: 19, total: 459))
        let quiet = Self.judge(check, [empty, empty])
        #expect(quiet.observation == .ok("no events in the last 1m") && quiet.events == .init(good: 0, total: 0))
        let failed = Self.judge(
            check, [vector("1"), .text(#"{"status":"error","errorType":"bad_data","error":"parse error"}"#, 400)])
        #expect(failed.observation == .unknown("the total query failed: parse error") && failed.events == nil)
        let crossed = Self.judge(check, [vector("12"), vector("10")])
        #expect(crossed.observation.verdict == .unknown && crossed.events == nil)
        #expect(crossed.observation.detail.hasSuffix("good: and total: do not count the same events"))
        let gone = CheckEvaluation.evaluate(
            check, responses: [ProbeResponse(error: "connection refused"), ProbeResponse(error: "connection refused")],
            now: Timestamp(milliseconds: 0))
        #expect(gone.observation.verdict == .unknown, "Prometheus unreachable: the events are not known")

        // In the ledger, the counts (more than a UInt16 a minute holds), not the poll.
        var ledger = OutcomeLedger(windowDays: 28)
        let at = Timestamp(milliseconds: 60_000 * 1_000_000)
        func report(_ evaluation: CheckEvaluation) -> CheckReport {
            CheckReport(
                check: check, state: .up, since: at, transition: nil, evaluation: evaluation, response: ProbeResponse(),
                at: at, lagMilliseconds: 0)
        }
        ledger.record(report(fine))
        ledger.record(report(quiet))
        ledger.record(report(failed))
        #expect(ledger.counts(overLast: 5, now: at, method: .occurrences) == .init(good: 99_990, total: 100_000))
    }
}
