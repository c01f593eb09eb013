import Foundation
import KlaxonCore
import KlaxonTestSupport

/// The console on a team's long history: 10,000 incidents (20 of them open) and 300,000 records, the
/// real binary in tmux. Its first frame waits for every journal to be read; no descriptor is kept per
/// journal (issue 18), so this also runs under a low `ulimit -n`.
enum ArchiveBench {
    struct Figures {
        var firstFrameMilliseconds: [Double] = []
        var residentMegabytes: Double = .nan
        var privateMegabytes: Double = .nan
    }

    static let incidents = 10_000
    static let records = 300_000
    static let openEvery = 500

    static func run(root: String, runs: Int, klaxon: String) throws -> Figures {
        var figures = Figures()
        let workspace = root + "/archive-workspace"
        try ConsoleBench.makeWorkspace(at: workspace, incidents: incidents, records: records, isOpen: { $0 % openEvery == 0 })
        for run in 0..<runs {
            let (tty, firstFrame, pid) = try ConsoleBench.launchConsole("ulimit -n 256 && exec \(klaxon) --workspace \(workspace)",
                                                                         marker: root + "/archive-first-frame-\(run)", waitingUpTo: 60)
            defer { withExtendedLifetime(tty) {} }
            figures.firstFrameMilliseconds.append(firstFrame)
            guard tty.wait(for: "\(incidents / openEvery) open", timeout: 10) != nil else {
                throw KlaxonError.failed("the console does not show \(incidents / openEvery) open incidents: \(tty.screen())")
            }
            if run == runs - 1 {
                sleep(2)
                figures.residentMegabytes = ConsoleBench.statusField(pid, "VmRSS:")
                figures.privateMegabytes = ConsoleBench.statusField(pid, "RssAnon:")
            }
        }
        return figures
    }
}
