import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 22, points 1, 2 and 6: `klaxon watch` with an intake, a real process on loopback, sent real
/// requests (the `curl` command, raw sockets): what it answers, what it records on the journal `alerts`
/// (durably, before a 2xx), what it refuses (recording nothing), and slow or hostile clients.
@Suite(.serialized)
struct IntakeTests {
    /// The tokens' secrets, random per run: a test that finds one in an output found a leak.
    let amSecret = "am-" + UUID().uuidString
    let ciSecret = "ci-" + UUID().uuidString

    /// A workspace whose intake listens on a port the system picks, with tokens `am` (a variable) and
    /// `ci` (a file, written by `start`), and `extra` (more of klaxon.yaml: checks) after it.
    func intakeWorkspace(maxBody: String = "64KiB", extra: String = "") -> TemporaryDirectory {
        let ws = TemporaryDirectory("klaxon-ws")
        ws.write(
            "klaxon.yaml",
            """
            name: t
            intake:
              listen: 127.0.0.1:0
              tokens: {am: "env:KLAXON_AM_TOKEN", ci: "file:\(ws.path)/ci.token"}
              max_body: \(maxBody)
            \(extra)
            """)
        return ws
    }

    /// `klaxon watch` running with an intake, and where it said it listens.
    struct Running {
        let process: Process
        let address: String
        let errors: String
        let output: String

        var url: String { "http://\(address)" }
        var port: UInt16 { UInt16(address.split(separator: ":").last!)! }

        /// SIGTERM, then its exit status once it ended.
        func stop() async throws -> Int32 {
            kill(process.processIdentifier, SIGTERM)
            try await blocking { process.waitUntilExit() }
            return process.terminationStatus
        }

        /// What it wrote on both streams.
        var printed: String {
            ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
                + ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
        }
    }

