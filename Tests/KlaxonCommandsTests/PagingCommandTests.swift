import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// `file:line:column` of the first `text` in line `line` (1-based) of `path`, as config validate names it.
func place(of text: String, line: Int, in path: String) throws -> String {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(
        separator: "\n", omittingEmptySubsequences: false)
    let row = String(lines[line - 1])
    let range = try #require(row.range(of: text), "\(text) is not on line \(line) of \(path): \(row)")
    return "\(path):\(line):\(row.distance(from: row.startIndex, to: range.lowerBound) + 1)"
}

/// Issue 19, points 1 to 3, through the command line.
struct PagingCommandTests {
    /// Point 1: `incident list` and its JSON say whether each open incident pages, and who acknowledged.
    @Test func incidentListSaysWhetherEachIncidentPages() throws {
        let ws = escalationWorkspace(webhookPort: 9)
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").status == 0)
        #expect(k.run("incident", "declare", "Flaky dashboards", "--severity", "SEV3").status == 0)
        let list = try #require(k.run("incident", "list", "--json").json?.arrayValue)
        let paging = try #require(list.first { $0["id"] == "INC-1" }?["paging"])
        #expect(
            paging["state"] == "paging" && paging["policy"] == "platform" && paging["step_users"] == ["alice"],
            "\(paging)")
        #expect(paging["short"] == "PAGING → alice" && paging["text"] == "next page in 1s → alice", "\(paging)")
        let quiet = try #require(list.first { $0["id"] == "INC-2" }?["paging"])
        #expect(quiet["state"] == "not_paging" && quiet["reason"] == "no_policy", "\(quiet)")

