import Foundation
import KlaxonCore
import KlaxonTestSupport

/// The console and `klaxon incident list` on a team's long history: 10,000 incidents (20 of them open)
/// and 300,000 records, beside 1,000 incidents (the same 20 open, 30,000 records), the real binary in
/// tmux under `ulimit -n 256`. Through the journals directory's index (issue 20) the cost follows the
/// open and recent incidents, not the archive: the ratio of the two sizes' figures says how far. The
/// first start on the 10,000, with no index yet (it reads every journal and writes the index), is
/// measured apart.
enum ArchiveBench {
    struct Figures {
        /// By number of incidents, with a valid index.
        var firstFrameMilliseconds: [Int: [Double]] = [:]
        /// `klaxon incident list`, process included, by number of incidents.
        var listMilliseconds: [Int: [Double]] = [:]
        /// The first start on the 10,000 incidents, before any index exists.
        var firstFrameWithoutIndexMilliseconds: Double = .nan
        var residentMegabytes: Double = .nan
        var privateMegabytes: Double = .nan
    }

    static let sizes = [1_000, 10_000]
    static let recordsPerIncident = 30
    static let open = 20

    static func run(root: String, runs: Int, klaxon: String) throws -> Figures {
        var figures = Figures()
        for incidents in sizes {
            let workspace = root + "/archive-\(incidents)-workspace"
            try ConsoleBench.makeWorkspace(at: workspace, incidents: incidents, records: incidents * recordsPerIncident,
                                           isOpen: { $0 % (incidents / open) == 0 })
            // The first start reads every journal and writes the index; the others read the index.
            for run in -1..<runs {
                let (tty, firstFrame, pid) = try ConsoleBench.launchConsole("ulimit -n 256 && exec \(klaxon) --workspace \(workspace)",
                                                                             marker: root + "/archive-first-frame-\(incidents)-\(run)", waitingUpTo: 60)
                defer { withExtendedLifetime(tty) {} }
                if run == -1 {
                    if incidents == sizes.last { figures.firstFrameWithoutIndexMilliseconds = firstFrame }
                } else {
                    figures.firstFrameMilliseconds[incidents, default: []].append(firstFrame)
                }
                guard tty.wait(for: "\(open) open", timeout: 10) != nil else {
                    throw KlaxonError.failed("the console does not show \(open) open incidents: \(tty.screen())")
                }
                if run == runs - 1 && incidents == sizes.last {
                    sleep(2)
                    figures.residentMegabytes = ConsoleBench.statusField(pid, "VmRSS:")
                    figures.privateMegabytes = ConsoleBench.statusField(pid, "RssAnon:")
                }
            }
            for _ in 0..<max(3, runs) {
                figures.listMilliseconds[incidents, default: []].append(try seconds {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: klaxon)
                    process.arguments = ["--workspace", workspace, "incident", "list"]
                    process.standardOutput = FileHandle.nullDevice
                    process.environment = ["KLAXON_USER": "bench", "PATH": "/usr/bin:/bin"]
                    try process.run()
                    process.waitUntilExit()
                    precondition(process.terminationStatus == 0, "klaxon incident list failed")
                } * 1000)
            }
        }
        return figures
    }
}
