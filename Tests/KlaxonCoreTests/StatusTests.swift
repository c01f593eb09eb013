import Foundation
import Testing

@testable import KlaxonCore

/// The recorded payloads of ../shared/fixtures (beside the repository, as CI has it).
func fixture(_ name: String) throws -> [UInt8] {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let path = repository.deletingLastPathComponent().appendingPathComponent("shared/fixtures/\(name)").path
    guard let data = FileManager.default.contents(atPath: path) else {
        throw StatusPayloads.Unreadable(reason: "no fixture at \(path)")
    }
    return Array(data)
}

struct StatusPayloadTests {
    @Test func statuspageDuringAnIncidentIsDegradedWithComponentsAndIncidents() throws {
        let reading = try StatusPayloads.statuspage(fixture("statuspage_summary_github.json"))
        #expect(reading.observation.verdict == .degraded)
        #expect(reading.items.contains(StatusPayloads.Item(name: "Packages", status: "partial_outage")))
        #expect(reading.items.contains(StatusPayloads.Item(name: "Git Operations", status: "operational")))
        #expect(reading.incidents.count == 1)
        #expect(!reading.vendorMaintenance)
    }

    @Test func statuspageAllOperationalIsUp() throws {
        let reading = try StatusPayloads.statuspage(fixture("statuspage_summary_iterable_operational.json"))
        #expect(reading.observation.verdict == .ok)
        #expect(!reading.items.isEmpty && reading.items.allSatisfy { $0.status == "operational" })
        #expect(reading.incidents.isEmpty)
    }

    @Test(arguments: [
        ("none", CheckObservation.Verdict.ok, false), ("minor", .degraded, false), ("major", .failed, false),
        ("critical", .failed, false), ("maintenance", .ok, true), ("bogus", .degraded, false)
    ])
    func statuspageIndicators(indicator: String, verdict: CheckObservation.Verdict, maintenance: Bool) throws {
        let body = #"{"status":{"indicator":"\#(indicator)","description":"d"},"components":[],"incidents":[]}"#
        let reading = try StatusPayloads.statuspage(Array(body.utf8))
        #expect(reading.observation.verdict == verdict)
        #expect(reading.vendorMaintenance == maintenance)
        if indicator == "bogus" { #expect(reading.observation.detail.contains("bogus")) }
    }

    @Test func prometheusFiringPendingAndWatchdog() throws {
        let firing = try StatusPayloads.prometheus(fixture("prometheus_v1_alerts.json"), rules: AlertRules())
        #expect(firing.items.count == 1 && firing.items[0].status == "firing")
        #expect(firing.observation.verdict == .degraded)  // no severity label: degraded, not down
        let pending = try StatusPayloads.prometheus(fixture("prometheus_v1_alerts_pending.json"), rules: AlertRules())
        #expect(pending.items.count == 4 && pending.items.allSatisfy { !$0.counted })
        #expect(pending.observation == .ok("no alerts firing (4 pending)"))
        let watchdog = try StatusPayloads.prometheus(fixture("prometheus_v1_alerts_watchdog.json"), rules: AlertRules())
        #expect(watchdog.observation.verdict == .degraded)  // severity: warning
        // Matchers select: nothing matches, nothing counts.
        #expect(
            try StatusPayloads.prometheus(
                fixture("prometheus_v1_alerts_watchdog.json"), rules: AlertRules(labels: ["team": ["nobody"]])
            ).observation.verdict == .ok)
    }

    @Test func aCriticalOrPagingAlertIsDown() throws {
        let body =
            #"{"status":"success","data":{"alerts":[{"labels":{"alertname":"RegistryDown","severity":"critical"},"state":"firing"},{"labels":{"alertname":"DiskFilling","severity":"warning"},"state":"firing"}]}}"#
        let reading = try StatusPayloads.prometheus(Array(body.utf8), rules: AlertRules())
        #expect(reading.observation == .failed("1 critical alert firing: RegistryDown"))
        let page =
            #"{"status":"success","data":{"alerts":[{"labels":{"alertname":"X","severity":"page"},"state":"firing"}]}}"#
        #expect(try StatusPayloads.prometheus(Array(page.utf8), rules: AlertRules()).observation.verdict == .failed)
    }

