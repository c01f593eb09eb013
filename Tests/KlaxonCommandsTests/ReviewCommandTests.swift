import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// A workspace holding the scripted two-day incident's journal, the platform journal, a check of its
/// service and its runbook: what `klaxon review export` reads.
func twoDayWorkspace() -> TemporaryDirectory {
    let ws = makeWorkspace(
        """
        name: test-platform
        checks:
          - name: registry-api
            type: http
            url: http://127.0.0.1:9/healthz
            service: registry
        """)
    let (fixture, platform) = ReviewFixture.twoDayIncident()
    ws.write("journals/INC-1.jsonl", fixture.journalText)
    ws.write("journals/platform.jsonl", IncidentFixture.journalText(platform))
    ws.write(
        "Runbooks/registry-5xx.md",
        "---\ntitle: Artifact registry returning 5xx\nowner: alice\nlast_reviewed: 2026-11-01\n---\n# Registry 5xx\n")
    return ws
}

/// The core's goldens of the same incident (Tests/KlaxonCoreTests/__Snapshots__).
let coreGoldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("KlaxonCoreTests/ReviewTests.swift").path

struct ReviewCommandTests {
    let exportTime = FixedClock("2026-11-23T09:00:00Z")

    @Test func exportReadsTheJournalsAndPrintsTheGoldenReview() {
        let ws = twoDayWorkspace()
        let k = Klaxon(workspace: ws.path, clock: exportTime)
        for (format, golden) in [
            ("md", "review-two-day.md"), ("json", "review-two-day.json"), ("csv", "review-two-day.csv")
        ] {
            let run = k.run("review", "export", "INC-1", "--format", format)
            #expect(run.status == 0, "\(format): \(run.errors)")
            #expect(Snapshot.mismatch(run.output, named: golden, testFile: coreGoldens) == nil, "\(format)")
        }
    }

