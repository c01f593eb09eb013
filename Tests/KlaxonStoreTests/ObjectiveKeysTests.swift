import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// `slo:` of a check in klaxon.yaml: read with its defaults, and each mistake named with its place and
/// what to write instead.
struct ObjectiveKeysTests {
    func load(_ checks: String) -> (files: CheckFiles, directory: TemporaryDirectory) {
        let dir = TemporaryDirectory()
        dir.write("klaxon.yaml", "name: t\nchecks:\n" + checks)
        return (CheckFiles.load(workspaceRoot: dir.path, timeZone: TimeZone(identifier: "UTC")!), dir)
    }

    @Test func anObjectiveReadsWithItsDefaults() throws {
        let (files, _) = load(
            """
              - {name: registry, url: "https://registry.example/v2/", policy: platform, slo: {objective: 99.9}}
              - name: ci
                url: https://ci.example/health
                policy: platform
                slo: {objective: "99.5%", window: 30d, method: timeslices, minimum_events: 4, severity: SEV1}
            """)
        #expect(files.findings.isEmpty, "\(files.findings)")
        #expect(
            files.checks.map(\.slo) == [
                ServiceLevelObjective(objective: 99.9, windowDays: 28, method: .occurrences, minimumEvents: 10),
                ServiceLevelObjective(
                    objective: 99.5, windowDays: 30, method: .timeslices, minimumEvents: 4, pageSeverity: .sev1)
            ])
    }

    @Test(arguments: [
        (
            "{objective: 100}",
            "3:66: error: slo: objective is \"100\"; expected the share of good events in percent, above 0 and below 100, such as 99.9"
        ),
        (
            "{objective: 99.9, window: 7d}",
            "3:80: error: slo: window is \"7d\"; expected a rolling window of 28d or 30d (the burn-rate alerts are worked out for these)"
        ),
        ("{window: 28d}", "3:54: error: slo needs an objective:, in percent, such as 99.9"),
        (
            "{objective: 99.9, method: requests}",
            "3:80: error: slo: method is \"requests\"; expected one of occurrences, timeslices"
        ),
        (
            "{objective: 99.9, budget: 5}",
            "3:72: error: unknown key \"budget\" in slo (known: objective, window, method, minimum_events, severity, good, total)"
        ),
        ("{objective: 99.9, severity: P1}", "3:82: error: slo: severity is \"P1\"; expected a severity, SEV1 to SEV5")
    ])
    func aMistakeIsNamedWhereItIs(_ slo: String, _ message: String) {
        let (files, dir) = load("  - {name: registry, url: \"https://r.example/\", slo: \(slo)}\n")
        #expect(files.checks.isEmpty, "a check whose slo: does not read is not polled")
        #expect(files.findings.map(\.description) == ["\(dir.path)/klaxon.yaml:\(message)"])
    }

    @Test func anObjectiveWithoutAPolicyIsWarnedOf() {
        let (files, dir) = load("  - {name: registry, url: \"https://r.example/\", slo: {objective: 99.9}}\n")
        #expect(files.checks.count == 1)
        #expect(
            files.findings.map(\.description) == [
                "\(dir.path)/klaxon.yaml:3:54: warning: check registry has an slo: and no policy:, so a fast burn of its budget would declare an incident that pages nobody; give it a policy:"
            ])
    }

    @Test func anObjectiveOnPrometheusCountersReadsWithoutAQuery() throws {
        let (files, _) = load(
            """
              - name: registry-requests
                type: prometheus_query
                url: http://127.0.0.1:9090
                policy: platform
                slo:
                  objective: 99.9
                  good: 'http_requests_total{job="registry",code!~"5.."}'
                  total: 'http_requests_total{job="registry"}'
            """)
        #expect(files.findings.isEmpty, "\(files.findings)")
        let check = try #require(files.checks.first)
        #expect(
            check.slo?.events
                == .init(
                    good: #"http_requests_total{job="registry",code!~"5.."}"#,
                    total: #"http_requests_total{job="registry"}"#))
    }

    @Test(arguments: [
        (
            "{name: r, url: \"https://r.example/\", policy: p, slo: {objective: 99.9, good: 'a_total', total: 'b_total'}}",
            "3:58: error: check r: slo: good: and total: are Prometheus counters: they need type: prometheus_query and the url of Prometheus"
        ),
        (
            "{name: r, type: prometheus_query, url: \"http://p:9090\", policy: p, slo: {objective: 99.9, good: 'a_total'}}",
            "3:77: error: slo: gives good: without total:; an objective on Prometheus's events needs both counters' selectors, such as good: 'http_requests_total{job=\"registry\",code!~\"5..\"}' and total: 'http_requests_total{job=\"registry\"}'"
        ),
        (
            "{name: r, type: prometheus_query, url: \"http://p:9090\", policy: p, query: up, down: \"< 1\", slo: {objective: 99.9, good: 'a_total', total: 'b_total'}}",
            "3:79: error: check r: query: is not read: this check counts its objective's events (slo: good: and total:); judge a query in a check of its own"
        ),
        (
            "{name: r, type: prometheus_query, url: \"http://p:9090\", policy: p, slo: {objective: 99.9, method: timeslices, good: 'a_total', total: 'b_total'}}",
            "3:77: error: slo: method: timeslices counts the minutes of polls; good: and total: count Prometheus's events: leave method: out (occurrences)"
        )
    ])
    func aPairOfCountersIsCheckedAgainstItsCheck(_ item: String, _ message: String) {
        let (files, dir) = load("  - \(item)\n")
        #expect(files.checks.isEmpty)
        #expect(
            files.findings.map(\.description).contains("\(dir.path)/klaxon.yaml:\(message)"),
            "\(files.findings.map(\.description))")
    }
}
