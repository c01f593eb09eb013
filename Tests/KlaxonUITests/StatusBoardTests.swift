import Foundation
import KlaxonCore
import KlaxonTestSupport
import Testing

@testable import KlaxonUI

/// The status board fed with reports as the poller would send them.
struct StatusBoardTests {
    static func check(_ name: String, group: String, runbook: String? = nil) -> CheckDefinition {
        var c = CheckDefinition(name: name, group: group, url: "https://\(name).forge.internal/healthz")
        c.runbook = runbook
        c.intervalSeconds = 15
        return c
    }

    static func report(
        _ check: CheckDefinition, _ state: CheckState, _ observation: CheckObservation, latency: Double?, at: Timestamp,
        since: Timestamp? = nil
    ) -> CheckReport {
        var response = ProbeResponse(
            statusCode: latency == nil ? nil : 200, error: latency == nil ? observation.detail : nil)
        response.phases.total = latency ?? 0
        return CheckReport(
            check: check, state: state, since: since ?? at, transition: nil,
            evaluation: CheckEvaluation(observation: observation),
            response: response, at: at, lagMilliseconds: 0)
    }

    func boardModel(columns: Int = 100, rows: Int = 30) -> ConsoleModel {
        var model = sampleModel(columns: columns, rows: rows)
        _ = ConsoleUpdate.update(&model, .runbooksChanged(sampleRunbooks()))
        let registry = Self.check("registry-api", group: "Artifact registry", runbook: "registry-5xx")
        let ci = Self.check("ci-queue", group: "CI/CD", runbook: "ci-queue-backed-up")
        let kube = Self.check("kube-apiserver", group: "Kubernetes")
        _ = ConsoleUpdate.update(&model, .checksConfigured([registry, ci, kube]))
        let start = model.now.adding(seconds: -600)
        for i in 0..<12 {
            let t = start.adding(seconds: Int64(i) * 15)
            _ = ConsoleUpdate.update(
                &model,
                .checkReported(
                    Self.report(ci, .up, .ok("HTTP 200"), latency: Double(100 + i * 40), at: t, since: start)))
        }
        _ = ConsoleUpdate.update(
            &model, .checkReported(Self.report(registry, .up, .ok("HTTP 200 in 80 ms"), latency: 80, at: start)))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                Self.report(registry, .pending, .failed("HTTP 503"), latency: 12, at: model.now.adding(seconds: -20))))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                Self.report(registry, .down, .failed("HTTP 503"), latency: 11, at: model.now.adding(seconds: -5))))
        return model
    }

    @Test func theBoardShowsStatesGroupedWithTheirHistory() {
        var model = boardModel()
        press([.character("3")], &model)
        let frame = ConsoleView.render(model)
        let text = frame.text
        #expect(text.contains("Status board  3 checks  1 down"))
        #expect(text.contains("registry-api   DOWN        11 ms    5s"))
        #expect(text.contains("ci-queue       UP          540 ms   10m"))
        #expect(text.contains("kube-apiserver UNKNOWN     —        —"))
        #expect(text.contains("not polled yet"))
        // The dashboard's slot says what is down.
        press([.character("1")], &model)
        #expect(
            ConsoleView.render(model).text.contains("3 checks · 1 down: registry-api · 1 not poll"),
            "the rest cut at 100 columns")
        if let mismatch = Snapshot.mismatch(frame, named: "status-board-100x30") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    /// A check not polled yet (the console just started, or its poller waits for a store that does not
    /// answer) is not known to be up: the dashboard never says "nothing down" while one is.
    @Test func checksNotPolledYetAreNotNothingDown() {
        var model = sampleModel(columns: 100, rows: 30)
        let checks = ["registry-api", "ci-queue", "kube-apiserver"].map { Self.check($0, group: "Platform") }
        _ = ConsoleUpdate.update(&model, .checksConfigured(checks))
        let text = ConsoleView.render(model).text
        #expect(text.contains("3 checks · 3 not polled yet"), "\(text)")
        #expect(!text.contains("nothing down"), "\(text)")
    }

    /// Issue 19, point 20: a check whose entry does not read stays on the board, in its place, saying why;
    /// errors of checks: that belong to no check are shown above the board.
    @Test func checksThatCannotBePolledStayOnTheBoardWithTheReason() {
        var model = sampleModel(columns: 100, rows: 30)
        let registry = Self.check("registry-api", group: "Artifact registry")
        let kube = Self.check("kube-apiserver", group: "Kubernetes")
        let broken = UnpolledCheck(
            name: "ci-queue", group: "CI/CD",
            reason: "klaxon.yaml:10:4: invalid YAML: did not find expected '-' indicator",
            position: 1)
        _ = ConsoleUpdate.update(
            &model,
            .checksConfigured(
                [registry, kube], unpolled: [broken],
                problems: ["klaxon.yaml:20:3: the maintenance window ends before it starts"]))
        #expect(model.boardRows.map(\.definition.name) == ["registry-api", "ci-queue", "kube-apiserver"])
        // A report for a check of the same name never lands on the row that is not polled.
        var other = Self.check("ci-queue", group: "CI/CD")
        other.url = "https://elsewhere/"
        _ = ConsoleUpdate.update(
            &model, .checkReported(Self.report(other, .up, .ok("HTTP 200"), latency: 5, at: model.now)))
        #expect(model.boardRows[1].lastReport == nil && model.boardRows[1].notPolled == broken.reason)
        press([.character("3")], &model)
        var text = ConsoleView.render(model).text
        #expect(text.contains("Status board  3 checks  1 not polled"), "\(text)")
        #expect(text.contains("klaxon.yaml:20:3: the maintenance window ends before it starts"), "\(text)")
        #expect(text.contains("ci-queue       NOT POLLED: klaxon.yaml:10:4: invalid YAML: did not find"), "\(text)")
        press([.character("j"), .enter], &model)
        text = ConsoleView.render(model).text
        #expect(text.contains("ci-queue  NOT POLLED") && text.contains("klaxon.yaml:10:4: invalid YAML"), "\(text)")
        press([.character("1")], &model)
        #expect(ConsoleView.render(model).text.contains("3 checks · 1 not polled · nothing down") == false)
        #expect(ConsoleView.render(model).text.contains("3 checks · 1 not polled"), "\(ConsoleView.render(model).text)")
    }

    @Test(arguments: [80, 140]) func aCheckWithoutTLSVerificationIsMarkedOnTheBoardAndInItsDetail(columns: Int) {
        var model = sampleModel(columns: columns, rows: 24)
        var unverified = Self.check("vendor-status", group: "Vendors")
        unverified.verifyTLS = false
        let verified = Self.check("registry-api", group: "Artifact registry")
        _ = ConsoleUpdate.update(&model, .checksConfigured([unverified, verified]))
        // A detail longer than the row: the mark must survive the cut.
        let long = "HTTP 200 in 80 ms, " + String(repeating: "a very long upstream message ", count: 5)
        for check in [unverified, verified] {
            _ = ConsoleUpdate.update(
                &model, .checkReported(Self.report(check, .up, .ok(long), latency: 80, at: model.now)))
        }
        press([.character("3")], &model)
        let lines = ConsoleView.render(model).text.split(separator: "\n")
        let row = lines.first { $0.contains("vendor-status") } ?? ""
        #expect(row.contains("[TLS not verified]"), "\(row)")
        if columns > 80 {
            #expect(
                row.trimmingCharacters(in: .whitespaces).hasSuffix("[TLS not verified]"),
                "after the detail, cut to make room: \(row)")
        }
        #expect(lines.filter { $0.contains("[TLS not verified]") }.count == 1, "only the unverified check is marked")
        if model.boardRows[model.checkSelection].definition.name != "vendor-status" { press([.character("j")], &model) }
        press([.enter], &model)
        #expect(ConsoleView.render(model).text.contains("TLS NOT VERIFIED"))
    }

    @Test func detailAndTheRunbookOfTheSelectedCheck() {
        var model = boardModel()
        press([.character("3"), .enter], &model)
        #expect(model.showingCheckDetail)
        let text = ConsoleView.render(model).text
        #expect(text.contains("registry-api  DOWN"))
        #expect(text.contains("runbook registry-5xx (o)"))
        #expect(text.contains("Recent results"))
        #expect(text.contains("uptime 96.67 % over the 10m seen (maintenance left out)"))
        press([.character("o")], &model)
        #expect(model.screen == .runbooks && model.runbookScreen.open?.name == "registry-5xx")
        press([.character("3"), .escape, .character("j"), .character("j")], &model)
        #expect(model.boardRows[model.checkSelection].definition.name == "kube-apiserver")
        press([.character("o")], &model)
        #expect(model.message?.text == "kube-apiserver names no runbook (runbook: in klaxon.yaml)")
    }

    /// Alertmanager's recorded answer (../shared/fixtures/real) as a poll would judge it.
    static func alertmanagerReport(_ check: CheckDefinition, at: Timestamp) throws -> CheckReport {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/fixtures/real/am-alerts-v2-silenced.json").path
        var response = ProbeResponse(statusCode: 200)
        response.body = Array(try #require(FileManager.default.contents(atPath: path)))
        let evaluation = CheckEvaluation.evaluate(check, response, now: at)
        return CheckReport(
            check: check, state: .degraded, since: at, transition: nil, evaluation: evaluation, response: response,
            at: at, lagMilliseconds: 0)
    }

    @Test func aBlindSourceIsUnknownInItsOwnStyleAndAConfirmingFailureIsNotPending() throws {
        var model = sampleModel(columns: 120, rows: 30)
        var am = Self.check("alertmanager", group: "Observability")
        am.kind = .alertmanager
        var prometheus = Self.check("prometheus", group: "Observability")
        prometheus.kind = .prometheus
        let registry = Self.check("registry-api", group: "Artifact registry")
        _ = ConsoleUpdate.update(&model, .checksConfigured([registry, am, prometheus]))
        let blind = CheckEvaluation.evaluate(
            prometheus, ProbeResponse(error: "Failed to connect to 127.0.0.1 port 9090"), now: model.now)
        #expect(blind.observation == .unknown("source unreachable: Failed to connect to 127.0.0.1 port 9090"))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                CheckReport(
                    check: prometheus, state: .unknown, since: model.now, transition: nil, evaluation: blind,
                    response: ProbeResponse(error: "x"), at: model.now, lagMilliseconds: 0)))
        _ = ConsoleUpdate.update(
            &model, .checkReported(Self.report(registry, .pending, .failed("HTTP 503"), latency: 12, at: model.now)))
        _ = ConsoleUpdate.update(&model, .checkReported(try Self.alertmanagerReport(am, at: model.now)))
        press([.character("3")], &model)
        let frame = ConsoleView.render(model)
        let text = frame.text
        #expect(text.contains("Status board  3 checks  1 unknown  2 degraded or confirming"), "\(text)")
        #expect(text.contains("registry-api CONFIRMING"))
        #expect(!text.contains("PENDING"))
        let row = try #require((0..<frame.rows).first { frame.text(ofRow: $0).contains("prometheus   UNKNOWN") })
        let column = try #require(frame.text(ofRow: row).range(of: "UNKNOWN")).lowerBound.utf16Offset(
            in: frame.text(ofRow: row))
        #expect(frame[row, column].style == .blind)
        #expect(frame.text(ofRow: row).contains("source unreachable: Failed to connect"))
        // The dashboard's slot never calls a blind source up.
        press([.character("1")], &model)
        #expect(
            ConsoleView.render(model).text.contains("3 checks · 1 unknown · 2 degraded or confirming"),
            "\(ConsoleView.render(model).text)")
        press([.character("3")], &model)
        // The alert list: state, severity, name and what the alert says; silenced and inhibited by name.
        while model.boardRows[model.checkSelection].definition.name != "alertmanager" {
            press([.character("j")], &model)
        }
        press([.enter], &model)
        let detail = ConsoleView.render(model).text.split(separator: "\n").map(String.init)
        #expect(
            detail.contains {
                $0.contains("silenced   critical  KlaxonToggle")
                    && $0.contains("Toggle test alert (pushgateway klaxon_test_broken)")
            }, "\(detail)")
        #expect(detail.contains { $0.contains("inhibited  critical  KlaxonInhibited") })
        #expect(
            detail.contains {
                $0.contains("firing     warning   KlaxonAlwaysWarning") && $0.contains("Always-on warning test alert")
            })
        #expect(
            detail.contains {
                $0.contains("2 alerts firing: KlaxonInhibitor, KlaxonAlwaysWarning (3 silenced or inhibited)")
            })
    }
}

