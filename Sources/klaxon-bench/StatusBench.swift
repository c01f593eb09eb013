import Foundation
import KlaxonCore
import KlaxonHTTP
import KlaxonTestSupport

/// 1,000 HTTP checks against a loopback server at a 10 s interval, polled by the real `klaxon watch`:
/// its scheduling lag, CPU and memory; and one round of the same 1,000 URLs beside
/// `curl --parallel --parallel-max 64`.
enum StatusBench {
    struct Figures {
        var lagP50 = Double.nan, lagP99 = Double.nan, lagMax = Double.nan, polls = 0
        var cpuPercent = Double.nan
        var residentMegabytes = Double.nan
        var klaxonRoundSeconds: [Double] = []
        var curlRoundSeconds: [Double] = []
        var seconds = 0
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The poller's scheduling lags `klaxon watch` wrote at its stop (`KLAXON_POLLER_LAGS_FILE`), in ms.
    static func lags(_ path: String) -> [Double] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Double($0) }
    }

    static func run(root: String, runs: Int, klaxon: String, seconds duration: Int, checks count: Int = 1000) throws
        -> Figures
    {
        var figures = Figures()
        figures.seconds = duration
        let (serverProcess, portPipe) = try BenchPython.start(
            BenchPython.countingServer, [], root: root, name: "server.py")
        defer { serverProcess.terminate() }
        guard let port = Int(BenchPython.firstLine(portPipe)) else {
            throw Failure(description: "the loopback server did not start")
        }
        let urls = (0..<count).map { "http://127.0.0.1:\(port)/check/\($0)" }

        // One round, side by side, alternating.
        let curlConfig = root + "/curl-urls.txt"
        try urls.map { "url = \"\($0)\"\noutput = \"/dev/null\"" }.joined(separator: "\n").write(
            toFile: curlConfig, atomically: true, encoding: .utf8)
        for _ in 0..<runs {
            figures.klaxonRoundSeconds.append(
                seconds {
                    let responses = HTTPProber.round(
                        urls.map { ProbeRequest(url: $0, timeoutSeconds: 10) }, parallel: 64)
                    precondition(responses.allSatisfy { $0.statusCode == 200 }, "a loopback request failed")
                })
            figures.curlRoundSeconds.append(
                try seconds {
                    let curl = Process()
                    curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                    curl.arguments = ["--parallel", "--parallel-max", "64", "-s", "-K", curlConfig]
                    curl.standardError = FileHandle.nullDevice  // its parallel progress meter, even with -s
                    try curl.run()
                    curl.waitUntilExit()
                    precondition(curl.terminationStatus == 0, "curl failed")
                })
        }

        // klaxon watch on 1,000 checks for `seconds`.
        let workspace = root + "/status-bench"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        var yaml = "name: status-bench\nchecks:\n"
        for (i, url) in urls.enumerated() {
            yaml += "  - {name: check-\(i), group: g\(i % 10), url: \"\(url)\", interval: 10s, timeout: 5s}\n"
        }
        try yaml.write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let lagsPath = root + "/lags.txt"
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: klaxon)
        watch.arguments = ["watch", "--workspace", workspace]
        watch.environment = ["KLAXON_USER": "bench", "KLAXON_POLLER_LAGS_FILE": lagsPath, "PATH": "/usr/bin:/bin"]
        watch.standardOutput = FileHandle.nullDevice
        watch.standardError = FileHandle.nullDevice  // "escalation engine: this process sends the pages"
        try watch.run()
        // The first polls are spread over a second; measure after they settle.
        Thread.sleep(forTimeInterval: 5)
        let cpuBefore = ConsoleBench.cpuSeconds(watch.processIdentifier)
        let wallBefore = Date()
        Thread.sleep(forTimeInterval: Double(duration))
        let cpuUsed = ConsoleBench.cpuSeconds(watch.processIdentifier) - cpuBefore
        figures.cpuPercent = cpuUsed / Date().timeIntervalSince(wallBefore) * 100
        figures.residentMegabytes = ConsoleBench.statusField(watch.processIdentifier, "VmRSS:")
        watch.terminate()
        watch.waitUntilExit()
        let lags = StatusBench.lags(lagsPath)
        figures.polls = lags.count
        figures.lagP50 = percentile(lags, 0.5)
        figures.lagP99 = percentile(lags, 0.99)
        figures.lagMax = lags.max() ?? .nan
        return figures
    }
}

/// Judging a Prometheus answer of 15,400 alerts of distinct names (what once took 3.1 s, with the
/// poller standing still), and half as many: linear judging takes about twice as long for twice the
/// alerts, quadratic four times.
enum PayloadBench {
    struct Figures {
        var alerts = 15_400
        var bytes = 0
        var milliseconds: [Double] = []
        var halfMilliseconds: [Double] = []
    }

    static func run(runs: Int) -> Figures {
        var figures = Figures()
        let check = CheckDefinition(name: "alerts", kind: .prometheus, url: "http://127.0.0.1:9090")
        func judge(_ body: [UInt8], alerts: Int) -> Double {
            var response = ProbeResponse(statusCode: 200)
            response.body = body
            var evaluation: CheckEvaluation?
            let elapsed = seconds {
                evaluation = CheckEvaluation.evaluate(check, response, now: Timestamp(milliseconds: 0))
            }
            precondition(evaluation?.items.count == alerts, "the payload was not read whole")
            return elapsed * 1000
        }
        let full = Array(StatusPayloadFixtures.prometheusAlerts(figures.alerts).utf8)
        let half = Array(StatusPayloadFixtures.prometheusAlerts(figures.alerts / 2).utf8)
        figures.bytes = full.count
        for _ in 0..<runs {
            figures.milliseconds.append(judge(full, alerts: figures.alerts))
            figures.halfMilliseconds.append(judge(half, alerts: figures.alerts / 2))
        }
        return figures
    }
}
