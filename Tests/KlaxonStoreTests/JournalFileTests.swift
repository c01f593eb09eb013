import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

let writer = WriterIdentity(actor: "alice", host: "test-host", pid: 7)
let t0 = Timestamp.parseRFC3339("2026-11-20T09:00:00Z")!

/// Declares INC-1 in `dir` and adds `notes` notes.
@discardableResult
func makeIncident(in dir: TemporaryDirectory, notes: Int) throws -> (IncidentStore, IncidentJournal) {
    let store = IncidentStore(directory: dir.path + "/journals")
    let journal = try store.declare(Declaration(title: "Registry returns 503", severity: .sev2), by: writer, at: t0)
    for i in 0..<notes {
        try journal.perform(.note("note \(i) 漢字"), by: writer, now: { t0.adding(seconds: Int64(i + 1)) })
    }
    return (store, journal)
}

func fileMode(_ path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
}

struct JournalFileTests {
    @Test func appendsAreReadBackByAnotherOpen() throws {
        let dir = TemporaryDirectory()
        let (store, journal) = try makeIncident(in: dir, notes: 3)
        let again = try store.open("INC-1")
        #expect(again.incident.notes.map(\.text) == journal.incident.notes.map(\.text))
        #expect(again.incident.timeline == journal.incident.timeline)
        #expect(try JournalFile.verify(path: store.path(of: "INC-1")).damage == nil)
    }

    @Test func aFollowerSeesOnlyTheNewRecords() throws {
        let dir = TemporaryDirectory()
        let (store, writerSide) = try makeIncident(in: dir, notes: 1)
        let follower = try store.open("1")
        #expect(try follower.refresh() == 0)
        try writerSide.perform(.note("from the other console"), by: writer, now: { t0 })
        #expect(try follower.refresh() == 1)
        #expect(follower.incident.notes.last?.text == "from the other console")
    }

    @Test func aWriterCatchesUpWithOthersBeforeCheckingItsAction() throws {
        let dir = TemporaryDirectory()
        let (store, first) = try makeIncident(in: dir, notes: 0)
        let second = try store.open("INC-1")
        try first.perform(.resolve(summary: nil), by: writer, now: { t0 })
        // `second` has not seen the resolution yet, but the check runs on what is on disk.
        #expect(throws: KlaxonError.self) { try second.perform(.mitigate, by: writer, now: { t0 }) }
        #expect(second.incident.status == .resolved)
    }