extension StatusBoardTests {
    /// Issue 19, point 10: a password in a check's URL is never on the screen; its detail shows the URL
    /// with the password replaced, and the user name kept to say whose it is.
    @Test func aPasswordInACheckURLIsNotShownInItsDetail() {
        var model = sampleModel(columns: 140, rows: 30)
        let check = CheckDefinition(
            name: "nexus", group: "Registry",
            url: "https://deployer:Hunter2-url-secret@nexus.forge.internal/service/rest/v1/status")
        _ = ConsoleUpdate.update(&model, .checksConfigured([check]))
        _ = ConsoleUpdate.update(
            &model, .checkReported(Self.report(check, .up, .ok("HTTP 200"), latency: 80, at: model.now)))
        press([.character("3")], &model)
        #expect(!ConsoleView.render(model).text.contains("Hunter2"))
        press([.enter], &model)
        let text = ConsoleView.render(model).text
        #expect(text.contains("https://deployer:***@nexus.forge.internal/service/rest/v1/status"), "\(text)")
        #expect(!text.contains("Hunter2"), "\(text)")
    }
}

extension StatusBoardTests {
    /// Walkthrough of issue 19, point 12: at 80×24 an alert source's detail lists its alerts in aligned
    /// columns (state, severity, name, since when, summary); `j`/`k` select one, whose description,
    /// `runbook_url` and `generator_url` are shown under the list.
    @Test func theCheckDetailListsAlertsAlignedAndShowsWhatTheSelectedOneSays() throws {
        var model = sampleModel(columns: 80, rows: 24)
        var am = Self.check("alertmanager", group: "Observability")
        am.kind = .alertmanager
        am.alerts.requiredAlert = ["alertname": ["Watchdog"]]
        let t = model.now
        func alert(
            _ name: String, severity: String, for seconds: Int64, _ annotations: [String: String], source: String
        ) -> String {
            let fields: [String: JSONValue] = [
                "labels": .object(["alertname": .string(name), "severity": .string(severity)]),
                "annotations": .object(annotations.mapValues(JSONValue.string)),
                "status": .object(["state": "active", "silencedBy": .array([]), "inhibitedBy": .array([])]),
                "startsAt": .string(t.adding(seconds: -seconds).rfc3339), "generatorURL": .string(source)
            ]
            return JSONValue.object(fields).canonicalJSON
        }
        var response = ProbeResponse(statusCode: 200)
        response.body = Array(
            ("["
                + [
                    alert(
                        "RegistryDown", severity: "critical", for: 60,
                        [
                            "summary": "registry answers 503",
                            "description": "The registry answered 503 to 7% of uploads over the last 5 minutes.",
                            "runbook_url": "https://runbooks.example/registry-5xx"
                        ], source: "http://prometheus:9090/graph?g0.expr=registry_5xx"),
                    alert(
                        "Watchdog", severity: "none", for: 7200,
                        ["description": "Always firing: proves that the alerting pipeline works."],
                        source: "http://prometheus:9090/graph?g0.expr=vector%281%29")
                ].joined(separator: ",") + "]").utf8)
        let evaluation = CheckEvaluation.evaluate(am, response, now: t)
        _ = ConsoleUpdate.update(&model, .checksConfigured([am]))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                CheckReport(
                    check: am, state: .down, since: t, transition: nil, evaluation: evaluation,
                    response: response, at: t, lagMilliseconds: 0)))
        press([.character("3")], &model)
        press([.enter], &model)
        var lines = ConsoleView.render(model).text.split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        // Aligned: the names padded to the longest, since when in a column of its own.
        let down = try #require(lines.firstIndex { $0.contains("firing     critical") }, "\(lines)")
        let watchdog = try #require(lines.firstIndex { $0.contains("Watchdog") && !$0.contains("no alert") })
        #expect(
            lines[down].contains("firing     critical  RegistryDown  for 1m    registry answers 503"), "\(lines[down])")
        #expect(lines[watchdog].contains("firing     none      Watchdog      for 2h00m"), "\(lines[watchdog])")
        // The first is selected: what it says, its runbook and its source, under the list.
        let said = lines.joined(separator: "\n")
        #expect(said.contains("The registry answered 503 to 7% of uploads over the last 5 minutes."), "\(said)")
        #expect(said.contains("runbook  https://runbooks.example/registry-5xx"), "\(said)")
        #expect(said.contains("source   http://prometheus:9090/graph?g0.expr=registry_5xx"), "\(said)")
        #expect(
            !said.contains("Always firing: proves that the alerting pipeline works."),
            "the Watchdog's row cuts it: \(said)")
        // j selects the Watchdog: its description and source; it has no runbook.
        press([.character("j")], &model)
        lines = ConsoleView.render(model).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let next = lines.joined(separator: "\n")
        #expect(next.contains("Always firing: proves that the alerting pipeline works."), "\(next)")
        #expect(next.contains("source   http://prometheus:9090/graph?g0.expr=vector%281%29"), "\(next)")
        #expect(!next.contains("runbooks.example") && !next.contains("uploads over"), "\(next)")
        #expect(
            model.boardRows[model.checkSelection].definition.name == "alertmanager",
            "j selects an alert, not another check")
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: "status-alert-detail-80x24") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    /// A system check's detail lists what the system listed, under its own heading, with what each
    /// item carries (why a node is offline, how long an item waited): Jenkins's documented queue and
    /// nodes (Tests/Fixtures/systems).
    @Test func aJenkinsCheckListsItsQueueAndNodesUnderItsDetail() throws {
        var model = sampleModel(columns: 100, rows: 30)
        var jenkins = Self.check("jenkins", group: "CI/CD", runbook: "jenkins-queue-stuck")
        jenkins.kind = .jenkins
        jenkins.url = "https://ci.forge.internal"
        func answer(_ name: String) throws -> ProbeResponse {
            var response = ProbeResponse(statusCode: 200)
            response.body = try SystemFixtures.body(name)
            return response
        }
        let responses = [try answer("jenkins-queue-stuck.json"), try answer("jenkins-computer-offline.json")]
        let t = Timestamp(milliseconds: 1_735_732_800_000)
        let evaluation = CheckEvaluation.evaluate(jenkins, responses: responses, now: t)
        _ = ConsoleUpdate.update(&model, .checksConfigured([jenkins]))
        _ = ConsoleUpdate.update(
            &model,
            .checkReported(
                CheckReport(
                    check: jenkins, state: .down, since: model.now, transition: nil, evaluation: evaluation,
                    response: ProbeResponse.combined(responses), at: model.now, lagMilliseconds: 0)))
        press([.character("3"), .enter], &model)
        let text = ConsoleView.render(model).text
        #expect(text.contains("Queue and nodes"), "\(text)")
        #expect(
            text.contains("stuck                gpu-tests · waited 1d00h · why All nodes of label ‘gpu’ are offline"),
            "\(text)")
        #expect(text.contains("offline              gpu-agent-1 · why Connection was broken"), "\(text)")
        #expect(!text.contains("Components"))
        if let mismatch = Snapshot.mismatch(ConsoleView.render(model), named: "status-jenkins-detail-100x30") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    /// A poll whose outcome is not known (a query that failed, a source unreadable) is `?` in the
    /// recent column, never a bar that reads as up; a failed one `×`.
    /// Down, and its last poll answered: the board says it is recovering, and how far, not "DOWN · HTTP 200"
    /// alone.
    @Test func aDownCheckWhosePollsSucceedAgainSaysItIsRecovering() {
        var model = sampleModel(columns: 100, rows: 30)
        var check = Self.check("registry-api", group: "Artifact registry")
        check.successThreshold = 3
        _ = ConsoleUpdate.update(&model, .checksConfigured([check]))
        let t = model.now.adding(seconds: -60)
        for (i, (state, observation)) in [
            (CheckState.pending, CheckObservation.failed("HTTP 503")), (.down, .failed("HTTP 503")),
            (.down, .ok("HTTP 200")), (.down, .ok("HTTP 200"))
        ].enumerated() {
            _ = ConsoleUpdate.update(
                &model,
                .checkReported(Self.report(check, state, observation, latency: 5, at: t.adding(seconds: Int64(i) * 15)))
            )
            press([.character("3")], &model)
            let row = ConsoleView.render(model).text.split(separator: "\n").first { $0.contains("registry-api") } ?? ""
            let ok = max(0, i - 1)
            #expect(row.contains("recovering, \(ok) of 3 ok: HTTP 200") == (ok > 0), "\(row)")
        }
    }

    @Test func anUnknownPollIsAQuestionMarkInTheRecentColumn() {
        let check = Self.check("q", group: "G")
        let t = Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!
        let history = [
            Self.report(check, .up, .ok("1"), latency: 40, at: t),
            Self.report(check, .unknown, .unknown("the query failed"), latency: 40, at: t),
            Self.report(check, .down, .failed("HTTP 503"), latency: 40, at: t)
        ]
        #expect(StatusView.sparkline(history, ascii: false) == "█?× 40ms")
        #expect(StatusView.sparkline(history, ascii: true) == "%?x 40ms")
    }

    /// Issue 26, point 14: a millisecond of jitter is not a spike. The bars start at 0 and reach at
    /// least 10 ms, and the line says its top.
    @Test func theSparklineSaysItsScaleAndJitterStaysLow() {
        let check = Self.check("q", group: "G")
        let t = Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!
        let jitter = [1.0, 2, 1, 1].map { Self.report(check, .up, .ok("1"), latency: $0, at: t) }
        #expect(StatusView.sparkline(jitter, ascii: false) == "▂▂▂▂ 10ms")
        let slow = [10.0, 100, 400].map { Self.report(check, .up, .ok("1"), latency: $0, at: t) }
        #expect(StatusView.sparkline(slow, ascii: false) == "▁▃█ 400ms")
        // Failures alone have no bar to read a scale by.
        let failed = [Self.report(check, .down, .failed("timeout"), latency: nil, at: t)]
        #expect(StatusView.sparkline(failed, ascii: false) == "×")
    }

    /// A PromQL check's detail says what it holds the answer to, the conditions before the query (a
    /// long query is cut at the edge, the conditions never).
    @Test func aQueryChecksDetailShowsItsConditionsThenItsQuery() {
        var model = sampleModel(columns: 80, rows: 24)
        var query = Self.check("error-ratio", group: "Registry")
        query.kind = .prometheusQuery
        query.query = QueryRules(
            query: String(repeating: "sum(rate(http_requests_total[5m])) / ", count: 3) + "1",
            down: QueryRules.Condition(.greater, 0.05), degraded: QueryRules.Condition(.greater, 0.01))
        _ = ConsoleUpdate.update(&model, .checksConfigured([query]))
        press([.character("3"), .enter], &model)
        let text = ConsoleView.render(model).text
        #expect(text.contains(" down > 0.05 · degraded > 0.01 · query sum(rate(http_requests_total[5m]))"), "\(text)")
    }
}

