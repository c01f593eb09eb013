import Foundation
import KlaxonCommands
import KlaxonCore
import KlaxonEngine
import KlaxonProcessTestSupport
import KlaxonStore
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
        /// How that console had the Swift runtime (`ConsoleBench.swiftRuntime`).
        var swiftRuntime = "?"
        /// The console on an empty workspace, for comparison.
        var emptyResidentMegabytes: Double = .nan
        var emptyPrivateMegabytes: Double = .nan
        /// The same 10,000 incidents in PostgreSQL (issue 21): first frames with this machine's index
        /// cache, the first start without it, the console's memory, and `incident list`.
        var postgres = Postgres()
    }

    struct Postgres {
        var importSeconds: Double = .nan
        var firstFrameMilliseconds: [Double] = []
        var firstFrameWithoutCacheMilliseconds: Double = .nan
        var residentMegabytes: Double = .nan
        var privateMegabytes: Double = .nan
        var listMilliseconds: [Double] = []
    }

    static let sizes = [1_000, 10_000]
    static let recordsPerIncident = 30
    static let open = 20

    static func run(root: String, runs: Int, klaxon: String) throws -> Figures {
        var figures = Figures()
        for incidents in sizes {
            let workspace = root + "/archive-\(incidents)-workspace"
            try ConsoleBench.makeWorkspace(
                at: workspace, incidents: incidents, records: incidents * recordsPerIncident,
                isOpen: { $0 % (incidents / open) == 0 })
            // The first start reads every journal and writes the index; the others read the index.
            for run in -1..<runs {
                let (tty, firstFrame, pid) = try ConsoleBench.launchConsole(
                    "ulimit -n 256 && exec \(klaxon) --workspace \(workspace)",
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
                    figures.swiftRuntime = ConsoleBench.swiftRuntime(pid)
                }
            }
            for _ in 0..<max(3, runs) {
                // posix_spawn and waitpid: what a shell does, without Foundation's Process around it.
                figures.listMilliseconds[incidents, default: []].append(
                    try seconds {
                        try runToTheEnd(
                            [klaxon, "--workspace", workspace, "incident", "list"],
                            ["KLAXON_USER": "bench", "PATH": "/usr/bin:/bin"])
                    } * 1000)
            }
        }
        figures.postgres = try runOnPostgres(
            root: root, runs: runs, klaxon: klaxon, journals: root + "/archive-\(sizes.last!)-workspace/journals")
        // The same console on an empty workspace: what it holds before any incident.
        let empty = root + "/archive-empty-workspace"
        try FileManager.default.createDirectory(atPath: empty + "/journals", withIntermediateDirectories: true)
        try "name: bench-empty\n".write(toFile: empty + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let (tty, _, pid) = try ConsoleBench.launchConsole(
            "ulimit -n 256 && exec \(klaxon) --workspace \(empty)",
            marker: root + "/archive-first-frame-empty", waitingUpTo: 60)
        _ = tty.wait(for: "No open incidents", timeout: 10)
        sleep(2)
        figures.emptyResidentMegabytes = ConsoleBench.statusField(pid, "VmRSS:")
        figures.emptyPrivateMegabytes = ConsoleBench.statusField(pid, "RssAnon:")
        withExtendedLifetime(tty) {}
        return figures
    }

    /// The 10,000 incidents imported (`klaxon journal import`) into a database of a throwaway cluster
    /// (loopback, `fsync` on), then the console and `incident list` on a workspace whose journals are
    /// that database, with this machine's index cache (`XDG_CACHE_HOME`) made by the first start.
    static func runOnPostgres(root: String, runs: Int, klaxon: String, journals: String) throws -> Postgres {
        var figures = Postgres()
        let server = try PostgresServer()
        let database = try server.makeDatabase()
        _ = try PostgresSchema.initialise(uri: database.ownerURI, grantTo: PostgresServer.everyday)
        let workspace = root + "/archive-postgres-workspace"
        let cache = root + "/archive-postgres-cache"
        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        try "name: bench-archive-postgres\njournals: \(database.everydayURI)\n".write(
            toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let environment = ["KLAXON_USER": "bench", "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": cache]
        figures.importSeconds = try seconds {
            try runToTheEnd([klaxon, "--workspace", workspace, "journal", "import", "--from", journals], environment)
        }
        for run in -1..<runs {
            let (tty, firstFrame, pid) = try ConsoleBench.launchConsole(
                "ulimit -n 256 && XDG_CACHE_HOME=\(cache) exec \(klaxon) --workspace \(workspace)",
                marker: root + "/archive-postgres-first-frame-\(run)", waitingUpTo: 60)
            defer { withExtendedLifetime(tty) {} }
            if run == -1 {
                figures.firstFrameWithoutCacheMilliseconds = firstFrame
            } else {
                figures.firstFrameMilliseconds.append(firstFrame)
            }
            guard tty.wait(for: "\(open) open", timeout: 10) != nil else {
                throw KlaxonError.failed(
                    "the console on PostgreSQL does not show \(open) open incidents: \(tty.screen())")
            }
            if run == runs - 1 {
                sleep(2)
                figures.residentMegabytes = ConsoleBench.statusField(pid, "VmRSS:")
                figures.privateMegabytes = ConsoleBench.statusField(pid, "RssAnon:")
            }
        }
        for _ in 0..<max(3, runs) {
            figures.listMilliseconds.append(
                try seconds { try runToTheEnd([klaxon, "--workspace", workspace, "incident", "list"], environment) }
                    * 1000)
        }
        return figures
    }

    /// Runs `argv` with its output to /dev/null (posix_spawn and waitpid: what a shell does, without
    /// Foundation's Process around it); throws unless it exits 0.
    static func runToTheEnd(_ argv: [String], _ environment: [String: String]) throws {
        let spawned = ChildProcess.spawn(argv, environment: environment) { actions in
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        guard case .success(let pid) = spawned else { throw KlaxonError.failed("cannot start \(argv[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw KlaxonError.failed("\(argv.joined(separator: " ")) failed (\(status))") }
    }
}