    @Test func journalsAreNeverWorldWritableAndNoTemporaryFilesRemain() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try makeIncident(in: dir, notes: 1)
        let mode = fileMode(store.path(of: "INC-1"))
        #expect(mode & 0o002 == 0)
        #expect(mode & 0o600 == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory) == ["INC-1.jsonl"])
    }

    @Test func declaringFromManyThreadsGivesDistinctIds() async throws {
        let dir = TemporaryDirectory()
        let store = IncidentStore(directory: dir.path + "/journals")
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<16 {
                group.addTask {
                    try store.declare(Declaration(title: "incident \(i)", severity: .sev4), by: writer, at: t0).id
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ids).count == 16)
        #expect(try store.ids() == (1...16).map { "INC-\($0)" })
    }

    /// A last line cut at any byte (what an interrupted write leaves): reading shows the records before
    /// it and changes nothing; the next write moves the torn bytes aside and appends after them.
    @Test func theLastRecordCutAtEveryByteRecoversToTheRecordBefore() throws {
        let dir = TemporaryDirectory()
        let (_, _) = try makeIncident(in: dir, notes: 3)
        let whole = dir.read("journals/INC-1.jsonl")
        let lastStart = whole.dropLast().lastIndex(of: 0x0A)! + 1
        for cut in lastStart..<whole.count {
            let trial = TemporaryDirectory("klaxon-torn")
            let trialStore = IncidentStore(directory: trial.path)
            _ = FileManager.default.createFile(atPath: trialStore.path(of: "INC-1"), contents: Data(whole[..<cut]))
            let journal = try trialStore.open("INC-1")
            #expect(journal.incident.timeline.count == 3, "cut at \(cut)")
            #expect(!journal.isReadOnly)
            #expect(trial.read("INC-1.jsonl") == Array(whole[..<cut]), "cut at \(cut): reading changes nothing")
            #expect((journal.file.tornTail != nil) == (cut > lastStart), "cut at \(cut)")
            // The next write cuts the torn bytes aside, then appends in one valid chain.
            try journal.perform(.note("after recovery"), by: writer, now: { t0 })
            let aside = try FileManager.default.contentsOfDirectory(atPath: trial.path).filter { $0.contains(".torn-") }
            if cut == lastStart {
                #expect(aside.isEmpty && journal.warnings.isEmpty)
            } else {
                #expect(aside.count == 1, "cut at \(cut)")
                #expect(trial.read(aside[0]) == Array(whole[lastStart..<cut]), "the torn bytes are kept")
                #expect(journal.warnings.first?.contains("moved to INC-1.jsonl.torn-") == true)
                #expect(journal.warnings.first?.contains("records 1 to 3 are intact") == true)
            }
            #expect(
                Array(trial.read("INC-1.jsonl").prefix(lastStart)) == Array(whole[..<lastStart]),
                "earlier bytes stay as they were")
            #expect(try JournalFile.verify(path: trialStore.path(of: "INC-1")).damage == nil)
            #expect(try JournalFile.verify(path: trialStore.path(of: "INC-1")).recordCount == 4)
        }
    }

    @Test func damageBeforeTheTailMakesTheIncidentReadOnlyAndCutsNothing() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try makeIncident(in: dir, notes: 4)
        let path = store.path(of: "INC-1")
        var bytes = dir.read("journals/INC-1.jsonl")
        let thirdLine = bytes.indices.filter { bytes[$0] == 0x0A }[1] + 1
        bytes[thirdLine + 30] = UInt8(ascii: "#")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let journal = try store.open("INC-1")
        #expect(journal.isReadOnly)
        #expect(journal.incident.timeline.count == 2)
        #expect(journal.file.corruption?.expectedSequence == 3)
        let refusal = #expect(throws: KlaxonError.self) { try journal.perform(.note("more"), by: writer, now: { t0 }) }
        #expect(refusal?.message.contains("record 3 (line 3") == true)
        #expect(dir.read("journals/INC-1.jsonl") == bytes, "nothing was cut or written")
        #expect(throws: KlaxonError.self) { try JournalFile.repair(path: path) }
        #expect(dir.read("journals/INC-1.jsonl") == bytes)
        let verification = try JournalFile.verify(path: path)
        #expect(verification.damage?.kind == .corruption)
        #expect(verification.damage?.line == 3)
    }

    @Test func verifyNamesATamperedMiddleRecord() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try makeIncident(in: dir, notes: 9)
        let path = store.path(of: "INC-1")
        var bytes = dir.read("journals/INC-1.jsonl")
        let lineStarts = [0] + bytes.indices.filter { bytes[$0] == 0x0A }.dropLast().map { $0 + 1 }
        // One byte of the note's text in record 6: "note 4" becomes "note 5".
        let at = lineStarts[5] + Array(bytes[lineStarts[5]...]).firstIndex(of: UInt8(ascii: "4"))!
        bytes[at] = UInt8(ascii: "5")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let verification = try JournalFile.verify(path: path)
        #expect(verification.damage?.expectedSequence == 6)
        #expect(verification.damage?.kind == .corruption)
        #expect(verification.recordCount == 5)
    }

    /// Any edit at all: every byte of a journal changed in turn — a bit flipped, and a letter's case
    /// swapped (a hash in capitals must not pass) — is found by verify. Removing any one record is too.
    @Test func verifyFindsEveryOneByteEditAndEveryRemovedRecord() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try makeIncident(in: dir, notes: 2)
        let path = store.path(of: "INC-1")
        let original = dir.read("journals/INC-1.jsonl")
        #expect(try JournalFile.verify(path: path).damage == nil)
        var missed: [String] = []
        for at in original.indices {
            var edits = [original[at] ^ 0x01]
            let byte = original[at]
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) { edits.append(byte ^ 0x20) }
            for edit in edits {
                var bytes = original
                bytes[at] = edit
                _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
                let verification = try JournalFile.verify(path: path)
                if verification.damage == nil && verification.byteCount == bytes.count {
                    missed.append("byte \(at) \(UnicodeScalar(byte)) → \(UnicodeScalar(edit))")
                }
            }
        }
        #expect(missed.isEmpty, "\(missed.count) edits passed: \(missed.prefix(10))")
        let lines = original.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        for removed in lines.indices.dropLast() {
            var kept = lines
            kept.remove(at: removed)
            _ = FileManager.default.createFile(atPath: path, contents: Data(kept.joined(separator: [0x0A]) + [0x0A]))
            #expect(try JournalFile.verify(path: path).damage != nil, "record \(removed + 1) removed unnoticed")
        }
    }

    @Test func repairCutsOnlyATornTail() throws {
        let dir = TemporaryDirectory()
        let (store, _) = try makeIncident(in: dir, notes: 2)
        let path = store.path(of: "INC-1")
        #expect(try JournalFile.repair(path: path) == nil)
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"v":1,"seq":4,"ts":"2026-11-"#.utf8))
        handle.closeFile()
        #expect(try JournalFile.verify(path: path).damage?.kind == .tornTail)
        let done = try JournalFile.repair(path: path)
        #expect(done?.contains("moved to") == true)
        #expect(try JournalFile.verify(path: path).damage == nil)
    }

    @Test func anEmptyOrForeignFileIsAClearError() throws {
        let dir = TemporaryDirectory()
        let store = IncidentStore(directory: dir.path)
        dir.write("INC-3.jsonl", "")
        dir.write("INC-4.jsonl", "hello\n")
        #expect(throws: KlaxonError.self) { try store.open("INC-3") }
        #expect(throws: KlaxonError.self) { try store.open("INC-4") }
        #expect(
            throws: KlaxonError.badInput("there is no incident INC-5 in \(dir.path); see klaxon incident list --all")
        ) {
            try store.open("5")
        }
    }

    @Test func aJournalsPathThatIsAFileIsAClearError() throws {
        let dir = TemporaryDirectory()
        dir.write("journals", "not a directory")
        let store = IncidentStore(directory: dir.path + "/journals")
        let refusal = #expect(throws: KlaxonError.self) {
            try store.declare(Declaration(title: "x", severity: .sev3), by: writer, at: t0)
        }
        #expect(refusal?.message.contains("is not a directory") == true)
    }
}
