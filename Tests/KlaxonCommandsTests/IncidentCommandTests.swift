import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

struct IncidentCommandTests {
    @Test func declarePrintsTheNewIdAndJSONGivesIt() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let first = k.run(
            "incident", "declare", "CI queue backed up", "--severity", "SEV2", "--service", "ci", "--service",
            "runners",
            "--commander", "alice", "--impact-start", "-20m", "--tag", "ci")
        #expect(first.status == 0)
        #expect(first.output == "INC-1\n")
        let second = k.run("incident", "declare", "Registry slow", "--severity", "sev4", "--json")
        #expect(second.json == ["id": "INC-2"])
        let show = k.run("incident", "show", "1", "--json").json
        #expect(show?["services"] == ["ci", "runners"])
        #expect(show?["roles"] == ["commander": "alice"])
        #expect(show?["key_times"]?["impact_started"] == "2026-11-20T08:40:00.000Z")
        #expect(show?["key_times"]?["declared"] == "2026-11-20T09:00:00.000Z")
        #expect(show?["key_times"]?["detected"] == .null)
    }

    /// Issue 26, point 13: a declaration for a service an open incident has is said on standard error
    /// (with how to note it there instead) and still made, as scripts rely on; without one, nothing is said.
    @Test func declaringForAServiceWithAnOpenIncidentWarnsAndStillDeclares() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let first = k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2", "--service", "registry")
        #expect(first.status == 0 && !first.errors.contains("is open for"), "\(first.errors)")
        let second = k.run(
            "incident", "declare", "Uploads failing", "--severity", "SEV3", "--service", "ci", "--service", "Registry")
        #expect(second.status == 0)
        #expect(second.output == "INC-2\n", "the id alone on standard output, as before")
        #expect(
            second.errors.contains(
                "klaxon: warning: INC-1 is open for registry (\"Registry returns 503\"); INC-2 was declared beside it; to add to INC-1 instead: klaxon incident note INC-1 TEXT"
            ), "\(second.errors)")
        #expect(k.run("incident", "show", "2", "--json").json?["title"] == "Uploads failing")
        // Another service, or none, says nothing; nor does a resolved incident's service.
        let other = k.run("incident", "declare", "Mirror slow", "--severity", "SEV4", "--service", "mirror")
        #expect(other.status == 0 && !other.errors.contains("is open for"), "\(other.errors)")
        for id in ["1", "2"] { #expect(k.run("incident", "resolve", id).status == 0) }
        let after = k.run("incident", "declare", "Registry again", "--severity", "SEV4", "--service", "registry")
        #expect(after.status == 0 && !after.errors.contains("is open for"), "\(after.errors)")
    }

    @Test func everyWriteCommandRecordsAndShowsOnTheTimeline() {
        let ws = makeWorkspace()
        // A runbook linked must exist (issue 26).
        ws.write("Runbooks/registry-5xx.md", "---\ntitle: Registry 5xx\n---\n# Registry 5xx\n")
        let clock = FixedClock("2026-11-20T23:50:00Z")
        let k = Klaxon(workspace: ws.path, clock: clock)
        k.run("incident", "declare", "Registry returns 503", "--severity", "SEV3", "--service", "registry")
        func step(_ args: String..., input: String = "") {
            clock.advance(seconds: 300)
            let run = k.run(args, input: input)
            #expect(run.status == 0, "\(args): \(run.errors)")
        }
        step("incident", "note", "INC-1", "Uploads fail with 503; pulls fine")
        step("incident", "note", "1", "-", input: "from stdin\nsecond line\n")
        step("incident", "status", "1", "identified")
        step("incident", "severity", "1", "SEV2")
        step("incident", "assign", "1", "commander", "bob")
        step("incident", "assign", "1", "comms", "carol")
        step("incident", "ack", "1", "--as", "bob")
        step("incident", "todo", "1", "Alert on registry disk usage", "--owner", "dave")
        step("incident", "done", "1", "1")
        step("incident", "link", "1", "registry-5xx")
        step("incident", "tag", "1", "storage")
        step("incident", "mitigate", "1")
        step("incident", "amend", "1", "detected", "2026-11-20T23:45:00Z")
        clock.advance(seconds: 300)
        let resolved = k.run("incident", "resolve", "1", "--summary", "Disk full on registry-2; cleaned and alerted")
        // The line names the kind once ("resolved: resolved: …" before).
        #expect(
            resolved.output == "INC-1 #15 resolved: Disk full on registry-2; cleaned and alerted\n",
            "\(resolved.output)")
        step("incident", "reopen", "1")
        step("incident", "resolve", "1")
        let json = k.run("incident", "show", "1", "--json").json!
        #expect(json["status"] == "resolved")
        #expect(json["severity"] == "SEV2")
        #expect(json["roles"] == ["commander": "bob", "comms": "carol"])
        #expect(json["tags"] == ["storage"])
        #expect(json["timeline"]?.arrayValue?.count == 17)
        #expect(json["timeline"]?.arrayValue?.map { $0["seq"]!.intValue! } == Array(1...17))
        #expect(json["timeline"]?.arrayValue?[2]["data"]?["text"] == "from stdin\nsecond line")
        #expect(json["timeline"]?.arrayValue?[7]["actor"] == "bob")
        #expect(json["action_items"]?.arrayValue?.first?["done"] == true)
        #expect(json["key_times"]?["detected"] == "2026-11-20T23:45:00.000Z")
        let text = k.run("incident", "show", "1").output
        // The incident crosses midnight: every timeline line carries its date.
        #expect(text.contains("  2026-11-20 23:50:00  alice  declared  SEV3 \"Registry returns 503\""))
        #expect(text.contains("  2026-11-21 00:00:00  alice  note      from stdin\n"))
        #expect(text.contains("second line"))
        #expect(text.contains("[x] 1. Alert on registry disk usage (owner: dave) — done by alice 2026-11-21 00:35:00"))
        #expect(text.contains("runbook registry-5xx"))
        #expect(
            !text.split(separator: "\n").contains {
                $0.hasPrefix("  0") || $0.hasPrefix("  1") || $0.hasPrefix("  2") && !$0.hasPrefix("  20")
            })
    }

    @Test func writeCommandsConfirmWhatTheyRecorded() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV3")
        #expect(
            k.run("incident", "status", "1", "monitoring").output == "INC-1 #2 status: investigating → monitoring\n")
        let json = k.run("incident", "note", "1", "hello", "--json").json
        #expect(json?["seq"] == 3)
        #expect(json?["type"] == "note")
        #expect(json?["hash"]?.stringValue?.count == 64)
    }

    @Test func listShowsOpenIncidentsAndFlagsStaleOnes() {
        let ws = makeWorkspace()
        let clock = FixedClock("2026-11-20T09:00:00Z")
        let k = Klaxon(workspace: ws.path, clock: clock)
        #expect(k.run("incident", "list").output.contains("No open incidents"))
        k.run("incident", "declare", "CI queue backed up", "--severity", "SEV2", "--commander", "alice")
        k.run("incident", "declare", "Old one", "--severity", "SEV4")
        k.run("incident", "resolve", "2")
        clock.advance(seconds: 45 * 60)
        let table = k.run("incident", "list").output
        #expect(table.contains("INC-1  SEV2  investigating  45m      45m ago STALE  alice"))
        #expect(!table.contains("INC-2"))
        #expect(k.run("incident", "list", "--all").output.contains("INC-2"))
        let json = k.run("incident", "list", "--json").json
        #expect(json?.arrayValue?.count == 1)
        #expect(json?.arrayValue?.first?["stale"] == true)
        #expect(json?.arrayValue?.first?["running_seconds"] == 2700)
    }

    @Test func outOfOrderTimesAreRecordedWithAWarning() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV3")
        let run = k.run("incident", "amend", "1", "mitigated", "-2h")
        #expect(run.status == 0)
        #expect(run.errors.contains("warning: INC-1: mitigated (2026-11-20T07:00:00.000Z) is before declared"))
        #expect(k.run("incident", "show", "1").output.contains("Warnings:"))
    }

    @Test(arguments: [
        (["incident", "note", "INC-9", "x"], "there is no incident INC-9"),
        (["incident", "note", "nine", "x"], "\"nine\" is not an incident id"),
        (["incident", "severity", "1", "SEV9"], "severity \"SEV9\" is not one of SEV1 (most severe) to SEV5"),
        (
            ["incident", "status", "1", "fixed"],
            "status \"fixed\" is not one of investigating, identified, monitoring or resolved"
        ),
        (["incident", "amend", "1", "mitigated", "whenever"], "\"whenever\" is not a time"),
        (["incident", "amend", "1", "fixed", "now"], "\"fixed\" is not a key time"),
        (["incident", "declare", "x", "--severity", "high"], "severity \"high\" is not one of"),
        (["incident", "declare", "x"], "klaxon: error: missing expected argument '--severity <severity>'"),
        (["incident", "done", "1", "3"], "INC-1 has no action item 3; it has none"),
        (["incident", "reopen", "1"], "nothing to reopen"),
        (["incident", "bogus"], "klaxon: error: unknown command 'incident bogus'; the commands are declare, note")
    ])
    func badInputIsOneClearLineAndExitTwoAndWritesNothing(arguments: [String], message: String) {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV3")
        let before = ws.read("journals/INC-1.jsonl")
        let run = k.run(arguments)
        #expect(run.status == 2, "\(arguments)")
        #expect(run.errors.contains(message), "\(arguments): \(run.errors)")
        #expect(run.output.isEmpty)
        #expect(ws.read("journals/INC-1.jsonl") == before)
    }

    @Test func relativeTimesPassAsArgumentsButNotAfterDoubleDash() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV3", "--impact-start", "-1h30m")
        #expect(k.run("incident", "amend", "1", "detected", "-1h").status == 0)
        #expect(k.run("incident", "note", "1", "--", "-5m").status == 0)
        let json = k.run("incident", "show", "1", "--json").json
        #expect(json?["key_times"]?["impact_started"] == "2026-11-20T07:30:00.000Z")
        #expect(json?["key_times"]?["detected"] == "2026-11-20T08:00:00.000Z")
        #expect(json?["timeline"]?.arrayValue?.last?["data"]?["text"] == "-5m")
    }

    @Test func noWorkspaceIsAClearErrorWithExitTwo() {
        let empty = TemporaryDirectory()
        let k = Klaxon(workspace: empty.path)
        let run = k.run("incident", "list")
        #expect(run.status == 2)
        #expect(run.errors.contains("is not a workspace: it has no klaxon.yaml"))
    }

    @Test func helpIsAvailableForEveryCommand() {
        let k = Klaxon(workspace: "/nonexistent")
        for command in [
            "declare", "note", "status", "severity", "assign", "ack", "mitigate", "resolve", "reopen", "amend",
            "todo", "done", "link", "tag", "list", "show"
        ] {
            let run = k.run("incident", command, "--help")
            #expect(run.status == 0, "\(command)")
            #expect(run.output.contains("USAGE: klaxon incident \(command)"), "\(command)")
        }
        #expect(k.run("journal", "verify", "--help").output.contains("USAGE: klaxon journal verify"))
        #expect(k.run("--help").output.contains("incident"))
    }

    @Test func theActorComesFromAsThenKLAXON_USER() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path, user: "erin")
        k.run("incident", "declare", "x", "--severity", "SEV3")
        k.run("incident", "note", "1", "hi", "--as", "frank")
        let timeline = k.run("incident", "show", "1", "--json").json?["timeline"]?.arrayValue
        #expect(timeline?.map { $0["actor"]! } == ["erin", "frank"])
        #expect(k.run("incident", "note", "1", "hi", "--as", "not a name").status == 2)
    }
}

