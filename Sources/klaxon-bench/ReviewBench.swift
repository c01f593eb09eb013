import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport

/// Reviews, timed as a user meets them: the real `klaxon` binary, process start included.
/// - `klaxon review export` of one incident of 50,000 records, in each format, to a file;
/// - `klaxon review report` over 1,000 incidents of about 20 records each.
enum ReviewBench {
    struct Figures {
        var exportMilliseconds: [String: [Double]] = [:]
        var exportBytes: [String: Int] = [:]
        var reportMilliseconds: [Double] = []
        var exportRecords = 50_000
        var reportIncidents = 1_000
    }

    static func run(root: String, runs: Int, klaxon: String) throws -> Figures {
        var figures = Figures()
        let workspace = root + "/reviews-ws"
        let journals = workspace + "/journals"
        try FileManager.default.createDirectory(atPath: journals, withIntermediateDirectories: true)
        try "name: bench\n".write(toFile: workspace + "/klaxon.yaml", atomically: true, encoding: .utf8)
        let start = Timestamp.parseRFC3339("2026-06-01T08:00:00Z")!

        // One long incident: a day and a half of notes, check flaps, pages and runbook ticks.
        var records: [JournalRecord] = []
        func add(_ type: RecordType, _ data: JSONValue, at t: Timestamp, by actor: String) {
            let draft = RecordDraft(type: type.rawValue, data: data, timestamp: t, actor: actor, host: "bench", pid: 1)
            records.append(
                JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last?.hash ?? .genesis)
                    .record)
        }
        add(
            .declared,
            try Declaration(
                title: "Registry 503s", severity: .sev1, services: ["registry"], commander: "alice",
                impactStarted: start.adding(seconds: -300), policy: "platform", runbooks: ["registry-5xx"]
            ).payload(id: "INC-1"),
            at: start, by: "alice")
        for i in 1..<figures.exportRecords - 1 {
            let t = start.adding(seconds: Int64(i) * 2)
            switch i % 10 {
            case 0:
                add(
                    .checkChanged,
                    [
                        "check": "registry-api", "from": "down", "to": "up",
                        "detail": .string("HTTP 200 in \(i % 900) ms")
                    ], at: t, by: "klaxon")
            case 1:
                add(
                    .pageAttempt,
                    [
                        "page": .string("p\(i)"), "policy": "platform", "user": "bob", "contact": "slack", "attempt": 1,
                        "attempts": 5, "step": 1, "steps": 2
                    ], at: t, by: "klaxon")
            case 2:
                add(
                    .pageResult,
                    ["page": .string("p\(i - 1)"), "attempt": 1, "outcome": "delivered", "detail": "HTTP 200"], at: t,
                    by: "klaxon")
            case 3:
                add(
                    .runbookStep,
                    [
                        "runbook": "registry-5xx", "step": .number(Double(i % 7 + 1)),
                        "text": .string("Step \(i % 7 + 1)"), "done": true
                    ], at: t, by: "bob")
            default:
                add(
                    .note, ["text": .string("\(noteText) #\(i) | with a pipe\nand a second line")], at: t,
                    by: i % 3 == 0 ? "bob" : "carol")
            }
        }
        add(
            .resolved, ["summary": "Blob store expanded"], at: start.adding(seconds: Int64(figures.exportRecords) * 2),
            by: "alice")
        try IncidentFixture.journalText(records).write(
            toFile: journals + "/INC-1.jsonl", atomically: false, encoding: .utf8)

        // 1,000 short incidents over the year before.
        let yearStart = start.adding(seconds: -365 * 86400)
        for n in 2...(figures.reportIncidents + 1) {
            records = []
            let declared = yearStart.adding(seconds: Int64(n) * 31_000)
            let id = "INC-\(n)"
            add(
                .declared,
                try Declaration(
                    title: "Incident \(n)", severity: Severity.allCases[n % 5],
                    services: [["ci", "registry", "kubernetes"][n % 3]],
                    policy: "platform"
                ).payload(id: id), at: declared, by: "alice")
            for k in 0..<8 {
                let user = ["alice", "bob", "carol", "dave"][(n + k) % 4]
                add(
                    .pageAttempt,
                    [
                        "page": .string("p\(k)"), "policy": "platform", "user": .string(user), "contact": "slack",
                        "attempt": 1, "attempts": 5, "step": 1, "steps": 2
                    ],
                    at: declared.adding(seconds: Int64(k)), by: "klaxon")
                add(
                    .pageResult, ["page": .string("p\(k)"), "attempt": 1, "outcome": "delivered", "detail": "HTTP 200"],
                    at: declared.adding(seconds: Int64(k) + 1), by: "klaxon")
            }
            add(.acknowledged, [:], at: declared.adding(seconds: Int64(60 + n % 600)), by: "bob")
            add(.note, ["text": .string(noteText)], at: declared.adding(seconds: 700), by: "bob")
            add(.resolved, [:], at: declared.adding(seconds: Int64(1800 + n % 7200)), by: "bob")
            try IncidentFixture.journalText(records).write(
                toFile: journals + "/\(id).jsonl", atomically: false, encoding: .utf8)
        }

        func klaxonRun(_ arguments: [String]) throws -> Double {
            try seconds {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: klaxon)
                process.arguments = ["--workspace", workspace] + arguments
                process.standardOutput = FileHandle.nullDevice
                // "review of INC-1 written to …"; the exit status tells failure
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                precondition(process.terminationStatus == 0, "klaxon \(arguments) failed")
            } * 1000
        }
        for _ in 0..<runs {
            for format in ["md", "json", "csv"] {
                let out = root + "/review.\(format)"
                figures.exportMilliseconds[format, default: []].append(
                    try klaxonRun(["review", "export", "INC-1", "--format", format, "-o", out]))
                figures.exportBytes[format] =
                    (try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
            }
            figures.reportMilliseconds.append(
                try klaxonRun(["review", "report", "--since", "2025-01-01T00:00:00Z", "--until", "2026-12-31T00:00:00Z"]
                ))
        }
        return figures
    }
}
