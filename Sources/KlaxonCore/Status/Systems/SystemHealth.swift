import Foundation

/// How the checks that understand a system (`kubernetes`, `elasticsearch`, `jenkins`,
/// `prometheus_query`…) read it: the requests a poll makes, and the judgement of their answers. Each
/// kind's own reading is in its file (`KubernetesHealth`, `JenkinsHealth`…); what they share is here:
/// a system that does not answer is down (it is the system itself), unless what is read is another
/// system's account (Buildkite's API, a Prometheus query), which is then unknown; an answer that does
/// not let Klaxon in (401, 403), that says the path is not there (404), or that was cut, is unknown,
/// never down or up.
public enum SystemHealth {
    /// One answered request of a poll.
    public struct Answer: Sendable {
        /// The path read (`/queue/api/json`), for messages.
        public var path: String
        public var statusCode: Int
        public var body: [UInt8]

        public init(path: String, statusCode: Int, body: [UInt8]) {
            self.path = path
            self.statusCode = statusCode
            self.body = body
        }

        public var isSuccess: Bool { (200..<300).contains(statusCode) }
        public var json: JSONValue? { try? JSONParser.parse(body) }
        /// The body's first line, printable and at most 160 characters: for messages.
        public var firstLine: String { SystemHealth.firstLine(body) }
        /// `HTTP 503: Ingester not ready: …`, or `HTTP 503` when the body says nothing.
        public var statusAndLine: String {
            firstLine.isEmpty ? "HTTP \(statusCode)" : "HTTP \(statusCode): \(firstLine)"
        }
    }

    /// The paths a poll of `kind` reads, after the check's url (the server's address).
    public static func paths(_ check: CheckDefinition) -> [String] {
        switch check.kind {
        case .kubernetes: ["/readyz?verbose", "/livez?verbose"]
        case .elasticsearch, .opensearch: ["/_cluster/health"]
        case .jenkins: JenkinsHealth.paths
        case .buildbot: ["/api/v2/workers", "/api/v2/buildrequests?complete=false"]
        case .buildkite: ["/v3/metrics"]
        case .grafana: ["/api/health"]
        case .gitlab: ["/-/readiness?all=1"]
        case .argocd: ["/healthz"]
        case .loki, .tempo: ["/ready"]
        case .etcd: ["/health"]
        case .splunk: ["/services/server/health/splunkd/details?output_mode=json"]
        case .prometheusQuery:
            // An objective counted by Prometheus: its two counters' increase since the poll before.
            if let events = check.slo?.events {
                [events.good, events.total].map {
                    "/api/v1/query?query="
                        + CheckEvaluation.percentEncoded(
                            ServiceLevelObjective.EventQueries.increase($0, seconds: check.intervalSeconds))
                }
            } else {
                ["/api/v1/query?query=" + CheckEvaluation.percentEncoded(check.query.query)]
            }
        case .http, .statuspage, .prometheus, .alertmanager, .heartbeat: []
        }
    }

    /// The system a kind reads, as messages name it: `Prometheus` for a `prometheus_query` check.
    public static func systemName(_ kind: CheckDefinition.Kind) -> String {
        switch kind {
        case .kubernetes: "the Kubernetes API server"
        case .elasticsearch: "Elasticsearch"
        case .opensearch: "OpenSearch"
        case .jenkins: "Jenkins"
        case .buildbot: "Buildbot"
        case .buildkite: "Buildkite's agent API"
        case .grafana: "Grafana"
        case .gitlab: "GitLab"
        case .argocd: "Argo CD"
        case .loki: "Loki"
        case .tempo: "Tempo"
        case .etcd: "etcd"
        case .splunk: "Splunk's management port"
        case .prometheusQuery, .prometheus: "Prometheus"
        case .alertmanager: "Alertmanager"
        case .http, .statuspage, .heartbeat: kind.rawValue
        }
    }

    /// What a kind's listed items are, as a heading on the console.
    public static func itemsHeading(_ kind: CheckDefinition.Kind) -> String {
        switch kind {
        case .kubernetes: "Failing checks"
        case .jenkins: "Queue and nodes"
        case .buildbot: "Workers not connected"
        case .buildkite: "Queues"
        case .prometheusQuery: "Series"
        case .splunk: "Features not green"
        default: "Components"
        }
    }

    /// The statuses of a listed item that are healthy (shown plain, not as a warning).
    public static let healthyItemStatuses: Set<String> = ["operational", "ok"]

    /// Whether `kind` is read here.
    public static func reads(_ kind: CheckDefinition.Kind) -> Bool {
        switch kind {
        case .http, .statuspage, .prometheus, .alertmanager, .heartbeat: false
        default: true
        }
    }

    /// Whether what `kind` reads is another system's account of health (Buildkite's API about the
    /// agents, Prometheus about what it scrapes): when it cannot be read, nothing is known. The others
    /// read the system itself, and one that does not answer is down.
    public static func readsAnAccount(_ kind: CheckDefinition.Kind) -> Bool {
        kind == .buildkite || kind == .prometheusQuery
    }

