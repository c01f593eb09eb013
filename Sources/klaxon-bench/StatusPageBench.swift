import Foundation
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport

/// Issue 24's status page: `klaxon statuspage build` (the process, what a cron job pays) from a platform
/// journal of 1,000 checks × 90 days of changes (an outage a day each: 180,000 records); and a real
/// `klaxon watch` polling the same 1,000 checks every 10 s, its poller's lag without and with `/status`
/// requested at 200 requests/s from loopback (paced by a Python client with keep-alive connections, four
/// threads of 50/s: `wrk` cannot hold a rate, and `wrk2` is not in Debian).
enum StatusPageBench {
    struct Figures {
        var records = 0
        var journalMegabytes = Double.nan
        var buildMilliseconds: [Double] = []
        var pageKilobytes = Double.nan
        var quietLagP99 = Double.nan, quietLagP50 = Double.nan, quietPolls = 0
        var loadLagP99 = Double.nan, loadLagP50 = Double.nan, loadPolls = 0
        var requests = 0, failures = 0, requestRate = Double.nan
        var requestP50 = Double.nan, requestP99 = Double.nan
        var seconds = 0
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Requests `url` at `rate` per second for `seconds`, on four threads each with a keep-alive
    /// connection, each request at its planned time (late ones are not made up for); prints
    /// `{"latencies": [ms…], "failures": n, "seconds": s}`. argv: port, path, rate, seconds.
    static let client = """
        import http.client, json, sys, threading, time
        port, path, rate, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
        threads, latencies, failures, lock = 4, [], [0], threading.Lock()
        start = time.monotonic() + 0.2
        def run(k):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i = 0
            while True:
                due = start + (i * threads + k) / rate
                if due - start >= seconds: return
                wait = due - time.monotonic()
                if wait > 0: time.sleep(wait)
                began = time.monotonic()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse(); response.read()
                    ok = response.status == 200
                except Exception:
                    ok = False
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    latencies.append((time.monotonic() - began) * 1000)
                    if not ok: failures[0] += 1
                i += 1
        workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
        for w in workers: w.start()
        for w in workers: w.join()
        print(json.dumps({"latencies": latencies, "failures": failures[0], "seconds": time.monotonic() - start}))
        """

    static let checks = 1000
    static let days = 90

    static func run(root: String, runs: Int, klaxon: String, seconds duration: Int) throws -> Figures {
        var figures = Figures()
        figures.seconds = duration
        let (serverProcess, portPipe) = try BenchPython.start(
            BenchPython.countingServer, [], root: root, name: "statuspage-server.py")
        defer { serverProcess.terminate() }
        guard let targetPort = Int(BenchPython.firstLine(portPipe)) else {
            throw Failure(description: "the loopback server did not start")
        }
        let port = try RealServer.freePort()
        let workspace = root + "/statuspage-bench"
        try FileManager.default.createDirectory(atPath: workspace + "/journals", withIntermediateDirectories: true)
        var yaml = """
            name: statuspage-bench
            time_zone: Europe/Paris
            intake:
              listen: 127.0.0.1:\(port)
              tokens: {bench: "env:BENCH_TOKEN"}
            checks:

            """
        for i in 0..<checks {
            yaml +=
                "  - {name: check-\(i), group: g\(i % 10), url: \"http://127.0.0.1:\(targetPort)/check/\(i)\", interval: 10s, timeout: 5s}\n"
        }
        try yaml.write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)

