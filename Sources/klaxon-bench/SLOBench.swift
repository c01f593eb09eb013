import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport

/// Issue 25's SLO figures: the status of 1,000 checks' objectives (99.9 % over 28 days) from 28 days
/// of outcomes each (a poll every 30 s: 80,640 a check), in the process (`SLOStatus.compute` over
/// `OutcomeLedger`s), and the resident memory the ledgers take (VmRSS before and after filling them);
/// then the real `klaxon watch` polling those 1,000 checks every 10 s against a loopback server while
/// it records every poll's outcome, with the 28 days of ledgers in its store (saved once a minute):
/// its poller's scheduling lag, and how long its saves took.
enum SLOBench {
    struct Figures {
        var checks = 0
        var outcomes = 0
        var statusMilliseconds: [Double] = []
        var ledgerMegabytes = Double.nan
        var fillSeconds = Double.nan
        var paging = 0
        var lagP50 = Double.nan, lagP99 = Double.nan, lagMax = Double.nan, polls = 0
        var seconds = 0
        /// Outcomes the watch recorded (the events in the saved ledgers beyond the seeded ones).
        var recorded = 0
        var ledgersBytes = 0
    }

    static func run(runs: Int, root: String, klaxon: String, seconds duration: Int) throws -> Figures {
        var figures = try inProcess(runs: runs)
        try recording(root: root, klaxon: klaxon, seconds: duration, into: &figures)
        return figures
    }

    /// 1,000 ledgers of 28 days ending at `end`, each with an outage of its own.
    static func ledgers(ending end: Timestamp) -> [OutcomeLedger] {
        let polls = 28 * 2880
        let start = end.adding(seconds: -Int64(polls) * 30)
        return (0..<1000).map { check in
            var ledger = OutcomeLedger(windowDays: 28)
            // Each check has one outage of its own length (0–29 minutes) on a day of its own.
            let outageStart = (check % 28) * 2880 + 1000
            let outageLength = (check % 30) * 2
            for poll in 0..<polls {
                let good = !(poll >= outageStart && poll < outageStart + outageLength)
                ledger.record(good: good, at: start.adding(seconds: Int64(poll) * 30))
            }
            return ledger
        }
    }

    static func inProcess(runs: Int) throws -> Figures {
        var figures = Figures()
        let checks = 1000
        let start = Timestamp.parseRFC3339("2026-11-01T00:00:00Z")!
        let polls = 28 * 2880
        let objective = ServiceLevelObjective(objective: 99.9)
        let before = ConsoleBench.statusField(getpid(), "VmRSS:")
        var ledgers: [OutcomeLedger] = []
        figures.fillSeconds = seconds { ledgers = Self.ledgers(ending: start.adding(seconds: Int64(polls) * 30)) }
        figures.ledgerMegabytes = ConsoleBench.statusField(getpid(), "VmRSS:") - before
        figures.checks = checks
        figures.outcomes = checks * polls
        let now = start.adding(seconds: Int64(polls) * 30 - 1)
        for _ in 0..<max(runs, 5) {
            var paging = 0
            let elapsed = seconds {
                for ledger in ledgers where SLOStatus.compute(objective, ledger, now: now).level == .page {
                    paging += 1
                }
            }
            figures.paging = paging
            figures.statusMilliseconds.append(elapsed * 1000)
        }
        return figures
    }

    /// `klaxon watch` on 1,000 checks with an objective, every 10 s, for `duration` seconds.
    static func recording(root: String, klaxon: String, seconds duration: Int, into figures: inout Figures) throws {
        figures.seconds = duration
        let (serverProcess, portPipe) = try BenchPython.start(
            BenchPython.countingServer, [], root: root, name: "slo-server.py")
        defer { serverProcess.terminate() }
        guard let port = Int(BenchPython.firstLine(portPipe)) else {
            throw StatusBench.Failure(description: "the loopback server did not start")
        }
        let workspace = root + "/slo-bench"
        try? FileManager.default.removeItem(atPath: workspace)
        try FileManager.default.createDirectory(atPath: workspace + "/journals", withIntermediateDirectories: true)
        var yaml = "name: slo-bench\nchecks:\n"
        for i in 0..<1000 {
            yaml +=
                "  - {name: check-\(i), group: g\(i % 10), url: \"http://127.0.0.1:\(port)/check/\(i)\", interval: 10s, timeout: 5s, slo: {objective: 99.9}}\n"
        }
        try yaml.write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        // 28 days of outcomes for each, ending now, in the store the watch reads at its start.
        let seeded = ledgers(ending: Timestamp(Date()))
        let store = FileJournalStore(directory: workspace + "/journals")
        var bytes: [String: [UInt8]] = [:]
        for (i, ledger) in seeded.enumerated() { bytes["check-\(i)"] = ledger.bytes }
        try store.saveOutcomeLedgers(bytes)
        let seededEvents = seeded.reduce(0) {
            $0 + $1.counts(overLast: 40_320, now: Timestamp(Date()), method: .occurrences).total
        }

        let lagsPath = root + "/slo-lags.txt"
        let watch = Process()
        watch.executableURL = URL(fileURLWithPath: klaxon)
        watch.arguments = ["watch", "--workspace", workspace]
        watch.environment = ["KLAXON_USER": "bench", "KLAXON_POLLER_LAGS_FILE": lagsPath, "PATH": "/usr/bin:/bin"]
        watch.standardOutput = FileHandle.nullDevice
        watch.standardError = FileHandle.nullDevice
        try watch.run()
        Thread.sleep(forTimeInterval: Double(duration))
        watch.terminate()
        watch.waitUntilExit()
        let lags = StatusBench.lags(lagsPath)
        figures.polls = lags.count
        figures.lagP50 = percentile(lags, 0.5)
        figures.lagP99 = percentile(lags, 0.99)
        figures.lagMax = lags.max() ?? .nan
        let saved = try store.outcomeLedgers()
        figures.ledgersBytes = saved.values.reduce(0) { $0 + $1.count }
        let now = Timestamp(Date())
        let events = saved.values.compactMap { OutcomeLedger(bytes: $0, windowDays: 28) }.reduce(0) {
            $0 + $1.counts(overLast: 40_320, now: now, method: .occurrences).total
        }
        figures.recorded = events - seededEvents
    }

    static func rows(_ figures: Figures) -> [(benchmark: String, cells: [String])] {
        [
            (
                "slo",
                [
                    String(
                        format: "SLO status of %d checks (99.9 %% over 28 days, %d outcomes in all), in the process",
                        figures.checks, figures.outcomes),
                    "≤ 100 ms",
                    String(format: "%.1f ms (%d paging)", median(figures.statusMilliseconds), figures.paging), ""
                ]
            ),
            (
                "slo",
                [
                    "  resident memory of their outcome ledgers (VmRSS after filling them − before)", "≤ 20 MB",
                    String(format: "%.1f MB (filled in %.1f s)", figures.ledgerMegabytes, figures.fillSeconds), ""
                ]
            ),
            (
                "slo",
                [
                    String(
                        format:
                            "  klaxon watch polling them every 10 s for %d s, recording each outcome (the ledgers, %.1f MB, saved to the store each minute): the poller's scheduling lag",
                        figures.seconds, Double(figures.ledgersBytes) / 1_048_576),
                    "p99 ≤ 100 ms",
                    String(
                        format: "p50 %.0f ms, p99 %.0f ms (max %.0f; %d polls, %d outcomes recorded)", figures.lagP50,
                        figures.lagP99, figures.lagMax, figures.polls, figures.recorded), ""
                ]
            )
        ]
    }
}
