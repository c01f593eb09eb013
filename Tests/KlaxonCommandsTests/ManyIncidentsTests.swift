import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Writes `count` resolved incidents (INC-1 … INC-count) straight into `journals`, as Klaxon would have
/// written them: thousands of processes would take minutes, the bytes are the same.
func writeResolvedArchive(count: Int, into journals: String) throws {
    try FileManager.default.createDirectory(atPath: journals, withIntermediateDirectories: true)
    let start = Timestamp.parseRFC3339("2026-01-01T00:00:00Z")!
    for n in 1...count {
        var fixture = IncidentFixture(
            id: "INC-\(n)", declaration: Declaration(title: "archived incident \(n)", severity: .sev4),
            at: start.adding(seconds: Int64(n) * 600))
        fixture.perform(.note("looked at it"))
        fixture.perform(.resolve(summary: "fixed"))
        guard
            FileManager.default.createFile(
                atPath: journals + "/INC-\(n).jsonl", contents: Data(fixture.journalText.utf8))
        else {
            throw KlaxonError.failed("cannot write INC-\(n)")
        }
    }
}

/// A workspace whose policy `platform` pages bob at once by Slack, to `port` on loopback.
private func pagingWorkspace(port: Int) -> TemporaryDirectory {
    let ws = makeWorkspace("name: archive\ntime_zone: UTC\n")
    ws.write(
        "Escalation/people.yaml",
        """
        people:
          - id: bob
            contacts: [{type: slack, url: "http://127.0.0.1:\(port)/slack/bob"}]
        """)
    ws.writeWeeklySchedule("primary", participants: ["bob"])
    ws.write(
        "Escalation/policies/platform.yaml",
        """
        name: platform
        steps:
          - {targets: [schedule:primary], escalate_after: 10m}
        ack_timeout: 30m
        """)
    return ws
}

/// Point 5 of issue 18: no descriptor per journal. Ten thousand incidents under `ulimit -n 256`: the
/// engine still pages for the open one, and the console shows it.
extension EndToEnd {
    @Suite(.serialized)
    struct ManyIncidentsTests {
        let klaxon = BuiltProducts.path("klaxon")

        @Test func tenThousandIncidentsUnderADescriptorLimitOf256StillPage() async throws {
            let http = TemporaryDirectory("receiver")
            let receiver = try HTTPReceiver(directory: http.path, routes: ["/slack/*": .init([200])])
            defer { receiver.stop() }
            let ws = pagingWorkspace(port: receiver.port)
            let journals = ws.path + "/journals"
            try await blocking { try writeResolvedArchive(count: 10_000, into: journals) }
            _ = try shell(
                "KLAXON_USER=alice \(klaxon) --workspace \(ws.path) incident declare 'Registry down' --severity SEV1 --policy platform"
            )

            let log = ws.path + "/watch.log"
            let watch = Process()
            watch.executableURL = URL(fileURLWithPath: "/bin/sh")
            watch.arguments = [
                "-c", "ulimit -n 256 && exec \"$0\" watch --workspace \"$1\" > \"$2\" 2>&1", klaxon, ws.path, log
            ]
            watch.environment = ["KLAXON_USER": "ops", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
            try watch.run()
            var paged = false
            for _ in 0..<600 where !paged {
                try await Task.sleep(for: .milliseconds(100))
                paged = receiver.requests.contains { $0.path == "/slack/bob" }
            }
            kill(watch.processIdentifier, SIGTERM)
            try await blocking { watch.waitUntilExit() }
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(paged, "bob was never paged; klaxon watch said: \(output.suffix(2000))")
            #expect(!output.contains("EMFILE"), "\(output.suffix(2000))")
            #expect(watch.terminationStatus == 0)
            let incident = try IncidentStore(directory: ws.path + "/journals").open("INC-10001").incident
            #expect(
                incident.timeline.contains { $0.type == RecordType.pageResult.rawValue },
                "the page's outcome is recorded")
        }

        @Test(.enabled(if: TmuxSession.available, "needs tmux"))
        func tenThousandIncidentsUnderADescriptorLimitOf256InTheConsole() async throws {
            let ws = pagingWorkspace(port: 9)
            let journals = ws.path + "/journals"
            try await blocking { try writeResolvedArchive(count: 10_000, into: journals) }
            _ = try shell(
                "KLAXON_USER=alice \(klaxon) --workspace \(ws.path) incident declare 'Registry down' --severity SEV2")
            let tty = try TmuxSession(
                "ulimit -n 256 && \(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 100, rows: 30,
                environment: ["KLAXON_USER": "alice", "TZ": "UTC"])
            #expect(await tty.until("Registry down", timeout: 60) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("1 open"), "\(tty.screen())")
            // Declaring works too (it needs descriptors for the new journal and the directory).
            tty.press("d")
            #expect(await tty.until("Declare an incident", timeout: 10) != nil)
            tty.type("Second outage")
            // Paging by the workspace's policy is chosen: the dialog starts at none.
            #expect(await tty.until("Page by: [none]  platform", timeout: 10) != nil, "\(tty.screen())")
            tty.press("Tab", "Tab", "Tab", "j", "Enter")
            #expect(await tty.until("INC-10002 declared", timeout: 20) != nil, "\(tty.screen())")
            #expect(await tty.until("2 open", timeout: 10) != nil, "\(tty.screen())")
            // The declaration pages by the workspace's policy, and this console sends the pages: q asks, once
            // the engine's pass has made it escalating (a moment after the declaration shows: pressed before,
            // q quit at once, a test race under load).
            // (The declaration opened its incident screen, whose paging line names whom it pages.)
            let escalating = await tty.until(timeout: 20) { $0.contains("→ bob") }
            #expect(escalating != nil, "\(tty.screen())")
            tty.press("q")
            #expect(
                await tty.until("INC-10002 is escalating and this console sends its pages", timeout: 10) != nil,
                "\(tty.screen())")
            tty.press("y")
            #expect(await tty.until("EXIT 0", timeout: 20) != nil, "\(tty.screen())")
        }
    }
}