        // The platform journal: each check down once a day, for 1 to 60 minutes, over 90 days, written as
        // the recorder writes it (hash-chained lines), in one go.
        let now = Timestamp(Date())
        let start = now.adding(seconds: -Int64(days) * 86400)
        var previous = RecordHash.genesis
        var bytes: [UInt8] = []
        bytes.reserveCapacity(60 << 20)
        var changes: [(Timestamp, Int, CheckState, CheckState)] = []
        for day in 0..<days {
            for i in 0..<checks {
                let down = start.adding(seconds: Int64(day) * 86400 + Int64((i * 7919 + day * 104_729) % 80_000))
                changes.append((down, i, .up, .down))
                changes.append((down.adding(seconds: Int64(60 + (i * 31 + day * 17) % 3540)), i, .down, .up))
            }
        }
        changes.sort { $0.0 < $1.0 }
        // A poller started 90 days ago and recording since (a `klaxon watch` holds its hold while the page
        // is built, as beside a cron job that publishes it).
        let started = RecordDraft(
            type: RecordType.pollerStarted.rawValue, data: [:], timestamp: start, actor: "status-poller", host: "bench",
            pid: 1)
        let (first, firstRecord) = JournalCodec.encode(started, sequence: 1, previousHash: previous)
        previous = firstRecord.hash
        bytes += first
        for (n, (at, i, from, to)) in changes.enumerated() {
            let draft = RecordDraft(
                type: RecordType.checkChanged.rawValue,
                data: [
                    "check": .string("check-\(i)"), "from": .string(from.rawValue), "to": .string(to.rawValue),
                    "detail": "HTTP 503"
                ], timestamp: at, actor: "status-poller", host: "bench", pid: 1)
            let (line, record) = JournalCodec.encode(draft, sequence: n + 2, previousHash: previous)
            previous = record.hash
            bytes += line
        }
        try Data(bytes).write(to: URL(fileURLWithPath: workspace + "/journals/platform.jsonl"))
        figures.records = changes.count + 1
        let poller = try PlatformJournal.claim(
            store: FileJournalStore(directory: workspace + "/journals"), holder: "bench")
        defer { withExtendedLifetime(poller) {} }
        figures.journalMegabytes = Double(bytes.count) / 1e6

        // klaxon statuspage build, the whole process.
        let site = root + "/statuspage-site"
        for _ in 0..<runs {
            let build = Process()
            build.executableURL = URL(fileURLWithPath: klaxon)
            build.arguments = ["statuspage", "build", "--workspace", workspace, "-o", site]
            build.environment = ["KLAXON_USER": "bench", "PATH": "/usr/bin:/bin"]
            build.standardOutput = FileHandle.nullDevice
            build.standardError = FileHandle.nullDevice
            figures.buildMilliseconds.append(
                try seconds {
                    try build.run()
                    build.waitUntilExit()
                } * 1000)
            guard build.terminationStatus == 0 else {
                throw Failure(description: "klaxon statuspage build failed (exit \(build.terminationStatus))")
            }
        }
        let page = (try? FileManager.default.attributesOfItem(atPath: site + "/index.html")[.size] as? Int) ?? 0
        figures.pageKilobytes = Double(page) / 1000

        // klaxon watch on the same workspace, twice: its poller's lag over `duration` s quiet, then over as
        // long with /status requested at 200/s.
        let quiet = try watchLags(
            workspace: workspace, port: port, klaxon: klaxon, root: root, seconds: duration, load: false)
        figures.quietPolls = quiet.lags.count
        figures.quietLagP50 = percentile(quiet.lags, 0.5)
        figures.quietLagP99 = percentile(quiet.lags, 0.99)
        let loaded = try watchLags(
            workspace: workspace, port: port, klaxon: klaxon, root: root, seconds: duration, load: true)
        figures.loadPolls = loaded.lags.count
        figures.loadLagP50 = percentile(loaded.lags, 0.5)
        figures.loadLagP99 = percentile(loaded.lags, 0.99)
        guard let data = loaded.client else { throw Failure(description: "the status page client did not run") }
        let json = try JSONParser.parse(Array(data))
        let latencies = (json["latencies"]?.arrayValue ?? []).compactMap { value -> Double? in
            if case .number(let ms) = value { return ms }
            return nil
        }
        guard !latencies.isEmpty else {
            throw Failure(description: "the status page client failed: \(String(decoding: data, as: UTF8.self))")
        }
        figures.requests = latencies.count
        figures.failures = json["failures"]?.intValue ?? 0
        if case .number(let s)? = json["seconds"] { figures.requestRate = Double(latencies.count) / s }
        figures.requestP50 = percentile(latencies, 0.5)
        figures.requestP99 = percentile(latencies, 0.99)
        return figures
    }

