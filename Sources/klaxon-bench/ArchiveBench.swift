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

    /// Writes the archive: every incident declared, noted and (but every 500th) resolved.
    static func makeWorkspace(at directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/journals", withIntermediateDirectories: true)
        try "name: bench-archive\n".write(toFile: directory + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let perIncident = records / incidents
        let start = Timestamp(Date()).adding(seconds: -Int64(incidents) * 3600)
        for n in 1...incidents {
            var bytes: [UInt8] = []
            var previous = RecordHash.genesis
            let declaredAt = start.adding(seconds: Int64(n) * 3600)
            let open = n % openEvery == 0
            for seq in 1...perIncident {
                let last = seq == perIncident && !open
                let (type, data): (String, JSONValue) = seq == 1
                    ? (RecordType.declared.rawValue, try Declaration(title: "Incident \(n): \(ConsoleBench.notes[n % ConsoleBench.notes.count])",
                                                                      severity: Severity(rawValue: 1 + n % 5)!, services: ["registry"]).payload(id: "INC-\(n)"))
                    : (last ? "resolved" : "note", last ? [:] : ["text": .string("\(ConsoleBench.notes[seq % ConsoleBench.notes.count]) (#\(seq))")])
                let draft = RecordDraft(type: type, data: data, timestamp: declaredAt.adding(seconds: Int64(seq) * 20),
                                        actor: "user\(seq % 11)", host: "host-\(seq % 3)", pid: 1000 + seq)
                let (line, record) = JournalCodec.encode(draft, sequence: seq, previousHash: previous)
                previous = record.hash
                bytes += line
            }
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/journals/INC-\(n).jsonl"))
        }
    }

    static func run(root: String, runs: Int, klaxon: String) throws -> Figures {
        var figures = Figures()
        let workspace = root + "/archive-workspace"
        try makeWorkspace(at: workspace)
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
