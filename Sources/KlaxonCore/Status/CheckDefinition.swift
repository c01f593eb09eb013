import Foundation

/// A status check from `klaxon.yaml`'s `checks:`.
public struct CheckDefinition: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case http, statuspage, prometheus, alertmanager
        /// A dead man's switch: nothing is polled; something pings Klaxon (`POST /v1/heartbeat/NAME` on
        /// `klaxon watch`'s intake) at least every `interval`, and the check is down when it stops.
        case heartbeat
        /// Systems a platform team runs, read through their own health endpoints (`SystemHealth`).
        case kubernetes, elasticsearch, opensearch, jenkins, buildbot, buildkite, grafana, gitlab, argocd, loki, tempo
        case etcd, splunk
        /// A PromQL instant query, judged by conditions on its result (`QueryRules`).
        case prometheusQuery = "prometheus_query"

        /// The word before `bearer_token`'s secret in `Authorization:`: `Bearer`, but `Token` for
        /// Buildkite's agent API.
        public var tokenScheme: String { self == .buildkite ? "Token" : "Bearer" }

        /// Prometheus and Alertmanager: what they answer is a list of alerts, not the health of a service.
        public var isAlertSource: Bool { self == .prometheus || self == .alertmanager }

        /// The longest body read when a check sets no `max_body:`: an alert list of a busy server is
        /// megabytes (1,133 alerts were 1.27 MB from Prometheus, 1.70 MB from Alertmanager).
        public var defaultBodyLimit: Int { isAlertSource ? 16 << 20 : 1 << 20 }
    }

    /// Where a check follows redirects (always only to http and https, at most five).
    public enum FollowRedirects: String, CaseIterable, Sendable {
        /// On the check's own host (its name as written), to any port.
        case sameHost = "same-host"
        /// To any host.
        case any
        /// Never: the redirect is the answer, judged like any other.
        case none
    }

    /// What an `http` check expects of a response.
    public struct Expectation: Hashable, Sendable {
        /// Acceptable status codes (default: 200–399).
        public var statuses: Set<Int> = []
        /// Slower than this is degraded, not down.
        public var maxLatencyMilliseconds: Int64?
        public var bodyContains: String?
        /// `$.a.b` (or `$.items[0].state`) must equal this value.
        public var jsonPath: String?
        public var jsonEquals: JSONValue?
        /// Degraded when the TLS certificate expires in fewer days.
        public var certificateDaysLeft: Int?

        public init() {}
    }

    public var name: String
    public var group: String
    public var kind: Kind
    public var url: String
    public var intervalSeconds: Int64 = 30
    /// Used while a failure is not yet confirmed (and while recovering from down).
    public var retryIntervalSeconds: Int64?
    /// The whole answer's limit; `klaxon.yaml` without `timeout:` gives the default, or the interval
    /// when that is shorter (a poll ends before the next is due).
    public var timeoutSeconds: Int64 = defaultTimeoutSeconds
    public static let defaultTimeoutSeconds: Int64 = 10
    public var expect = Expectation()
    /// Consecutive failures before down, and consecutive successes before up again.
    public var failureThreshold = 1
    public var successThreshold = 1
    /// Which alerts a `prometheus` or `alertmanager` check reads, requires, and how it judges them.
    public var alerts = AlertRules()
    /// A `prometheus_query` check's query and the conditions on its result.
    public var query = QueryRules()
    /// The limits a system check (`jenkins`, `buildbot`, `buildkite`) judges its measures by
    /// (`thresholds:`); a measure not given has its kind's default.
    public var thresholds: [SystemMeasure: SystemMeasure.Limit] = [:]
    /// `buildkite`: the queues read (`queues:`); empty reads every queue.
    public var queues: [String] = []
    /// A PEM file of the certificate authorities that sign the server's certificate (`ca_file:`), such
    /// as a Kubernetes cluster's CA; nil is the system's trust store.
    public var caFile: String?
    /// Bodies longer than this are cut (`max_body:`); nil is the kind's default.
    public var maxBodyBytes: Int?
    /// TLS verification is on unless a check turns it off (and the board then says so).
    public var verifyTLS = true
    public var followRedirects = FollowRedirects.sameHost
    /// What the check sends to say who it is (`headers:`, `bearer_token:`, `basic_auth:`).
    public var credentials = CheckCredentials()
    public var service: String?
    public var runbook: String?
    public var policy: String?
    /// With `policy`, going down declares an incident of this severity.
    public var declare: Severity?
    /// The objective the check is held to (`slo:`): its polls' outcomes are kept for it.
    public var slo: ServiceLevelObjective?
    /// `file:line:column`, for messages.
    public var place: String = ""
    /// Where `policy:` is written, for messages about a policy that does not exist.
    public var policyPlace: String?

    public init(name: String, group: String = "", kind: Kind = .http, url: String) {
        self.name = name
        self.group = group
        self.kind = kind
        self.url = url
    }

    /// The longest body read.
    public var bodyLimit: Int { maxBodyBytes ?? kind.defaultBodyLimit }

    /// How long a required alert may be missing when `silent_for:` is not given: a source that just
    /// (re)started answers an empty list until it has evaluated its rules (Prometheus's default
    /// evaluation interval is a minute), and that is no outage.
    public static let defaultSilentForSeconds: Int64 = 120

    /// How long the required alert must have been missing before the check is down: `silent_for:`, else
    /// the default or the interval, whichever is longer (the absence is then seen by two polls at least).
    public var silentForSeconds: Int64 { alerts.silentForSeconds ?? max(Self.defaultSilentForSeconds, intervalSeconds) }

    /// The API path a `prometheus` or `alertmanager` check reads (nil for the other kinds).
    public var apiPath: String? {
        switch kind {
        case .prometheus: "/api/v1/alerts"
        case .alertmanager: "/api/v2/alerts"
        default: nil
        }
    }

    /// Why `url` cannot be read by this kind: it names another API path than the kind reads (such as
    /// Alertmanager's `/api/v2/alerts/groups`, whose empty list would read as all clear). A path that
    /// ends with the kind's own (through a proxy: `…/api/datasources/proxy/1/api/v1/alerts`) is right.
    public var endpointProblem: String? {
        guard let expected = apiPath else { return nil }
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        guard let api = path.range(of: "/api/") else { return nil }
        let named = "/" + String(path[api.lowerBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !named.hasSuffix(expected) else { return nil }
        let article = kind == .alertmanager ? "an" : "a"
        return
            "url names \(named), but \(article) \(kind.rawValue) check reads \(expected); give the server's address or …\(expected)"
    }

    /// The wait before the next poll: the retry interval while a state change is being confirmed.
    public func nextPollSeconds(confirming: Bool) -> Int64 {
        confirming ? (retryIntervalSeconds ?? intervalSeconds) : intervalSeconds
    }
}

/// A time when some checks are known to be unavailable: their state shows `maintenance`.
public struct MaintenanceWindow: Hashable, Sendable {
    /// Empty means every check.
    public var checks: Set<String>
    public var from: Timestamp
    public var to: Timestamp

    public init(checks: Set<String>, from: Timestamp, to: Timestamp) {
        self.checks = checks
        self.from = from
        self.to = to
    }

    public func covers(_ check: String, at t: Timestamp) -> Bool {
        (checks.isEmpty || checks.contains(check)) && from <= t && t < to
    }
}