    @Test func alertmanagerCountsActiveAndListsSuppressed() throws {
        // 12 alerts: 8 active (none with a severity label), 4 silenced.
        let reading = try StatusPayloads.alertmanager(fixture("alertmanager_v2_alerts.json"), rules: AlertRules())
        #expect(reading.items.count == 12)
        #expect(reading.items.filter { $0.status == "silenced" }.count == 4)
        #expect(reading.items.filter(\.counted).count == 8)
        #expect(
            reading.observation
                == .degraded(
                    "8 alerts firing: HTTP_Probe_Failed, Host_Down, Memory_Usage_Too_High and 1 more (4 silenced or inhibited)"
                ))
        // Only the dev cluster: one active, four silenced.
        let dev = try StatusPayloads.alertmanager(
            fixture("alertmanager_v2_alerts.json"), rules: AlertRules(labels: ["cluster": ["dev"]]))
        #expect(dev.items.count == 5 && dev.items.filter(\.counted).count == 1)
    }

    @Test func malformedPayloadsAreUnreadableNotCrashes() {
        for body in ["", "{", "[]", #"{"status":"error"}"#, #"{"status":{"indicator":3}}"#, "\u{FF}\u{FE}"] {
            #expect(throws: StatusPayloads.Unreadable.self) { try StatusPayloads.statuspage(Array(body.utf8)) }
            #expect(throws: StatusPayloads.Unreadable.self) {
                try StatusPayloads.prometheus(Array(body.utf8), rules: AlertRules())
            }
        }
        #expect(throws: StatusPayloads.Unreadable.self) {
            try StatusPayloads.alertmanager(Array("{}".utf8), rules: AlertRules())
        }
    }
}

/// Issue 19, point 10: credentials in URLs are kept out of what is shown; credentials stay with their origin.
struct URLCredentialsTests {
    @Test func theCredentialsOfEveryURLInATextAreRedacted() {
        #expect(
            URLCredentials.redacted("https://deployer:s3cret@nexus.internal:8443/x?y=1")
                == "https://deployer:***@nexus.internal:8443/x?y=1")
        #expect(
            URLCredentials.redacted("Failed to connect to http://ghp_token@git.internal/ and ftp://u:p:q@h")
                == "Failed to connect to http://***@git.internal/ and ftp://u:***@h")
        #expect(
            URLCredentials.redacted("mail bob@example.com, see https://example.com/a@b")
                == "mail bob@example.com, see https://example.com/a@b")
        #expect(URLCredentials.present(in: "http://u:p@h/") && !URLCredentials.present(in: "http://h/"))
    }

    @Test func anOriginIsSchemeHostAndPort() {
        #expect(RedirectRule.sameOrigin("http://u:p@Registry.internal/a", "http://registry.internal:80/b"))
        #expect(RedirectRule.sameOrigin("https://[fd00::1]/a", "https://[FD00::1]:443/b"))
        #expect(
            !RedirectRule.sameOrigin("https://registry.internal/a", "http://registry.internal/a"),
            "not in clear text after https")
        #expect(!RedirectRule.sameOrigin("http://registry.internal/a", "http://registry.internal:8080/a"))
        #expect(!RedirectRule.sameOrigin("http://127.0.0.1/a", "http://localhost/a"))
        #expect(!RedirectRule.sameOrigin("http://registry.internal/a", "http://registry.internal.evil.example/a"))
    }
}