    /// The URLs of a poll: the check's url with each path after it, unless the url already ends with it.
    public static func requestURLs(_ check: CheckDefinition) -> [String] {
        let base = check.url.hasSuffix("/") ? String(check.url.dropLast()) : check.url
        let basePath = base.split(separator: "?", maxSplits: 1).first.map(String.init) ?? base
        return paths(check).map { path in
            let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
            // A url that already names the path: the path's own query (the PromQL, `verbose`) is kept.
            return basePath.hasSuffix(bare) ? String(basePath.dropLast(bare.count)) + path : base + path
        }
    }

    /// Judges a poll's responses, in the order of `requestURLs`.
    public static func evaluate(_ check: CheckDefinition, _ responses: [ProbeResponse], now: Timestamp)
        -> CheckEvaluation
    {
        let paths = paths(check)
        var answers: [Answer] = []
        for (path, response) in zip(paths, responses) {
            let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
            if let error = response.error {
                return readsAnAccount(check.kind)
                    ? unknown("source unreachable: \(error)") : failed("\(bare): \(error)")
            }
            guard let code = response.statusCode else { return failed("\(bare): no response") }
            // Klaxon's credentials, not the system's health: nothing is known until they are mended.
            if code == 401 || code == 403 {
                return unknown(
                    "\(bare) answers HTTP \(code): Klaxon is not let in; give the check credentials (bearer_token:, basic_auth: or headers:) that may read it"
                )
            }
            // No such path there: the url is not the system's address (or, for GitLab, the address Klaxon
            // polls from is not on its monitoring allowlist). Nothing is known of the system's health.
            if code == 404 {
                let allowlist =
                    check.kind == .gitlab
                    ? " or GitLab's monitoring allowlist (gitlab_rails['monitoring_whitelist']) does not hold the address Klaxon polls from"
                    : ""
                return unknown(
                    "\(bare) answers HTTP 404: the url is not the address of \(systemName(check.kind))\(allowlist); give the address it answers its health on"
                )
            }
            if response.truncated {
                return unknown(
                    "source unreadable: the answer of \(bare) is longer than max_body (\(ByteSize.text(check.bodyLimit))) and was cut; raise max_body:"
                )
            }
            answers.append(Answer(path: bare, statusCode: code, body: response.body))
        }
        guard answers.count == paths.count else { return unknown("not every request of the poll was answered") }
        switch check.kind {
        case .kubernetes: return KubernetesHealth.judge(answers)
        case .elasticsearch, .opensearch: return ElasticsearchHealth.judge(answers[0])
        case .jenkins: return JenkinsHealth.judge(check, queue: answers[0], computers: answers[1], now: now)
        case .buildbot: return BuildbotHealth.judge(check, workers: answers[0], requests: answers[1], now: now)
        case .buildkite: return BuildkiteHealth.judge(check, answers[0])
        case .prometheusQuery:
            if let objective = check.slo, objective.events != nil {
                return PrometheusQueryHealth.judgeEvents(
                    objective, seconds: check.intervalSeconds, good: answers[0], total: answers[1])
            }
            return PrometheusQueryHealth.judge(check.query, answers[0])
        default: return HealthEndpoints.judge(check.kind, answers[0])
        }
    }

    /// The list `key` of an answer's JSON object (`items` of Jenkins's queue), or why the check is
    /// unknown without it: the url most likely names something else than `address` ("Jenkins's address").
    static func list(_ answer: Answer, _ key: String, in address: String) throws(Unreadable) -> [JSONValue] {
        guard let list = answer.json?[key]?.arrayValue else {
            throw Unreadable(
                evaluation: unknown("source unreadable: \(answer.path) has no \(key) list; is the url \(address)?"))
        }
        return list
    }

    /// A health answer Klaxon cannot read, as the check's evaluation.
    struct Unreadable: Error {
        var evaluation: CheckEvaluation
    }

    /// The first answer with an error status, as the check's failure (the system said it is not well).
    static func firstFailure(_ answers: [Answer]) -> CheckEvaluation? {
        answers.first { !$0.isSuccess }.map { failed("\($0.path): \($0.statusAndLine)") }
    }

    static func unknown(_ detail: String) -> CheckEvaluation { CheckEvaluation(observation: .unknown(detail)) }
    static func failed(_ detail: String) -> CheckEvaluation { CheckEvaluation(observation: .failed(detail)) }

    /// The first line of `body`, printable and at most 160 characters.
    static func firstLine(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        // A tab would leave a gap of the terminal's choosing in a one-line detail: a space instead.
        let clean = TerminalText.printable(line.replacingOccurrences(of: "\t", with: " "))
            .trimmingCharacters(in: .whitespaces)
        return clean.count > 160 ? String(clean.prefix(159)) + "…" : clean
    }

    /// The worse of two verdicts: failed, then degraded, then unknown, then ok.
    static func worse(_ a: CheckObservation.Verdict, _ b: CheckObservation.Verdict) -> CheckObservation.Verdict {
        let order: [CheckObservation.Verdict] = [.ok, .unknown, .degraded, .failed]
        return order.firstIndex(of: a)! >= order.firstIndex(of: b)! ? a : b
    }

    /// Seconds as people read them (`1h12m`), for details.
    static func age(_ seconds: Double) -> String { DurationText.short(seconds: Int64(seconds.rounded(.down))) }
}
