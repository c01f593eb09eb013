import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Point 4 of issue 20: the journals directory's index. Which journals a command opens is watched with
/// inotify (`FileOpenWatcher`), from outside the code that reads them.
struct IncidentIndexTests {
    let klaxon = BuiltProducts.path("klaxon")

    /// 30 resolved incidents (INC-1 … INC-30) and two open ones (INC-31, INC-32).
    func archive() throws -> (TemporaryDirectory, Klaxon) {
        let ws = makeWorkspace()
        try writeResolvedArchive(count: 30, into: ws.path + "/journals")
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2").output == "INC-31\n")
        #expect(k.run("incident", "declare", "CI queue backed up", "--severity", "SEV3").output == "INC-32\n")
        return (ws, k)
    }

    /// id → title of every incident `incident list --all --json` lists.
    func titles(_ k: Klaxon) -> [String: String] {
        let run = k.run("incident", "list", "--all", "--json")
        #expect(run.status == 0, "\(run.errors)")
        var titles: [String: String] = [:]
        for row in run.json?.arrayValue ?? [] { titles[row["id"]?.stringValue ?? "?"] = row["title"]?.stringValue }
        return titles
    }

    static let openJournals: Set<String> = ["INC-31.jsonl", "INC-32.jsonl"]

    @Test func incidentListReadsOnlyTheOpenIncidentsJournalsOnceTheIndexIsWritten() throws {
        let (ws, k) = try archive()
        #expect(k.run("incident", "list").status == 0)  // writes the index
        let opens = try FileOpenWatcher(directory: ws.path + "/journals")
        let list = k.run("incident", "list")
        #expect(list.status == 0 && list.errors.isEmpty, "\(list.errors)")
        #expect(list.output.contains("INC-31") && list.output.contains("INC-32") && !list.output.contains("INC-7 "))
        #expect(opens.opened().filter { $0.hasPrefix("INC-") } == Self.openJournals)
        // --all and review report take the resolved ones from the index, and still read no resolved journal.
        let all = titles(k)
        #expect(all.count == 32 && all["INC-7"] == "archived incident 7" && all["INC-31"] == "Registry returns 503")
        let report = k.run(
            "review", "report", "--since", "2026-01-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z", "--format", "json"
        )
        #expect(report.json?["incidents"] == 32, "\(report.output)")
        #expect(opens.opened().filter { $0.hasPrefix("INC-") } == Self.openJournals)
        #expect(FileManager.default.fileExists(atPath: ws.path + "/journals/.index"))
    }

