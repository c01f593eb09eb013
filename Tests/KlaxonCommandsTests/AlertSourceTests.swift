import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
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
        guard case .array(let alerts) = try JSONParser.parse(Array(try real(name).utf8)) else {
            throw KlaxonError.badInput("not a list")
        }
        return JSONValue.array(
            alerts.map { item in
                guard case .object(var fields) = item, item["labels"]?["alertname"]?.stringValue == alert else {
                    return item
                }
                fields["status"] = status
                return .object(fields)
            }
        ).canonicalJSON
    }

    /// Polls `checks` (flow mappings in which `BASE` is the loopback server's URL) once, serving `routes`.
    func poll(
        _ routes: [String: HTTPReceiver.Route], _ checks: [String], text: Bool = false,
        clock: FixedClock = FixedClock("2026-12-05T15:30:00Z")
    )
        async throws -> (run: CommandRun, byName: [String: JSONValue], requests: [HTTPReceiver.Request])
    {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: routes)
        defer { receiver.stop() }
        let base = "http://127.0.0.1:\(receiver.port)"
        let ws = makeWorkspace(
            "name: t\nchecks:\n"
                + checks.map { "  - " + $0.replacingOccurrences(of: "BASE", with: base) }.joined(separator: "\n") + "\n"
        )
        let k = Klaxon(workspace: ws.path, clock: clock)
        let run = try await blocking { text ? k.run("status", "check") : k.run("status", "check", "--json") }
        let results = run.json?.arrayValue ?? []
        return (
            run, Dictionary(uniqueKeysWithValues: results.map { ($0["name"]?.stringValue ?? "", $0) }),
            receiver.requests
        )
    }

    // MARK: 13. A string is a string

    @Test func etcdsHealthIsAStringAndEqualsComparesWithTheTypeTheYAMLValueHas() async throws {
        let (run, byName, _) = try await poll(
            ["/health": .init(body: try Self.real("etcd-health.json"))],
            [
                #"{name: quoted, url: "BASE/health", expect: {json: {path: "$.health", equals: "true"}}}"#,
                #"{name: single, url: "BASE/health", expect: {json: {path: "$.health", equals: 'true'}}}"#,
                #"{name: boolean, url: "BASE/health", expect: {json: {path: "$.health", equals: true}}}"#
            ])
        #expect(byName["quoted"]?["state"] == "up", "\(run.output)\(run.errors)")
        #expect(byName["single"]?["state"] == "up")
        #expect(byName["boolean"]?["state"] == "down")
        #expect(byName["boolean"]?["detail"] == #"$.health is "true" (a string), expected true (a boolean)"#)
    }

    @Test func aLabelMatcherMeansTheSameForPrometheusAndAlertmanager() async throws {
        // Alertmanager's alerts carry Prometheus's external_labels (env here); Prometheus's own do not.
        // A list of values matches any of them, "" a label that is absent: this matcher holds for both.
        let (run, byName, requests) = try await poll(
            [
                "/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json")),
                "/am/api/v2/alerts*": .init(body: try Self.real("am-alerts-v2-firing.json"))
            ],
            [
                #"{name: prom, type: prometheus, url: "BASE/prom", labels: {team: platform, env: [klaxon-real, ""]}}"#,
                #"{name: am, type: alertmanager, url: "BASE/am", labels: {team: platform, env: [klaxon-real, ""]}}"#,
                #"{name: prom-env, type: prometheus, url: "BASE/prom", labels: {env: klaxon-real}}"#
            ])
        func counted(_ name: String) -> Set<String> {
            Set(
                (byName[name]?["alerts"]?.arrayValue ?? []).filter { $0["counted"] == true }.compactMap {
                    $0["name"]?.stringValue
                })
        }
        #expect(counted("prom") == ["KlaxonAlwaysCritical", "KlaxonAlwaysWarning"], "\(run.output)\(run.errors)")
        #expect(counted("am") == counted("prom"))
        #expect(byName["prom"]?["state"] == "down" && byName["am"]?["state"] == "down")
        #expect(byName["prom-env"]?["alerts"]?.arrayValue == [], "Prometheus's alerts have no env label")
        // Alertmanager is sent the same matchers as its filter: several values as an anchored regular expression.
        #expect(
            requests.map(\.path).filter { $0.hasPrefix("/am/") } == [
                #"/am/api/v2/alerts?filter=env%3D~%22klaxon-real%7C%22&filter=team%3D%22platform%22"#
            ])
    }

    // MARK: 8. A wrong endpoint is an error, not "all clear"

    @Test func aPayloadOfTheWrongShapeSaysWhichEndpointIsExpected() async throws {
        let (run, byName, _) = try await poll(
            [
                "/am/api/v2/alerts/groups": .init(body: try Self.real("am-alert-groups-v2-firing.json")),
                "/prom/api/v1/rules": .init(body: try Self.real("prom-rules-firing.json")),
                "/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json")),
                "/stateless/api/v2/alerts": .init(
                    body: try Self.alertmanager("am-alerts-v2-firing.json", alert: "KlaxonAlwaysCritical", status: nil)),
                // An Alertmanager with no alerts answers its groups endpoint with an empty list.
                "/quiet/api/v2/alerts/groups": .init(body: "[]"),
                "/proxy/api/datasources/proxy/1/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json")),
                // The right path, answered by something else: the shape says what it is.
                "/grouping/api/v2/alerts": .init(body: try Self.real("am-alert-groups-v2-firing.json")),
                "/crossing/api/v2/alerts": .init(body: try Self.real("prom-alerts-firing.json"))
            ],
            [
                #"{name: groups, type: alertmanager, url: "BASE/am/api/v2/alerts/groups"}"#,
                #"{name: rules, type: prometheus, url: "BASE/prom/api/v1/rules"}"#,
                #"{name: crossed, type: alertmanager, url: "BASE/prom/api/v1/alerts"}"#,
                #"{name: stateless, type: alertmanager, url: "BASE/stateless"}"#,
                #"{name: quiet-groups, type: alertmanager, url: "BASE/quiet/api/v2/alerts/groups"}"#,
                #"{name: proxied, type: prometheus, url: "BASE/proxy/api/datasources/proxy/1/api/v1/alerts", labels: {team: platform}}"#,
                #"{name: grouping, type: alertmanager, url: "BASE/grouping"}"#,
                #"{name: crossing, type: alertmanager, url: "BASE/crossing"}"#
            ])
        for name in ["groups", "rules", "crossed", "stateless", "quiet-groups", "grouping", "crossing"] {
            #expect(byName[name]?["state"] == "unknown", "\(name): \(run.output)\(run.errors)")
        }
        // A URL naming another API path than the check's kind reads says so at every poll, whatever the answer.
        let wrongPath = "but an alertmanager check reads /api/v2/alerts; give the server's address or …/api/v2/alerts"
        #expect(
            byName["quiet-groups"]?["detail"] == .string("url names /api/v2/alerts/groups, " + wrongPath),
            "\(run.output)")
        #expect(byName["groups"]?["detail"] == .string("url names /api/v2/alerts/groups, " + wrongPath))
        #expect(
            byName["rules"]?["detail"]
                == "url names /api/v1/rules, but a prometheus check reads /api/v1/alerts; give the server's address or …/api/v1/alerts"
        )
        #expect(byName["crossed"]?["detail"] == .string("url names /api/v1/alerts, " + wrongPath))
        // A path that ends with the API path (through a proxy) is the right one.
        #expect(byName["proxied"]?["state"] == "down", "\(run.output)")
        let grouping = byName["grouping"]?["detail"]?.stringValue ?? ""
        #expect(
            grouping.contains("this is /api/v2/alerts/groups")
                && grouping.contains("an alertmanager check reads /api/v2/alerts"), "\(grouping)")
        let crossing = byName["crossing"]?["detail"]?.stringValue ?? ""
        #expect(
            crossing.contains("Prometheus's /api/v1/alerts") && crossing.contains("type: prometheus"), "\(crossing)")
        #expect(
            byName["stateless"]?["detail"]?.stringValue?.contains("KlaxonAlwaysCritical has no status.state") == true,
            "\(run.output)")
    }

    @Test func alertmanagersUnprocessedAlertsAreActive() async throws {
        let body = try Self.alertmanager(
            "am-alerts-v2-firing.json", alert: "KlaxonAlwaysCritical",
            status: ["state": "unprocessed", "silencedBy": [], "inhibitedBy": []])
        let (run, byName, _) = try await poll(
            ["/am/api/v2/alerts*": .init(body: body)],
            [#"{name: am, type: alertmanager, url: "BASE/am", labels: {team: platform}}"#])
        #expect(byName["am"]?["state"] == "down", "\(run.output)\(run.errors)")
        #expect(byName["am"]?["detail"]?.stringValue?.contains("KlaxonAlwaysCritical") == true)
        let alert = byName["am"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonAlwaysCritical" }
        #expect(alert?["state"] == "unprocessed" && alert?["counted"] == true)
    }

    // MARK: 9. Blind is not healthy

    @Test func aSourceThatCannotBeReadIsUnknownNeverUpOrDown() async throws {
        // A port nothing listens on: a server started and stopped.
        let gone = TemporaryDirectory("receiver")
        let stopped = try HTTPReceiver(directory: gone.path, routes: [:])
        stopped.stop()
        let (run, byName, _) = try await poll(
            [
                "/am/api/v2/alerts*": .init([503]),
                "/bad/api/v1/alerts": .init(body: "{\"status\":\"success\",\"data\":")
            ],
            [
                "{name: unreachable, type: prometheus, url: \"http://127.0.0.1:\(stopped.port)\"}",
                #"{name: failing, type: alertmanager, url: "BASE/am"}"#,
                #"{name: garbled, type: prometheus, url: "BASE/bad"}"#
            ])
        #expect(run.status == 3, "unknown, nothing down: \(run.output)\(run.errors)")
        for name in ["unreachable", "failing", "garbled"] {
            #expect(byName[name]?["state"] == "unknown", "\(name): \(run.output)")
        }
        #expect(byName["unreachable"]?["detail"]?.stringValue?.hasPrefix("source unreachable: ") == true)
        #expect(byName["failing"]?["detail"] == "source unreachable: HTTP 503 from the alertmanager API")
        #expect(byName["garbled"]?["detail"]?.stringValue?.hasPrefix("source unreadable: the body is not JSON") == true)
    }

    /// Walkthrough of issue 19, point 9: a required alert missing is down only once it has been missing
    /// for `silent_for` (a source that just restarted has not evaluated its rules yet); `status check`
    /// polls again at the interval until then.
    @Test func aRequiredAlertMissingForSilentForIsDown() async throws {
        let started = Date()
        let (run, byName, requests) = try await poll(
            [
                "/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json")),
                "/silent/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json")),
                "/am/api/v2/alerts*": .init(body: try Self.real("am-alerts-v2-silenced.json"))
            ],
            [
                #"{name: silent, type: prometheus, url: "BASE/silent", labels: {team: nobody}, require: {alertname: Watchdog}, interval: 1s, timeout: 1s, silent_for: 2s}"#,
                #"{name: heartbeat, type: prometheus, url: "BASE/prom", labels: {team: nobody}, require: {alertname: KlaxonInhibitor}}"#,
                #"{name: silenced-heartbeat, type: alertmanager, url: "BASE/am", labels: {team: nobody}, require: {alertname: KlaxonToggle}}"#
            ], clock: .wall())
        #expect(byName["silent"]?["state"] == "down", "\(run.output)\(run.errors)")
        #expect(byName["silent"]?["detail"] == "monitoring pipeline silent: no alert with alertname=Watchdog")
        // Missing at the first poll, and at the polls a second apart until two seconds had passed.
        #expect(requests.filter { $0.path.hasPrefix("/silent/") }.count >= 3, "\(requests.map(\.path))")
        #expect(Date().timeIntervalSince(started) >= 2)
        // The heartbeat is there (silenced or not): it proves the pipeline, and is no problem itself.
        #expect(byName["heartbeat"]?["state"] == "up")
        #expect(byName["silenced-heartbeat"]?["state"] == "up")
    }

    @Test func theBoardsTableSaysUnknownAndWhy() async throws {
        let (run, _, _) = try await poll(
            ["/am/api/v2/alerts*": .init([502])], [#"{name: am, type: alertmanager, url: "BASE/am"}"#], text: true)
        #expect(run.output.contains("  am  UNKNOWN  "), "\(run.output)")
        #expect(run.output.contains("  source unreachable: HTTP 502 from the alertmanager API\n"))
        #expect(run.output.hasSuffix("nothing down; 1 check unknown (the detail says why)\n"))
    }

    // MARK: 7. A busy server is not an outage

    @Test func aBusyServerIsNotAnOutage() async throws {
        // 1,133 alerts, 1.27 MB: more than the 1 MiB of other checks.
        let (run, byName, requests) = try await poll(
            [
                "/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-bulk.json")),
                "/am/api/v2/alerts*": .init(body: try Self.real("am-alerts-v2-firing.json"))
            ],
            [
                #"{name: nobody, type: prometheus, url: "BASE/prom", labels: {team: nobody}}"#,
                #"{name: everything, type: prometheus, url: "BASE/prom"}"#,
                #"{name: am, type: alertmanager, url: "BASE/am", labels: {team: platform}}"#
            ])
        #expect(byName["nobody"]?["state"] == "up", "\(run.output)\(run.errors)")
        #expect(byName["nobody"]?["detail"] == "no alerts firing")
        #expect(byName["everything"]?["state"] == "down")
        #expect(
            byName["everything"]?["detail"]?.stringValue?.hasPrefix(
                "2 critical alerts firing: KlaxonAlwaysCritical, KlaxonInhibited (1 pending)") == true)
        // Alertmanager selects by the same matchers itself: its filter parameter, one per label.
        let paths = requests.map(\.path).filter { $0.hasPrefix("/am/") }
        #expect(paths == [#"/am/api/v2/alerts?filter=team%3D%22platform%22"#], "\(paths)")
    }

    @Test func anAlertListCutAtMaxBodyIsUnknown() async throws {
        let (run, byName, _) = try await poll(
            ["/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-bulk.json"))],
            [#"{name: capped, type: prometheus, url: "BASE/prom", labels: {team: nobody}, max_body: 512KiB}"#])
        #expect(run.status == 3, "\(run.output)\(run.errors)")
        #expect(byName["capped"]?["state"] == "unknown")
        #expect(
            byName["capped"]?["detail"]
                == "source unreadable: the answer is longer than max_body (512 KiB) and was cut; raise max_body: or narrow labels:"
        )
    }

    // MARK: 11. Severities are the team's

    @Test func whichSeveritiesAreDownDegradedOrIgnoredIsTheChecks() async throws {
        let (run, byName, _) = try await poll(
            ["/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json"))],
            [
                // KlaxonInhibitor (warning) and KlaxonInhibited (critical) fire.
                #"{name: default, type: prometheus, url: "BASE/prom", labels: {team: inhibit}}"#,
                #"{name: swapped, type: prometheus, url: "BASE/prom", labels: {team: inhibit}, severities: {down: [warning], ignore: [critical]}}"#,
                #"{name: quiet, type: prometheus, url: "BASE/prom", labels: {team: inhibit}, severities: {ignore: [critical, warning]}}"#,
                #"{name: mild, type: prometheus, url: "BASE/prom", labels: {team: inhibit}, severities: {down: [P1], degraded: [critical, warning]}}"#
            ])
        #expect(byName["default"]?["state"] == "down", "\(run.output)\(run.errors)")
        #expect(byName["swapped"]?["state"] == "down")
        #expect(byName["swapped"]?["detail"] == "1 warning alert firing: KlaxonInhibitor (1 ignored)")
        #expect(byName["quiet"]?["state"] == "up")
        #expect(byName["quiet"]?["detail"] == "no alerts firing (2 ignored)")
        #expect(byName["mild"]?["state"] == "degraded")
    }

    // MARK: 12. Keep what the alert says

    @Test func annotationsTimesSourceAndSeverityAreKept() async throws {
        let (run, byName, _) = try await poll(
            [
                "/prom/api/v1/alerts": .init(body: try Self.real("prom-alerts-firing.json")),
                "/am/api/v2/alerts*": .init(body: try Self.real("am-alerts-v2-silenced.json"))
            ],
            [
                #"{name: prom, type: prometheus, url: "BASE/prom", labels: {team: platform}}"#,
                #"{name: am, type: alertmanager, url: "BASE/am"}"#,
                #"{name: heartbeat, type: prometheus, url: "BASE/prom", labels: {team: platform}, require: {alertname: KlaxonInhibitor}}"#
            ])
        let prom = byName["prom"]?["alerts"]?.arrayValue ?? []
        let critical = prom.first { $0["name"] == "KlaxonAlwaysCritical" }
        #expect(critical?["severity"] == "critical", "\(run.output)\(run.errors)")
        #expect(critical?["summary"] == "Always-on critical test alert")
        #expect(critical?["starts_at"] == "2026-12-05T15:23:23.143Z")
        #expect(byName["prom"]?["detail"] == "1 critical alert firing: KlaxonAlwaysCritical (1 pending)")
        let am = byName["am"]?["alerts"]?.arrayValue ?? []
        let toggle = am.first { $0["name"] == "KlaxonToggle" }
        #expect(toggle?["state"] == "silenced" && toggle?["counted"] == false)
        #expect(toggle?["generator_url"] == "http://vm:19090/graph?g0.expr=klaxon_test_broken+%3D%3D+1&g0.tab=1")
        #expect(toggle?["starts_at"] == "2026-12-05T15:24:08.143Z")
        #expect(am.first { $0["name"] == "KlaxonInhibited" }?["state"] == "inhibited")
        #expect(
            byName["am"]?["detail"] == "2 alerts firing: KlaxonInhibitor, KlaxonAlwaysWarning (3 silenced or inhibited)"
        )
        // The required alert is neither counted nor ignored (it was counted before, unlike the docs said).
        let required = byName["heartbeat"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonInhibitor" }
        #expect(
            required?["counted"] == false && required?["required"] == true && required?["effect"] == .null,
            "\(required.map { "\($0)" } ?? "")")
        let counted = byName["heartbeat"]?["alerts"]?.arrayValue?.first { $0["name"] == "KlaxonAlwaysCritical" }
        #expect(counted?["counted"] == true && counted?["required"] == false && counted?["effect"] == "down")
    }

    // MARK: 14. Where to page from

    @Test func configValidateWarnsThatAPrometheusCheckCannotSeeSilences() throws {
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: prom, type: prometheus, url: "http://127.0.0.1:9/", policy: platform, declare: SEV2}
              - {name: am, type: alertmanager, url: "http://127.0.0.1:9/", policy: platform, declare: SEV2}
            """)
        let run = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(
            run.output.contains(
                "klaxon.yaml:3:5: warning: check prom declares incidents from Prometheus, which does not know Alertmanager's silences or inhibitions"
            ), "\(run.output)\(run.errors)")
        #expect(!run.output.contains("check am declares"))
    }
}

extension EndToEnd {
    /// `klaxon watch` reading recorded alert sources on loopback: what it records and what it declares.
    struct AlertRecordingEndToEndTests {
        let klaxon = BuiltProducts.path("klaxon")

        /// A workspace whose checks page erin (a command that does nothing) by policy platform.
        func workspace(_ checks: [String], base: String) -> TemporaryDirectory {
            let ws = makeWorkspace(
                "name: t\nchecks:\n"
                    + checks.map { "  - " + $0.replacingOccurrences(of: "BASE", with: base) }.joined(separator: "\n")
                    + "\n")
            ws.write(
                "Escalation/people.yaml", "people:\n  - {id: erin, contacts: [{type: command, argv: [/bin/true]}]}\n")
            ws.write(
                "Escalation/policies/platform.yaml",
                "name: platform\nsteps:\n  - {targets: [user:erin], escalate_after: 30m}\n")
            return ws
        }

        /// Runs `klaxon watch` until `lines` change lines are printed (or 30 s), and `settle` seconds more.
        func watch(_ ws: TemporaryDirectory, lines: Int, settle: Double = 2) async throws -> [String] {
            let out = ws.path + "/watch.txt"
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: klaxon)
            process.arguments = ["watch", "--workspace", ws.path]
            process.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
            process.standardOutput = FileHandle(forWritingAtPath: out)
            try process.run()
            func printed() -> [String] {
                ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            }
            for _ in 0..<300 where printed().count < lines { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .milliseconds(Int(settle * 1000)))
            kill(process.processIdentifier, SIGTERM)
            try await blocking { process.waitUntilExit() }
            return printed()
        }

        func platformRecords(_ ws: TemporaryDirectory) -> [JSONValue] {
            let text = (try? String(contentsOfFile: ws.path + "/journals/platform.jsonl", encoding: .utf8)) ?? ""
            // The state changes (not the poller's signs of life).
            return text.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)) }.filter {
                $0["type"] == "check.changed"
            }.compactMap { $0["data"] }
        }

        @Test func goingBlindAndSeeingAgainAreRecordedAndBlindnessNeverDeclares() async throws {
            let gone = TemporaryDirectory("receiver")
            let stopped = try HTTPReceiver(directory: gone.path, routes: [:])
            stopped.stop()
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(
                directory: http.path,
                routes: [
                    // A critical alert, then Alertmanager answers 503 once, then the alert again.
                    "/am/api/v2/alerts*": .init(
                        [200, 503, 200], body: try AlertSourceTests.real("am-alerts-v2-firing.json")),
                    "/prom/api/v1/alerts": .init(body: try AlertSourceTests.real("prom-alerts-bulk.json"))
                ])
            defer { receiver.stop() }
            let declare = "service: registry, policy: platform, declare: SEV2, interval: 1s, timeout: 1s"
            let ws = workspace(
                [
                    #"{name: am, type: alertmanager, url: "BASE/am", labels: {team: platform}, "# + declare + "}",
                    "{name: blind, type: prometheus, url: \"http://127.0.0.1:\(stopped.port)\", " + declare + "}",
                    #"{name: capped, type: prometheus, url: "BASE/prom", max_body: 512KiB, "# + declare + "}",
                    #"{name: busy, type: prometheus, url: "BASE/prom", labels: {team: nobody}, "# + declare + "}"
                ], base: "http://127.0.0.1:\(receiver.port)")
            // busy's first result (up) is printed and recorded (on the platform journal only); am's three
            // changes are both.
            let lines = try await watch(ws, lines: 4)
            #expect(lines.filter { $0.contains(" am ") }.count == 3, "\(lines)")
            let changes = platformRecords(ws).map {
                "\($0["check"]?.stringValue ?? "") \($0["from"]?.stringValue ?? "") → \($0["to"]?.stringValue ?? "")"
            }
            #expect(
                changes.filter { $0.hasPrefix("am ") } == [
                    "am unknown → down", "am down → unknown", "am unknown → down"
                ],
                "\(lines)")
            #expect(changes.filter { !$0.hasPrefix("am ") } == ["busy unknown → up"], "\(changes)")
            #expect(
                platformRecords(ws).filter { $0["check"] == "am" }.dropFirst().first?["detail"]
                    == "source unreachable: HTTP 503 from the alertmanager API")
            // One incident, by am; none by the blind, the cut or the busy source.
            let store = IncidentStore(directory: ws.path + "/journals")
            let incident = try store.open("INC-1").incident
            #expect(incident.declaringCheck == "am")
            #expect(throws: KlaxonError.self) { try store.open("INC-2") }
            let onIncident = incident.timeline.filter { $0.type == "check.changed" }.map {
                "\($0.data["from"]?.stringValue ?? "") → \($0.data["to"]?.stringValue ?? "")"
            }
            #expect(onIncident == ["down → unknown", "unknown → down"])
        }

        @Test func aDeclaredIncidentStartsWhenItsAlertsStartedAndLinksTheirRunbook() async throws {
            // The recorded answer, with a runbook_url on the critical alert (never fetched).
            guard
                case .array(let alerts) = try JSONParser.parse(
                    Array(try AlertSourceTests.real("am-alerts-v2-firing.json").utf8))
            else { return }
            let body = JSONValue.array(
                alerts.map { alert in
                    guard case .object(var fields) = alert, alert["labels"]?["alertname"] == "KlaxonAlwaysCritical"
                    else { return alert }
                    fields["annotations"] = [
                        "summary": "Always-on critical test alert",
                        "runbook_url": "https://runbooks.forge.example/always-critical"
                    ]
                    return .object(fields)
                }
            ).canonicalJSON
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(directory: http.path, routes: ["/am/api/v2/alerts*": .init(body: body)])
            defer { receiver.stop() }
            let ws = workspace(
                [
                    #"{name: am, type: alertmanager, url: "BASE/am", labels: {team: platform}, policy: platform, declare: SEV2, interval: 1s, timeout: 1s}"#
                ],
                base: "http://127.0.0.1:\(receiver.port)")
            let lines = try await watch(ws, lines: 1, settle: 1)
            let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
            #expect(incident.keyTimes[.impactStarted] == Timestamp.parseRFC3339("2026-12-05T15:23:33.143Z"), "\(lines)")
            #expect(
                incident.links.map(\.target).contains("https://runbooks.forge.example/always-critical"),
                "\(incident.links)")
        }
    }
}