    @Test func exportWritesTheFileWholeAndLeavesNothingElse() throws {
        let ws = twoDayWorkspace()
        let out = TemporaryDirectory("klaxon-reviews")
        out.write("INC-1.md", "an older export that is replaced whole\n")
        let k = Klaxon(workspace: ws.path, clock: exportTime)
        for format in ["md", "json", "csv"] {
            let run = k.run("review", "export", "1", "--format", format, "-o", out.path + "/INC-1." + format)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.isEmpty && run.errors.contains("written to \(out.path)/INC-1.\(format)"))
            let printed = k.run("review", "export", "1", "--format", format).output
            #expect(String(decoding: out.read("INC-1." + format), as: UTF8.self) == printed)
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == [
                "INC-1.csv", "INC-1.json", "INC-1.md"
            ])
        let json = try JSONParser.parse(String(decoding: out.read("INC-1.json"), as: UTF8.self))
        #expect(json["format"] == "klaxon.review/1")
        #expect(json["journal"]?["records"] == 22 && json["journal"]?["verified"] == true)
        #expect(json["durations"]?["time_to_acknowledge"]?["seconds"] == 480)
        #expect(json["timeline"]?.arrayValue?.count == 24)
        let permissions =
            try FileManager.default.attributesOfItem(atPath: out.path + "/INC-1.md")[.posixPermissions] as? Int
        #expect(permissions.map { $0 & 0o002 } == 0, "never world-writable")
    }

    @Test func exportRefusesClearlyAndWritesNothing() throws {
        let ws = twoDayWorkspace()
        let k = Klaxon(workspace: ws.path, clock: exportTime)
        let unknown = k.run("review", "export", "INC-9")
        #expect(unknown.status == 2 && unknown.errors.contains("INC-9") && unknown.output.isEmpty)
        let format = k.run("review", "export", "INC-1", "--format", "pdf")
        #expect(format.status == 2 && format.errors.contains("pdf"))
        let missing = k.run("review", "export", "INC-1", "-o", ws.path + "/no/such/dir/INC-1.md")
        #expect(missing.status == 1 && missing.errors.contains("no/such/dir") && missing.output.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/no"))
        let readOnly = TemporaryDirectory("klaxon-ro")
        chmod(readOnly.path, 0o555)
        defer { chmod(readOnly.path, 0o755) }
        if geteuid() != 0 {  // root writes anywhere
            let denied = k.run("review", "export", "INC-1", "-o", readOnly.path + "/INC-1.md")
            #expect(denied.status == 1 && denied.errors.contains(readOnly.path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: readOnly.path).isEmpty)
        }
    }

    @Test func aDamagedJournalIsExportedUpToTheDamageAndSaysSo() throws {
        let ws = twoDayWorkspace()
        var bytes = ws.read("journals/INC-1.jsonl")
        let lines = bytes.indices.filter { bytes[$0] == 0x0A }
        let inTenthRecord = lines[8] + 40
        bytes[inTenthRecord] = bytes[inTenthRecord] == 0x61 ? 0x62 : 0x61
        try Data(bytes).write(to: URL(fileURLWithPath: ws.path + "/journals/INC-1.jsonl"))
        let run = Klaxon(workspace: ws.path, clock: exportTime).run("review", "export", "INC-1")
        #expect(run.status == 0)
        #expect(run.errors.contains("damaged"))
        #expect(run.output.contains(": 9 records, final hash"))
        #expect(run.output.contains("**the chain did not verify: damaged at"))
    }

    @Test func reportOverTheGeneratedIncidents() throws {
        let ws = makeWorkspace()
        for fixture in ReportFixture.incidents() {
            ws.write("journals/\(fixture.incident.id).jsonl", fixture.journalText)
        }
        let k = Klaxon(workspace: ws.path, clock: FixedClock("2026-12-02T11:00:00Z"))
        let run = k.run(
            "review", "report", "--from", "2026-11-02T00:00:00Z", "--to", "2026-11-23T00:00:00Z", "--format", "json")
        #expect(run.status == 0, "\(run.errors)")
        let r = try JSONParser.parse(run.output)
        #expect(r["format"] == "klaxon.report/1" && r["incidents"] == 11 && r["open"] == 3)
        #expect(r["by_severity"] == ["SEV1": 1, "SEV2": 3, "SEV3": 6, "SEV4": 1, "SEV5": 0])
        #expect(
            r["time_to_acknowledge"] == [
                "measured": 10, "not_recorded": 0, "out_of_order": 1,
                "mean_seconds": 330, "median_seconds": 330, "p90_seconds": 540
            ])
        #expect(r["time_to_resolve"]?["p90_seconds"] == 4800)
        #expect(r["load"]?.arrayValue?.first == ["person": "bob", "pages": 10, "incidents": 10, "acknowledged": 6])
        #expect(r["per_week"]?.arrayValue?.map { $0["incidents"] } == [4, 3, 4])

        let markdown = k.run(
            "review", "report", "--since", "2026-11-02T00:00:00Z", "--until", "2026-11-23T00:00:00Z", "--service", "ci")
        #expect(markdown.status == 0)
        #expect(markdown.output.contains("3 incidents of service ci declared in the window, 1 still open."))
        #expect(markdown.output.contains("| Time to acknowledge | 6m 00s | 6m 00s | 9m 00s | 3 | 0 | 0 |"))

        // The default window is the 30 days to now (from 2026-11-02 11:00): INC-1 (10:00 that day) and
        // INC-12 fall before it; INC-13 (2026-11-23) is in it.
        let recent = try JSONParser.parse(k.run("review", "report", "--format", "json").output)
        #expect(recent["incidents"] == 11)

        // --since and --until are the window's old names, kept as aliases.
        let aliases = k.run(
            "review", "report", "--since", "2026-11-02T00:00:00Z", "--until", "2026-11-23T00:00:00Z", "--format", "json"
        )
        #expect(aliases.status == 0 && aliases.output == run.output, "\(aliases.errors)")
        let backwards = k.run("review", "report", "--from", "2026-11-23T00:00:00Z", "--to", "2026-11-02T00:00:00Z")
        #expect(
            backwards.status == 2
                && backwards.errors.contains(
                    "--to (2026-11-02T00:00:00Z) must be after --from (2026-11-23T00:00:00Z)"),
            "\(backwards.errors)")
    }
}