/// Issue 19, point 10: what a check's answer may quote of the secrets its request sent.
struct SecretScrubberTests {
    @Test func everyFormOfASecretIsTakenOutLongestFirst() {
        // A token with the characters JSON escapes, as sent, escaped, and with / as \/.
        let token = #"t/o"k\en"#
        let scrubber = SecretScrubber(secrets: [token, "pw", Data("svc:pw".utf8).base64EncodedString()])
        let quoted = #"{"a":"Bearer t/o\"k\\en","b":"t\/o\"k\\en","c":"t/o"k\en","d":"c3ZjOnB3"}"#
        #expect(scrubber.scrub(quoted) == #"{"a":"Bearer [secret]","b":"[secret]","c":"[secret]","d":"[secret]"}"#)
        #expect(scrubber.scrub(Array(quoted.utf8)) == Array(scrubber.scrub(quoted).utf8), "bytes as text")
        #expect(scrubber.scrub("no secret here") == "no secret here")
        #expect(SecretScrubber(secrets: [""]).isEmpty)
    }

    @Test func aURLsPasswordOrTokenIsASecretAsWrittenDecodedAndAsTheBasicPair() {
        #expect(
            SecretScrubber.urlSecrets("https://svc:p%40ss@host/x") == [
                "p%40ss", "p@ss", Data("svc:p@ss".utf8).base64EncodedString()
            ])
        #expect(
            SecretScrubber.urlSecrets("https://TOKEN@host/x") == [
                "TOKEN", "TOKEN", Data("TOKEN:".utf8).base64EncodedString()
            ])
        #expect(SecretScrubber.urlSecrets("https://host/a@b") == [])
    }
}

struct CheckStateMachineTests {
    typealias Step = (CheckObservation.Verdict, CheckState)

    static let t0 = Timestamp.parseRFC3339("2026-11-22T12:00:00Z")!

    /// Failure threshold 3 and success threshold 2, fed one verdict at a time; the state after each.
    static let tables: [(String, [Step])] = [
        ("a first success is up", [(.ok, .up), (.ok, .up)]),
        (
            "failures are pending until the third",
            [(.ok, .up), (.failed, .pending), (.failed, .pending), (.failed, .down)]
        ),
        (
            "a success before the third failure cancels it",
            [(.ok, .up), (.failed, .pending), (.failed, .pending), (.ok, .up), (.failed, .pending)]
        ),
        (
            "down needs two successes in a row to recover",
            [
                (.failed, .pending), (.failed, .pending), (.failed, .down), (.ok, .down), (.failed, .down),
                (.ok, .down), (.ok, .up)
            ]
        ),
        ("slow is degraded, not down, at once", [(.ok, .up), (.degraded, .degraded), (.ok, .up)]),
        (
            "recovering into slow is degraded",
            [(.failed, .pending), (.failed, .pending), (.failed, .down), (.degraded, .down), (.degraded, .degraded)]
        )
    ]

    @Test(arguments: tables.indices)
    func thresholdsDampBothWays(_ index: Int) {
        let (name, steps) = Self.tables[index]
        var machine = CheckStateMachine(failureThreshold: 3, successThreshold: 2)
        var states: [CheckState] = []
        for (i, (verdict, _)) in steps.enumerated() {
            machine.observe(CheckObservation(verdict, "x"), at: Self.t0.adding(seconds: Int64(i) * 15))
            states.append(machine.state)
        }
        #expect(states == steps.map(\.1), "\(name)")
    }

    @Test func transitionsAreReportedOnceWithTheirTime() {
        var machine = CheckStateMachine(failureThreshold: 2, successThreshold: 1)
        #expect(machine.observe(.ok(), at: Self.t0) == .init(from: .unknown, to: .up, first: true))
        #expect(machine.observe(.ok(), at: Self.t0.adding(seconds: 10)) == nil)
        #expect(machine.observe(.failed("503"), at: Self.t0.adding(seconds: 20)) == .init(from: .up, to: .pending))
        #expect(machine.isConfirming)
        #expect(machine.observe(.failed("503"), at: Self.t0.adding(seconds: 25)) == .init(from: .pending, to: .down))
        #expect(machine.since == Self.t0.adding(seconds: 25))
        #expect(!machine.isConfirming)
        #expect(machine.observe(.ok(), at: Self.t0.adding(seconds: 30)) == .init(from: .down, to: .up))
    }