    /// Runs `klaxon watch` on `workspace`: once it answers and its first page is built (the whole journal
    /// read) and 5 s more (the first polls settle), its poller's lags are kept for `seconds`, with `load`
    /// the client requesting /status meanwhile (its output returned). The lags of the settling are left out.
    static func watchLags(workspace: String, port: Int, klaxon: String, root: String, seconds: Int, load: Bool) throws
        -> (lags: [Double], client: Data?)
    {
        let lagsPath = root + "/statuspage-lags-\(load ? "load" : "quiet").txt"
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: klaxon)
        watch.arguments = ["watch", "--workspace", workspace]
        watch.environment = [
            "KLAXON_USER": "bench", "KLAXON_POLLER_LAGS_FILE": lagsPath, "PATH": "/usr/bin:/bin",
            "BENCH_TOKEN": "bench-token"
        ]
        watch.standardOutput = FileHandle.nullDevice
        watch.standardError = FileHandle.nullDevice
        try watch.run()
        defer {
            if watch.isRunning {
                watch.terminate()
                watch.waitUntilExit()
            }
        }
        for _ in 0..<300 where AlertStormBench.get("http://127.0.0.1:\(port)/-/healthy") == nil {
            Thread.sleep(forTimeInterval: 0.1)
        }
        _ = AlertStormBench.get("http://127.0.0.1:\(port)/status")
        let started = Date()
        Thread.sleep(forTimeInterval: 5)
        let measured = Date()
        var client: Data?
        if load {
            let (process, out) = try BenchPython.start(
                Self.client, [String(port), "/status", "200", String(seconds)], root: root,
                name: "statuspage-client.py")
            client = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
        } else {
            Thread.sleep(forTimeInterval: Double(seconds))
        }
        let ended = Date()
        watch.terminate()
        watch.waitUntilExit()
        // One line per poll, in order, evenly over time (1,000 checks every 10 s): the settling's share
        // of the lines is left out.
        let lags = ((try? String(contentsOfFile: lagsPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            Double($0)
        }
        let settled = Int(Double(lags.count) * measured.timeIntervalSince(started) / ended.timeIntervalSince(started))
        return (Array(lags[min(settled, lags.count)...]), client)
    }

    static func rows(_ figures: Figures) -> [(benchmark: String, cells: [String])] {
        [
            (
                "statuspage",
                [
                    String(
                        format:
                            "klaxon statuspage build: 1,000 checks × 90 days, %d changes (%.1f MB journal), process included",
                        figures.records, figures.journalMegabytes), "≤ 1 s",
                    String(format: "%.0f ms (%.0f kB page)", median(figures.buildMilliseconds), figures.pageKilobytes),
                    ""
                ]
            ),
            (
                "statuspage",
                [
                    String(format: "  poller lag of klaxon watch, 1,000 checks, %d s quiet: p99", figures.seconds), "—",
                    String(
                        format: "%.1f ms (p50 %.1f; %d polls measured)", figures.quietLagP99, figures.quietLagP50,
                        figures.quietPolls),
                    ""
                ]
            ),
            (
                "statuspage",
                [
                    String(format: "  the same with /status at 200/s for %d s: p99", figures.seconds),
                    "unchanged, ≤ 100 ms",
                    String(
                        format: "%.1f ms (p50 %.1f; %d polls measured)", figures.loadLagP99, figures.loadLagP50,
                        figures.loadPolls),
                    ""
                ]
            ),
            (
                "statuspage",
                [
                    "  /status requests: rate, latency p99", "—",
                    String(
                        format: "%.0f /s, %.1f ms (p50 %.1f; %d requests, %d failed)", figures.requestRate,
                        figures.requestP99, figures.requestP50, figures.requests, figures.failures), ""
                ]
            )
        ]
    }
}
