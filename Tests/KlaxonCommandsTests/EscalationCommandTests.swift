import FlyingFox
import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// A workspace with people reachable on loopback: alice by webhook (signed) and email, bob by Slack,
/// erin by a command; `primary` has alice on call all the time, `secondary` bob.
/// INC-1 of `ws` once its escalation is exhausted, or as it stands after `seconds`.
func untilExhausted(_ ws: TemporaryDirectory, seconds: Int) async throws -> Incident {
    let store = IncidentStore(directory: ws.path + "/journals")
    var incident = try store.open("INC-1").incident
    for _ in 0..<(seconds * 10)
    where !incident.timeline.contains(where: { $0.type == RecordType.escalationExhausted.rawValue }) {
        try await Task.sleep(for: .milliseconds(100))
        incident = try store.open("INC-1").incident
    }
    return incident
}

func escalationWorkspace(webhookPort: Int, smtpPort: Int = 9, stepSeconds: Int = 300, repeatCount: Int = 1)
    -> TemporaryDirectory
{
    let ws = makeWorkspace(
        """
        name: paging
        time_zone: UTC
        escalation: {attempts: 3, retry_backoff: 1s}
        channels:
          email: {server: "smtp://127.0.0.1:\(smtpPort)", from: klaxon@forge.test}
          webhook: {secret: "env:KLAXON_TEST_WEBHOOK_SECRET"}
          timeout: 5s
        """)
    ws.write(
        "Escalation/people.yaml",
        """
        people:
          - id: alice
            contacts:
              - {type: webhook, url: "env:ALICE_HOOK"}
              - {type: email, address: alice@forge.test}
            notify:
              - {contact: webhook, after: 0m}
              - {contact: email, after: 1s}
          - id: bob
            contacts: [{type: slack, url: "http://127.0.0.1:\(webhookPort)/slack/bob"}]
          - id: erin
            contacts: [{type: command, argv: ["/bin/sh", "-c", "echo \\"$KLAXON_INCIDENT_ID $KLAXON_USER step $KLAXON_STEP\\" >> \(ws.path)/erin.log; printf %s \\"$KLAXON_TITLE\\" > \(ws.path)/erin-title.txt"]}]
        """)
    ws.writeWeeklySchedule("primary", participants: ["alice"])
    ws.writeWeeklySchedule("secondary", participants: ["bob"])
    ws.write(
        "Escalation/policies/platform.yaml",
        """
        name: platform
        steps:
          - {targets: [schedule:primary], escalate_after: \(stepSeconds)s}
          - {targets: [schedule:secondary, user:erin], escalate_after: \(stepSeconds)s}
        repeat: \(repeatCount)
        ack_timeout: 30m
        """)
    return ws
}

