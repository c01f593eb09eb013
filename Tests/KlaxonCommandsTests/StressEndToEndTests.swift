import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Many writers at once, and processes killed mid-work: what each process acknowledged (printed,
/// or showed on screen) is in the journal exactly once, and every chain verifies.
///
/// The follow test runs 10 s here; `KLAXON_SOAK=1` runs it for the 60 s of the issue.
extension EndToEnd {
    @Suite(.serialized)
    struct StressEndToEndTests {
        let klaxon = BuiltProducts.path("klaxon")
        let stress = BuiltProducts.path("klaxon-stress")
        static let soak = ProcessInfo.processInfo.environment["KLAXON_SOAK"] == "1"

        /// The console in tmux. Not the pane's own process: tmux continues a pane process that is stopped,
        /// and the stall test stops it.
        func console(_ ws: TemporaryDirectory, user: String = "alice") throws -> TmuxSession {
            try TmuxSession(
                "\(klaxon) --workspace \(ws.path); echo \"EXIT $?\"",
                environment: ["KLAXON_USER": user, "TERM": "xterm-256color", "TZ": "UTC"])
        }

        func consolePID(_ ws: TemporaryDirectory) throws -> Int32? {
            try processID(commandLine: "\(klaxon) --workspace \(ws.path)")
        }

        /// Every acknowledged note is the record it was told it is, and no note is there twice.
        func expectEveryAcknowledgedNoteOnce(
            _ acknowledged: [(sequence: Int, text: String)], in timeline: [JournalRecord],
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let bySequence = Dictionary(
                uniqueKeysWithValues: timeline.map { ($0.sequence, $0.data["text"]?.stringValue) })
            let lost = acknowledged.filter { bySequence[$0.sequence] != $0.text }
            #expect(
                lost.isEmpty, "acknowledged but not in the journal as acknowledged: \(lost.prefix(5))",
                sourceLocation: sourceLocation)
            let notes = timeline.compactMap { $0.type == "note" ? $0.data["text"]?.stringValue : nil }
            #expect(Set(notes).count == notes.count, "a note is in the journal twice", sourceLocation: sourceLocation)
        }

        @Test func tenWritersAtTenNotesASecondWhileAConsoleFollows() async throws {
            let seconds = Self.soak ? 60 : 10
            let ws = makeWorkspace()
            Klaxon(workspace: ws.path).run("incident", "declare", "Stress", "--severity", "SEV3")
            let tty = try console(ws)
            #expect(await tty.until("INC-1") != nil)
            tty.press("Enter")
            #expect(await tty.until("Timeline") != nil, "\(tty.screen())")

            let swarm = try WriterSwarm(
                stress: stress, journals: ws.path + "/journals", writers: 10, notesEach: 10 * seconds, rate: 10)
            let lags = swarm.followLag(screen: { tty.screen() }) { swarm.running }
            #expect(swarm.waitUntilExit() == Array(repeating: 0, count: 10))
            let total = 1 + 100 * seconds
            // The console catches up with the last note.
            let caughtUp = await tty.until(timeout: 10) { WriterSwarm.recordCount(onScreen: $0) == total }
            #expect(caughtUp != nil, "the console stopped following:\n\(tty.screen())")

            let acknowledged = swarm.acknowledgements
            #expect(acknowledged.count == 100 * seconds)
            let verification = try JournalFile.verify(path: ws.path + "/journals/INC-1.jsonl")
            #expect(verification.damage == nil && verification.recordCount == total)
            let timeline = try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.timeline
            expectEveryAcknowledgedNoteOnce(acknowledged.map { ($0.sequence, $0.text) }, in: timeline)
            #expect(timeline.filter { $0.type == "note" }.count == 100 * seconds)

            // How far behind the console was: printed always. The goal (1 s) is klaxon-bench's figure, measured
            // on a quiet machine; here the test suite shares two cores with it, so only a stall fails it.
            let p99 = percentile(lags, 0.99)
            let worst = lags.max()
            print(
                String(
                    format: "follow: %d looks over %d s, console behind by p50 %.2f s, p99 %.2f s, max %.2f s",
                    lags.count, seconds, percentile(lags, 0.5), p99, worst ?? .nan))
            #expect(lags.count >= seconds * 5, "the screen was read too rarely to tell")
            #expect((worst ?? 99) < 5, "the console fell \(worst ?? 99) s behind")
            if Self.soak { #expect(p99 <= 1, "soak: the console was more than a second behind (p99 \(p99) s)") }
            tty.press("q")
        }

        /// The lag the follow test and klaxon-bench report is read off the screen: a console that stops
        /// for 1.5 s must show as behind by about that much, or a figure of 0 would mean nothing.
        @Test func theFollowProbeSeesAStalledConsole() async throws {
            let ws = makeWorkspace()
            Klaxon(workspace: ws.path).run("incident", "declare", "Stalled", "--severity", "SEV3")
            let tty = try console(ws)
            #expect(await tty.until("INC-1") != nil)
            tty.press("Enter")
            #expect(await tty.until("Timeline") != nil)
            let pid = try #require(try consolePID(ws))
            let swarm = try WriterSwarm(
                stress: stress, journals: ws.path + "/journals", writers: 2, notesEach: 40, rate: 10)
            let stopper = Thread {
                usleep(1_000_000)
                kill(pid, SIGSTOP)
                usleep(1_500_000)
                kill(pid, SIGCONT)
            }
            stopper.start()
            let lags = swarm.followLag(screen: { tty.screen() }) { swarm.running }
            swarm.waitUntilExit()
            #expect((lags.max() ?? 0) >= 1.2 && (lags.max() ?? 0) < 3, "pid \(pid): \(lags)")
            #expect(await tty.until { WriterSwarm.recordCount(onScreen: $0) == 81 } != nil, "\(tty.screen())")
            tty.press("q")
        }

        @Test func theConsoleKilledAtRandomMomentsUnderLoadLosesNothingItAcknowledged() async throws {
            let ws = makeWorkspace()
            Klaxon(workspace: ws.path).run("incident", "declare", "Kill the console", "--severity", "SEV2")
            let journals = ws.path + "/journals"
            // Three writers keep the journal busy throughout (killed at the end).
            let swarm = try WriterSwarm(stress: stress, journals: journals, writers: 3, notesEach: 1_000_000, rate: 10)
            defer { swarm.kill() }
            var fromConsole: [(sequence: Int, text: String)] = []
            var inFlight: [String] = []
            for round in 1...6 {
                let tty = try console(ws)
                #expect(await tty.until("INC-1") != nil)
                tty.press("Enter")
                #expect(await tty.until("Timeline") != nil)
                // A note the console acknowledges ("INC-1 #N note recorded")…
                tty.press("n")
                #expect(await tty.until("Note on INC-1") != nil)
                tty.type("console \(round) acknowledged")
                tty.press("C-s")
                var recorded: Int?
                await tty.until { screen in
                    recorded = screen.firstMatch(of: /INC-1 #(\d+) note recorded/).flatMap { Int($0.1) }
                    return recorded != nil
                }
                let sequence = try #require(recorded, "round \(round): the note was not acknowledged:\n\(tty.screen())")
                fromConsole.append((sequence, "console \(round) acknowledged"))
                // …then another, killed while it is being saved, or just after, or while the console idles.
                tty.press("n")
                #expect(await tty.until("Note on INC-1") != nil)
                tty.type("console \(round) in flight")
                inFlight.append("console \(round) in flight")
                tty.press("C-s")
                usleep(UInt32.random(in: 0...300_000))
                let pid = try #require(try consolePID(ws), "round \(round): no console process")
                kill(pid, SIGKILL)
                // Whatever the kill left, the next reader (under the writers' load) sees every acknowledged note.
                // The acknowledgements are taken first: the writers go on appending while the journal is read.
                let acknowledged = fromConsole + swarm.acknowledgements.map { ($0.sequence, $0.text) }
                let timeline = try IncidentStore(directory: journals).open("INC-1").incident.timeline
                expectEveryAcknowledgedNoteOnce(acknowledged, in: timeline)
            }
            swarm.kill()
            swarm.waitUntilExit()
            // Writers killed mid-write may leave a torn tail (an unfinished last line), never damage.
            let verification = try JournalFile.verify(path: journals + "/INC-1.jsonl")
            #expect(
                verification.damage == nil || verification.damage?.kind == .tornTail,
                "\(String(describing: verification.damage))")
            let timeline = try IncidentStore(directory: journals).open("INC-1").incident.timeline
            expectEveryAcknowledgedNoteOnce(
                fromConsole + swarm.acknowledgements.map { ($0.sequence, $0.text) }, in: timeline)
            #expect(swarm.acknowledgements.count > 30, "the writers were appending throughout")
            // A note in flight is there whole or not at all (the chain verified), never twice.
            let notes = timeline.compactMap { $0.data["text"]?.stringValue }
            for text in inFlight { #expect(notes.filter { $0 == text }.count <= 1) }
        }

        @Test func klaxonWatchKilledAtRandomMomentsLosesNoChangeItPrinted() async throws {
            // Twenty checks that flap on every poll, each second: a change recorded every 50 ms or so.
            let http = TemporaryDirectory("flapping")
            let routes = Dictionary(
                uniqueKeysWithValues: (1...20).map {
                    ("/c\($0)", HTTPReceiver.Route(Array(repeating: [200, 503], count: 200).flatMap { $0 }))
                })
            let receiver = try HTTPReceiver(directory: http.path, routes: routes)
            defer { receiver.stop() }
            let checks = (1...20).map {
                "  - {name: c\($0), url: \"http://127.0.0.1:\(receiver.port)/c\($0)\", interval: 1s, timeout: 1s}"
            }
            let ws = makeWorkspace("name: t\nchecks:\n" + checks.joined(separator: "\n") + "\n")
            let platform = ws.path + "/journals/platform.jsonl"
            var printed: [String] = []
            var recordedCount = 0
            for round in 1...6 {
                let out = ws.path + "/watch-\(round).txt"
                _ = FileManager.default.createFile(atPath: out, contents: nil)
                let watch = Process()
                watch.executableURL = URL(fileURLWithPath: klaxon)
                watch.arguments = ["watch", "--json", "--workspace", ws.path]
                watch.environment = ["KLAXON_USER": "carol", "TZ": "UTC", "PATH": "/usr/bin:/bin"]
                watch.standardOutput = FileHandle(forWritingAtPath: out)
                watch.standardError = FileHandle.nullDevice
                try watch.run()
                // Once it has printed a change, kill it at a random moment within the next two seconds.
                for _ in 0..<200 where ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").isEmpty {
                    usleep(50_000)
                }
                usleep(UInt32.random(in: 0...2_000_000))
                kill(watch.processIdentifier, SIGKILL)
                watch.waitUntilExit()
                #expect(watch.terminationReason == .uncaughtSignal)
                let lines = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(
                    String.init)
                #expect(!lines.isEmpty, "round \(round): watch printed nothing")
                printed += lines
                // Every change it printed is on the platform journal, and the chain verifies. (A check's first
                // result, when healthy, is printed but not recorded: there was nothing wrong to record.)
                let parsed = printed.compactMap { try? JSONParser.parse($0) }
                #expect(parsed.count == printed.count, "a printed line is not a whole JSON change")
                let shown = parsed.map {
                    [$0["check"]?.stringValue ?? "", $0["from"]?.stringValue ?? "", $0["to"]?.stringValue ?? ""]
                }
                .filter { !($0[1] == "unknown" && ["up", "degraded", "maintenance"].contains($0[2])) }
                guard FileManager.default.fileExists(atPath: platform) else {
                    #expect(shown.isEmpty, "round \(round): changes printed, no platform journal")
                    continue
                }
                // A kill mid-write may leave a torn tail, which the next watch cuts aside; never damage.
                let verification = try JournalFile.verify(path: platform)
                #expect(
                    verification.damage == nil || verification.damage?.kind == .tornTail,
                    "round \(round): \(String(describing: verification.damage))")
                let recorded = try JournalFile.open(path: platform).readNewRecords().map { record in
                    [
                        record.data["check"]?.stringValue ?? "", record.data["from"]?.stringValue ?? "",
                        record.data["to"]?.stringValue ?? ""
                    ]
                }
                recordedCount = recorded.count
                // Each check's printed changes are among its recorded ones, in order (a change recorded just
                // before a kill may not have been printed).
                for check in 1...20 {
                    let name = "c\(check)"
                    let shownForCheck = shown.filter { $0[0] == name }
                    let recordedForCheck = recorded.filter { $0[0] == name }
                    #expect(
                        isSubsequence(shownForCheck, of: recordedForCheck),
                        "round \(round): \(name) printed \(shownForCheck) but the journal has \(recordedForCheck)")
                }
            }
            #expect(recordedCount >= 20, "six rounds of watch recorded only \(recordedCount) changes")
        }

        func isSubsequence(_ small: [[String]], of large: [[String]]) -> Bool {
            var i = small.startIndex
            for item in large where i < small.endIndex && item == small[i] { i += 1 }
            return i == small.endIndex
        }
    }
}