        k.clock.advance(seconds: 120)
        #expect(k.run("incident", "ack", "INC-1", "--as", "bob").status == 0)
        let acked = try #require(
            k.run("incident", "list", "--json").json?.arrayValue?.first { $0["id"] == "INC-1" }?["paging"])
        #expect(
            acked["state"] == "acknowledged" && acked["by"] == "bob" && acked["at"] == "2026-11-20T09:02:00.000Z",
            "\(acked)")
        // The ack timeout of the policy (30m) pages again: the list says when.
        #expect(acked["repage_at"] == "2026-11-20T09:32:00.000Z", "\(acked)")
        let table = k.run("incident", "list").output
        #expect(table.contains("PAGING"), "\(table)")
        #expect(table.contains("acknowledged by bob at 09:02, pages again in 30m00s"), "\(table)")
        #expect(table.contains("not paging: no policy"), "\(table)")
        let status = k.run("escalation", "status")
        #expect(
            status.output.contains("INC-1     acknowledged by bob at 09:02")
                && status.output.contains("INC-2     not paging: no policy"), "\(status.output)")
    }

    /// Point 1: a second ack says who acknowledged, and when, and records nothing; an ack after paging
    /// started again is recorded.
    @Test func aSecondAckSaysSoAndRecordsNothing() throws {
        let ws = escalationWorkspace(webhookPort: 9)
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").status == 0)
        k.clock.advance(seconds: 120)
        #expect(k.run("incident", "ack", "INC-1", "--as", "bob").status == 0)
        k.clock.advance(seconds: 180)
        let again = k.run("incident", "ack", "INC-1")
        #expect(again.status == 0, "\(again.errors)")
        #expect(again.output == "INC-1 was already acknowledged by bob at 09:02; nothing recorded\n", "\(again.output)")
        let json = k.run("incident", "ack", "INC-1", "--json").json
        #expect(json?["recorded"] == false && json?["acknowledged_by"] == "bob", "\(String(describing: json))")
        func acks() -> Int {
            k.run("incident", "show", "INC-1", "--json").json?["timeline"]?.arrayValue?.filter {
                $0["type"] == "acknowledged"
            }.count ?? -1
        }
        #expect(acks() == 1)
        // Paging someone again needs a new acknowledgement, which is recorded.
        #expect(k.run("incident", "page", "INC-1", "--user", "erin").status == 0)
        #expect(k.run("incident", "ack", "INC-1", "--as", "erin").output.contains("ack: acknowledged"))
        #expect(acks() == 2)
        // A resolved incident is not acknowledged again either (as before: an error saying so).
        #expect(k.run("incident", "resolve", "INC-1").status == 0)
        #expect(k.run("incident", "ack", "INC-1").status != 0)
    }

    /// Point 3: a SEV1 or SEV2 declared with no policy says it pages nobody; one with a policy, or a
    /// SEV3, does not.
    @Test func declaringASevereIncidentWithoutAPolicyWarnsThatItPagesNobody() {
        let ws = escalationWorkspace(webhookPort: 9)
        let k = Klaxon(workspace: ws.path)
        let bare = k.run("incident", "declare", "Registry down", "--severity", "SEV1")
        #expect(bare.status == 0 && bare.output == "INC-1\n")
        #expect(
            bare.errors.contains(
                "klaxon: warning: INC-1 is SEV1 and pages nobody: it has no escalation policy; page with klaxon incident page INC-1 --policy NAME (or --user ID)"
            ), "\(bare.errors)")
        #expect(k.run("incident", "list", "--json").json?.arrayValue?.first?["paging"]?["state"] == "not_paging")
        #expect(!k.run("incident", "declare", "Registry slow", "--severity", "SEV3").errors.contains("pages nobody"))
        #expect(
            !k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").errors
                .contains("pages nobody"))
    }

    /// Point 3: every reference to a policy, runbook, person or schedule that does not exist is an error
    /// at its place, and config validate exits 1.
    @Test func configValidateNamesEveryUnknownReferenceWithItsPlace() throws {
        let ws = makeWorkspace(
            """
            name: refs
            escalation: {main_schedule: primray}
            checks:
              - {name: registry, url: "http://127.0.0.1:9/", policy: platfrom, declare: SEV2, runbook: registy-5xx}
            """)
        ws.write(
            "Escalation/people.yaml", "people:\n  - {id: alice, contacts: [{type: email, address: alice@forge.test}]}\n"
        )
        ws.writeWeeklySchedule("primary", participants: ["alice", "bobb"])
        ws.write(
            "Escalation/policies/platform.yaml",
            """
            name: platform
            steps:
              - targets: [schedule:primary, user:ghost]
                escalate_after: 5m
            when_nobody_on_call: fallback
            fallback: schedule:nope
            """)
        let validate = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(validate.status == 1)
        let lines = validate.output.split(separator: "\n").map(String.init)
        let config = ws.path + "/klaxon.yaml"
        let policy = ws.path + "/Escalation/policies/platform.yaml"
        for expected in [
            "\(try place(of: "platfrom", line: 4, in: config)): error: check registry names policy \"platfrom\", which is not in Escalation/policies/ (known: platform): its incidents would page nobody; correct the name (did you mean 'platform'?) or add the policy",
            "\(try place(of: "registy-5xx", line: 4, in: config)): error: check registry names runbook \"registy-5xx\", which is not in Runbooks/",
            "\(try place(of: "primray", line: 2, in: config)): error: escalation: main_schedule names \"primray\", which is not a schedule in Escalation/schedules/; known: primary",
            "\(try place(of: "user:ghost", line: 3, in: policy)): error: policy platform names ghost, who is not in people.yaml; known: alice",
            "\(try place(of: "schedule:nope", line: 6, in: policy)): error: policy platform names schedule nope, which is not in \(ws.path)/Escalation/schedules; known: primary",
            "\(try place(of: "bobb", line: 2, in: ws.path + "/Escalation/schedules/primary.yaml")): error: bobb is not in Escalation/people.yaml (layer all)"
        ] {
            #expect(lines.contains(expected), "\(expected)\n\(validate.output)")
        }
    }

    /// config validate names every problem, whatever else is wrong. A check with `interval: 5s` and no
    /// `timeout:` is fine (the default timeout follows the interval: before, each such check failed with
    /// "timeout (10s) is longer than interval (5s)", a timeout nobody wrote). A check that has an error
    /// still has its unknown policy named and its warnings said, and one key that does not read does not
    /// hide the others' problems. (Before: a check with any error lost its policy error and warnings.)
    @Test func configValidateNamesEveryProblemWhileSomeAreErrors() throws {
        let ws = makeWorkspace(
            """
            name: every
            checks:
              - {name: fast, url: "http://127.0.0.1:9/", interval: 5s}
              - {name: slow, url: "http://127.0.0.1:9/", interval: 5s, timeout: 8s, policy: platfrom}
              - {name: alerts, type: prometheus, url: "http://127.0.0.1:9/", interval: 5s, timeout: 6s, policy: platform, declare: SEV3}
              - {name: odd, url: "http://127.0.0.1:9/", colour: red, policy: nope}
            """)
        ws.write(
            "Escalation/people.yaml", "people:\n  - {id: alice, contacts: [{type: email, address: alice@forge.test}]}\n"
        )
        ws.write(
            "Escalation/policies/platform.yaml",
            "name: platform\nsteps:\n  - {targets: [user:alice], escalate_after: 5m}\n")
        let validate = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(validate.status == 1)
        let lines = validate.output.split(separator: "\n").map(String.init)
        let config = ws.path + "/klaxon.yaml"
        let unknownPolicy = { (check: String, policy: String, line: Int) throws -> String in
            // A slip of platform gets the name; nope is close to nothing.
            "\(try place(of: policy, line: line, in: config)): error: check \(check) names policy \"\(policy)\", which is not in Escalation/policies/ "
                + "(known: platform): its incidents would page nobody; correct the name"
                + (policy == "platfrom" ? " (did you mean 'platform'?)" : "") + " or add the policy"
        }
        for expected in [
            "\(try place(of: "{name: slow", line: 4, in: config)): error: check slow: timeout (8s) is longer than interval (5s)",
            try unknownPolicy("slow", "platfrom", 4),
            "\(try place(of: "{name: alerts", line: 5, in: config)): error: check alerts: timeout (6s) is longer than interval (5s)",
            "\(try place(of: "{name: alerts", line: 5, in: config)): warning: check alerts declares incidents from Prometheus, which does not know "
                + "Alertmanager's silences or inhibitions: a silenced alert still declares and pages; to page from alerts, declare from an alertmanager check",
            "\(try place(of: "colour", line: 6, in: config)): error: unknown key \"colour\" for a check (known: name, group, type, url, interval, "
                + "retry_interval, timeout, expect, failure_threshold, success_threshold, service, runbook, policy, declare, labels, require, silent_for, severities, "
                + "max_body, tls_verify, follow_redirects, headers, bearer_token, basic_auth, ca_file, query, down, degraded, empty, thresholds, queues, slo)",
            try unknownPolicy("odd", "nope", 6)
        ] {
            #expect(lines.contains(expected), "\(expected)\n\(validate.output)")
        }
        #expect(!validate.output.contains("check fast"), "\(validate.output)")
        // Issue 23: policies page, and intake.public_url is not set: the pages carry no action links.
        #expect(
            lines.contains {
                $0.contains("warning: pages carry no action links") && $0.contains("public_url is not set")
            },
            "\(validate.output)")
        #expect(lines.last == "5 errors, 2 warnings", "\(validate.output)")
    }

    /// Issue 19, point 20: a reference is not checked against a file that did not read: the reading's
    /// error is the one message. With people.yaml, a schedule and a policy that do not parse, config
    /// validate names each parse error, and never says that erin (in the broken people.yaml) is not in
    /// people.yaml, that the broken schedule (named by a policy, main_schedule and an override) or
    /// policy does not exist. A name that is unknown for sure (a
    /// schedule beside a schedule file that reads) is still an error. (Before: "policy platform names
    /// erin, who is not in people.yaml", "bob is not in Escalation/people.yaml", and so on.)
    @Test func referencesAreNotCheckedAgainstAFileThatDidNotRead() throws {
        let ws = makeWorkspace(
            """
            name: broken
            escalation: {main_schedule: primary}
            checks:
              - {name: registry, url: "http://127.0.0.1:9/", policy: nightly}
            """)
        ws.write(
            "Escalation/people.yaml",
            "people:\n  - {id: erin, contacts: [{type: email, address: erin@forge.test}]}\n - {id: bob}\n")
        ws.write(
            "Escalation/schedules/primary.yaml",
            "time_zone: UTC\nlayers: [{name: all, rotation: weekly, start: 2026-01-05T00:00, participants: [bob]\n")
        ws.writeWeeklySchedule("secondary", participants: ["erin"])
        ws.write(
            "Escalation/overrides.yaml",
            "overrides:\n  - {schedule: primary, user: erin, from: 2026-11-21T09:00, to: 2026-11-21T17:00}\n")
        ws.write(
            "Escalation/policies/nightly.yaml", "name: nightly\nsteps:\n  - {targets: [user:erin], escalate_after: 5m\n"
        )
        ws.write(
            "Escalation/policies/platform.yaml",
            """
            name: platform
            steps:
              - {targets: [schedule:primary, user:erin], escalate_after: 5m}
              - {targets: [schedule:secondary, schedule:tertiary], escalate_after: 5m}
            """)
        let validate = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(validate.status == 1)
        let errors = validate.output.split(separator: "\n").filter { $0.contains(": error: ") }.map(String.init)
        let escalation = ws.path + "/Escalation/"
        #expect(errors.filter { $0.hasPrefix(escalation + "people.yaml:") }.count == 1, "\(validate.output)")
        #expect(errors.filter { $0.hasPrefix(escalation + "schedules/primary.yaml:") }.count == 1, "\(validate.output)")
        #expect(errors.filter { $0.hasPrefix(escalation + "policies/nightly.yaml:") }.count == 1, "\(validate.output)")
        let policy = escalation + "policies/platform.yaml"
        #expect(
            errors.contains(
                "\(try place(of: "schedule:tertiary", line: 4, in: policy)): error: policy platform names schedule tertiary, which is not in "
                    + "\(ws.path)/Escalation/schedules; known: secondary"), "\(validate.output)")
        #expect(errors.count == 4, "\(validate.output)")
        for misleading in [
            "erin, who is not", "is not in Escalation/people.yaml", "names schedule primary", "main_schedule names",
            "names policy \"nightly\"",
            "no schedule named \"primary\""
        ] {
            #expect(!validate.output.contains(misleading), "\(misleading)\n\(validate.output)")
        }
    }

    /// Point 2: a secret the paging process could not read is a warning at its place, naming who needs it.
    @Test func configValidateWarnsOfSecretsThePagingProcessLacks() throws {
        let ws = escalationWorkspace(webhookPort: 9)
        let people = ws.path + "/Escalation/people.yaml"
        ws.write(
            "Escalation/people.yaml",
            try String(contentsOfFile: people, encoding: .utf8) + "\n" + """
                  - id: frank
                    contacts: [{type: webhook, url: "file:\(ws.path)/frank-hook"}]
                """)
        let config = ws.path + "/klaxon.yaml"
        let secretWarning =
            "\(try place(of: "\"env:KLAXON_TEST_WEBHOOK_SECRET", line: 6, in: config)): warning: env:KLAXON_TEST_WEBHOOK_SECRET (channels: webhook: secret) is not set in this environment: the process that sends pages (the console or klaxon watch) needs KLAXON_TEST_WEBHOOK_SECRET set, or these pages fail"
        let aliceWarning =
            "\(try place(of: "\"env:ALICE_HOOK", line: 4, in: people)): warning: env:ALICE_HOOK (alice's webhook url) is not set in this environment: the process that sends pages (the console or klaxon watch) needs ALICE_HOOK set, or these pages fail"
        let frankLine =
            try String(contentsOfFile: people, encoding: .utf8).split(separator: "\n").firstIndex {
                $0.contains("frank-hook")
            }! + 1
        let frankWarning =
            "\(try place(of: "\"file:", line: frankLine, in: people)): warning: file:\(ws.path)/frank-hook (frank's webhook url) does not exist: the process that sends pages (the console or klaxon watch) reads it when it pages, or these pages fail"

        let bare = Klaxon(workspace: ws.path).run("config", "validate")
        #expect(bare.status == 0, "warnings only: \(bare.output)")
        let lines = bare.output.split(separator: "\n").map(String.init)
        for expected in [secretWarning, aliceWarning, frankWarning] {
            #expect(lines.contains(expected), "\(expected)\n\(bare.output)")
        }

        // Set (and the file there), nothing is said; set but empty is not set.
        ws.write("frank-hook", "http://127.0.0.1:9/hooks/frank\n")
        let set = Klaxon(
            workspace: ws.path,
            environment: ["TZ": "UTC", "ALICE_HOOK": "http://127.0.0.1:9/hooks/alice", "KLAXON_TEST_WEBHOOK_SECRET": ""]
        )
        .run("config", "validate")
        let setLines = set.output.split(separator: "\n").map(String.init)
        #expect(setLines.contains(secretWarning), "\(set.output)")
        #expect(!set.output.contains("ALICE_HOOK") && !set.output.contains("frank-hook"), "\(set.output)")
        // Only references are named, never what they hold.
        #expect(!(bare.output + bare.errors + set.output + set.errors).contains("/hooks/"))
    }
}

