import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport

/// Issue 22's alert storm, against the real `klaxon watch` with its intake: 10,000 alerts in 100 groups
/// posted within about 10 s by 8 concurrent clients as Alertmanager posts them (each group's
/// notification again as it grows, 10 alerts more each time: 1,000 requests, 55,000 alerts sent, 10,000
/// of them distinct), while the poller polls 100 checks every 2 s. Then: every alert recorded,
/// exactly 100 incidents and 100 pages (to a loopback receiver), the intake's answer times, the
/// poller's scheduling lag; and the sustained rate of accepted alerts (one alert a request, as fast as
/// 8 clients send them for 5 s), beside the store's bare append rate (figure 1).
enum AlertStormBench {
    struct Figures {
        var requests = 0, alertsSent = 0, alertsRecorded = 0, incidents = 0, pages = 0, failures = 0
        var stormSeconds = Double.nan
        var answerP50 = Double.nan, answerP99 = Double.nan, answerMax = Double.nan
        var lagP99 = Double.nan, lagMax = Double.nan, polls = 0
        var sustainedPerSecond = Double.nan
        var records = 0
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The storm's clients: posts what `plan` says, each request's answer time and status to stdout as
    /// JSON. argv: port, token, mode (`storm` or `sustained`), seconds.
    static let client = """
        import http.client, json, sys, threading, time
        port, token, mode, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
        def alert(group, i):
            return {"status": "firing", "labels": {"alertname": "Storm%d" % group, "instance": "host-%d" % i,
                    "severity": "critical"}, "annotations": {"summary": "storm alert %d of group %d" % (i, group)},
                    "startsAt": "2026-12-06T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus/graph", "fingerprint": "%04x%04x" % (group, i)}
        def notification(group, count):
            return json.dumps({"version": "4", "status": "firing", "receiver": "klaxon",
                "groupKey": "{}:{alertname=\\"Storm%d\\"}" % group, "groupLabels": {"alertname": "Storm%d" % group},
                "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager", "truncatedAlerts": 0,
                "alerts": [alert(group, i) for i in range(count)]}).encode()
        results, lock = [], threading.Lock()
        def post(connection, path, body):
            start = time.monotonic()
            try:
                connection.request("POST", path, body, headers)
                response = connection.getresponse(); response.read(); status = response.status
            except Exception:
                status = 0
            return status, (time.monotonic() - start) * 1000
        def storm(worker):
            # Rounds of growth: each group's notification holds 10 alerts more each round, as Alertmanager
            # sends a growing group; the rounds spread over `seconds`.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for round in range(10):
                begin = time.monotonic()
                for group in range(worker, 100, 8):
                    status, ms = post(connection, "/v1/alertmanager", notification(group, 10 * (round + 1)))
                    with lock: results.append((status, ms, 10 * (round + 1)))
                    if status == 0: connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                time.sleep(max(0, seconds / 10 - (time.monotonic() - begin)))
        def sustained(worker):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            end, i = time.monotonic() + seconds, 0
            while time.monotonic() < end:
                body = json.dumps({"routing_key": token, "event_action": "trigger", "dedup_key": "s-%d-%d" % (worker, i),
                    "payload": {"summary": "sustained %d" % i, "source": "bench", "severity": "info"}}).encode()
                status, ms = post(connection, "/v2/enqueue", body)
                with lock: results.append((status, ms, 1))
                if status == 0: connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                i += 1
        start = time.monotonic()
        threads = [threading.Thread(target=storm if mode == "storm" else sustained, args=(w,)) for w in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps({"seconds": time.monotonic() - start, "results": results}))
        """
}

extension AlertStormBench {
    static func get(_ url: String) -> String? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "--max-time", "5", url]
        let pipe = Pipe()
        curl.standardOutput = pipe
        guard (try? curl.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs the storm (and the sustained rate) against `klaxon`, the release binary.
    static func run(root: String, klaxon: String) throws -> Figures {
        var figures = Figures()
        let (server, serverOut) = try BenchPython.start(BenchPython.countingServer, [], root: root, name: "counting.py")
        defer { server.terminate() }
        guard let port = Int(BenchPython.firstLine(serverOut)) else {
            throw Failure(description: "the loopback server did not start")
        }
        let intakePort = try RealServer.freePort()
        let workspace = root + "/storm"
        try FileManager.default.createDirectory(
            atPath: workspace + "/Escalation/policies", withIntermediateDirectories: true)
        var yaml = """
            name: storm
            channels:
              webhook: {secret: "env:STORM_WEBHOOK_SECRET"}
              timeout: 5s
            intake:
              listen: 127.0.0.1:\(intakePort)
              tokens: {bench: "env:STORM_TOKEN"}
              routes:
                - {match: {severity: critical}, service: registry, policy: storm, declare: SEV2}
            checks:

            """
        for i in 0..<100 {
            yaml += "  - {name: check-\(i), url: \"http://127.0.0.1:\(port)/check/\(i)\", interval: 2s, timeout: 1s}\n"
        }
        try yaml.write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        try "people:\n  - id: oncall\n    contacts: [{type: webhook, url: \"http://127.0.0.1:\(port)/page\"}]\n".write(
            toFile: workspace + "/Escalation/people.yaml", atomically: true, encoding: .utf8)
        try "name: storm\nsteps:\n  - {targets: [user:oncall], escalate_after: 30m}\nack_timeout: 30m\n".write(
            toFile: workspace + "/Escalation/policies/storm.yaml", atomically: true, encoding: .utf8)
        let token = "storm-\(getpid())"
        let lagsPath = root + "/storm-lags.txt"
        let logPath = root + "/storm-watch.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: klaxon)
        watch.arguments = ["watch", "--workspace", workspace]
        watch.environment = [
            "KLAXON_USER": "bench", "KLAXON_POLLER_LAGS_FILE": lagsPath, "PATH": "/usr/bin:/bin", "STORM_TOKEN": token,
            "STORM_WEBHOOK_SECRET": "storm-secret"
        ]
        watch.standardOutput = log
        watch.standardError = log
        try watch.run()
        defer {
            if watch.isRunning {
                watch.terminate()
                watch.waitUntilExit()
            }
        }
        for _ in 0..<300 where get("http://127.0.0.1:\(intakePort)/-/healthy") == nil {
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 3)  // the checks' first polls settle

        func clients(_ mode: String, seconds: Double) throws -> (seconds: Double, results: [(Int, Double, Int)]) {
            let (process, out) = try BenchPython.start(
                client, [String(intakePort), token, mode, String(seconds)], root: root, name: "client.py")
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let json = try JSONParser.parse(Array(data))
            let results = (json["results"]?.arrayValue ?? []).compactMap { item -> (Int, Double, Int)? in
                guard let row = item.arrayValue, row.count == 3, case .number(let ms) = row[1] else { return nil }
                return (row[0].intValue ?? 0, ms, row[2].intValue ?? 0)
            }
            guard case .number(let elapsed)? = json["seconds"] else { throw Failure(description: "the clients failed") }
            return (elapsed, results)
        }

        let storm = try clients("storm", seconds: 10)
        figures.stormSeconds = storm.seconds
        figures.requests = storm.results.count
        figures.alertsSent = storm.results.reduce(0) { $0 + $1.2 }
        figures.failures = storm.results.filter { !(200..<300).contains($0.0) }.count
        let answers = storm.results.map(\.1)
        figures.answerP50 = percentile(answers, 0.5)
        figures.answerP99 = percentile(answers, 0.99)
        figures.answerMax = answers.max() ?? .nan
        // The routing and paging after the storm: until 100 incidents and 100 pages, or 60 s.
        let store = FileJournalStore(directory: workspace + "/journals")
        for _ in 0..<600 {
            let incidents = (try? store.incidentJournals().count) ?? 0
            let pages =
                get("http://127.0.0.1:\(port)/counts").flatMap { try? JSONParser.parse(Array($0.utf8)) }?["/page"]?
                .intValue ?? 0
            figures.incidents = incidents
            figures.pages = pages
            if incidents >= 100 && pages >= 100 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 2)  // anything more would be wrong: let it show
        figures.incidents = (try? store.incidentJournals().count) ?? 0
        figures.pages =
            get("http://127.0.0.1:\(port)/counts").flatMap { try? JSONParser.parse(Array($0.utf8)) }?["/page"]?.intValue
            ?? 0
        let journal = store.journal(ReceivedAlerts.journalName)
        let records = (try? journal.readNewRecords()) ?? []
        figures.records = records.filter { $0.type == ReceivedAlerts.recordType }.count
        figures.alertsRecorded = AlertBook(records: records).alerts.count

        let sustained = try clients("sustained", seconds: 5)
        let accepted = sustained.results.filter { (200..<300).contains($0.0) }.count
        figures.sustainedPerSecond = Double(accepted) / sustained.seconds
        watch.terminate()
        watch.waitUntilExit()
        let lags = StatusBench.lags(lagsPath)
        figures.polls = lags.count
        figures.lagP99 = percentile(lags, 0.99)
        figures.lagMax = lags.max() ?? .nan
        return figures
    }
}

extension AlertStormBench {
    /// The README's rows of the storm; `appendRate` is figure 1's (the store's appends a second).
    static func rows(_ storm: Figures, appendRate: Double) -> [(benchmark: String, cells: [String])] {
        [
            (
                "storm",
                [
                    String(
                        format:
                            "alert storm: %d alerts sent in %d requests by 8 clients in %.1f s (10,000 distinct in 100 groups): intake answer p99",
                        storm.alertsSent, storm.requests, storm.stormSeconds), "≤ 100 ms, no 5xx",
                    String(
                        format: "%.0f ms (p50 %.0f, max %.0f; %d not 2xx)", storm.answerP99, storm.answerP50,
                        storm.answerMax, storm.failures), ""
                ]
            ),
            (
                "storm",
                [
                    "  alerts recorded, incidents declared, pages sent", "10,000, 100, 100",
                    "\(storm.alertsRecorded), \(storm.incidents), \(storm.pages) (\(storm.records) alerts.received records)",
                    ""
                ]
            ),
            (
                "storm",
                [
                    "  the poller's scheduling lag meanwhile (100 checks every 2 s)", "p99 ≤ 100 ms",
                    String(format: "%.0f ms (max %.0f; %d polls)", storm.lagP99, storm.lagMax, storm.polls), ""
                ]
            ),
            (
                "storm",
                [
                    "accepted alerts/s, recorded durably (one a request, 8 clients, 5 s); ratio: to the store's appends/s",
                    "—", String(format: "%.0f/s", storm.sustainedPerSecond),
                    String(format: "%.2f", storm.sustainedPerSecond / appendRate)
                ]
            )
        ]
    }
}