    /// Starts `klaxon watch` on `ws` (the `ci` token's file written there) and waits for "intake:
    /// listening on ADDRESS" on its standard error. `openFiles` lowers its soft limit of open files first.
    func start(_ ws: TemporaryDirectory, openFiles: Int? = nil) async throws -> Running {
        ws.write("ci.token", ciSecret + "\n")
        let errors = ws.path + "/watch-errors-\(UUID().uuidString.prefix(6)).txt"
        let output = ws.path + "/watch-output-\(UUID().uuidString.prefix(6)).txt"
        let process: Process
        if let openFiles {
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c", "ulimit -Sn \(openFiles) && exec \"$0\" watch --workspace \"$1\"", BuiltProducts.path("klaxon"),
                ws.path
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
            process.environment = [
                "KLAXON_USER": "ops", "TZ": "UTC", "PATH": "/usr/bin:/bin", "HOME": ws.path,
                "KLAXON_AM_TOKEN": amSecret
            ]
            process.standardOutput = FileHandle(forWritingAtPath: output)
            process.standardError = FileHandle(forWritingAtPath: errors)
            try process.run()
        } else {
            process = try startWatch(
                ws, output: output, errors: errors, environment: ["KLAXON_AM_TOKEN": amSecret])
        }
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("intake: listening on ") }) {
                return Running(
                    process: process, address: String(line.dropFirst("intake: listening on ".count)), errors: errors,
                    output: output)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        Issue.record(
            "klaxon watch did not say where it listens: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")"
        )
        throw CancellationError()
    }

    /// An answer: its status, its headers (lower-cased names) and its body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// Sends `body` with `curl` (`method`, `headers` as `Name: value`); `chunked` sends it without a length.
    func send(
        _ url: String, _ body: [UInt8]? = nil, method: String = "POST", headers: [String] = [], chunked: Bool = false
    ) async throws -> Answer {
        let scratch = TemporaryDirectory("curl")
        var arguments = ["-s", "-o", scratch.path + "/body", "-D", scratch.path + "/headers", "-w", "%{http_code}"]
        // HEAD as curl asks it (`-X HEAD` would wait for the body its Content-Length announces).
        arguments += ["--max-time", "20"] + (method == "HEAD" ? ["--head"] : ["-X", method])
        for header in headers + ["Content-Type: application/json"] + (chunked ? ["Transfer-Encoding: chunked"] : []) {
            arguments += ["-H", header]
        }
        if let body {
            _ = FileManager.default.createFile(atPath: scratch.path + "/request", contents: Data(body))
            arguments += ["--data-binary", "@" + scratch.path + "/request"]
        }
        arguments.append(url)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = arguments
        let status = try await blocking { try runCapturingOutput(curl) }
        var headers: [String: String] = [:]
        for line in String(decoding: scratch.read("headers"), as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return Answer(
            status: Int(status) ?? 0, headers: headers, body: String(decoding: scratch.read("body"), as: UTF8.self))
    }

    func send(_ url: String, json: String, headers: [String] = []) async throws -> Answer {
        try await send(url, Array(json.utf8), headers: headers)
    }

    /// A PagerDuty-style event.
    func event(
        _ action: String, key: String? = nil, routingKey: String? = nil, summary: String = "Disk full on ci-7"
    ) -> String {
        var fields = [
            #""routing_key":"\#(routingKey ?? ciSecret)""#, #""event_action":"\#(action)""#
        ]
        if let key { fields.append(#""dedup_key":"\#(key)""#) }
        if action == "trigger" {
            fields.append(#""payload":{"summary":"\#(summary)","source":"ci-7","severity":"critical"}"#)
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The journal `alerts` of `ws`: its records, those of them the intake wrote (`alerts.received`;
    /// the engine's router appends `alerts.routed` beside them), and its bytes (nil when there is none).
    func alertsJournal(_ ws: TemporaryDirectory) throws -> (
        records: [JournalRecord], received: [JournalRecord], bytes: [UInt8]?
    ) {
        let path = ws.path + "/journals/alerts.jsonl"
        guard FileManager.default.fileExists(atPath: path) else { return ([], [], nil) }
        let records = try FileJournalStore(directory: ws.path + "/journals").journal("alerts").readNewRecords()
        return (records, records.filter { $0.type == ReceivedAlerts.recordType }, ws.read("journals/alerts.jsonl"))
    }

    /// Waits (10 s at most) until the router of klaxon watch has handled every record received, so the
    /// journal changes no more by itself.
    func waitUntilRouted(_ ws: TemporaryDirectory) async throws {
        for _ in 0..<100 {
            let journal = try alertsJournal(ws)
            if let last = journal.received.last, AlertBook(records: journal.records).routedThrough >= last.sequence {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the router did not handle the records received")
    }

    // MARK: - Answers and records

    /// Point 6: a PagerDuty trigger twice with one dedup_key, an acknowledge, a resolve and a trigger
    /// again: each answered 202 with the dedup_key only once it is in the journal (a record each), and
    /// the alerts replayed from the journal are one alert acknowledged and resolved, then a new one. A
    /// trigger without a dedup_key gets one made (32 hex digits) and answered.
    @Test func pagerDutyEventsAreRecordedBeforeTheyAreAnswered() async throws {
        let ws = intakeWorkspace()
        let watch = try await start(ws)
        let url = watch.url + "/v2/enqueue"
        var answers: [Answer] = []
        for action in ["trigger", "trigger", "acknowledge", "resolve", "trigger"] {
            let answer = try await send(url, json: event(action, key: "disk-ci-7"))
            answers.append(answer)
            // Answered 2xx only once recorded: the record is there when the answer is.
            #expect(try alertsJournal(ws).received.count == answers.count, "\(answer)")
            // And what it did is what the alert's state says (the acknowledgement is seen only here: the
            // resolve after it would hide one that did nothing).
            let state = AlertBook(records: try alertsJournal(ws).records).alerts.last?.state
            let expected: [String: Alert.State] = [
                "trigger": .firing, "acknowledge": .acknowledged, "resolve": .resolved
            ]
            #expect(state == expected[action], "after \(action): \(String(describing: state))")
        }
        for answer in answers {
            #expect(answer.status == 202, "\(answer)")
            #expect(
                try JSONParser.parse(Array(answer.body.utf8))
                    == .object([
                        "status": "success", "message": "Event processed", "dedup_key": "disk-ci-7"
                    ]))
        }
        let generated = try await send(url, json: event("trigger"))
        #expect(generated.status == 202, "\(generated)")
        let key = try #require(try JSONParser.parse(Array(generated.body.utf8))["dedup_key"]?.stringValue)
        #expect(key.count == 32 && key.allSatisfy(\.isHexDigit), "\(key)")
        // Basic auth (the password is the secret) is a token too.
        let basic = "Authorization: Basic " + Data("anyone:\(amSecret)".utf8).base64EncodedString()
        let withBasic = try await send(
            url, json: event("trigger", key: "basic-1", routingKey: "not-a-token"), headers: [basic])
        #expect(withBasic.status == 202, "\(withBasic)")
        #expect(try await watch.stop() == 0)

        let (records, received, _) = try alertsJournal(ws)
        #expect(received.count == 7)
        #expect(received.allSatisfy { $0.actor == "klaxon" })
        let batches = received.compactMap(ReceivedAlerts.batches(of:)).flatMap { $0 }
        #expect(batches.map(\.token) == ["ci", "ci", "ci", "ci", "ci", "ci", "am"])
        #expect(batches[5].alerts.first?.key == key)
        let book = AlertBook(records: records)
        #expect(book.alerts.map(\.id) == ["A-1", "A-2", "A-3", "A-4"])
        #expect(book.alerts[0].key == "disk-ci-7" && book.alerts[0].state == .resolved)
        #expect(book.alerts[0].receivedCount == 4)
        #expect(book.alerts[1].key == "disk-ci-7" && book.alerts[1].state == .firing)
        // The secrets are nowhere: not in the journal, not in what klaxon watch printed.
        let journalText = String(decoding: try #require(alertsJournal(ws).bytes), as: UTF8.self)
        for secret in [amSecret, ciSecret] {
            #expect(!journalText.contains(secret) && !watch.printed.contains(secret))
        }
    }

    /// Point 6: refused requests record nothing (the journal unchanged, byte for byte) and get the
    /// documented answers: no token or a wrong one 401 with WWW-Authenticate (and the secret given is
    /// never printed); bad JSON or a missing field 400 naming the field (PagerDuty's JSON, Alertmanager's
    /// text); a body over max_body 413, by its Content-Length or, chunked, as it is counted; unknown
    /// endpoints 404, wrong methods 405.
    @Test func refusedRequestsRecordNothing() async throws {
        let ws = intakeWorkspace(maxBody: "64KiB")
        let watch = try await start(ws)
        let first = try await send(watch.url + "/v2/enqueue", json: event("trigger", key: "k1"))
        #expect(first.status == 202, "\(first)")
        try await waitUntilRouted(ws)
        let before = try #require(alertsJournal(ws).bytes)
        let notification = try Self.fixture()
        let wrongSecret = "wrong-" + UUID().uuidString

        let refusals: [(String, Answer, Int)] = [
            ("no token", try await send(watch.url + "/v1/alertmanager", notification), 401),
            (
                "a wrong bearer",
                try await send(
                    watch.url + "/v1/alertmanager", notification, headers: ["Authorization: Bearer \(wrongSecret)"]),
                401
            ),
            (
                "a wrong routing key",
                try await send(watch.url + "/v2/enqueue", json: event("trigger", key: "k2", routingKey: wrongSecret)),
                401
            ),
            (
                "a wrong bearer beside a right routing key",
                try await send(
                    watch.url + "/v2/enqueue", json: event("trigger", key: "k2"),
                    headers: ["Authorization: Bearer \(wrongSecret)"]), 401
            ),
            ("bad JSON without a token", try await send(watch.url + "/v2/enqueue", json: "{\"routing_key\": "), 401),
            (
                "a heartbeat without a token", try await send(watch.url + "/v1/heartbeat/watchdog", nil), 401
            )
        ]
        for (what, answer, status) in refusals {
            #expect(answer.status == status, "\(what): \(answer)")
            #expect(answer.headers["www-authenticate"]?.contains("Bearer") == true, "\(what)")
        }
        // A missing token and a wrong one are told apart (a wrong secret is not told to add a token), and
        // the secret given is never repeated. On /v2/enqueue every refusal is PagerDuty's JSON object.
        let noToken = "a token is needed"
        let wrongToken = "the token given is not one of this intake's"
        for (what, answer, _) in refusals {
            let expected = what.hasPrefix("a wrong") ? wrongToken : noToken
            #expect(answer.body.contains(expected), "\(what): \(answer.body)")
            #expect(!answer.body.contains(expected == wrongToken ? noToken : wrongToken), "\(what): \(answer.body)")
            #expect(!answer.body.contains(wrongSecret), "\(what): \(answer.body)")
        }
        let wrongHeartbeat = try await send(
            watch.url + "/v1/heartbeat/watchdog", nil, headers: ["Authorization: Bearer \(wrongSecret)"])
        #expect(wrongHeartbeat.status == 401 && wrongHeartbeat.body.hasPrefix(wrongToken), "\(wrongHeartbeat)")
        #expect(refusals[0].1.headers["content-type"]?.hasPrefix("text/plain") == true, "\(refusals[0].1)")
        #expect(refusals[1].1.body.hasPrefix(wrongToken), "\(refusals[1].1)")
        for (what, answer, _) in refusals where what.contains("routing key") || what.contains("JSON") {
            #expect(answer.headers["content-type"] == "application/json", "\(what): \(answer)")
            let object = try JSONParser.parse(Array(answer.body.utf8))
            #expect(object["status"]?.stringValue == "unauthorized", "\(what): \(answer.body)")
            let errors = object["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(
                errors.count == 1 && errors[0].hasPrefix(what.hasPrefix("a wrong") ? wrongToken : noToken),
                "\(what): \(answer.body)")
        }
        let unauthorized = try JSONParser.parse(Array(refusals[2].1.body.utf8))
        #expect(unauthorized["message"] == "The token is not one of this intake's", "\(refusals[2].1.body)")
        #expect(try JSONParser.parse(Array(refusals[4].1.body.utf8))["message"] == "A token is needed")

        let missingSummary = try await send(
            watch.url + "/v2/enqueue",
            json: #"{"routing_key":"\#(ciSecret)","event_action":"trigger","payload":{"source":"s","severity":"info"}}"#
        )
        #expect(missingSummary.status == 400, "\(missingSummary)")
        #expect(
            try JSONParser.parse(Array(missingSummary.body.utf8))
                == .object([
                    "status": "invalid event", "message": "Event object is invalid",
                    "errors": ["payload.summary: missing"]
                ]))
        let bearer = ["Authorization: Bearer \(amSecret)"]
        // Not JSON, from a token holder (in the header): PagerDuty's 400 with the problem.
        let badEvent = try await send(watch.url + "/v2/enqueue", json: "{\"routing_key\": ", headers: bearer)
        #expect(badEvent.status == 400, "\(badEvent)")
        #expect(try JSONParser.parse(Array(badEvent.body.utf8))["status"] == "invalid event", "\(badEvent)")
        let badJSON = try await send(watch.url + "/v1/alertmanager", json: "{\"version\": \"4\",", headers: bearer)
        #expect(badJSON.status == 400 && badJSON.body.contains("the body is not JSON"), "\(badJSON)")
        var noFingerprint = String(decoding: notification, as: UTF8.self)
        noFingerprint = noFingerprint.replacingOccurrences(of: #""fingerprint":"faafda1730ad1126""#, with: #""x":"y""#)
        let missing = try await send(watch.url + "/v1/alertmanager", json: noFingerprint, headers: bearer)
        #expect(missing.status == 400 && missing.body.contains("alerts[0].fingerprint: missing"), "\(missing)")

        let big = Array(repeating: UInt8(ascii: "a"), count: 64 * 1024 + 1)
        let byLength = try await send(watch.url + "/v1/alertmanager", big, headers: bearer)
        #expect(byLength.status == 413, "\(byLength)")
        let counted = try await send(watch.url + "/v1/alertmanager", big, headers: bearer, chunked: true)
        #expect(counted.status == 413 && counted.body.contains("64 KiB"), "\(counted)")
        // PagerDuty's 413s (by length, counted) and 405 are its JSON too, as its 400 is.
        let tooLarge = JSONValue.object([
            "status": "invalid event", "message": "Event object is too large",
            "errors": [
                "the body is larger than the 64 KiB the intake takes (intake: max_body in klaxon.yaml)"
            ]
        ])
        for chunked in [false, true] {
            let answer = try await send(watch.url + "/v2/enqueue", big, headers: bearer, chunked: chunked)
            #expect(answer.status == 413 && answer.headers["content-type"] == "application/json", "\(answer)")
            #expect(try JSONParser.parse(Array(answer.body.utf8)) == tooLarge, "\(answer)")
        }
        let getEvent = try await send(watch.url + "/v2/enqueue", method: "GET", headers: bearer)
        #expect(getEvent.status == 405 && getEvent.headers["allow"] == "POST", "\(getEvent)")
        #expect(
            try JSONParser.parse(Array(getEvent.body.utf8))
                == .object([
                    "status": "invalid request", "message": "Method not allowed", "errors": ["this endpoint takes POST"]
                ]), "\(getEvent)")

        #expect(try await send(watch.url + "/v1/alerts", notification, headers: bearer).status == 404)
        let get = try await send(watch.url + "/v1/alertmanager", method: "GET", headers: bearer)
        #expect(get.status == 405 && get.headers["allow"] == "POST", "\(get)")
        #expect(try await send(watch.url + "/-/healthy", method: "GET").status == 200)
        #expect(try await send(watch.url + "/-/ready", method: "GET").status == 200)
        // No heartbeat check of that name (the heartbeat checks are not built yet): 404 naming it.
        let ping = try await send(watch.url + "/v1/heartbeat/watchdog", nil, headers: bearer)
        #expect(ping.status == 404 && ping.body.contains("\"watchdog\""), "\(ping)")

        // A pass of the router later, still nothing.
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try alertsJournal(ws).bytes == before)
        #expect(try await watch.stop() == 0)
        for secret in [amSecret, ciSecret, wrongSecret] { #expect(!watch.printed.contains(secret), "\(watch.printed)") }
    }

    /// Alertmanager's recorded webhook body (../shared/fixtures/real), its one alert copied `count`
    /// times with fingerprints of their own (a group of `count`: 1,000 is about 1.5 MB).
    static func fixture(alerts count: Int = 1) throws -> [UInt8] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/real/am-webhook-firing-KlaxonAlwaysCritical.json").path
        let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
        guard count > 1 else { return Array(text.utf8) }
        let start = try #require(text.range(of: #""alerts":["#))
        let end = try #require(text.range(of: "}],", range: start.upperBound..<text.endIndex))
        let alert = String(text[start.upperBound...end.lowerBound])
        let description = String(
            repeating: "The registry on this node answers 5xx to more than 5% of pushes over the last 5 minutes. ",
            count: 12)
        let alerts = (0..<count).map { n in
            alert.replacingOccurrences(of: #""fingerprint":"faafda1730ad1126""#, with: #""fingerprint":"fp\#(n)""#)
                .replacingOccurrences(
                    of: #""alertname":"KlaxonAlwaysCritical","#,
                    with: #""alertname":"KlaxonAlwaysCritical","instance":"node-\#(n).build.internal:9100","#
                )
                // What a real rule's annotations say: a description and a runbook link, about 1 KB.
                .replacingOccurrences(
                    of: #""summary":"Always-on critical test alert""#,
                    with:
                        #""summary":"Always-on critical test alert","description":"\#(description)","runbook_url":"https://runbooks.build.internal/registry/\#(n)""#
                )
        }
        return Array(
            (String(text[..<start.upperBound]) + alerts.joined(separator: ",") + "]," + String(text[end.upperBound...]))
                .utf8)
    }

    /// Point 6: a group of 1,000 alerts (about 1.5 MB, under the default max_body of 8 MiB) is taken
    /// whole: answered 200 once its one record holds every alert.
    @Test func aThousandAlertGroupIsAcceptedWhole() async throws {
        let ws = makeWorkspace(
            """
            name: t
            intake:
              listen: 127.0.0.1:0
              tokens: {am: "env:KLAXON_AM_TOKEN"}
            """)
        let watch = try await start(ws)
        let body = try Self.fixture(alerts: 1000)
        #expect(body.count > 1_000_000)
        let answer = try await send(
            watch.url + "/v1/alertmanager", body, headers: ["Authorization: Bearer \(amSecret)"])
        #expect(answer.status == 200, "\(answer)")
        #expect(try await watch.stop() == 0)
        let (records, received, _) = try alertsJournal(ws)
        #expect(received.count == 1)
        let batch = try #require(received.first.flatMap(ReceivedAlerts.batches(of:))?.first)
        #expect(batch.alerts.count == 1000 && batch.token == "am")
        #expect(Set(batch.alerts.map(\.key)).count == 1000)
        #expect(batch.group == #"{}:{alertname="KlaxonAlwaysCritical"}"#)
        #expect(AlertBook(records: records).active.count == 1000)
    }

    /// A write that fails (the journal `alerts` is a directory, not a file) is the intake's own
    /// trouble: Alertmanager is answered 503 (it retries), a PagerDuty client 500, nothing is recorded,
    /// and klaxon watch says it once, then once more when writes succeed again.
    @Test func aFailedWriteIsA5xxAndSaidOnce() async throws {
        let ws = intakeWorkspace()
        try FileManager.default.createDirectory(
            atPath: ws.path + "/journals/alerts.jsonl", withIntermediateDirectories: true)
        let watch = try await start(ws)
        let bearer = ["Authorization: Bearer \(amSecret)"]
        let am = try await send(watch.url + "/v1/alertmanager", try Self.fixture(), headers: bearer)
        #expect(am.status == 503, "\(am)")
        let pd = try await send(watch.url + "/v2/enqueue", json: event("trigger", key: "k1"))
        #expect(pd.status == 500 && pd.body.contains("could not be recorded"), "\(pd)")
        try FileManager.default.removeItem(atPath: ws.path + "/journals/alerts.jsonl")
        let again = try await send(watch.url + "/v2/enqueue", json: event("trigger", key: "k2"))
        #expect(again.status == 202, "\(again)")
        #expect(try await watch.stop() == 0)
        let said = watch.printed.components(separatedBy: "\n")
        #expect(said.filter { $0.contains("intake: the alerts received could not be recorded") }.count == 1, "\(said)")
        #expect(said.contains("klaxon: intake: the alerts received are recorded again"), "\(said)")
        let keys = try alertsJournal(ws).records.compactMap(ReceivedAlerts.batches(of:)).flatMap { $0 }.flatMap(
            \.alerts
        )
        .map(\.key)
        #expect(keys == ["k2"])
    }

    /// Point 3: when `AlertJournalWriter.maximumWaiting` (1,000) requests already wait for the writer
    /// (whose write waits for the journal, locked by another process, as a stuck writer would), a
    /// PagerDuty event is answered 429 at once, with PagerDuty's JSON and `Retry-After: 1`, and nothing
    /// of it is ever recorded; those waiting are recorded, and answered 202, once the lock is free.
    @Test func aFullWriterQueueIsAnswered429AndRecordsNothing() async throws {
        let ws = intakeWorkspace()
        let watch = try await start(ws)
        let port = watch.port
        #expect(try await send(watch.url + "/v2/enqueue", json: event("trigger", key: "before")).status == 202)
        try await waitUntilRouted(ws)
        let journalPath = ws.path + "/journals/alerts.jsonl"
        let holder = try startLockHolder(of: journalPath, seconds: 120)
        defer { if holder.isRunning { holder.terminate() } }
        #expect(try await blocking { Self.waitUntilLocked(journalPath) }, "the lock holder did not lock the journal")

        func request(_ key: String) -> String {
            let body = event("trigger", key: key)
            return
                "POST /v2/enqueue HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + body
        }
        // The first is taken by the writer, which then waits for the lock; the next 1,000 wait for it,
        // and those after them are refused.
        let first = Self.connect(port)
        #expect(first >= 0 && Self.write(first, request("taken")))
        try await Task.sleep(for: .milliseconds(500))
        let count = 1100
        let waitingAtMost = 1000  // AlertJournalWriter.maximumWaiting
        let keys = (0..<count).map { "q\($0)" }
        let requests = keys.map(request)
        let descriptors = try await blocking {
            requests.map { text in
                let fd = Self.connect(port)
                return fd >= 0 && Self.write(fd, text) ? fd : -1
            }
        }
        defer { for fd in descriptors + [first] where fd >= 0 { close(fd) } }
        #expect(descriptors.allSatisfy { $0 >= 0 })
        // The refusals come at once, while the lock is still held.
        let early = try await blocking {
            Self.answers(on: descriptors, within: 20) { $0.count >= count - waitingAtMost }
        }
        holder.terminate()
        try await blocking { holder.waitUntilExit() }
        let late = try await blocking {
            Self.answers(on: descriptors.filter { early[$0] == nil } + [first], within: 30) { _ in false }
        }
        let answers = early.merging(late) { old, _ in old }
        let throttled = Set(descriptors.indices.filter { answers[descriptors[$0]]?.hasPrefix("HTTP/1.1 429") == true })
        let accepted = Set(descriptors.indices.filter { answers[descriptors[$0]]?.hasPrefix("HTTP/1.1 202") == true })
        #expect(throttled.count >= 1, "no 429 among \(count) requests beyond the 1,000 waiting")
        #expect(throttled.count + accepted.count == count, "\(throttled.count) 429, \(accepted.count) 202")
        for index in throttled {
            let answer = answers[descriptors[index]]!
            let parts = answer.components(separatedBy: "\r\n\r\n")
            let head = parts[0].lowercased()
            #expect(
                head.contains("\r\nretry-after: 1") && head.contains("\r\ncontent-type: application/json"), "\(answer)")
            #expect(
                try JSONParser.parse(Array(parts.dropFirst().joined().utf8))
                    == .object([
                        "status": "throttle exceeded", "message": "Too many events are waiting; retry",
                        "errors": ["too many requests are waiting to be recorded; retry"]
                    ]), "\(answer)")
        }
        #expect(try await watch.stop() == 0)
        let recorded = Set(
            try alertsJournal(ws).records.compactMap(ReceivedAlerts.batches(of:)).flatMap { $0 }.flatMap(\.alerts)
                .map(\.key))
        #expect(throttled.allSatisfy { !recorded.contains(keys[$0]) }, "a refused event was recorded")
        #expect(accepted.allSatisfy { recorded.contains(keys[$0]) }, "an accepted event is missing")
    }

    /// Waits (10 s at most) until another process holds the exclusive `flock` of `path`.
    static func waitUntilLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        for _ in 0..<200 {
            if flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK { return true }
            flock(fd, LOCK_UN)
            usleep(50_000)
        }
        return false
    }

    /// The whole answers (head, and body by its `Content-Length`) that arrive on `descriptors` within
    /// `seconds`, by descriptor; it stops early once `enough` says so of those so far.
    static func answers(
        on descriptors: [Int32], within seconds: Double, enough: ([Int32: String]) -> Bool
    ) -> [Int32: String] {
        var received: [Int32: [UInt8]] = [:]
        var complete: [Int32: String] = [:]
        var open = Set(descriptors.filter { $0 >= 0 })
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !open.isEmpty && Date() < deadline && !enough(complete) {
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), 100) > 0 else { continue }
            for entry in polled where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { received[entry.fd, default: []] += buffer[..<count] }
                let text = String(decoding: received[entry.fd] ?? [], as: UTF8.self)
                let parts = text.components(separatedBy: "\r\n\r\n")
                let length =
                    parts[0].lowercased().components(separatedBy: "\r\ncontent-length: ").dropFirst().first
                    .flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
                if count <= 0
                    || (parts.count > 1 && parts.dropFirst().joined(separator: "\r\n\r\n").utf8.count >= length)
                {
                    open.remove(entry.fd)
                    if !text.isEmpty { complete[entry.fd] = text }
                }
            }
        }
        return complete
    }

    // MARK: - Slow and hostile clients

    /// How many of `descriptors` the other side closed within `seconds` (all waited for at once).
    static func closed(_ descriptors: [Int32], within seconds: Double) -> Int {
        var open = Set(descriptors)
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 512)
        while !open.isEmpty && Date() < deadline {
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), 200) > 0 else { continue }
            for entry in polled where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { open.remove(entry.fd) }
            }
        }
        return descriptors.count - open.count
    }

    /// A TCP connection to 127.0.0.1:`port`, or -1.
    static func connect(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Sends `text`; false once the other side has closed.
    static func write(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// What the other side sent until it closed or sent a whole answer's head, or nil when it did
    /// neither within `seconds`.
    static func readUntilAnswerOrClose(_ fd: Int32, seconds: Double) -> String? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return String(decoding: received, as: UTF8.self) }
            received += buffer[..<count]
            if received.count >= 4,
                received.indices.dropLast(3).contains(where: { received[$0..<$0 + 4] == [13, 10, 13, 10] })
            {
                return String(decoding: received, as: UTF8.self)
            }
        }
        return nil
    }

    /// Point 6: a slowloris (a head sent a byte a second), a body that stops, a body that trickles a
    /// byte a second and 1,000 idle connections, all at once, against a klaxon watch whose soft limit of
    /// open files is 256 (what it raises to the hard limit): a real event is still answered, and each
    /// hostile connection is closed by the intake (the idle ones and the stopped body after its 10 s idle
    /// timeout, the slowloris whose head never completes likewise, the trickle answered 408 after 30 s).
    @Test func slowAndIdleClientsDoNotStopARealRequest() async throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #expect(limit.rlim_cur >= 2000, "the test needs 2,000 descriptors of its own")
        let ws = intakeWorkspace()
        let watch = try await start(ws, openFiles: 256)
        let port = watch.port
        let auth = "Authorization: Bearer \(amSecret)\r\n"
        // Alertmanager-sized head, sent a byte a second: it would take a minute and more.
        let slowHead = "POST /v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)Content-Length: 10\r\n\r\n"
        // Each blocking client on a Dispatch thread (`blocking`), never on Swift's cooperative pool.
        let slowloris = Task {
            try await blocking {
                let fd = Self.connect(port)
                defer { close(fd) }
                for character in slowHead {
                    guard Self.write(fd, String(character)) else { return "closed while sending" }
                    if let text = Self.readUntilAnswerOrClose(fd, seconds: 1) { return "closed: " + text }
                }
                return "the whole head was sent"
            }
        }
        let stopped = Task {
            try await blocking {
                let fd = Self.connect(port)
                defer { close(fd) }
                _ = Self.write(
                    fd,
                    "POST /v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)Content-Length: 60000\r\n\r\n{\"ver")
                return Self.readUntilAnswerOrClose(fd, seconds: 25)
            }
        }
        let trickle = Task {
            try await blocking { () -> String? in
                let fd = Self.connect(port)
                defer { close(fd) }
                _ = Self.write(
                    fd, "POST /v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n\(auth)Content-Length: 60000\r\n\r\n")
                for _ in 0..<60 {
                    guard Self.write(fd, " ") else { break }
                    if let text = Self.readUntilAnswerOrClose(fd, seconds: 0.8) { return text }
                }
                return Self.readUntilAnswerOrClose(fd, seconds: 5)
            }
        }
        let idle = try await blocking { (0..<1000).map { _ in Self.connect(port) } }
        defer { for fd in idle where fd >= 0 { close(fd) } }
        #expect(idle.allSatisfy { $0 >= 0 })

        // All of them open at once: a real event is answered, and recorded.
        let real = try await send(watch.url + "/v2/enqueue", json: event("trigger", key: "real-1"))
        #expect(real.status == 202, "\(real)")
        #expect(try alertsJournal(ws).received.count == 1)

        // The idle connections are closed by the intake once idle 10 s.
        let closedIdle = try await blocking { Self.closed(idle, within: 20) }
        #expect(closedIdle == 1000)
        let slow = try await slowloris.value
        #expect(slow == "closed: ", "\(slow)")
        #expect(try await stopped.value != nil)
        let trickled = try await trickle.value
        #expect(trickled?.hasPrefix("HTTP/1.1 408") == true, "\(trickled ?? "still open")")
        #expect(try alertsJournal(ws).received.count == 1)
        #expect(try await watch.stop() == 0)
    }

    // MARK: - Stops

    /// Point 6: `klaxon watch` SIGKILLed while four clients post events: every event answered 202 is in
    /// the journal after the restart, which verifies (a torn last record at most, set aside by the next
    /// append), and the restarted intake records the next.
    @Test func aKilledWatchLosesNoAnsweredEvent() async throws {
        let ws = intakeWorkspace()
        let watch = try await start(ws)
        let url = watch.url + "/v2/enqueue"
        let answered = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<4 {
                group.addTask {
                    var keys: [String] = []
                    for n in 0..<400 {
                        let key = "c\(client)-\(n)"
                        let answer = try await send(url, json: event("trigger", key: key))
                        guard answer.status == 202 else { break }
                        keys.append(key)
                    }
                    return keys
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(2))
                kill(watch.process.processIdentifier, SIGKILL)
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        try await blocking { watch.process.waitUntilExit() }
        #expect(watch.process.terminationReason == .uncaughtSignal)
        #expect(answered.count > 10, "too few answered before the kill to show anything")

        let restarted = try await start(ws)
        let after = try await send(restarted.url + "/v2/enqueue", json: event("trigger", key: "after"))
        #expect(after.status == 202, "\(after)")
        #expect(try await restarted.stop() == 0)
        let verification = try JournalFile.verify(path: ws.path + "/journals/alerts.jsonl")
        #expect(verification.damage == nil, "\(String(describing: verification.damage))")
        let recorded = Set(
            try alertsJournal(ws).records.compactMap(ReceivedAlerts.batches(of:)).flatMap { $0 }.flatMap(\.alerts)
                .map(\.key))
        #expect(
            Set(answered).subtracting(recorded).isEmpty,
            "answered, not recorded: \(Set(answered).subtracting(recorded))")
        #expect(recorded.contains("after"))
    }

    /// Point 6: SIGTERM while a request's body is under way: the intake takes no new connection, and
    /// the request under way is recorded and answered 202 before klaxon watch exits 0.
    @Test func sigtermFinishesARequestUnderWay() async throws {
        let ws = intakeWorkspace()
        let watch = try await start(ws)
        let body = event("trigger", key: "under-way")
        let split = body.index(body.startIndex, offsetBy: 20)
        let fd = Self.connect(watch.port)
        defer { close(fd) }
        #expect(
            Self.write(
                fd,
                "POST /v2/enqueue HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                    + body[..<split]))
        try await Task.sleep(for: .milliseconds(300))
        kill(watch.process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(700))
        #expect(watch.process.isRunning)
        let refused = Self.connect(watch.port)
        #expect(refused < 0, "a new connection was accepted after SIGTERM")
        if refused >= 0 { close(refused) }
        #expect(Self.write(fd, String(body[split...])))
        let answer = try await blocking { Self.readUntilAnswerOrClose(fd, seconds: 10) } ?? "no answer"
        #expect(answer.hasPrefix("HTTP/1.1 202"), "\(answer)")
        try await blocking { watch.process.waitUntilExit() }
        #expect(watch.process.terminationStatus == 0, "\(watch.printed)")
        let keys = try alertsJournal(ws).records.compactMap(ReceivedAlerts.batches(of:)).flatMap { $0 }.flatMap(
            \.alerts
        )
        .map(\.key)
        #expect(keys == ["under-way"])
    }

    /// Point 3: an intake that cannot start stops klaxon watch with a message saying what to do: its
    /// address in use, a token whose reference does not resolve (named, and no secret printed).
    @Test func anIntakeThatCannotStartStopsKlaxonWatch() async throws {
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(taken) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(taken, $0, length) == 0 && listen(taken, 1) == 0 && getsockname(taken, $0, &length) == 0
            }
        }
        #expect(bound)
        let port = UInt16(bigEndian: address.sin_port)
        let ws = makeWorkspace(
            """
            name: t
            intake:
              listen: 127.0.0.1:\(port)
              tokens: {am: "env:KLAXON_AM_TOKEN"}
            """)
        let errors = ws.path + "/errors.txt"
        let inUse = try startWatch(ws, output: nil, errors: errors, environment: ["KLAXON_AM_TOKEN": amSecret])
        try await blocking { inUse.waitUntilExit() }
        let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(inUse.terminationStatus == 1, "\(said)")
        // What to do, at the place of intake.listen, never SwiftNIO's `bind(descriptor:ptr:bytes:)`.
        #expect(
            said.contains(
                "cannot listen on 127.0.0.1:\(port) (from \(ws.path)/klaxon.yaml:3:11 intake.listen): the address is in use — stop what listens there or choose another port"
            ), "\(said)")
        #expect(!said.contains("bind(") && !said.contains("errno"), "\(said)")

        // An address that is not this machine's (TEST-NET-3: bound, never contacted).
        ws.write(
            "klaxon.yaml", "name: t\nintake:\n  listen: 203.0.113.7:9095\n  tokens: {am: \"env:KLAXON_AM_TOKEN\"}\n")
        let foreign = try startWatch(ws, output: nil, errors: errors, environment: ["KLAXON_AM_TOKEN": amSecret])
        try await blocking { foreign.waitUntilExit() }
        let foreignSaid = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(foreign.terminationStatus == 1, "\(foreignSaid)")
        #expect(
            foreignSaid.contains(
                "cannot listen on 203.0.113.7:9095 (from \(ws.path)/klaxon.yaml:3:11 intake.listen): the address is not one of this machine's"
            ), "\(foreignSaid)")
        #expect(!foreignSaid.contains("bind("), "\(foreignSaid)")
        // config validate's warning is said by the process that listens, at its start.
        #expect(
            foreignSaid.contains("klaxon: warning: \(ws.path)/klaxon.yaml:3:11: intake: listen is 203.0.113.7:9095: "),
            "\(foreignSaid)")
        ws.write(
            "klaxon.yaml", "name: t\nintake:\n  listen: 127.0.0.1:\(port)\n  tokens: {am: \"env:KLAXON_AM_TOKEN\"}\n")

        let unset = try startWatch(ws, output: nil, errors: errors)
        try await blocking { unset.waitUntilExit() }
        let unsetSaid = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(unset.terminationStatus == 2, "\(unsetSaid)")
        #expect(
            unsetSaid.contains(
                "intake: tokens: am: env:KLAXON_AM_TOKEN is not set in the environment of the process that listens for alerts (klaxon watch)"
            ), "\(unsetSaid)")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/alerts.jsonl"))

        // Issue 23: an action links' key that could be guessed is refused at the start, never repeated.
        ws.write(
            "klaxon.yaml",
            "name: t\nintake:\n  listen: 127.0.0.1:\(port)\n  tokens: {am: \"env:KLAXON_AM_TOKEN\"}\n  public_url: http://127.0.0.1:\(port)\n  link_secret: env:LINKS\n"
        )
        let weak = try startWatch(
            ws, output: nil, errors: errors, environment: ["KLAXON_AM_TOKEN": amSecret, "LINKS": "hunter2"])
        try await blocking { weak.waitUntilExit() }
        let weakSaid = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(weak.terminationStatus == 2, "\(weakSaid)")
        #expect(
            weakSaid.contains(
                "intake: link_secret: env:LINKS holds 7 bytes; an action links' key needs at least 32 random bytes"),
            "\(weakSaid)")
        #expect(!weakSaid.contains("hunter2"))
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals/alerts.jsonl"))
    }

    /// A heartbeat check pinged through the intake (`POST /v1/heartbeat/NAME` with a token) is up at
    /// once, as klaxon watch prints; a ping of a name that is no heartbeat check is 404 naming it.
    @Test func aPingThroughTheIntakeKeepsTheHeartbeatCheckUp() async throws {
        let ws = intakeWorkspace(extra: "checks:\n  - {name: alerting-pipeline, type: heartbeat, interval: 10m}")
        let watch = try await start(ws)
        let bearer = ["Authorization: Bearer \(amSecret)"]
        let ping = try await send(watch.url + "/v1/heartbeat/alerting-pipeline", nil, headers: bearer)
        #expect(ping.status == 200, "\(ping)")
        let unknown = try await send(watch.url + "/v1/heartbeat/nightly.backup", nil, headers: bearer)
        #expect(unknown.status == 404 && unknown.body.contains("\"nightly.backup\""), "\(unknown)")
        let printed = try await output(watch.output, containing: "alerting-pipeline", seconds: 10)
        #expect(printed.contains("alerting-pipeline unknown → up"), "\(watch.printed)")
        #expect(try await watch.stop() == 0)
    }

    /// Point 5: `klaxon alert send` posts a PagerDuty-style event through libcurl to the running
    /// intake and prints the dedup key it was answered; `--resolve` with it resolves that alert; a token
    /// the intake does not know is its 401, exit status 1.
    @Test func alertSendTriggersAndResolvesThroughTheIntake() async throws {
        let ws = intakeWorkspace()
        let watch = try await start(ws)
        let k = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "SEND_TOKEN": ciSecret, "BAD": "nope"])
        let url = watch.url
        let trigger = try await blocking {
            k.run("alert", "send", "--to", url, "--token-env", "SEND_TOKEN", "--summary", "Registry 5xx", "--json")
        }
        #expect(trigger.status == 0, "\(trigger.errors)")
        let key = try #require(trigger.json?["dedup_key"]?.stringValue)
        let resolve = try await blocking {
            k.run("alert", "send", "--to", url, "--token-env", "SEND_TOKEN", "--resolve", "--dedup-key", key)
        }
        #expect(resolve.status == 0, "\(resolve.errors)")
        #expect(resolve.output == "resolve: accepted (HTTP 202), dedup key \(key)\n")
        let refused = try await blocking { k.run("alert", "send", "--to", url, "--token-env", "BAD") }
        #expect(refused.status == 1 && refused.errors.contains("answered HTTP 401"), "\(refused.errors)")
        #expect(try await watch.stop() == 0)
        let book = AlertBook(records: try alertsJournal(ws).records)
        #expect(book.alerts.count == 1)
        #expect(book.alerts.first?.key == key && book.alerts.first?.state == .resolved)
        #expect(book.alerts.first?.severity == "info", "a test event is info unless asked: it pages nobody by default")
        #expect(book.alerts.first?.summary == "Registry 5xx")
    }

    /// The routes of klaxon.yaml reach the engine: an Alertmanager group that a `declare: SEV2` route
    /// takes, posted to klaxon watch's intake, is declared as one incident by that klaxon watch (the
    /// process that sends the pages), titled from its alert. And `config validate` checks the routes
    /// (a policy that does not exist).
    @Test func aGroupPostedToTheIntakeIsDeclaredByKlaxonWatchAsItsRouteSays() async throws {
        let ws = TemporaryDirectory("klaxon-ws")
        ws.write(
            "klaxon.yaml",
            """
            name: t
            intake:
              tokens: {am: "env:KLAXON_AM_TOKEN"}
              routes:
                - {match: {severity: critical}, policy: nobody-pages, declare: SEV2}
            """)
        let validate = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "KLAXON_AM_TOKEN": "x"])
            .run("config", "validate")
        #expect(validate.status == 1)
        #expect(
            validate.output.contains("intake route 1: policy \"nobody-pages\" is not in Escalation/policies/"),
            "\(validate.output)")

        ws.write(
            "klaxon.yaml",
            """
            name: t
            intake:
              listen: 127.0.0.1:0
              tokens: {am: "env:KLAXON_AM_TOKEN", ci: "file:\(ws.path)/ci.token"}
              routes:
                - match: {severity: critical}
                  service: registry
                  declare: SEV2
            """)
        let watch = try await start(ws)
        let answer = try await send(
            watch.url + "/v1/alertmanager", try Self.fixture(), headers: ["Authorization: Bearer \(amSecret)"])
        #expect(answer.status == 200, "\(answer)")
        var ids: [String] = []
        for _ in 0..<100 where ids.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            ids = (try? IncidentStore(directory: ws.path + "/journals").ids()) ?? []
        }
        // Resolved, with the route's on_resolve left at note: the incident stays open, and the line says so
        // (it said "INC-1 resolved" of an incident still open and paging).
        let resolved = String(decoding: try Self.fixture(), as: UTF8.self).replacingOccurrences(
            of: "\"firing\"", with: "\"resolved\"")
        let resolvedAnswer = try await send(
            watch.url + "/v1/alertmanager", json: resolved, headers: ["Authorization: Bearer \(amSecret)"])
        #expect(resolvedAnswer.status == 200, "\(resolvedAnswer)")
        for _ in 0..<100 where !watch.printed.contains("every alert of alert group") {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await watch.stop() == 0)
        #expect(ids == ["INC-1"], "\(watch.printed)")
        #expect(
            watch.printed.contains("INC-1: every alert of alert group")
                && watch.printed.contains("resolved; the incident stays open (a person resolves it)"),
            "\(watch.printed)")
        #expect(!watch.printed.contains("INC-1 resolved"), "\(watch.printed)")
        let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident
        #expect(incident.status != .resolved)
        #expect(incident.severity == .sev2 && incident.services == ["registry"])
        #expect(incident.title.contains("KlaxonAlwaysCritical"), "\(incident.title)")
    }

    // MARK: - The journal alerts

    /// The journal `alerts` is one the file store knows, as `platform`: listed after it, never an
    /// incident (the list shows only INC-1), verified, exported and imported byte for byte, and named
    /// by `journal verify alerts`.
    @Test func theAlertsJournalIsVerifiedExportedAndImportedAndNeverAnIncident() throws {
        let ws = makeWorkspace("name: t\n")
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV2").status == 0)
        let store = FileJournalStore(directory: ws.path + "/journals")
        let journal = AlertJournal(store: store)
        let event = try PagerDutyEvent.parse(Array(event("trigger", key: "k1").utf8))
        for key in ["k1", "k2"] {
            try journal.append(
                RecordDraft(
                    type: ReceivedAlerts.recordType,
                    data: ReceivedAlerts.draftData([
                        ReceivedAlerts(pagerDuty: event, token: "ci", dedupKey: key, receivedAt: k.clock.now)
                    ]), timestamp: k.clock.now, actor: "klaxon", host: "h", pid: 1))
        }
        #expect(try store.journalNames() == ["INC-1", "alerts"])
        #expect(try IncidentStore(directory: ws.path + "/journals").ids() == ["INC-1"])
        let list = k.run("incident", "list", "--json")
        #expect(list.status == 0 && list.json?.arrayValue?.count == 1, "\(list.output)\(list.errors)")

        let verify = k.run("journal", "verify")
        #expect(verify.status == 0, "\(verify.output)\(verify.errors)")
        #expect(verify.output.contains("alerts.jsonl"), "\(verify.output)")
        let one = k.run("journal", "verify", "alerts")
        #expect(one.status == 0 && one.output.contains("alerts.jsonl"), "\(one.output)\(one.errors)")

        let out = TemporaryDirectory("export")
        let exported = k.run("journal", "export", "--to", out.path)
        #expect(exported.status == 0, "\(exported.errors)")
        #expect(exported.output.contains("alerts: exported, 2 records"), "\(exported.output)")
        #expect(out.read("alerts.jsonl") == ws.read("journals/alerts.jsonl"))
        let other = makeWorkspace("name: other\n")
        let imported = Klaxon(workspace: other.path).run("journal", "import", "--from", out.path, "alerts")
        #expect(
            imported.status == 0 && imported.output.contains("alerts: imported"), "\(imported.output)\(imported.errors)"
        )
        #expect(other.read("journals/alerts.jsonl") == ws.read("journals/alerts.jsonl"))
    }

    // MARK: - Config

    /// Point 2: `intake:` in klaxon.yaml: each mistake is one error at its line and column, saying what
    /// to write; a literal secret is refused without being repeated; config validate shows it.
    @Test func intakeConfigMistakesAreNamedAtTheirPlaces() throws {
        let cases: [(String, String)] = [
            (
                "intake:\n  listen: 127.0.0.1:9095\n  tokens: {am: hunter2-literal}\n",
                "klaxon.yaml:4:16: intake: tokens: am must be a reference, never the secret itself: write am: env:NAME (a variable of klaxon watch) or am: file:PATH (a file holding the secret)"
            ),
            (
                "intake:\n  listen: registry.internal:9095\n  tokens: {am: env:A}\n",
                "klaxon.yaml:3:11: intake: listen is \"registry.internal:9095\"; write HOST:PORT with an IP address or localhost, such as 127.0.0.1:9095 or [::1]:9095"
            ),
            (
                "intake:\n  listen: 127.0.0.1:9095\n",
                "klaxon.yaml:3:11: intake: listen is set but intake: tokens is empty, so every request would be refused; add tokens: {alertmanager: env:KLAXON_AM_TOKEN} (a name and where its secret is)"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  routes:\n    - match: {severity: critical}\n      declare: SEV2\n      servce: registry\n",
                "klaxon.yaml:7:7: unknown key \"servce\" in intake: routes: 1 (known: match, match_re, service, policy, runbook, declare, severity_label, severities, on_resolve)"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  routes:\n    - declare: SEV9\n",
                "klaxon.yaml:5:16: intake: routes: 1: declare is \"SEV9\"; write a severity (SEV1 to SEV5), attach or none"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  routes:\n    - match_re: {alertname: \"Registry(\"}\n",
                "klaxon.yaml:5:17: intake: routes: 1: match_re: alertname is \"Registry(\", not a regular expression"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  max_body: huge\n",
                "klaxon.yaml:4:13: intake: max_body is \"huge\"; write a whole number with a unit: B (bytes, also without a unit), KiB (1,024 bytes), MiB (1,048,576 bytes), kB or KB (1,000 bytes), MB (1,000,000 bytes), from 1KiB to 256MiB, such as 8MiB (a group of 1,000 alerts is about 1.5 MB)"
            ),
            // A unit it does not take is told which it takes, and what MB means.
            (
                "intake:\n  tokens: {am: env:A}\n  max_body: 8GB\n",
                "klaxon.yaml:4:13: intake: max_body is \"8GB\"; write a whole number with a unit: B (bytes, also without a unit), KiB (1,024 bytes), MiB (1,048,576 bytes), kB or KB (1,000 bytes), MB (1,000,000 bytes)"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  max_body: 300MiB\n",
                "klaxon.yaml:4:13: intake: max_body is \"300MiB\" (314572800 bytes); write a size from 1KiB to 256MiB"
            ),
            (
                "intake:\n  listen: 127.0.0.1:99999\n  tokens: {am: env:A}\n",
                "klaxon.yaml:3:11: intake: listen is \"127.0.0.1:99999\": the port must be 1 to 65535, or 0 for a free port that klaxon watch then names; write one such as 127.0.0.1:9095"
            ),
            // attach means "onto an open incident of the route's service": without one it never attaches.
            (
                "intake:\n  tokens: {am: env:A}\n  routes:\n    - match: {team: ci}\n      declare: attach\n",
                "klaxon.yaml:6:16: intake: routes: 1: declare: attach takes an alert group onto an open incident of the route's service, and this route names no service, so it can never attach; add service: NAME"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  listn: 127.0.0.1:1\n",
                "klaxon.yaml:4:3: unknown key \"listn\" in intake (known: listen, tokens, routes, max_body, public_url, link_secret, link_expiry)"
            ),
            // Issue 23: action links are signed, with a key kept as a reference, by a base phones can reach.
            (
                "intake:\n  tokens: {am: env:A}\n  public_url: https://klaxon.example.com\n",
                "klaxon.yaml:4:15: intake: public_url is set but intake: link_secret is not, and action links must be signed"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  public_url: https://k.example.com\n  link_secret: hunter2\n",
                "klaxon.yaml:5:16: intake: link_secret must be a reference, never the secret itself"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  public_url: ftp://k.example.com/?x=1\n  link_secret: env:L\n",
                "klaxon.yaml:4:15: intake: public_url is \"ftp://k.example.com/?x=1\"; write the address phones reach klaxon watch's listener at"
            ),
            (
                "intake:\n  tokens: {am: env:A}\n  public_url: https://k.example.com\n  link_secret: env:L\n  link_expiry: 10s\n",
                "klaxon.yaml:6:16: intake: link_expiry must be from 1m to 30d"
            )
        ]
        for (yaml, expected) in cases {
            let ws = makeWorkspace("name: t\n" + yaml)
            let run = Klaxon(workspace: ws.path).run("config", "validate")
            #expect(run.status == 1, "\(yaml)")
            // Printed as PLACE: error: MESSAGE.
            let place = expected.prefix { $0 != " " }
            #expect(
                run.output.contains(ws.path + "/" + place + " error:" + expected.dropFirst(place.count)),
                "\(run.output)"
            )
            #expect(!run.output.contains("hunter2"), "\(run.output)")
        }
    }

    /// Issue 23: what works but is likely not meant in the action links' settings is a warning at its
    /// place: a public URL in clear text that other machines reach, a key with no public URL (no links),
    /// a public URL with nothing listening; a loopback http:// base (a test, a tunnel) is fine.
    @Test func actionLinkSettingsWarnAtTheirPlaces() {
        let cases: [(String, String?)] = [
            (
                "  public_url: http://klaxon.example.com\n  link_secret: env:L\n",
                "klaxon.yaml:5:15: warning: intake: public_url is http://klaxon.example.com: action links are capabilities and would cross the network in clear text"
            ),
            (
                "  link_secret: env:L\n",
                "klaxon.yaml:5:16: warning: intake: link_secret is set but intake: public_url is not, so pages carry no action links"
            ),
            ("  public_url: \"http://[::1]:9095/\"\n  link_secret: env:L\n", nil),
            ("  public_url: https://klaxon.example.com/ops/\n  link_secret: env:L\n", nil)
        ]
        for (lines, warning) in cases {
            let ws = makeWorkspace("name: t\nintake:\n  listen: 127.0.0.1:9095\n  tokens: {am: env:A}\n" + lines)
            let run = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "A": "x", "L": "y"]).run(
                "config", "validate")
            #expect(run.status == 0, "\(lines): \(run.output)\(run.errors)")
            if let warning {
                let place = warning.prefix { $0 != " " }
                #expect(run.output.contains(ws.path + "/" + place + warning.dropFirst(place.count)), "\(run.output)")
                #expect(run.output.contains("0 errors, 1 warning"), "\(run.output)")
            } else {
                #expect(run.output == "ok: no problems found\n", "\(lines): \(run.output)")
            }
        }
        let silent = makeWorkspace("name: t\nintake:\n  public_url: https://k.example.com\n  link_secret: env:L\n")
        let run = Klaxon(workspace: silent.path, environment: ["TZ": "UTC", "L": "y"]).run("config", "validate")
        #expect(
            run.output.contains(
                "klaxon.yaml:3:15: warning: intake: public_url is set but intake: listen is not, so nothing answers the action links in pages"
            ), "\(run.output)")
    }

    /// The routes' errors are at their places in klaxon.yaml (the policy's value, the route), as every
    /// other error of it; `match: {}` is the catch-all the docs write (accepted last, and said as such
    /// when a route after it can never match); a listener other machines reach and a policy a
    /// `declare: none` route never uses are warnings (exit status 0 when nothing else is wrong).
    @Test func intakeRoutesAndListenAreCheckedAtTheirPlaces() throws {
        let ws = makeWorkspace(
            """
            name: t
            intake:
              listen: 0.0.0.0:9095
              tokens: {am: "env:KLAXON_AM_TOKEN"}
              routes:
                - match: {severity: critical}
                  policy: nobody-pages
                  declare: SEV2
                - match: {}
                  policy: also-nobody
                  declare: none
                - match: {team: ci}
                  declare: SEV3

            """)
        let k = Klaxon(workspace: ws.path, environment: ["TZ": "UTC", "KLAXON_AM_TOKEN": "x"])
        let run = k.run("config", "validate")
        #expect(run.status == 1, "\(run.output)\(run.errors)")
        let at = ws.path + "/klaxon.yaml"
        let lines = run.output.split(separator: "\n").map(String.init)
        for expected in [
            "\(at):3:11: warning: intake: listen is 0.0.0.0:9095: the intake then listens on every interface of this machine, and senders' tokens cross the network in clear text; listen on 127.0.0.1 behind a reverse proxy with TLS (docs/intake.md), or make sure a firewall lets only your senders in",
            "\(at):7:15: error: intake route 1: policy \"nobody-pages\" is not in Escalation/policies/",
            "\(at):10:15: error: intake route 2: policy \"also-nobody\" is not in Escalation/policies/",
            "\(at):10:15: warning: intake: routes: 2: policy also-nobody is never used: the route declares none, so its alerts are only shown and page nobody",
            "\(at):12:7: error: intake route 3: never matches: route 2 before it matches every alert (its match: {} is the catch-all); move this route before it, or remove it"
        ] {
            #expect(lines.contains { $0.hasPrefix(expected) }, "\(expected)\n\(run.output)")
        }
        #expect(!run.output.contains("neither match nor match_re"), "\(run.output)")
        #expect(run.output.contains("3 errors, 2 warnings"), "\(run.output)")

        // The catch-all last, on loopback: nothing to say. Any other address is said, as IPv6's `::`.
        for (listen, warning) in [
            ("127.0.0.1:9095", nil), ("localhost:9095", nil), ("\"[::1]:9095\"", nil),
            ("\"[::]:9095\"", "every interface of this machine"),
            ("10.1.2.3:9095", "the intake then listens on 10.1.2.3, which other machines reach")
        ] {
            ws.write(
                "klaxon.yaml",
                """
                name: t
                intake:
                  listen: \(listen)
                  tokens: {am: "env:KLAXON_AM_TOKEN"}
                  routes:
                    - {match: {severity: critical}, declare: SEV2}
                    - match: {}  # everything else
                      declare: none

                """)
            let again = k.run("config", "validate")
            #expect(again.status == 0, "\(listen): \(again.output)\(again.errors)")
            if let warning {
                #expect(again.output.contains("\(at):3:11: warning: intake: listen is "), "\(again.output)")
                #expect(
                    again.output.contains(warning) && again.output.contains("0 errors, 1 warning"), "\(again.output)")
            } else {
                #expect(again.output == "ok: no problems found\n", "\(listen): \(again.output)")
            }
        }
        // MB is 10^6 bytes, MiB 2^20, as docs/intake.md says.
        for (size, bytes) in [("8MB", 8_000_000), ("8MiB", 8 << 20), ("512 kB", 512_000), ("64KiB", 65536)] {
            ws.write("klaxon.yaml", "name: t\nintake:\n  tokens: {am: \"env:KLAXON_AM_TOKEN\"}\n  max_body: \(size)\n")
            #expect(try Workspace.load(directory: ws.path).config.intake?.maxBodyBytes == bytes, "\(size)")
        }
    }

    /// `klaxon watch --help` says that it also starts the alert intake, and where it is configured.
    @Test func watchHelpNamesTheIntake() {
        let help = Klaxon(workspace: "/nonexistent").run("watch", "--help")
        #expect(help.status == 0, "\(help.errors)")
        #expect(help.output.contains("alert intake"), "\(help.output)")
        #expect(help.output.contains("intake: listen"), "\(help.output)")
    }
}