    /// Issue 19, point 5: a machine restored from the recorded state changes only when a poll says so,
    /// and its time in state goes on from the recorded time.
    @Test func aRestoredStateGoesOnWithoutAFirstResult() {
        let since = Self.t0.adding(seconds: -600)
        var down = CheckStateMachine(
            failureThreshold: 2, successThreshold: 2, restoring: .init(state: .down, since: since))
        #expect(down.observe(.failed("503"), at: Self.t0) == nil)
        #expect(down.state == .down && down.since == since && !down.isConfirming)
        #expect(down.observe(.ok(), at: Self.t0.adding(seconds: 10)) == nil, "one success of the two it needs")
        #expect(down.observe(.ok(), at: Self.t0.adding(seconds: 20)) == .init(from: .down, to: .up))
        // A recorded unknown is a source that could not be read: seeing again is a change, not a first result.
        var blind = CheckStateMachine(
            failureThreshold: 1, successThreshold: 1, restoring: .init(state: .unknown, since: since))
        #expect(blind.observe(.unknown("source unreachable"), at: Self.t0) == nil)
        #expect(blind.since == since)
        #expect(blind.observe(.ok(), at: Self.t0.adding(seconds: 10)) == .init(from: .unknown, to: .up, first: false))
        var up = CheckStateMachine(failureThreshold: 2, successThreshold: 1, restoring: .init(state: .up, since: since))
        #expect(up.observe(.failed("503"), at: Self.t0) == .init(from: .up, to: .pending))
        var maintained = CheckStateMachine(
            failureThreshold: 1, successThreshold: 1, restoring: .init(state: .maintenance, since: since))
        #expect(maintained.observe(.failed("503"), at: Self.t0, inMaintenance: true) == nil)
        var fresh = CheckStateMachine(failureThreshold: 1, successThreshold: 1, restoring: nil)
        #expect(fresh.observe(.failed("503"), at: Self.t0) == .init(from: .unknown, to: .down, first: true))
    }

    @Test func theFirstFailureOfARunIsKeptUntilAPollSucceeds() {
        var machine = CheckStateMachine(failureThreshold: 3, successThreshold: 2)
        machine.observe(.ok(), at: Self.t0)
        #expect(machine.failingSince == nil)
        machine.observe(.failed("503"), at: Self.t0.adding(seconds: 10))
        machine.observe(.ok(), at: Self.t0.adding(seconds: 15))
        #expect(machine.failingSince == nil, "a success ends the run")
        for s in [20, 25, 30, 35] { machine.observe(.failed("503"), at: Self.t0.adding(seconds: Int64(s))) }
        #expect(machine.state == .down && machine.since == Self.t0.adding(seconds: 30))
        #expect(
            machine.failingSince == Self.t0.adding(seconds: 20),
            "the run's first failure, not the one that confirmed it")
        machine.observe(.ok(), at: Self.t0.adding(seconds: 40))
        #expect(machine.state == .down && machine.failingSince == nil)
    }

    @Test func maintenanceOverridesAndLeavesCleanly() {
        var machine = CheckStateMachine(failureThreshold: 2, successThreshold: 2)
        machine.observe(.ok(), at: Self.t0)
        #expect(
            machine.observe(.failed("down for the upgrade"), at: Self.t0.adding(seconds: 10), inMaintenance: true)
                == .init(from: .up, to: .maintenance))
        machine.observe(.failed("still"), at: Self.t0.adding(seconds: 20), inMaintenance: true)
        #expect(machine.state == .maintenance)
        #expect(machine.observe(.ok(), at: Self.t0.adding(seconds: 30)) == .init(from: .maintenance, to: .up))
        let window = MaintenanceWindow(checks: ["registry-api"], from: Self.t0, to: Self.t0.adding(seconds: 3600))
        #expect(window.covers("registry-api", at: Self.t0.adding(seconds: 60)))
        #expect(!window.covers("registry-api", at: Self.t0.adding(seconds: 3600)))
        #expect(!window.covers("ci-queue", at: Self.t0.adding(seconds: 60)))
    }
}

