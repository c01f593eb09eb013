import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonProcessTestSupport
import KlaxonStore
import KlaxonTestSupport
import Testing

/// A workspace with INC-1 (and `notes` notes on it), for the attacks below.
private func workspaceWithIncident(notes: Int = 3) -> (TemporaryDirectory, KlaxonCommandsTestSupport.Klaxon) {
    let ws = makeWorkspace()
    let k = KlaxonCommandsTestSupport.Klaxon(workspace: ws.path)
    k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2", "--service", "registry")
    for i in 1...max(1, notes) { k.run("incident", "note", "1", "note \(i)") }
    return (ws, k)
}

/// Every command that only reads, as a responder or a script would run them.
private let readingCommands: [[String]] = [
    ["incident", "list"], ["incident", "list", "--all", "--json"], ["incident", "show", "1"], ["incident", "show", "4"],
    ["incident", "show", "1", "--json"], ["review", "export", "1", "--format", "json"], ["review", "report"],
    ["escalation", "status"], ["journal", "verify"]
]

/// Runs the real binary (a separate process, with the real descriptor limits and signals).
func runKlaxonProcess(_ arguments: [String], workspace: String, input: String? = nil, timeout: Double = 60) throws -> (
    status: Int32, output: String, errors: String, seconds: Double
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon"))
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["KLAXON_WORKSPACE"] = workspace
    environment["KLAXON_USER"] = "alice"
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    let start = Date()
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? inPipe.fileHandleForWriting.close()
    let collected = CollectedOutput(out: out, err: err)
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let (o, e) = collected.wait()
    return (process.terminationStatus, o, e, Date().timeIntervalSince(start))
}

/// Reads a process's two pipes to their end on other threads, so a full pipe never blocks it.
private final class CollectedOutput: @unchecked Sendable {
    private let group = DispatchGroup()
    private var out = Data(), err = Data()
    init(out: Pipe, err: Pipe) {
        group.enter()
        group.enter()
        DispatchQueue.global().async {
            self.out = out.fileHandleForReading.readDataToEndOfFile()
            self.group.leave()
        }
        DispatchQueue.global().async {
            self.err = err.fileHandleForReading.readDataToEndOfFile()
            self.group.leave()
        }
    }
    func wait() -> (String, String) {
        group.wait()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// Every file below `directory` with its bytes, so a test can tell that nothing at all changed.
private func snapshot(_ directory: String) -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let name = enumerator?.nextObject() as? String {
        let path = directory + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else { continue }
        switch info.st_mode & S_IFMT {
        case S_IFREG: files[name] = Array(FileManager.default.contents(atPath: path) ?? Data())
        case S_IFLNK:
            files[name] = Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?").utf8)
        default: files[name] = []
        }
    }
    return files
}

@Suite(.serialized)
struct HostileJournalTests {
    /// Point 1: a journal that is a symbolic link to a file outside is never followed, by any command.
    @Test func aSymlinkedJournalLeavesItsVictimUntouchedWhateverRuns() throws {
        let (ws, k) = workspaceWithIncident()
        let victim = ws.write("victim.txt", "root:x:0:0:root:/root:/bin/bash\nprecious\n")
        let victimBytes = ws.read("victim.txt")
        try FileManager.default.createSymbolicLink(
            atPath: ws.path + "/journals/INC-4.jsonl", withDestinationPath: "../victim.txt")
        for arguments in readingCommands + [
            ["incident", "note", "4", "hello"], ["journal", "repair", "4"],
            ["incident", "declare", "x", "--severity", "SEV4"]
        ] {
            let run = k.run(arguments)
            #expect(ws.read("victim.txt") == victimBytes, "\(arguments) changed the victim")
            if arguments.contains("4") {
                #expect(run.status != 0, "\(arguments)")
                #expect(
                    (run.errors + run.output).contains("INC-4.jsonl is a symbolic link (to ../victim.txt)"),
                    "\(arguments): \(run.errors)")
            }
        }
        let listing = k.run("incident", "list")
        #expect(listing.errors.contains("INC-4 cannot be read: ") && listing.errors.contains("is a symbolic link"))
        #expect(listing.output.contains("INC-1"), "the other incidents are still listed")
        let verify = k.run("journal", "verify")
        #expect(verify.status == 1)
        #expect(verify.output.contains("INC-4.jsonl: REFUSED: "))
        #expect(verify.output.contains("INC-1.jsonl: ok"))
        let copies = try FileManager.default.contentsOfDirectory(atPath: ws.path + "/journals").filter {
            $0.contains("torn")
        }
        #expect(copies.isEmpty, "nothing was copied aside: \(copies)")
        _ = victim
    }