struct JournalCommandTests {
    /// The platform journal is a journal too: `journal verify` checks it with the incidents (and alone
    /// as `platform`), as the damage warnings of `status watch` and the console promise.
    @Test func verifyChecksThePlatformJournal() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "one", "--severity", "SEV3")
        do {
            let platform = try #require(
                try PlatformJournal.claim(store: FileJournalStore(directory: ws.path + "/journals"), holder: "test"))
            let poller = WriterIdentity(actor: "status-poller", host: "h", pid: 1)
            for (i, state) in [CheckState.down, .up, .down].enumerated() {
                try platform.record(
                    check: "uploads", from: i == 0 ? .unknown : (state == .up ? .down : .up), to: state,
                    detail: "HTTP 503",
                    at: Timestamp.parseRFC3339("2026-12-05T03:00:00Z")!.adding(seconds: Int64(i * 60)), by: poller)
            }
        }
        let ok = k.run("journal", "verify")
        #expect(ok.status == 0 && ok.output.contains("platform.jsonl: ok, 3 records"), "\(ok.output)\(ok.errors)")
        var bytes = ws.read("journals/platform.jsonl")
        let secondLine = bytes.indices.filter { bytes[$0] == 0x0A }[0] + 1
        let index = try #require(bytes[secondLine...].firstIndex(of: UInt8(ascii: "5")))
        bytes[index] = UInt8(ascii: "4")  // "HTTP 503" → "HTTP 403" in record 2
        _ = FileManager.default.createFile(atPath: ws.path + "/journals/platform.jsonl", contents: Data(bytes))
        let bad = k.run("journal", "verify")
        #expect(bad.status == 1 && bad.output.contains("platform.jsonl: DAMAGED at record 2"), "\(bad.output)")
        #expect(bad.output.contains("INC-1.jsonl: ok"))
        let alone = k.run("journal", "verify", "platform")
        #expect(
            alone.status == 1 && alone.output.contains("platform.jsonl: DAMAGED at record 2")
                && !alone.output.contains("INC-1"), "\(alone.output)\(alone.errors)")
    }

    @Test func verifyPassesIntactJournalsAndNamesATamperedRecord() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "one", "--severity", "SEV3")
        k.run("incident", "declare", "two", "--severity", "SEV3")
        for i in 1...5 { k.run("incident", "note", "2", "note \(i)") }
        let ok = k.run("journal", "verify")
        #expect(ok.status == 0)
        // A count of one is singular (the walkthrough saw "1 records" here and in incident show).
        #expect(ok.output.contains("INC-1.jsonl: ok, 1 record, "), "\(ok.output)")
        #expect(ok.output.contains("INC-2.jsonl: ok, 6 records"))
        let shown = k.run("incident", "show", "1").output
        #expect(shown.contains("), 1 record:\n"), "\(shown)")
        var bytes = ws.read("journals/INC-2.jsonl")
        let index = bytes.firstIndex(of: UInt8(ascii: "3"), after: bytes.indices.filter { bytes[$0] == 0x0A }[2])
        bytes[index] = UInt8(ascii: "8")  // "note 3" → "note 8" in record 4
        _ = FileManager.default.createFile(atPath: ws.path + "/journals/INC-2.jsonl", contents: Data(bytes))
        let bad = k.run("journal", "verify")
        #expect(bad.status == 1)
        #expect(bad.output.contains("INC-2.jsonl: DAMAGED at record 4 (line 4"))
        // The next step: a broken chain is not repaired; the journal comes back from a backup.
        let damagedLine = bad.output.split(separator: "\n").first { $0.contains("DAMAGED") } ?? ""
        #expect(
            damagedLine.hasSuffix(
                "; restore the file from a backup (keep a copy of it first; klaxon journal repair cuts only a torn tail): see docs/journal-format.md, \"Damage\""
            ), "\(damagedLine)")
        #expect(k.run("journal", "verify", "1").status == 0)
        let json = k.run("journal", "verify", "2", "--json").json?.arrayValue?.first
        #expect(json?["ok"] == false)
        #expect(json?["damage"]?["record"] == 4)
        #expect(json?["damage"]?["kind"] == "corruption")
        #expect(
            json?["damage"]?["next_step"]?.stringValue?.hasPrefix("restore the file from a backup") == true,
            "\(String(describing: json))")
        // The damaged incident reads, read-only, up to the damage; writing is refused with exit 1.
        let show = k.run("incident", "show", "2")
        #expect(show.status == 0 && show.errors.contains("is damaged at record 4"))
        let write = k.run("incident", "note", "2", "more")
        #expect(write.status == 1)
        #expect(write.errors.contains("nothing more will be written to it"))
    }

    @Test func repairCutsATornTailAndKeepsIt() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "one", "--severity", "SEV3")
        k.run("incident", "note", "1", "kept")
        #expect(k.run("journal", "repair", "1").output.contains("intact; nothing to repair"))
        let handle = FileHandle(forWritingAtPath: ws.path + "/journals/INC-1.jsonl")!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"v":1,"seq":3,"ts":"#.utf8))
        handle.closeFile()
        #expect(k.run("journal", "verify").status == 1)
        let torn = k.run("journal", "verify", "1", "--json").json?.arrayValue?.first?["damage"]
        #expect(torn?["kind"] == "torn_tail")
        #expect(
            torn?["next_step"] == "klaxon journal repair cuts it off and keeps its bytes", "\(String(describing: torn))"
        )
        let repaired = k.run("journal", "repair", "1")
        #expect(repaired.status == 0)
        #expect(repaired.output.contains("moved to INC-1.jsonl.torn-"))
        #expect(k.run("journal", "verify").status == 0)
        let aside = try! FileManager.default.contentsOfDirectory(atPath: ws.path + "/journals").first {
            $0.contains(".torn-")
        }!
        #expect(ws.read("journals/" + aside) == Array(#"{"v":1,"seq":3,"ts":"#.utf8))
    }
}

extension Array where Element == UInt8 {
    func firstIndex(of byte: UInt8, after start: Int) -> Int { self[(start + 1)...].firstIndex(of: byte)! }
}
