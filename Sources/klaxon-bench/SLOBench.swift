import Foundation
import KlaxonCore

/// Issue 25's SLO figures, for the part that is built: the status of 1,000 checks' objectives
/// (99.9 % over 28 days) from 28 days of outcomes each (a poll every 30 s: 80,640 a check), in the
/// process (`SLOStatus.compute` over `OutcomeLedger`s), and the resident memory the ledgers take
/// (VmRSS before and after filling them). The outcomes are not yet recorded by the poller nor kept in
/// the store: the poller's lag while recording them is not measured yet.
enum SLOBench {
    struct Figures {
        var checks = 0
        var outcomes = 0
        var statusMilliseconds: [Double] = []
        var ledgerMegabytes = Double.nan
        var fillSeconds = Double.nan
        var paging = 0
    }

    static func run(runs: Int) -> Figures {
        var figures = Figures()
        let checks = 1000
        let start = Timestamp.parseRFC3339("2026-11-01T00:00:00Z")!
        let polls = 28 * 2880
        let objective = ServiceLevelObjective(objective: 99.9)
        let before = ConsoleBench.statusField(getpid(), "VmRSS:")
        var ledgers: [OutcomeLedger] = []
        ledgers.reserveCapacity(checks)
        figures.fillSeconds = seconds {
            for check in 0..<checks {
                var ledger = OutcomeLedger(windowDays: objective.windowDays)
                // Each check has one outage of its own length (0–29 minutes) on a day of its own.
                let outageStart = (check % 28) * 2880 + 1000
                let outageLength = (check % 30) * 2
                for poll in 0..<polls {
                    let good = !(poll >= outageStart && poll < outageStart + outageLength)
                    ledger.record(good: good, at: start.adding(seconds: Int64(poll) * 30))
                }
                ledgers.append(ledger)
            }
        }
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
            )
        ]
    }
}