/// Issue 26, point 14: uptime says over how long it was seen, never "1 h" after 30 seconds of data.
@Test func uptimeSaysOverHowLongItWasSeen() {
    let t = Timestamp.parseRFC3339("2026-11-22T09:30:00Z")!
    var history = UptimeHistory()
    #expect(StatusView.uptimeLine(history, now: t) == "uptime — nothing seen yet")
    history.note(.up, at: t)
    #expect(StatusView.uptimeLine(history, now: t.adding(seconds: 30)) == "uptime 100.00 % over the 30s seen")
    history.note(.down, at: t.adding(seconds: 3000))
    #expect(
        StatusView.uptimeLine(history, now: t.adding(seconds: 4 * 3600))
            == "uptime 1 h 0.00 %, 4h00m seen 20.83 %")
    #expect(
        StatusView.uptimeLine(history, now: t.adding(seconds: 2 * 86400)).hasPrefix("uptime 1 h 0.00 %, 24 h 0.00 %"))
}

/// Issue 26, point 14: a failed poll's mark is drawn as a failure (red), not in the bars' cyan.
@Test func failureMarksInTheRecentColumnAreRed() throws {
    var model = StatusBoardTests().boardModel(columns: 140)
    press([.character("3")], &model)
    let frame = ConsoleView.render(model)
    let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var marks: [Style] = []
    for (row, line) in lines.enumerated() where line.contains("×") {
        for (column, character) in line.enumerated() where character == "×" { marks.append(frame[row, column].style) }
    }
    #expect(!marks.isEmpty, "\(frame.text)")
    #expect(marks.allSatisfy { $0 == .error || $0 == .selectedCritical }, "\(marks)")
}