/// Issue 19, point 9 (the walkthrough): a required alert (a dead man's switch) missing is down only
/// once it has been missing for `silent_for`; until then the check is confirming and says since when. A
/// source that just restarted answers an empty list until it has evaluated its rules: no outage.
struct SilentForTests {
    static let t0 = Timestamp.parseRFC3339("2026-11-22T12:00:00Z")!

    /// What Prometheus answers at a poll.
    enum Answer { case watchdog, nothing, critical, unreachable }

    static func response(_ answer: Answer) -> ProbeResponse {
        let alert = { (name: String, severity: String) in
            #"{"labels":{"alertname":"\#(name)","severity":"\#(severity)"},"annotations":{},"state":"firing","activeAt":"2026-11-22T11:00:00Z"}"#
        }
        let alerts: [String]
        switch answer {
        case .unreachable: return ProbeResponse(error: "Failed to connect to 127.0.0.1 port 9090")
        case .watchdog: alerts = [alert("Watchdog", "none")]
        case .nothing: alerts = []
        case .critical: alerts = [alert("RegistryDown", "critical")]
        }
        var response = ProbeResponse(statusCode: 200)
        response.body = Array(#"{"status":"success","data":{"alerts":[\#(alerts.joined(separator: ","))]}}"#.utf8)
        return response
    }

    typealias Step = (seconds: Int64, answer: Answer, state: CheckState, detail: String)
    static let silent = "monitoring pipeline silent: no alert with alertname=Watchdog"

    /// Every 30 s, with the default `silent_for` (2m).
    static let tables: [(String, [Step])] = [
        (
            "a restart's empty list is confirming until the Watchdog comes",
            [
                (0, .nothing, .pending, "Watchdog missing since 12:00:00 UTC, down after 2m"),
                (30, .nothing, .pending, "Watchdog missing since 12:00:00 UTC, down after 2m"),
                (60, .watchdog, .up, "no alerts firing")
            ]
        ),
        (
            "missing for silent_for is down, and up when it comes back",
            [
                (0, .watchdog, .up, "no alerts firing"),
                (30, .nothing, .pending, "Watchdog missing since 12:00:30 UTC, down after 2m"),
                (120, .nothing, .pending, "Watchdog missing since 12:00:30 UTC, down after 2m"),
                (150, .nothing, .down, silent),
                (180, .nothing, .down, silent),
                (210, .watchdog, .up, "no alerts firing")
            ]
        ),
        (
            "a source that cannot be read times the silence afresh",
            [
                (0, .nothing, .pending, "Watchdog missing since 12:00:00 UTC, down after 2m"),
                (60, .unreachable, .unknown, "source unreachable: Failed to connect to 127.0.0.1 port 9090"),
                (90, .nothing, .pending, "Watchdog missing since 12:01:30 UTC, down after 2m"),
                (180, .nothing, .pending, "Watchdog missing since 12:01:30 UTC, down after 2m"),
                (210, .nothing, .down, silent)
            ]
        ),
        (
            "an alert that is down is down at once, Watchdog or not",
            [
                (0, .watchdog, .up, "no alerts firing"),
                (30, .critical, .down, "1 critical alert firing: RegistryDown"),
                (60, .nothing, .down, silent)
            ]
        )
    ]

    @Test(arguments: tables.indices)
    func aMissingRequiredAlertIsDownOnlyAfterSilentFor(_ index: Int) {
        let (name, steps) = Self.tables[index]
        var check = CheckDefinition(name: "watchdog", kind: .prometheus, url: "http://127.0.0.1:9090")
        check.alerts.requiredAlert = ["alertname": ["Watchdog"]]
        #expect(check.silentForSeconds == 120)
        var machine = CheckStateMachine(check)
        for step in steps {
            let t = Self.t0.adding(seconds: step.seconds)
            var evaluation = CheckEvaluation.evaluate(check, Self.response(step.answer), now: t)
            machine.observe(&evaluation, of: check, at: t, maintenance: [])
            #expect(machine.state == step.state, "\(name), at \(step.seconds)s")
            #expect(evaluation.observation.detail == step.detail, "\(name), at \(step.seconds)s")
            #expect(machine.isConfirming == (step.state == .pending), "polled at the retry interval while confirming")
        }
    }

    /// The grace and the failure threshold both hold: down needs the polls and the time.
    @Test func silentForAndTheFailureThresholdBothHold() {
        var check = CheckDefinition(name: "watchdog", kind: .alertmanager, url: "http://127.0.0.1:9093")
        check.alerts.requiredAlert = ["alertname": ["Watchdog"]]
        check.alerts.silentForSeconds = 10
        check.intervalSeconds = 10
        check.failureThreshold = 3
        var machine = CheckStateMachine(check)
        var empty = ProbeResponse(statusCode: 200)
        empty.body = Array("[]".utf8)
        var states: [CheckState] = []
        for seconds: Int64 in [0, 10, 20, 30] {
            var evaluation = CheckEvaluation.evaluate(check, empty, now: Self.t0.adding(seconds: seconds))
            machine.observe(&evaluation, of: check, at: Self.t0.adding(seconds: seconds), maintenance: [])
            states.append(machine.state)
        }
        #expect(
            states == [.pending, .pending, .down, .down],
            "10 s passed at the second poll, the third failure came at 20 s")
    }
}