    /// Point 1: a FIFO, a directory and a device named like a journal are refused by name, and opening
    /// them never blocks (a FIFO with no writer would hang an `open` for reading).
    @Test func specialFilesNamedLikeJournalsAreRefusedByName() throws {
        let (ws, k) = workspaceWithIncident()
        #expect(mkfifo(ws.path + "/journals/INC-5.jsonl", 0o660) == 0)
        try FileManager.default.createDirectory(
            atPath: ws.path + "/journals/INC-6.jsonl", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(
            atPath: ws.path + "/journals/INC-7.jsonl", withDestinationPath: "/dev/null")
        for (id, kind) in [("5", "is a FIFO"), ("6", "is a directory"), ("7", "is a symbolic link (to /dev/null)")] {
            let show = k.run("incident", "show", id)
            #expect(show.status == 1)
            #expect(show.errors.contains("INC-\(id).jsonl \(kind)"), "\(id): \(show.errors)")
            let note = k.run("incident", "note", id, "x")
            #expect(note.status == 1 && note.errors.contains("INC-\(id).jsonl \(kind)"))
        }
        let verify = k.run("journal", "verify")
        #expect(verify.status == 1)
        for id in 5...7 { #expect(verify.output.contains("INC-\(id).jsonl: REFUSED: ")) }
        var info = stat()
        #expect(
            lstat(ws.path + "/journals/INC-5.jsonl", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO,
            "the FIFO is still a FIFO")
    }

    /// Points 2 and 3: CRLF line endings (an editor, git's autocrlf) are damage, named as such, and no
    /// reading command changes a byte.
    @Test func aJournalWithCRLFLineEndingsIsNamedAndNeverTouched() throws {
        let (ws, k) = workspaceWithIncident()
        let path = ws.path + "/journals/INC-1.jsonl"
        let crlf = ws.read("journals/INC-1.jsonl").split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
            .map { Array($0) + [0x0D, 0x0A] }.joined()
        _ = FileManager.default.createFile(atPath: path, contents: Data(crlf))
        let before = snapshot(ws.path)
        for arguments in readingCommands {
            let run = k.run(arguments)
            #expect(snapshot(ws.path) == before, "\(arguments) changed the workspace")
            _ = run
        }
        let list = k.run("incident", "list")
        #expect(
            list.errors.contains("INC-1 cannot be read: ") && list.errors.contains("carriage return"), "\(list.errors)")
        #expect(!list.output.contains("No open incidents"), "a damaged journal is not 'no incidents': \(list.output)")
        let repair = k.run("journal", "repair", "1")
        #expect(repair.status == 1 && repair.errors.contains("repair cuts nothing"))
        #expect(snapshot(ws.path) == before)
    }

    /// Point 3: the text of the last three records edited: damage at record 3 named, nothing cut.
    @Test func threeTamperedLastRecordsAreDamageNotATornTail() throws {
        let (ws, k) = workspaceWithIncident(notes: 4)
        let path = ws.path + "/journals/INC-1.jsonl"
        let text = String(decoding: ws.read("journals/INC-1.jsonl"), as: UTF8.self)
        let tampered = text.replacingOccurrences(of: "note 2", with: "NOTE 2").replacingOccurrences(
            of: "note 3", with: "NOTE 3"
        )
        .replacingOccurrences(of: "note 4", with: "NOTE 4")
        try tampered.write(toFile: path, atomically: false, encoding: .utf8)
        let before = snapshot(ws.path)
        for arguments in readingCommands { _ = k.run(arguments) }
        #expect(snapshot(ws.path) == before, "reading changed the workspace")
        let show = k.run("incident", "show", "1")
        #expect(show.errors.contains("INC-1.jsonl is damaged at record 3 (line 3, byte"), "\(show.errors)")
        #expect(show.errors.contains("its hash does not match its contents"))
        #expect(!show.errors.contains("it is its"))
        #expect(show.output.contains("note 1"), "the records before the damage are shown")
        let note = k.run("incident", "note", "1", "more")
        #expect(note.status == 1)
        #expect(k.run("journal", "repair", "1").status == 1)
        #expect(snapshot(ws.path) == before, "nothing was cut or written")
    }

    /// Point 2: a torn tail is left alone by readers and cut aside by the next writer.
    @Test func aTornTailIsReportedByReadersAndCutOnlyByAWriter() throws {
        let (ws, k) = workspaceWithIncident()
        let path = ws.path + "/journals/INC-1.jsonl"
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"v":1,"seq":5,"ts":"2026-11-20T09:0"#.utf8))
        handle.closeFile()
        let before = snapshot(ws.path)
        for arguments in readingCommands { _ = k.run(arguments) }
        #expect(snapshot(ws.path) == before, "reading changed the workspace")
        #expect(k.run("incident", "show", "1").errors.contains("left as it is until the next write cuts it aside"))
        let note = k.run("incident", "note", "1", "after the crash")
        #expect(note.status == 0, "\(note.errors)")
        #expect(note.errors.contains("moved to INC-1.jsonl.torn-"))
        #expect(k.run("journal", "verify", "1").status == 0)
    }

    /// Point 7: an empty journal, one whose first record declares another incident, and a
    /// world-writable one are named the same way by every command, verify included.
    @Test func emptyMisnamedAndWorldWritableJournalsAreNamedByEveryCommand() throws {
        let (ws, k) = workspaceWithIncident()
        _ = FileManager.default.createFile(atPath: ws.path + "/journals/INC-2.jsonl", contents: Data())
        try FileManager.default.copyItem(
            atPath: ws.path + "/journals/INC-1.jsonl", toPath: ws.path + "/journals/INC-3.jsonl")
        #expect(chmod(ws.path + "/journals/INC-1.jsonl", 0o666) == 0)
        let show2 = k.run("incident", "show", "2")
        #expect(show2.status == 1 && show2.errors.contains("INC-2.jsonl is empty"))
        let show3 = k.run("incident", "show", "3")
        #expect(
            show3.status == 1 && show3.errors.contains("INC-3.jsonl declares INC-1 in its first record, not INC-3"),
            "\(show3.errors)")
        #expect(k.run("incident", "note", "3", "x").status == 1)
        let list = k.run("incident", "list")
        #expect(list.errors.contains("INC-2 cannot be read: ") && list.errors.contains("INC-3 cannot be read: "))
        #expect(list.errors.contains("INC-1.jsonl is writable by every user of this host (mode 666)"))
        let verify = k.run("journal", "verify")
        #expect(verify.status == 1)
        #expect(verify.output.contains("INC-2.jsonl: REFUSED: ") && verify.output.contains("is empty"))
        #expect(verify.output.contains("INC-3.jsonl: REFUSED: ") && verify.output.contains("declares INC-1"))
        #expect(verify.errors.contains("INC-1.jsonl is writable by every user"))
    }

