import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

struct CheckFilesTests {
    let utc = TimeZone(identifier: "UTC")!

    @Test func theSampleChecksLoadClean() throws {
        let files = CheckFiles.load(workspaceRoot: EscalationFilesTests.repository, timeZone: utc)
        #expect(files.findings.map(\.description) == [])
        #expect(
            files.checks.map(\.name) == [
                "registry-api", "ci-queue", "kube-apiserver", "registry-tls", "runner-fleet", "prometheus"
            ])
        let registry = try #require(files.checks.first)
        #expect(registry.intervalSeconds == 15 && registry.retryIntervalSeconds == 5 && registry.timeoutSeconds == 5)
        #expect(registry.expect.statuses == [200] && registry.expect.maxLatencyMilliseconds == 800)
        #expect(registry.expect.jsonPath == "$.status" && registry.expect.jsonEquals == "UP")
        #expect(registry.failureThreshold == 3 && registry.successThreshold == 2)
        // The sample's hosts do not exist: its checks page by a policy, but declare nothing (issue 19, point 21).
        #expect(files.checks.allSatisfy { $0.declare == nil })
        #expect(registry.policy == "platform" && registry.runbook == "registry-5xx")
        #expect(files.checks[4].expect.jsonEquals == .number(0))
    }

    /// The default timeout is 10s, or the interval when that is shorter: `interval: 5s` alone is a
    /// check that reads (before: "timeout (10s) is longer than interval (5s)", a timeout nobody wrote).
    @Test func theDefaultTimeoutFollowsAShorterInterval() {
        let dir = TemporaryDirectory()
        dir.write(
            "klaxon.yaml",
            """
            name: t
            checks:
              - {name: quick, url: "http://127.0.0.1:1/", interval: 5s}
              - {name: usual, url: "http://127.0.0.1:1/"}
              - {name: slow, url: "http://127.0.0.1:1/", interval: 2m}
              - {name: given, url: "http://127.0.0.1:1/", interval: 5s, timeout: 3s}
            """)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.findings.map(\.description) == [])
        #expect(files.checks.map(\.timeoutSeconds) == [5, 10, 10, 3])
    }

    @Test func problemsAreFindingsWithPlacesAndGoodChecksAreKept() {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            """
            name: t
            checks:
              - {name: a, url: "http://127.0.0.1:1/", interval: 10s}
              - {name: b, url: "ftp://x/"}
              - {name: c, url: "http://x/", expect: {status: [200, 999]}}
              - {name: d, url: "http://x/", declare: SEV2}
              - {name: e, url: "http://x/", colour: red}
              - {name: a, url: "http://x/"}
            maintenance:
              - {checks: [a], from: 2026-12-01T02:00Z, to: 2026-12-01T03:00Z}
              - {checks: [zz], from: 2026-12-01T02:00Z, to: 2026-12-01T03:00Z}
              - {checks: [a], from: 2026-12-01T04:00Z, to: 2026-12-01T03:00Z}
            """)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.checks.map(\.name) == ["a"])
        #expect(files.maintenance.count == 2)
        #expect(files.maintenance.first?.from == Timestamp.parseRFC3339("2026-12-01T02:00:00Z"))
        #expect(
            files.findings.map(\.description) == [
                "\(path):4:20: error: url must start with http:// or https://",
                "\(path):5:50: error: status \"999\" is not an HTTP status code",
                "\(path):6:42: error: declare opens an incident that escalates; it needs policy: too",
                "\(path):7:33: error: unknown key \"colour\" for a check (known: name, group, type, url, interval, retry_interval, timeout, expect, failure_threshold, success_threshold, service, runbook, policy, declare, labels, require, silent_for, severities, max_body, tls_verify, follow_redirects, headers, bearer_token, basic_auth, ca_file, query, down, degraded, empty, thresholds, queues, slo)",
                "\(path):8:5: error: check name a is also used at \(path):3:5",
                "\(path):11:5: error: maintenance names check \"zz\", which is not in checks:",
                "\(path):12:5: error: the maintenance window ends before it starts"
            ])
        // The checks that do not read stay on the board, in their places, saying why.
        #expect(files.unpolled.map(\.name) == ["b", "c", "d", "e", "a"])
        #expect(files.unpolled.map(\.position) == [1, 1, 1, 1, 1])
        #expect(files.unpolled[0].reason == "\(path):4:20: url must start with http:// or https://")
    }

    /// A heartbeat check is pinged, never polled: its name and interval are all it needs, and a url,
    /// a missing interval, one under 10s, a name that cannot end a path, or a polling key is refused.
    @Test func aHeartbeatCheckNeedsAnIntervalOfTenSecondsOrMoreAndNoURL() {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            """
            name: t
            checks:
              - {name: nightly-backup, type: heartbeat, interval: 5m, retry_interval: 1m, policy: platform, declare: SEV3}
              - {name: with-url, type: heartbeat, interval: 5m, url: "http://127.0.0.1:1/"}
              - {name: no-interval, type: heartbeat}
              - {name: too-often, type: heartbeat, interval: 5s}
              - {name: "a/b", type: heartbeat, interval: 1m}
              - {name: with-timeout, type: heartbeat, interval: 1m, timeout: 5s}
              - {type: heartbeat}
            """)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.checks.map(\.name) == ["nightly-backup"])
        #expect(files.checks.first?.kind == .heartbeat && files.checks.first?.intervalSeconds == 300)
        #expect(files.checks.first?.url == "")
        #expect(
            files.unpolled.map(\.name) == [
                "with-url", "no-interval", "too-often", "a/b", "with-timeout", "(check at \(path):9:5)"
            ])
        #expect(
            files.findings.map(\.description) == [
                "\(path):4:58: error: check with-url: url: is for checks that poll a url; a heartbeat check is pinged, never polled; remove url: and point the sender at POST /v1/heartbeat/with-url",
                "\(path):5:5: error: check no-interval: a heartbeat check needs interval:, how long it may go without a ping before it is down (such as 5m; at least 10s)",
                "\(path):6:50: error: check too-often: interval is 5s; a heartbeat check takes at least 10s (a sender that pings every 5m: interval: 10m, so that one lost ping is no outage)",
                "\(path):7:5: error: check a/b: a heartbeat check's name is the end of the path that pings it (POST /v1/heartbeat/NAME); use only letters, digits, '.', '_' and '-'",
                "\(path):8:66: error: check with-timeout: timeout: is for checks that poll a url; a heartbeat check is pinged, never polled",
                // Without a name, that alone is said.
                "\(path):9:5: error: a check needs a name:"
            ])
    }

    /// Issue 19, point 20: one bad indent under checks: leaves the other checks polling, and the one it
    /// breaks is kept by name, with the place of the error.
    @Test func aSyntaxErrorInOneCheckLeavesTheOthersPolling() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            """
            name: t
            checks:
              - name: registry-api
                group: Artifact registry
                url: http://127.0.0.1:1/healthz
              # the next check's url is indented one space too little
              - name: ci-queue
                group: CI/CD
               url: http://127.0.0.1:1/queue
              - {name: kube, url: "http://127.0.0.1:1/readyz", group: Kubernetes}
            maintenance:
              - {checks: [kube], from: 2026-12-01T02:00Z, to: 2026-12-01T03:00Z}
            """)
        #expect(throws: KlaxonError.self) { try YAMLFile.load(path: path) }
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.checks.map(\.name) == ["registry-api", "kube"])
        #expect(files.maintenance.count == 1)
        let broken = try #require(files.unpolled.first)
        #expect(files.unpolled.count == 1)
        #expect(broken.name == "ci-queue" && broken.group == "CI/CD" && broken.position == 1)
        #expect(broken.reason.hasPrefix("\(path):9:") && broken.reason.contains("invalid YAML"), "\(broken.reason)")
        #expect(files.findings.map(\.level) == [.error])
        #expect(broken.reason == "\(files.findings[0].place): \(files.findings[0].message)")

        // checks: that is no list of items breaks all of them, with the place.
        dir.write("klaxon.yaml", "name: t\nchecks: {name: a, url: [\n")
        let whole = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(whole.checks.isEmpty && whole.unpolled.isEmpty)
        #expect(whole.findings.count == 1 && whole.findings[0].place.hasPrefix("\(path):3:"), "\(whole.findings)")
    }

    @Test func urlsThatReachMetadataOrCarryLineBreaksAreWarnedAbout() {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            #"""
            name: t
            checks:
              - {name: metadata, url: "http://169.254.169.254/latest/meta-data/"}
              - {name: metadata6, url: "http://[fd00:ec2::254]/latest/meta-data/"}
              - {name: crlf, url: "http://127.0.0.1/x\r\nX-Injected: 1"}
              - {name: fine, url: "http://127.0.0.1:8080/healthz"}
              - {name: anywhere, url: "http://127.0.0.1:8080/healthz", follow_redirects: any}
              - {name: never, url: "http://127.0.0.1:8080/healthz", follow_redirects: none}
              - {name: sometimes, url: "http://127.0.0.1:8080/healthz", follow_redirects: sometimes}
            """#)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.checks.map(\.name) == ["metadata", "metadata6", "crlf", "fine", "anywhere", "never"])
        #expect(files.checks.map(\.followRedirects) == [.sameHost, .sameHost, .sameHost, .sameHost, .any, .none])
        #expect(
            files.findings.map(\.description) == [
                "\(path):3:27: warning: url names 169.254.169.254, a link-local or cloud metadata address: the check may reach it, and only this check; make sure that is meant",
                "\(path):4:28: warning: url names fd00:ec2::254, a link-local or cloud metadata address: the check may reach it, and only this check; make sure that is meant",
                "\(path):5:23: warning: url has a line break or another control character: the check will fail; write the URL on one line",
                "\(path):9:79: error: follow_redirects is \"sometimes\"; expected one of same-host, any, none"
            ])
    }

    @Test func equalsHasTheTypeItsYAMLValueHas() {
        let dir = TemporaryDirectory()
        dir.write(
            "klaxon.yaml",
            #"""
            name: t
            checks:
              - {name: a, url: "http://x/", expect: {json: {path: $.a, equals: "true"}}}
              - {name: b, url: "http://x/", expect: {json: {path: $.a, equals: 'true'}}}
              - {name: c, url: "http://x/", expect: {json: {path: $.a, equals: true}}}
              - {name: d, url: "http://x/", expect: {json: {path: $.a, equals: "42"}}}
              - {name: e, url: "http://x/", expect: {json: {path: $.a, equals: 42}}}
              - {name: f, url: "http://x/", expect: {json: {path: $.a, equals: null}}}
              - {name: g, url: "http://x/", expect: {json: {path: $.a, equals: !!str 42}}}
              - {name: h, url: "http://x/", expect: {json: {path: $.a, equals: yes}}}
              - {name: i, url: "http://x/", expect: {json: {path: $.a, equals: 0x1F}}}
            """#)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.findings.map(\.description) == [])
        #expect(
            files.checks.map(\.expect.jsonEquals) == [
                .string("true"), .string("true"), .bool(true), .string("42"), .number(42), .null,
                .string("42"), .string("yes"), .string("0x1F")
            ])
    }

    @Test func alertSourceKeysAreCheckedWithTheirPlaces() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            #"""
            name: t
            checks:
              - {name: ok, type: alertmanager, url: "http://x/", labels: {team: platform, env: [prod, ""]}, require: {alertname: Watchdog},
                 severities: {down: [P1], degraded: critical, ignore: [none, ""]}, max_body: 32MiB}
              - {name: groups, type: alertmanager, url: "http://x/api/v2/alerts/groups"}
              - {name: rules, type: prometheus, url: "http://x/prom/api/v1/rules"}
              - {name: badlabel, type: prometheus, url: "http://x/", labels: {team-name: x}}
              - {name: twice, type: prometheus, url: "http://x/", severities: {down: [critical], ignore: [critical]}}
              - {name: huge, type: prometheus, url: "http://x/", max_body: 1GiB}
              - {name: web, url: "http://x/", labels: {team: x}}
            """#)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.checks.map(\.name) == ["ok", "groups", "rules"])
        let ok = try #require(files.checks.first)
        #expect(
            ok.alerts.labels == ["team": ["platform"], "env": ["prod", ""]]
                && ok.alerts.requiredAlert == ["alertname": ["Watchdog"]])
        #expect(
            ok.alerts.severities == SeverityRule(down: ["P1"], degraded: ["critical"], ignored: ["none", ""])
                && ok.bodyLimit == 32 << 20)
        #expect(files.checks[1].bodyLimit == 16 << 20)
        #expect(
            files.findings.map(\.description) == [
                "\(path):5:5: warning: url names /api/v2/alerts/groups, but an alertmanager check reads /api/v2/alerts; give the server's address or …/api/v2/alerts",
                "\(path):6:5: warning: url names /api/v1/rules, but a prometheus check reads /api/v1/alerts; give the server's address or …/api/v1/alerts",
                "\(path):7:67: error: \"team-name\" is not a label name; use letters, digits and underscores, not starting with a digit",
                "\(path):8:94: error: severity \"critical\" is both down and ignore; list it once",
                "\(path):9:64: error: max_body is \"1GiB\"; expected a size from 1KiB to 256MiB, such as 32MiB or 512KiB",
                "\(path):10:5: error: check web: labels: is for prometheus and alertmanager checks (type: is http)"
            ])
    }

    /// Issue 19, point 9: `silent_for:` of a dead man's switch: the default is 2m, or the interval when
    /// that is longer; one shorter than the interval, or without `require:`, is an error at its place.
    @Test func silentForIsAtLeastTheIntervalAndNeedsRequire() throws {
        let dir = TemporaryDirectory()
        let path = dir.write(
            "klaxon.yaml",
            #"""
            name: t
            checks:
              - {name: default, type: prometheus, url: "http://x/", require: {alertname: Watchdog}}
              - {name: slow, type: prometheus, url: "http://x/", require: {alertname: Watchdog}, interval: 5m}
              - {name: given, type: alertmanager, url: "http://x/", require: {alertname: Watchdog}, interval: 10s, silent_for: 45s}
              - {name: short, type: prometheus, url: "http://x/", require: {alertname: Watchdog}, silent_for: 10s}
              - {name: alone, type: prometheus, url: "http://x/", silent_for: 5m}
              - {name: web, url: "http://x/", silent_for: 5m}
            """#)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: utc)
        #expect(files.checks.map(\.name) == ["default", "slow", "given"])
        #expect(files.checks.map(\.silentForSeconds) == [120, 300, 45])
        #expect(
            files.findings.map(\.description) == [
                "\(path):6:99: error: check short: silent_for (10s) is shorter than interval (30s); give at least the interval, so that two polls find the alert missing before the check is down",
                "\(path):7:67: error: check alone: silent_for: is how long the alert of require: may be missing; give require: too",
                "\(path):8:5: error: check web: silent_for: is for prometheus and alertmanager checks (type: is http)"
            ])
    }

    /// A check with an error still names the secrets it would send: fixing the error must not reveal
    /// that the polling process lacks one (the re-walkthrough lost the env:TRY_TOKEN warning so).
    @Test func aCheckWithAnErrorStillNamesItsSecrets() throws {
        let dir = TemporaryDirectory()
        dir.write(
            "klaxon.yaml",
            #"""
            name: t
            checks:
              - {name: leak, url: "http://x/", interval: 5s, timeout: 10s, bearer_token: "env:TRY_TOKEN"}
            """#)
        let files = CheckFiles.load(workspaceRoot: dir.path, timeZone: TimeZone(identifier: "UTC")!)
        #expect(files.checks.isEmpty && files.unpolled.map(\.name) == ["leak"])
        #expect(files.secretUses.map(\.purpose) == ["check leak: bearer_token"])
    }
}