struct HTTPExpectationTests {
    let now = Timestamp.parseRFC3339("2026-11-22T12:00:00Z")!

    func response(_ code: Int?, body: String = "", total: Double = 120, error: String? = nil, expiry: Timestamp? = nil)
        -> ProbeResponse
    {
        var r = ProbeResponse(statusCode: code, error: error)
        r.body = Array(body.utf8)
        r.phases.total = total
        r.certificateExpiry = expiry
        return r
    }

    /// A vendor's status page that cannot be read says nothing about the vendor: unknown, as for an
    /// alert source, never down (and so never a declaration) and never up.
    @Test func aStatusPageThatCannotBeReadIsUnknownNotDown() {
        let check = CheckDefinition(name: "github", kind: .statuspage, url: "https://www.githubstatus.com")
        let unreachable = CheckEvaluation.evaluate(
            check, response(nil, error: "Could not resolve host: www.githubstatus.com"), now: now)
        #expect(unreachable.observation == .unknown("source unreachable: Could not resolve host: www.githubstatus.com"))
        #expect(
            CheckEvaluation.evaluate(check, response(503), now: now).observation
                == .unknown("source unreachable: HTTP 503 from the statuspage API"))
        #expect(
            CheckEvaluation.evaluate(check, response(200, body: "<html>"), now: now).observation.verdict == .unknown)
        // A plain HTTP check that cannot connect is down: the thing it probes is what failed.
        #expect(
            CheckEvaluation.evaluate(
                CheckDefinition(name: "registry", url: "https://registry"),
                response(nil, error: "Couldn't connect to server"), now: now
            ).observation
                == .failed("Couldn't connect to server"))
    }

    @Test func statusBodyJSONLatencyAndCertificate() {
        var check = CheckDefinition(name: "registry-api", url: "https://registry/healthz")
        check.expect.statuses = [200]
        check.expect.maxLatencyMilliseconds = 800
        check.expect.bodyContains = "ok"
        check.expect.jsonPath = "$.checks[1].status"
        check.expect.jsonEquals = "UP"
        check.expect.certificateDaysLeft = 14
        let good = #"{"ok":true,"checks":[{"status":"DOWN"},{"status":"UP"}]}"#
        #expect(HTTPExpectation.evaluate(check, response(200, body: good), now: now) == .ok("HTTP 200 in 120 ms"))
        #expect(HTTPExpectation.evaluate(check, response(503, body: good), now: now) == .failed("HTTP 503"))
        #expect(
            HTTPExpectation.evaluate(check, response(nil, error: "Couldn't connect to server"), now: now)
                == .failed("Couldn't connect to server"))
        #expect(
            HTTPExpectation.evaluate(check, response(200, body: good, total: 1200), now: now)
                == .degraded("slow: 1200 ms > 800 ms"))
        #expect(
            HTTPExpectation.evaluate(check, response(200, body: #"{"ok":1,"checks":[{},{"status":"DOWN"}]}"#), now: now)
                == .failed(#"$.checks[1].status is "DOWN" (a string), expected "UP" (a string)"#))
        #expect(HTTPExpectation.evaluate(check, response(200, body: "nope"), now: now).verdict == .failed)
        #expect(
            HTTPExpectation.evaluate(check, response(200, body: good, expiry: now.adding(seconds: 3 * 86400)), now: now)
                == .degraded("TLS certificate expires in 3 days"))
        var plain = CheckDefinition(name: "x", url: "http://x/")
        plain.expect = .init()
        #expect(HTTPExpectation.evaluate(plain, response(302), now: now).verdict == .ok)
        #expect(HTTPExpectation.evaluate(plain, response(404), now: now).verdict == .failed)
    }
}