/// Points 4 and 6 of issue 18 in a real terminal: the console's saves survive a journal replaced or
/// removed under it, and a journal locked by a stuck process never freezes it.
extension EndToEnd {
    @Suite(.serialized)
    struct ConsoleJournalSafetyTests {
        let klaxon = BuiltProducts.path("klaxon")

        func console(_ ws: TemporaryDirectory) throws -> TmuxSession {
            try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"", columns: 120, rows: 30,
                environment: ["KLAXON_USER": "alice", "TERM": "xterm-256color", "TZ": "UTC"])
        }

        func notes(_ ws: TemporaryDirectory) throws -> [String] {
            try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.notes.map(\.text)
        }

        /// Writes a note in the console and saves it with ctrl-s.
        func saveNote(_ tty: TmuxSession, _ text: String) async {
            tty.press("n")
            await tty.until("ctrl-s save")
            tty.type(text)
            tty.press("C-s")
        }

        @Test(.enabled(if: TmuxSession.available, "needs tmux"))
        func notesSavedAfterTheJournalWasReplacedOrRemovedAreOnDiskOrKeptAsDrafts() async throws {
            let ws = makeWorkspace()
            _ = try shell(
                "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Registry returns 503' --severity SEV2"
            )
            let tty = try console(ws)
            #expect(await tty.until("Registry returns 503") != nil, "\(tty.screen())")
            tty.press("Enter")
            // Replaced by a copy, as rsync, a restore or a git checkout do.
            let path = ws.path + "/journals/INC-1.jsonl"
            _ = try shell("cp \(path) \(ws.path)/journals/.t && mv \(ws.path)/journals/.t \(path)")
            for i in 1...3 {
                await saveNote(tty, "after the copy \(i)")
                #expect(await tty.until("INC-1 #\(i + 1) note recorded", timeout: 15) != nil, "\(tty.screen())")
            }
            #expect(try notes(ws) == ["after the copy 1", "after the copy 2", "after the copy 3"])
            // Removed with its directory: the save fails loudly and the note stays a draft.
            try FileManager.default.removeItem(atPath: ws.path + "/journals")
            await saveNote(tty, "into the void")
            #expect(
                await tty.until("INC-1: NOT SAVED, note kept as a draft (n): ", timeout: 15) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("journals/INC-1.jsonl is gone"), "\(tty.screen())")
            #expect(!FileManager.default.fileExists(atPath: path))
            tty.press("n")
            #expect(await tty.until("into the void", timeout: 10) != nil, "the draft holds the note: \(tty.screen())")
            tty.press("Escape")
            tty.press("q")
            #expect(await tty.until("draft", timeout: 10) != nil, "q asks before the draft is lost: \(tty.screen())")
        }

        @Test(.enabled(if: TmuxSession.available, "needs tmux"))
        func aLockedJournalNeverFreezesTheConsole() async throws {
            let ws = makeWorkspace()
            _ = try shell(
                "KLAXON_USER=bob \(klaxon) --workspace \(ws.path) incident declare 'Registry returns 503' --severity SEV2"
            )
            let path = ws.path + "/journals/INC-1.jsonl"
            let tty = try console(ws)
            #expect(await tty.until("Registry returns 503") != nil, "\(tty.screen())")
            tty.press("Enter")
            let holder = try startLockHolder(of: path)
            defer {
                holder.terminate()
                holder.waitUntilExit()
            }
            try await Task.sleep(for: .milliseconds(300))
            await saveNote(tty, "while it is locked")
            #expect(await tty.until("saving…", timeout: 5) != nil, "\(tty.screen())")
            // After a second it says who holds the lock, naming the journal within the workspace.
            #expect(
                await tty.until(
                    "INC-1: saving… journals/INC-1.jsonl is locked by process \(holder.processIdentifier) (sleep) on this host",
                    timeout: 5) != nil, "\(tty.screen())")
            // The loop goes on: keys are answered while the save waits.
            tty.press("?")
            #expect(
                await tty.until("any other key closes", timeout: 5) != nil,
                "keys are answered while saving: \(tty.screen())")
            tty.press("Escape")
            // After the bounded wait the save fails, naming the holder, and the note is a draft again.
            #expect(await tty.until("INC-1: NOT SAVED, note kept as a draft", timeout: 30) != nil, "\(tty.screen())")
            #expect(tty.screen().contains("locked by process \(holder.processIdentifier)"), "\(tty.screen())")
            holder.terminate()
            holder.waitUntilExit()
            tty.press("n")
            #expect(await tty.until("while it is locked", timeout: 10) != nil, "\(tty.screen())")
            tty.press("C-s")
            #expect(await tty.until("INC-1 #2 note recorded", timeout: 15) != nil, "\(tty.screen())")
            #expect(try notes(ws) == ["while it is locked"])
            tty.press("q")
            #expect(await tty.until("EXIT 0", timeout: 10) != nil, "\(tty.screen())")
        }
    }
}