    @Test(arguments: [
        "deleted", "garbage", "truncated", "another version", "a title changed in it", "two lines swapped",
        "a directory"
    ])
    func anIndexDeletedOrDamagedIsNotTrustedAndIsWrittenAnew(damage: String) throws {
        let (ws, k) = try archive()
        let expected = titles(k)
        let index = ws.path + "/journals/.index"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: index))
        try FileManager.default.removeItem(atPath: index)
        switch damage {
        case "deleted": break
        case "garbage": bytes = Data("{\"not\": \"an index\"}\n\u{0}\u{1}\u{2}".utf8)
        case "truncated": bytes = bytes.prefix(bytes.count / 2)
        case "another version":
            bytes = Data(
                String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                    of: "klaxon-index 1 ", with: "klaxon-index 9 "
                ).utf8)
        case "a title changed in it":
            bytes = Data(
                String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                    of: "archived incident 7\"", with: "ARCHIVED INCIDENT 7\""
                ).utf8)
        case "two lines swapped":
            // Each line whole and valid, but out of the numbers' order (which a reader walks them in).
            var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            lines.swapAt(1, 2)
            bytes = Data(lines.joined(separator: [0x0A]))
        default: try FileManager.default.createDirectory(atPath: index, withIntermediateDirectories: false)
        }
        if damage != "deleted" && damage != "a directory" { try bytes.write(to: URL(fileURLWithPath: index)) }
        let opens = try FileOpenWatcher(directory: ws.path + "/journals")
        // Not trusted: the journals are read (only INC-7's, whose summary no longer matches its checksum,
        // when the rest of the index reads), and what is listed is what they say.
        #expect(titles(k) == expected)
        let read = damage == "a title changed in it" ? Self.openJournals.union(["INC-7.jsonl"]) : nil
        #expect(opens.opened().filter { $0.hasPrefix("INC-") }.count == read?.count ?? 32)
        if damage == "a directory" {
            // The index cannot be written: never an error, and every journal is read each time.
            let list = k.run("incident", "list")
            #expect(list.status == 0 && list.errors.isEmpty, "\(list.errors)")
            #expect(opens.opened().filter { $0.hasPrefix("INC-") }.count == 32)
            return
        }
        // Written anew: the next listing reads only the open incidents' journals.
        #expect(titles(k) == expected)
        #expect(opens.opened().filter { $0.hasPrefix("INC-") } == Self.openJournals)
    }

    @Test func journalsChangedByAnotherProcessAfterTheIndexWasWrittenAreReadAgain() throws {
        let (ws, k) = try archive()
        let journals = ws.path + "/journals"
        #expect(titles(k).count == 32)  // writes the index
        func other(_ command: String) throws {
            let output = try shell(
                "KLAXON_USER=bob TZ=UTC \(klaxon) --workspace \(ws.path) \(command) 2>&1; echo \"exit $?\"")
            #expect(output.hasSuffix("exit 0\n"), "\(command): \(output)")
        }
        // Appended to by another process: reopened, and a note on a resolved one.
        try other("incident reopen INC-4")
        try other("incident note INC-5 'one more thing'")
        // Replaced by another journal (as a restore or rsync does: a copy renamed over it).
        var replacement = IncidentFixture(id: "INC-6", title: "restored incident 6", at: "2026-02-01T10:00:00Z")
        replacement.perform(.resolve(summary: nil))
        try Data(replacement.journalText.utf8).write(to: URL(fileURLWithPath: journals + "/.INC-6.restore"))
        #expect(rename(journals + "/.INC-6.restore", journals + "/INC-6.jsonl") == 0)
        // Removed.
        try FileManager.default.removeItem(atPath: journals + "/INC-8.jsonl")
        // Damaged in place, the same size, its modification time set back: only the change time tells.
        let path = journals + "/INC-9.jsonl"
        _ = try shell("touch -r \(path) \(ws.path)/mtime")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let at = text.utf8.count - text[text.range(of: "\"summary\":\"fixed\"")!.lowerBound...].utf8.count
        let file = try #require(FileHandle(forUpdatingAtPath: path))
        try file.seek(toOffset: UInt64(at + 11))
        try file.write(contentsOf: Data("F".utf8))
        try file.close()
        _ = try shell("touch -r \(ws.path)/mtime \(path)")

        let list = k.run("incident", "list", "--all", "--json")
        let rows = Dictionary(
            (list.json?.arrayValue ?? []).map { ($0["id"]?.stringValue ?? "?", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(rows["INC-4"]?["status"] == "investigating")
        #expect(rows["INC-5"]?["records"] == 4)
        #expect(rows["INC-6"]?["title"] == "restored incident 6")
        #expect(rows["INC-8"] == nil && rows.count == 31)
        #expect(list.errors.contains("INC-9 is damaged"), "\(list.errors)")
        #expect(rows["INC-9"]?["read_only"] == true)
        #expect(k.run("incident", "list").output.contains("INC-4"))
    }

    @Test func journalVerifyStillReadsEveryJournal() throws {
        let (ws, k) = try archive()
        #expect(titles(k).count == 32)  // writes the index
        let opens = try FileOpenWatcher(directory: ws.path + "/journals")
        let verify = k.run("journal", "verify")
        #expect(verify.status == 0, "\(verify.output)")
        #expect(opens.opened().filter { $0.hasPrefix("INC-") }.count == 32)
    }
}

extension EndToEnd {
    @Suite(.serialized)
    struct ConsoleIndexTests {
        let klaxon = BuiltProducts.path("klaxon")

        @Test(.enabled(if: TmuxSession.available, "needs tmux"))
        func theConsoleReadsOnlyOpenIncidentsJournalsAndSeesResolvedOnesChangeElsewhere() async throws {
            let ws = makeWorkspace()
            let journals = ws.path + "/journals"
            try await blocking { try writeResolvedArchive(count: 30, into: journals) }
            func other(_ command: String) throws {
                let output = try shell(
                    "KLAXON_USER=bob TZ=UTC \(klaxon) --workspace \(ws.path) \(command) 2>&1; echo \"exit $?\"")
                #expect(output.hasSuffix("exit 0\n"), "\(command): \(output)")
            }
            try other("incident declare 'Registry returns 503' --severity SEV2")
            try other("incident list")  // writes the index
            // A read-only console writes nothing, the index included.
            #expect(FileManager.default.fileExists(atPath: journals + "/.index"))
            try? FileManager.default.removeItem(atPath: journals + "/.index")
            let readOnly = try TmuxSession(
                "\(klaxon) --workspace \(ws.path) --read-only", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TZ": "UTC"])
            #expect(await readOnly.until("1 open", timeout: 20) != nil, "\(readOnly.screen())")
            readOnly.press("q")
            #expect(!FileManager.default.fileExists(atPath: journals + "/.index"))
            try other("incident list")
            // Changed while no console ran: reopened by another process after the index was written.
            try other("incident reopen INC-4")

            let opens = try FileOpenWatcher(directory: journals)
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TZ": "UTC"])
            #expect(await tty.until("2 open", timeout: 20) != nil, "\(tty.screen())")
            #expect(opens.opened().filter { $0.hasPrefix("INC-") } == Set(["INC-4.jsonl", "INC-31.jsonl"]))
            // Reopened by another process while it runs.
            try other("incident reopen INC-5")
            #expect(await tty.until("3 open", timeout: 10) != nil, "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0", timeout: 20) != nil, "\(tty.screen())")
        }

        /// The console starts with the open incidents and those resolved in the last 7 days (the
        /// dashboard's); the reports screen's 90 days are taken from the index when it is first shown,
        /// with no resolved journal opened.
        @Test(.enabled(if: TmuxSession.available, "needs tmux"))
        func theConsoleStartsWithTheLastSevenDaysAndTheReportsScreenReadsNinetyFromTheIndex() async throws {
            let ws = makeWorkspace("name: archive\ntime_zone: UTC\n")
            let journals = ws.path + "/journals"
            try FileManager.default.createDirectory(atPath: journals, withIntermediateDirectories: true)
            let now = Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
            for (n, daysAgo) in [(1, 60), (2, 20), (3, 2)] {
                var fixture = IncidentFixture(
                    id: "INC-\(n)", declaration: Declaration(title: "resolved \(daysAgo) days ago", severity: .sev3),
                    at: now.adding(seconds: -Int64(daysAgo) * 86_400))
                fixture.perform(.resolve(summary: "fixed"))
                #expect(
                    FileManager.default.createFile(
                        atPath: journals + "/INC-\(n).jsonl", contents: Data(fixture.journalText.utf8)))
            }
            let k = Klaxon(workspace: ws.path)
            #expect(k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2").output == "INC-4\n")
            #expect(k.run("incident", "list").status == 0)  // writes the index

            let opens = try FileOpenWatcher(directory: journals)
            let tty = try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TZ": "UTC"])
            #expect(await tty.until("Resolved in the last 7 days (1)", timeout: 20) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("resolved 2 days ago") && !tty.screen().contains("resolved 20 days ago"))
            tty.press("6")
            // Declared in the last 30 days: INC-2, INC-3 and INC-4; in the last 90, INC-1 too.
            #expect(await tty.until("3, 1 open", timeout: 10) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("4, 1 open"), "\(tty.screen())")
            #expect(opens.opened().filter { $0.hasPrefix("INC-") } == ["INC-4.jsonl"])
            tty.press("1")
            #expect(await tty.until("Resolved in the last 7 days (1)", timeout: 10) != nil, "\(tty.screen())")
            // One resolved before the 7 days is opened by its id.
            tty.press("/")
            tty.type("INC-1")
            tty.press("Enter")
            #expect(await tty.until("resolved 60 days ago", timeout: 10) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("INC-1"), "\(tty.screen())")
            tty.press("q")
            #expect(await tty.until("EXIT 0", timeout: 20) != nil, "\(tty.screen())")
        }
    }
}