struct UptimeTests {
    @Test func uptimeLeavesOutMaintenanceAndTheTimeBeforeTheFirstPoll() {
        let t0 = Timestamp.parseRFC3339("2026-11-22T00:00:00Z")!
        var history = UptimeHistory()
        history.note(.up, at: t0)
        history.note(.up, at: t0.adding(seconds: 600))  // no change, nothing kept
        history.note(.down, at: t0.adding(seconds: 3600))  // down for 15 minutes
        history.note(.up, at: t0.adding(seconds: 3600 + 900))
        history.note(.maintenance, at: t0.adding(seconds: 5400))  // 30 minutes left out
        history.note(.up, at: t0.adding(seconds: 7200))
        #expect(history.changes.count == 5)
        let now = t0.adding(seconds: 7200 + 1800)  // 02:30
        // Last hour (01:30-02:30): 30 min maintenance left out, 30 min up.
        #expect(history.uptime(overLast: 3600, now: now) == 1.0)
        // Last day: counted 00:00-01:30 and 02:00-02:30 = 120 min, of which 15 down.
        #expect(history.uptime(overLast: 86400, now: now) == 105.0 / 120.0)
        #expect(UptimeHistory().uptime(overLast: 3600, now: now) == nil)
        // Old changes go, but the state at the window's start stays known.
        history.note(.up, at: t0.adding(seconds: 30 * 3600))
        #expect(history.changes.first?.at == t0.adding(seconds: 7200))
    }
}

/// The address and redirect rules the prober and `config validate` share.
struct OutboundRuleTests {
    @Test func loopbackAddressesAreThisMachinesInEveryForm() {
        for text in ["127.0.0.1", "127.255.3.4", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"] {
            #expect(IPAddress(text)?.isLoopback == true, "\(text)")
        }
        for text in ["128.0.0.1", "10.0.0.1", "::2", "::", "::ffff:10.0.0.1", "fe80::1", "0.0.0.0"] {
            #expect(IPAddress(text)?.isLoopback == false, "\(text)")
        }
    }