    /// Point 4: a journal replaced under a writer by a copy (cp + mv: rsync, a restore, git) or removed.
    @Test func aJournalReplacedOrRemovedUnderAWriterLosesNothing() throws {
        let (ws, _) = workspaceWithIncident(notes: 2)
        let store = IncidentStore(directory: ws.path + "/journals")
        let journal = try store.open("INC-1")
        let writer = WriterIdentity(actor: "bob", host: "h", pid: 1)
        let path = store.path(of: "INC-1")
        // Replaced by a copy: the writer appends to the file now at the path.
        try FileManager.default.copyItem(atPath: path, toPath: ws.path + "/journals/.t")
        #expect(rename(ws.path + "/journals/.t", path) == 0)
        for i in 1...3 {
            try journal.perform(
                .note("after the copy \(i)"), by: writer, now: { Timestamp(milliseconds: 1_795_000_000_000) })
        }
        let reread = try store.open("INC-1")
        #expect(
            reread.incident.notes.map(\.text).suffix(3) == ["after the copy 1", "after the copy 2", "after the copy 3"])
        #expect(try JournalFile.verify(path: path).recordCount == 6)
        // Replaced by a file that does not hold what was read: refused, nothing written.
        let other = IncidentStore(directory: ws.path + "/other")
        _ = try other.declare(
            Declaration(title: "other", severity: .sev3), by: writer, at: Timestamp(milliseconds: 1_795_000_000_000))
        #expect(rename(other.path(of: "INC-1"), path) == 0)
        let stranger = #expect(throws: KlaxonError.self) {
            try journal.perform(.note("lost?"), by: writer, now: { Timestamp(milliseconds: 1_795_000_000_000) })
        }
        #expect(
            stranger?.message.contains("was replaced by a file that does not hold the 6 records already read") == true)
        #expect(try JournalFile.verify(path: path).recordCount == 1)
        // Removed, with its directory: a clear failure, nothing recorded anywhere.
        try FileManager.default.removeItem(atPath: ws.path + "/journals")
        let gone = #expect(throws: KlaxonError.self) {
            try reread.perform(.note("into the void"), by: writer, now: { Timestamp(milliseconds: 1_795_000_000_000) })
        }
        #expect(
            gone?.message.contains(
                "INC-1.jsonl is gone: it was removed or moved away after Klaxon read it; nothing was written") == true)
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/journals"))
    }

    /// Point 7: a declaration never leaves a temporary file, even when killed half-way, and leftovers
    /// of an older Klaxon (or a file system without unnamed files) are cleaned up.
    @Test func declaringLeavesNoTemporaryFilesEvenWhenKilled() throws {
        let ws = makeWorkspace()
        try FileManager.default.createDirectory(atPath: ws.path + "/journals", withIntermediateDirectories: true)
        let stale = ws.write("journals/.INC-9.jsonl.123.456.tmp", "half a record")
        var old = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, stale, &old, 0) == 0)
        let fresh = ws.write("journals/.INC-8.jsonl.123.789.tmp", "being written")
        for round in 0..<12 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltProducts.path("klaxon"))
            process.arguments = ["incident", "declare", "round \(round)", "--severity", "SEV4", "--workspace", ws.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 0...60_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: ws.path + "/journals")
        #expect(
            !names.contains(".INC-9.jsonl.123.456.tmp") || names.filter({ $0.hasSuffix(".jsonl") }).isEmpty,
            "a leftover older than ten minutes is removed at the next declaration")
        #expect(
            names.filter { $0.hasSuffix(".tmp") }.allSatisfy {
                $0 == ".INC-8.jsonl.123.789.tmp" || $0 == ".INC-9.jsonl.123.456.tmp"
            },
            "no new temporary files: \(names)")
        #expect(FileManager.default.fileExists(atPath: fresh), "a recent one may still be written: kept")
        let k = KlaxonCommandsTestSupport.Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "after", "--severity", "SEV4").status == 0)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(k.run("journal", "verify").status == 0)
    }

    /// Point 6: a lock held by a stuck process: writers say who holds it within seconds and give up in
    /// bounded time with nothing written; readers and verify do not wait at all.
    @Test func aStuckLockHolderNeverHangsAnyoneSilently() async throws {
        let (ws, _) = workspaceWithIncident()
        let path = ws.path + "/journals/INC-1.jsonl"
        let holder = try startLockHolder(of: path)
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        try await Task.sleep(for: .milliseconds(300))
        let before = ws.read("journals/INC-1.jsonl")
        for arguments in [["incident", "show", "1"], ["incident", "list"], ["journal", "verify"]] {
            let run = try await blocking { try runKlaxonProcess(arguments, workspace: ws.path, timeout: 20) }
            // Killed at 20 s if it waited for the 60 s lock: exiting 0 by itself is the proof.
            #expect(run.status == 0, "\(arguments): \(run.errors)")
        }
        let note = try await blocking {
            try runKlaxonProcess(["incident", "note", "1", "while locked"], workspace: ws.path, timeout: 40)
        }
        #expect(note.status == 1)
        #expect(
            note.errors.contains(
                "is locked by process \(holder.processIdentifier) (sleep) on this host; waiting up to 10 s"),
            "\(note.errors)")
        #expect(note.errors.contains("stayed locked for 10 s; nothing was written"))
        #expect(ws.read("journals/INC-1.jsonl") == before)
    }
}