extension EndToEnd {
    /// Point 2: a page that fails is loud in `escalation status` and the list, with the reason.
    @Suite(.serialized)
    struct FailingPageTests {
        let klaxon = BuiltProducts.path("klaxon")

        @Test func aWebhookAnswering500IsPageFailing() async throws {
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(directory: http.path, routes: ["/hooks/*": .init([500])])
            defer { receiver.stop() }
            let ws = makeWorkspace("name: failing\ntime_zone: UTC\nescalation: {attempts: 3, retry_backoff: 1s}\n")
            ws.write(
                "Escalation/people.yaml",
                "people:\n  - {id: alice, contacts: [{type: webhook, url: \"env:ALICE_HOOK\"}]}\n")
            ws.write(
                "Escalation/policies/platform.yaml",
                "name: platform\nsteps:\n  - {targets: [user:alice], escalate_after: 10m}\n")
            let k = Klaxon(workspace: ws.path, clock: FixedClock(Timestamp(Date())))
            #expect(
                k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").status == 0)

            let watch = Process()
            watch.executableURL = URL(fileURLWithPath: klaxon)
            watch.arguments = ["watch", "--workspace", ws.path]
            watch.environment = [
                "KLAXON_USER": "ops", "TZ": "UTC", "PATH": "/usr/bin:/bin",
                "ALICE_HOOK": "http://127.0.0.1:\(receiver.port)/hooks/alice"
            ]
            let errors = ws.path + "/watch-errors.txt"
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            watch.standardOutput = FileHandle.nullDevice
            watch.standardError = FileHandle(forWritingAtPath: errors)
            try watch.run()
            defer { kill(watch.processIdentifier, SIGKILL) }

            // Three attempts, a second and two seconds apart, all answered 500.
            var status = ""
            for _ in 0..<300 where !status.contains("PAGE FAILING (3 of 3)") {
                try await Task.sleep(for: .milliseconds(100))
                status =
                    Klaxon(workspace: ws.path, clock: FixedClock(Timestamp(Date()))).run("escalation", "status").output
            }
            #expect(
                status.contains("INC-1     platform: step 1 of 1, PAGE FAILING (3 of 3) → alice: HTTP 500"), "\(status)"
            )
            #expect(!status.contains("next page in"), "\(status)")
            let now = Klaxon(workspace: ws.path, clock: FixedClock(Timestamp(Date())))
            let paging = now.run("incident", "list", "--json").json?.arrayValue?.first?["paging"]
            #expect(
                paging?["state"] == "failing" && paging?["short"] == "FAILING → alice", "\(String(describing: paging))")
            #expect(
                paging?["failing"]?["reason"] == "HTTP 500" && paging?["failing"]?["attempt"] == 3,
                "\(String(describing: paging))")
            #expect(now.run("incident", "list").output.contains("PAGE FAILING (3 of 3) → alice: HTTP 500"))
            #expect(receiver.requests.count == 3)
            // klaxon watch logs each page's outcome on stderr (its stdout is state changes only).
            // (Recorded first, then logged: a moment for the last line.)
            var logged = ""
            for _ in 0..<50 where !logged.contains("attempt 3 of 3") {
                logged = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(
                logged.contains("klaxon: INC-1: page to alice by webhook FAILED (attempt 1 of 3): HTTP 500"),
                "\(logged)")
            #expect(
                logged.contains("klaxon: INC-1: page to alice by webhook FAILED (attempt 3 of 3): HTTP 500"),
                "\(logged)")
        }
    }
}