    @Test func linkLocalAndMetadataAddressesAreKnownInEveryForm() {
        for text in [
            "169.254.169.254", "169.254.0.1", "fe80::1", "febf::1", "fd00:ec2::254", "::ffff:169.254.169.254",
            "FD00:EC2:0:0:0:0:0:254"
        ] {
            #expect(IPAddress(text)?.isLinkLocalOrMetadata == true, "\(text)")
        }
        for text in ["127.0.0.1", "10.0.0.1", "169.253.255.255", "fec0::1", "::1", "fd00:ec2::253", "::ffff:127.0.0.1"]
        {
            #expect(IPAddress(text)?.isLinkLocalOrMetadata == false, "\(text)")
        }
        for text in [
            "metadata.google.internal", "169.254.169", "1.2.3.256", "fe80:::1", "1::2::3", "12345::", "fe80::1%lo", ""
        ] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
        #expect(IPAddress("fd00:ec2:0:0:0:0:0:254")?.description == "fd00:ec2::254")
        #expect(IPAddress("169.254.169.254")?.description == "169.254.169.254")
        #expect(IPAddress("1:0:0:2:0:0:0:3")?.description == "1:0:0:2::3")
    }

    @Test func redirectsAreJudgedBySchemeHostAndCount() {
        #expect(RedirectRule.schemeAndHost(of: "HTTP://User:pw@[FD00:EC2::254]:80/x?y#z")! == ("http", "fd00:ec2::254"))
        #expect(RedirectRule.schemeAndHost(of: "https://a.example@b.example:8443")! == ("https", "b.example"))
        #expect(RedirectRule.schemeAndHost(of: "no scheme") == nil)
        let sameHost = RedirectRule(url: "http://Registry.example/healthz", policy: .sameHost)
        #expect(sameHost.refusal(of: "https://registry.example:8443/healthz", followed: 0) == nil)
        #expect(
            sameHost.refusal(of: "http://evil.example/", followed: 0)
                == "redirect to another host, evil.example, not followed: follow_redirects is same-host (registry.example); follow_redirects: any allows it"
        )
        #expect(
            sameHost.refusal(of: "http://registry.example@evil.example/", followed: 0)?.hasPrefix(
                "redirect to another host, evil.example,") == true)
        #expect(
            sameHost.refusal(of: "gopher://registry.example/", followed: 0)
                == "redirect to gopher:// not followed: checks follow only http:// and https://")
        #expect(
            sameHost.refusal(of: "http://registry.example/", followed: 5)
                == "more than 5 redirects (a loop?); the last was to registry.example")
        let any = RedirectRule(url: "http://registry.example/", policy: .any)
        #expect(any.refusal(of: "http://evil.example/", followed: 4) == nil)
        #expect(
            any.refusal(of: "file:///etc/passwd", followed: 0)
                == "redirect to file:// not followed: checks follow only http:// and https://")
    }

    @Test func emailAddressesArePlainOrRefusedWithTheReason() {
        #expect(EmailAddress.problem("alice@example.com") == nil)
        #expect(EmailAddress.problem("alice+pages@mail.example.co.uk") == nil)
        #expect(
            EmailAddress.problem("m2@example.com>\r\nRCPT TO:<injected@evil.example")
                == "it has a line break or another control character")
        #expect(EmailAddress.problem("a@example.com\n") == "it has a line break or another control character")
        #expect(EmailAddress.problem("Alice <a@example.com>") == "it has < or >")
        #expect(EmailAddress.problem("a b@example.com") == "it has a space")
        #expect(
            EmailAddress.problem("a@example.com,b@example.com") == "it has \",\", which only a quoted address may hold")
        #expect(EmailAddress.problem("example.com") == "it has no @")
        #expect(EmailAddress.problem("a@b@example.com") == "it has more than one @")
        #expect(EmailAddress.problem("@example.com") == "nothing comes before the @")
        #expect(EmailAddress.problem("a@example..com") == "its domain after the @ is empty or has an empty part")
    }
}