/// HMAC-SHA256 as `openssl` computes it: an implementation independent of Klaxon's.
func opensslHMAC(_ message: String, key: String) throws -> String {
    let file = FileManager.default.temporaryDirectory.path + "/hmac-\(UUID().uuidString)"
    try message.write(toFile: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let out = try shell("openssl dgst -sha256 -hmac '\(key)' -r < \(file)")
    return String(out.split(separator: " ").first ?? "")
}

@Suite(.serialized)
struct EscalationCommandTests {
    let klaxon = BuiltProducts.path("klaxon")

    /// `klaxon watch` on `ws` as a real process, as `user`, with `environment` added (its output discarded).
    /// `klaxon watch` in `ws`; its standard output and error go to `output` (default: nowhere).
    func startWatch(
        _ ws: TemporaryDirectory, user: String = "ops", environment: [String: String] = [:], output: String? = nil
    ) throws -> Process {
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: klaxon)
        watch.arguments = ["watch", "--workspace", ws.path]
        watch.environment = ["KLAXON_USER": user, "TZ": "UTC", "PATH": "/usr/bin:/bin"].merging(environment) { _, new in
            new
        }
        if let output { _ = FileManager.default.createFile(atPath: output, contents: nil) }
        let handle = output.flatMap { FileHandle(forWritingAtPath: $0) } ?? FileHandle.nullDevice
        watch.standardOutput = handle
        watch.standardError = handle
        try watch.run()
        return watch
    }

    @Test func simulatePrintsThePlanAndRefusesWhatItCannotRead() {
        let ws = escalationWorkspace(webhookPort: 9, stepSeconds: 300, repeatCount: 0)
        let k = Klaxon(workspace: ws.path)
        let plan = k.run("escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--json")
        #expect(plan.status == 0, "\(plan.errors)")
        #expect(
            plan.output.trimmingCharacters(in: .newlines) == #"""
                [{"at":"2026-11-20T09:00:00+00:00","contact":"webhook","kind":"page","round":1,"step":1,"user":"alice"},{"at":"2026-11-20T09:00:01+00:00","contact":"email","kind":"page","round":1,"step":1,"user":"alice"},{"at":"2026-11-20T09:05:00+00:00","contact":"slack","kind":"page","round":1,"step":2,"user":"bob"},{"at":"2026-11-20T09:05:00+00:00","contact":"command","kind":"page","round":1,"step":2,"user":"erin"}]
                """#)
        let acked = k.run(
            "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--ack-at", "2026-11-20T09:03:00Z",
            "--ack-by", "alice")
        // Acknowledged at 09:03: bob is never reached in the first round; the ack timeout (30m) pages alice
        // again at 09:33. The ack and the restart are rows of their own (USER "-" on the restart).
        #expect(acked.status == 0, "\(acked.errors)")
        #expect(
            acked.output.split(separator: "\n").dropFirst().map {
                $0.split(separator: " ", omittingEmptySubsequences: true).prefix(2).joined(separator: " ") + " "
                    + $0.split(separator: " ", omittingEmptySubsequences: true)[4]
            }
                == [
                    "2026-11-20 09:00:00 alice", "2026-11-20 09:00:01 alice", "2026-11-20 09:03:00 alice",
                    "2026-11-20 09:33:00 -", "2026-11-20 09:33:00 alice", "2026-11-20 09:33:01 alice",
                    "2026-11-20 09:38:00 bob", "2026-11-20 09:38:00 erin"
                ], "\(acked.output)")

        let unknown = k.run("escalation", "simulate", "nightly", "--from", "now")
        #expect(
            unknown.status != 0
                && unknown.errors.contains(
                    "no escalation policy named \"nightly\" in Escalation/policies/; known: platform"),
            "\(unknown.errors)")
        let declare = k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "nightly")
        #expect(declare.status != 0 && declare.errors.contains("no escalation policy named"))
        #expect(
            k.run("incident", "list", "--all", "--json").json?.arrayValue?.isEmpty == true,
            "nothing declared when the policy is wrong")

        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").status == 0)
        let ghost = k.run("incident", "page", "INC-1", "--user", "ghost")
        #expect(ghost.status != 0 && ghost.errors.contains("ghost is not in"), "\(ghost.errors)")
        let both = k.run("incident", "page", "INC-1", "--user", "bob", "--policy", "platform")
        #expect(both.status != 0 && both.errors.contains("either --policy NAME or --user ID"))
        let status = k.run("escalation", "status")
        #expect(
            status.output.contains("engine: none running")
                && status.output.contains("INC-1     platform: step 1 of 2, next page in 1s → alice"),
            "\(status.output)")
        #expect(k.run("escalation", "stop", "INC-1").status == 0)
        let again = k.run("escalation", "stop", "INC-1")
        #expect(again.status != 0 && again.errors.contains("INC-1 has no escalation running to stop"))

        ws.write(
            "Escalation/policies/broken.yaml",
            "steps:\n  - {targets: [schedule:nope], escalate_after: 5m}\nwhen_nobody_on_call: fallback\n")
        let validate = k.run("config", "validate")
        #expect(validate.status == 1)
        #expect(validate.output.contains("when_nobody_on_call: fallback needs fallback:"), "\(validate.output)")
    }

    /// Issue 26, point 5: `--ack-at` shows the acknowledgement and its ack timeout's restart as rows of
    /// their own, and marks the first page after the restart; without an ack there are no such rows.
    @Test func simulateShowsTheAckAndTheRestartItsTimeoutMakes() throws {
        let ws = escalationWorkspace(webhookPort: 9, stepSeconds: 300, repeatCount: 0)
        let k = Klaxon(workspace: ws.path)
        let acked = k.run(
            "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--ack-at", "2026-11-20T09:03:00Z",
            "--ack-by", "alice", "--to", "2026-11-20T10:00:00Z")
        #expect(acked.status == 0, "\(acked.errors)")
        let lines = acked.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).last == "NOTE", "\(acked.output)")
        // Each row's cells, and the NOTE (the rest of the line after AFTER).
        func cells(_ line: String) -> [String] {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            return Array(words.prefix(7)) + (words.count > 7 ? [words[7...].joined(separator: " ")] : [])
        }
        let rows = lines.dropFirst().map(cells)
        #expect(
            rows == [
                ["2026-11-20", "09:00:00", "1", "1", "alice", "webhook", "+0s"],
                ["2026-11-20", "09:00:01", "1", "1", "alice", "email", "+1s"],
                [
                    "2026-11-20", "09:03:00", "-", "-", "alice", "-", "+3m",
                    "acknowledged; ack times out after 30m: paging restarts at step 1, round 1"
                ],
                [
                    "2026-11-20", "09:33:00", "-", "-", "-", "-", "+33m",
                    "alice's ack timed out (30m): paging restarts here, at step 1, round 1"
                ],
                ["2026-11-20", "09:33:00", "1", "1", "alice", "webhook", "+33m", "first page after the restart"],
                ["2026-11-20", "09:33:01", "1", "1", "alice", "email", "+33m"],
                ["2026-11-20", "09:38:00", "2", "1", "bob", "slack", "+38m"],
                ["2026-11-20", "09:38:00", "2", "1", "erin", "command", "+38m"]
            ], "\(acked.output)")

        // --json: the ack and the restart are entries with their kind; pages say "page".
        let json = try #require(
            k.run(
                "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--ack-at", "+3m", "--ack-by",
                "alice", "--until", "2026-11-20T10:00:00Z", "--json"
            ).json?.arrayValue)
        #expect(
            json.map { $0["kind"]?.stringValue ?? "?" } == ["page", "page", "acknowledged", "restarted"]
                + Array(repeating: "page", count: 4))
        #expect(
            json[2] == [
                "at": "2026-11-20T09:03:00+00:00", "kind": "acknowledged", "user": "alice", "ack_timeout_seconds": 1800
            ])
        #expect(json[3] == ["at": "2026-11-20T09:33:00+00:00", "kind": "restarted", "step": 1, "round": 1])
        #expect(json[4]["first_after_restart"] == .bool(true) && json[5]["first_after_restart"] == nil)

        // The timeout falls after the end: said so, and no restart row.
        let short = k.run(
            "escalation", "simulate", "platform", "--ack-at", "09:03", "--ack-by", "alice", "--to", "09:20")
        #expect(short.status == 0, "\(short.errors)")
        #expect(
            short.output.contains(
                "acknowledged; ack times out after 30m, at 2026-11-20 09:33:00, after the end of the simulation"),
            "\(short.output)")
        #expect(!short.output.contains("restart"))
        // Without --ack-by, the one acknowledging is whoever runs it (--as); an ack after the end is no row.
        let mine = k.run("escalation", "simulate", "platform", "--ack-at", "09:03", "--to", "09:20", "--as", "carol")
        #expect(mine.output.contains(" carol "), "\(mine.output)")
        let late = k.run("escalation", "simulate", "platform", "--ack-at", "09:30", "--to", "09:20", "--json")
        #expect(late.status == 0 && !late.output.contains("acknowledged"), "\(late.output)")

        // A policy without an ack timeout pages nobody again.
        let policy = ws.path + "/Escalation/policies/platform.yaml"
        ws.write(
            "Escalation/policies/platform.yaml",
            try String(contentsOfFile: policy, encoding: .utf8).replacingOccurrences(of: "ack_timeout: 30m", with: "")
        )
        let once = k.run("escalation", "simulate", "platform", "--ack-at", "+3m", "--ack-by", "bob")
        #expect(once.status == 0, "\(once.errors)")
        // Nothing after the ack: the header, alice's two pages and the ack.
        #expect(once.output.split(separator: "\n").count == 4, "\(once.output)")
        #expect(
            once.output.contains(
                "bob    -        +3m    acknowledged; the policy has no ack timeout: it pages nobody again"),
            "\(once.output)")

        // No ack: no ack row, no restart row, no NOTE column.
        let plain = k.run("escalation", "simulate", "platform", "--to", "2026-11-20T10:00:00Z")
        #expect(plain.status == 0, "\(plain.errors)")
        #expect(
            !plain.output.contains("NOTE") && !plain.output.contains("acknowledged") && !plain.output.contains(" - "))
        #expect(plain.output.split(separator: "\n").count == 5, "\(plain.output)")
    }

    /// Issue 26, point 2: `--from` defaults to now (the clock: 2026-11-20 09:00 UTC), `--to` ends the
    /// simulation and `--since`/`--until` are their aliases.
    @Test func simulateStartsNowByDefaultAndTakesTheWindowsAliases() {
        let ws = escalationWorkspace(webhookPort: 9, stepSeconds: 300, repeatCount: 0)
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-20T09:00:00Z"))
        let explicit = k.run(
            "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--to", "2026-11-20T09:10:00Z")
        #expect(explicit.status == 0 && explicit.output.contains("2026-11-20 09:05:00"), "\(explicit.errors)")
        for arguments in [
            ["--to", "+10m"], ["--since", "now", "--until", "09:10"], ["--from", "today 09:00", "--until", "+10m"]
        ] {
            let run = k.run(["escalation", "simulate", "platform"] + arguments)
            #expect(run.status == 0 && run.output == explicit.output, "\(arguments): \(run.errors)")
        }
        // A week from now by default.
        let week = k.run("escalation", "simulate", "platform", "--json")
        #expect(week.json == k.run("escalation", "simulate", "platform", "--from", "now", "--to", "+7d", "--json").json)
        let backwards = k.run("escalation", "simulate", "platform", "--to", "yesterday")
        #expect(backwards.status == 2)
        #expect(backwards.errors.contains("--to (yesterday) must be after --from (now)"), "\(backwards.errors)")
    }

    /// Issue 26: an acknowledgement before the start is said in the words typed, as the window's ends
    /// are (not as instants to the millisecond).
    @Test func anAckBeforeTheStartIsSaidInTheWordsTyped() {
        let ws = escalationWorkspace(webhookPort: 9, stepSeconds: 300, repeatCount: 0)
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-20T09:00:00Z"))
        let early = k.run("escalation", "simulate", "platform", "--ack-at", "-5m")
        #expect(early.status == 2)
        #expect(early.errors == "klaxon: error: --ack-at (5m ago) is before --from (now)\n")
        let typed = k.run("escalation", "simulate", "platform", "--from", "tomorrow 10:00", "--ack-at", "+1h")
        #expect(typed.status == 2)
        #expect(typed.errors == "klaxon: error: --ack-at (+1h) is before --from (tomorrow 10:00)\n")
    }

    /// Issue 26: a policy a slip away from one of `Escalation/policies/` gets "did you mean", wherever a
    /// policy is named; one close to none still lists them (above).
    @Test func aMistypedPolicyGetsTheClosest() {
        let ws = escalationWorkspace(webhookPort: 9, stepSeconds: 300, repeatCount: 0)
        let k = Klaxon(workspace: ws.path)
        let expected =
            "klaxon: error: no escalation policy named \"platfrom\" in Escalation/policies/; did you mean 'platform'?\n"
        let simulate = k.run("escalation", "simulate", "platfrom")
        #expect(simulate.status == 2 && simulate.errors == expected, "\(simulate.errors)")
        let declare = k.run("incident", "declare", "Registry down", "--severity", "SEV3", "--policy", "platfrom")
        #expect(declare.status == 2 && declare.errors == expected, "\(declare.errors)")
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV3").status == 0)
        let page = k.run("incident", "page", "INC-1", "--policy", "platfrom")
        #expect(page.status == 2 && page.errors == expected, "\(page.errors)")
    }

    /// Issue 26: `--ack-by` someone `Escalation/people.yaml` does not list is simulated as given, with a
    /// warning naming the closest (as `incident declare --commander`); the plan and the exit are unchanged.
    @Test func anAckBySomeoneUnknownIsWarnedOf() {
        let ws = escalationWorkspace(webhookPort: 9, stepSeconds: 300, repeatCount: 0)
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-11-20T09:00:00Z"))
        let simulate = ["escalation", "simulate", "platform", "--to", "+1h", "--ack-at", "+3m", "--json", "--ack-by"]
        let zed = k.run(simulate + ["zed"])
        #expect(zed.status == 0)
        #expect(
            zed.errors
                == "klaxon: warning: --ack-by \"zed\" is not a person of Escalation/people.yaml (the simulation takes it as given)\n"
        )
        #expect(zed.json?.arrayValue?.contains { $0["user"]?.stringValue == "zed" } == true, "\(zed.output)")
        let alcie = k.run(simulate + ["alcie"])
        #expect(
            alcie.status == 0 && alcie.errors.hasSuffix("(the simulation takes it as given); did you mean 'alice'?\n"))
        let alice = k.run(simulate + ["alice"])
        #expect(alice.status == 0 && !alice.errors.contains("--ack-by"), "\(alice.errors)")
    }

    /// Issue 19, point 6: someone on call in both steps' schedules is paged again by "escalating";
    /// `config validate` says so, naming the person, the steps and from when, and only then.
    @Test func validateWarnsWhenConsecutiveStepsPageTheSamePerson() throws {
        let ws = escalationWorkspace(webhookPort: 9)
        let k = Klaxon(workspace: ws.path)
        #expect(!k.run("config", "validate").output.contains("again by step"))
        #expect(
            !k.run("escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z").errors.contains(
                "again by step"))
        ws.writeWeeklySchedule("secondary", participants: ["alice"])
        // The warnings name the step that pages again at its file:line:column, and a time as people read
        // it, in the workspace's zone (before: the policy's file alone, and `from 2026-11-20T09:00:00.000Z`).
        let config = ws.path + "/klaxon.yaml"
        ws.write(
            "klaxon.yaml",
            try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(
                of: "time_zone: UTC", with: "time_zone: America/Chicago"))
        let step = try place(
            of: "{targets: [schedule:secondary", line: 4, in: ws.path + "/Escalation/policies/platform.yaml")
        let simulate = k.run(
            "escalation", "simulate", "platform", "--from", "2026-11-20T09:00:00Z", "--to", "2026-11-20T10:00:00Z")
        #expect(
            simulate.errors.contains(
                "klaxon: warning: \(step): alice is paged by step 1 and again by step 2 (round 1): escalating there reaches nobody new"
            ),
            "\(simulate.errors)")
        let validate = k.run("config", "validate")
        #expect(validate.status == 0, "a warning, not an error")
        #expect(
            validate.output.split(separator: "\n").contains(
                "\(step): warning: alice is paged by step 1 (on call in primary) and again by step 2 "
                    + "(on call in secondary) of policy platform from Fri 2026-11-20 03:00 -06:00: escalating there "
                    + "pages the same person again; give the steps different people"), "\(validate.output)")
    }

    @Test func klaxonWatchPagesByEveryChannelRetriesAndRecordsEachAttempt() async throws {
        // alice's webhook fails once with a 500, then works.
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(
            directory: http.path, routes: ["/hooks/alice": .init([500, 200]), "/slack/*": .init()])
        defer { receiver.stop() }
        let port = receiver.port
        let mail = TemporaryDirectory("smtp")
        let sink = try await blocking { try SMTPSink(directory: mail.path) }
        defer { sink.stop() }
        let ws = escalationWorkspace(webhookPort: port, smtpPort: sink.port, stepSeconds: 3, repeatCount: 0)
        let secret = "hush-\(UUID().uuidString)"
        let hook = "http://127.0.0.1:\(port)/hooks/alice"
        // A title a shell would act on: the command contact must receive it as data, unchanged.
        let title =
            "Registry returns 503; $(touch \(ws.path)/pwned) `touch \(ws.path)/pwned` && rm -rf \(ws.path)/Escalation | 'q' \"q\" \\ *"
        ws.write("Runbooks/registry-5xx.md", "---\ntitle: Registry 5xx\n---\n# Registry 5xx\n")  // linked below
        let declared = try shell(
            "KLAXON_USER=carol \(klaxon) --workspace \(ws.path) incident declare \(TmuxSession.quote(title)) --severity SEV2 --service registry --policy platform --runbook registry-5xx 2>&1"
        )
        #expect(declared.hasPrefix("INC-1"), "\(declared)")

        let watchOutput = ws.path + "/watch-output.txt"
        let watch = try startWatch(
            ws, user: "carol", environment: ["KLAXON_TEST_WEBHOOK_SECRET": secret, "ALICE_HOOK": hook],
            output: watchOutput)
        defer { kill(watch.processIdentifier, SIGKILL) }

        // Step 1 (alice: webhook, then email after 1s), step 2 after 3s (bob by Slack, erin by command), exhausted after 6s.
        let incident = try await untilExhausted(ws, seconds: 30)
        kill(watch.processIdentifier, SIGTERM)
        try await blocking { watch.waitUntilExit() }
        #expect(watch.terminationStatus == 0)

        let lines = incident.timeline.map { TimelineText.text(of: $0, formatter: .utc) }
        #expect(lines.contains("page to alice by webhook failed: HTTP 500, attempt 1 of 3"), "\(lines)")
        #expect(lines.contains("paging alice by webhook, attempt 2 of 3"))
        for who in ["alice by webhook", "alice by email", "bob by slack", "erin by command"] {
            #expect(lines.contains("page to \(who) delivered"), "\(who): \(lines)")
        }
        #expect(lines.contains("policy platform exhausted: nobody acknowledged"))
        #expect(lines.filter { $0.hasPrefix("platform step") }.count == 2)

        // The webhook: documented payload, signed so an independent HMAC agrees.
        let received = receiver.requests
        #expect(received.filter { $0.path == "/hooks/alice" }.count == 2, "one failed, one delivered")
        let alice = try #require(received.last { $0.path == "/hooks/alice" })
        let payload = try JSONParser.parse(alice.body)
        #expect(
            payload["incident"]?["id"] == "INC-1" && payload["incident"]?["severity"] == "SEV2"
                && payload["page"]?["step"] == .number(1))
        #expect(payload["links"]?.arrayValue?.first?["target"] == "registry-5xx")
        let signature = try #require(alice.headers["x-klaxon-signature"])
        let parts = Dictionary(
            uniqueKeysWithValues: signature.split(separator: ",").map {
                ($0.split(separator: "=")[0], String($0.split(separator: "=")[1]))
            })
        let expected = try await blocking { try opensslHMAC("\(parts["t"]!).\(alice.body)", key: secret) }
        #expect(parts["v1"] == expected)
        // Slack text, the email through SMTP, the command's environment.
        let slack = try #require(received.first { $0.path == "/slack/bob" })
        #expect(try JSONParser.parse(slack.body)["text"]?.stringValue?.contains("INC-1 SEV2") == true)
        let email = try #require(sink.messages.first)
        #expect(
            email.contains("X-Envelope-To: <alice@forge.test>")
                && email.contains("Subject: [SEV2] INC-1 Registry returns 503"), "\(email)")
        #expect(try String(contentsOfFile: ws.path + "/erin.log", encoding: .utf8) == "INC-1 erin step 2\n")
        #expect(try String(contentsOfFile: ws.path + "/erin-title.txt", encoding: .utf8) == title)
        #expect(
            !FileManager.default.fileExists(atPath: ws.path + "/pwned")
                && FileManager.default.fileExists(atPath: ws.path + "/Escalation"))

        // Nothing secret reached the journal.
        let journalText = try String(contentsOfFile: ws.path + "/journals/INC-1.jsonl", encoding: .utf8)
        #expect(!journalText.contains(secret) && !journalText.contains("/hooks/alice"))
        // Nor what watch printed.
        let printed = try String(contentsOfFile: watchOutput, encoding: .utf8)
        #expect(printed.contains("escalation engine"), "\(printed)")
        #expect(!printed.contains(secret) && !printed.contains("/hooks/alice"), "\(printed)")
        #expect(try JournalFile.verify(path: ws.path + "/journals/INC-1.jsonl").damage == nil)
    }

    @Test func aSecondWatchTakesOverWhenTheEngineDiesAndSendsNoPageTwice() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/*": .init()])
        defer { receiver.stop() }
        let port = receiver.port
        // Pages by webhook only: alice at step 1, bob (Slack) at step 2, each 4s, twice round.
        let ws = escalationWorkspace(webhookPort: port, stepSeconds: 4, repeatCount: 1)
        ws.write(
            "Escalation/people.yaml",
            """
            people:
              - {id: alice, contacts: [{type: webhook, url: "http://127.0.0.1:\(port)/alice"}]}
              - {id: bob, contacts: [{type: slack, url: "http://127.0.0.1:\(port)/bob"}]}
              - {id: erin, contacts: [{type: slack, url: "http://127.0.0.1:\(port)/erin"}]}
            """)
        let first = try startWatch(ws, environment: ["KLAXON_TEST_WEBHOOK_SECRET": "x"])
        defer { kill(first.processIdentifier, SIGKILL) }
        try await Task.sleep(for: .milliseconds(800))  // the first takes the engine lock
        let second = try startWatch(ws, environment: ["KLAXON_TEST_WEBHOOK_SECRET": "x"])
        defer { kill(second.processIdentifier, SIGKILL) }
        _ = try shell(
            "KLAXON_USER=carol \(klaxon) --workspace \(ws.path) incident declare 'Builds stuck' --severity SEV2 --policy platform"
        )
        // Kill the engine once step 1's page is in.
        for _ in 0..<200 where !receiver.requests.contains(where: { $0.path == "/alice" }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(first.processIdentifier, SIGKILL)
        try await blocking { first.waitUntilExit() }
        let incident = try await untilExhausted(ws, seconds: 40)
        kill(second.processIdentifier, SIGTERM)
        try await blocking { second.waitUntilExit() }

        // Every page once: two rounds of alice, bob and erin, by their page ids.
        let received = receiver.requests
        #expect(received.filter { $0.path == "/alice" }.count == 2, "\(received.map(\.path))")
        #expect(received.filter { $0.path == "/bob" }.count == 2 && received.filter { $0.path == "/erin" }.count == 2)
        #expect(Set(received.filter { $0.path == "/alice" }.compactMap { $0.headers["x-klaxon-page"] }).count == 2)
        let engines = Set(incident.timeline.filter { $0.type == RecordType.pageAttempt.rawValue }.map { $0.pid })
        #expect(engines.count == 2, "both processes sent pages: \(engines)")
        #expect(try JournalFile.verify(path: ws.path + "/journals/INC-1.jsonl").damage == nil)
    }

    @Test func aCheckThatDeclaresOpensOneIncidentWithItsPolicyAndRunbook() async throws {
        let http = TemporaryDirectory("receiver")
        let receiver = try HTTPReceiver(directory: http.path, routes: ["/uploads": .init([503]), "/hooks/*": .init()])
        defer { receiver.stop() }
        let port = receiver.port
        let ws = escalationWorkspace(webhookPort: port, stepSeconds: 300, repeatCount: 0)
        ws.write(
            "klaxon.yaml",
            """
            name: paging
            time_zone: UTC
            checks:
              - {name: uploads, url: "http://127.0.0.1:\(port)/uploads", interval: 1s, retry_interval: 1s, timeout: 1s, failure_threshold: 2,
                 service: registry, runbook: registry-5xx, policy: platform, declare: SEV2}
            """)
        let watch = try startWatch(ws, environment: ["ALICE_HOOK": "http://127.0.0.1:\(port)/hooks/alice"])
        defer { kill(watch.processIdentifier, SIGKILL) }
        for _ in 0..<300 where !receiver.requests.contains(where: { $0.method == "POST" }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(3))  // more polls, all down: still one incident
        kill(watch.processIdentifier, SIGTERM)
        try await blocking { watch.waitUntilExit() }

        let store = IncidentStore(directory: ws.path + "/journals")
        #expect(try store.ids() == ["INC-1"])
        let incident = try store.open("INC-1").incident
        #expect(incident.declaringCheck == "uploads" && incident.severity == .sev2 && incident.services == ["registry"])
        #expect(incident.title == "uploads is down: HTTP 503", "\(incident.title)")
        #expect(incident.links.map(\.target) == ["registry-5xx"])
        // Impact from the first failed poll; detected at the second, which confirmed it (1 s retry).
        let impact = try #require(incident.keyTimes[.impactStarted])
        let detected = try #require(incident.keyTimes[.detected])
        #expect(
            (500...3_000).contains(detected.milliseconds - impact.milliseconds),
            "impact \(impact.rfc3339), detected \(detected.rfc3339)")
        #expect(
            incident.timeline.first?.actor == "status-poller" && incident.timeline.first?.data["policy"] == "platform")
        #expect(
            receiver.requests.filter { $0.method == "POST" }.map(\.path) == ["/hooks/alice"],
            "the policy paged alice once")
    }
}
