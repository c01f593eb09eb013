import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Notes in many scripts, with combining marks, joined emoji, tabs and line breaks, and a long line.
private let notes = [
    "漢字とかなの混じった文、한국어 문장", "مرحبا، الخادم لا يستجيب", "השרת לא מגיב", "Сервер не отвечает",
    "सर्वर जवाब नहीं दे रहा", "เซิร์ฟเวอร์ไม่ตอบสนอง", "👩🏽‍🚒 🇺🇦 e\u{301} Å", "tab\there\nsecond line\nthird",
    "Γεια σου κόσμε · Բարեւ · გამარჯობა",
    "quotes \" and \\ backslashes", String(repeating: "a long line that goes on ", count: 2_600)
]

/// A workspace with an open incident noted in many scripts (INC-1), a resolved one (INC-2) and a
/// platform journal of three state changes.
private func sourceWorkspace() throws -> (TemporaryDirectory, KlaxonCommandsTestSupport.Klaxon) {
    let ws = makeWorkspace()
    let clock = FixedClock("2026-11-20T09:00:00Z")
    let k = Klaxon(workspace: ws.path, clock: clock)
    #expect(k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2").status == 0)
    for (i, text) in notes.enumerated() {
        clock.advance(seconds: 61)
        let run = k.run(["incident", "note", "1", "-", "--as", i % 2 == 0 ? "alice" : "bob"], input: text)
        #expect(run.status == 0, "\(run.errors)")
    }
    k.run("incident", "declare", "CI queue backed up", "--severity", "SEV4")
    clock.advance(seconds: 600)
    k.run("incident", "resolve", "2")
    let platform = try #require(
        try PlatformJournal.claim(store: FileJournalStore(directory: ws.path + "/journals"), holder: "test"))
    let poller = WriterIdentity(actor: "status-poller", host: "poller-host", pid: 77)
    for (i, state) in [CheckState.down, .up, .down].enumerated() {
        try platform.record(
            check: "uploads", from: i == 0 ? .unknown : (state == .up ? .down : .up), to: state, detail: "HTTP 503",
            at: clock.now.adding(seconds: Int64(i * 60)), by: poller)
    }
    return (ws, k)
}

/// The journal files of `directory` (`*.jsonl` and `*.partial`) with their bytes.
private func journalFiles(_ directory: String) -> [String: [UInt8]] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    var files: [String: [UInt8]] = [:]
    for name in names where name.hasSuffix(".jsonl") || name.hasSuffix(".partial") {
        files[name] = Array(FileManager.default.contents(atPath: directory + "/" + name) ?? Data())
    }
    return files
}

/// What `stat` says of `directory` and of everything in it (but the access time), with each file's
/// bytes: equal before and after means nothing there was written, created, removed or touched.
private func statSnapshot(_ directory: String) -> [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    return (["."] + names).map { name in
        let path = directory + "/" + name
        var info = stat()
        guard lstat(path, &info) == 0 else { return "\(name): gone" }
        let bytes = info.st_mode & S_IFMT == S_IFREG ? Array(FileManager.default.contents(atPath: path) ?? Data()) : []
        return
            "\(name): ino \(info.st_ino) mode \(String(info.st_mode, radix: 8)) size \(info.st_size) mtime \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) ctime \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec) sha \(RecordHash.of(bytes).short)"
    }
}

/// Changes one byte inside record `sequence` of the journal at `path`.
private func damage(_ path: String, record sequence: Int) throws {
    var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    let lineStart = sequence == 1 ? 0 : bytes.indices.filter { bytes[$0] == 0x0A }[sequence - 2] + 1
    bytes[lineStart + 40] = bytes[lineStart + 40] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The first `count` lines of `bytes`.
private func lines(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
    Array(bytes[...bytes.indices.filter { bytes[$0] == 0x0A }[count - 1]])
}

struct JournalTransferTests {
    /// Export then import into an empty workspace then export again: the same bytes all the way, the
    /// platform journal included; a second export or import finds everything there and does nothing.
    @Test func aRoundTripThroughAnotherWorkspaceIsByteIdentical() throws {
        let (source, k) = try sourceWorkspace()
        let original = journalFiles(source.path + "/journals")
        #expect(original.keys.sorted() == ["INC-1.jsonl", "INC-2.jsonl", "platform.jsonl"])
        let out = TemporaryDirectory("klaxon-export")
        let first = out.path + "/new/first"
        let exported = k.run("journal", "export", "--to", first)
        #expect(exported.status == 0 && exported.errors.isEmpty, "\(exported.errors)")
        let said = exported.output.split(separator: "\n")
        #expect(said.count == 4, "\(exported.output)")
        #expect(said.first?.hasPrefix("INC-1: exported, 12 records, last hash ") == true)
        #expect(said.dropFirst().first?.hasPrefix("INC-2: exported, 2 records, last hash ") == true)
        #expect(said.dropFirst(2).first?.hasPrefix("platform: exported, 3 records, last hash ") == true)
        #expect(said.last == "Exported 3 of 3 journals to \(first): 0 already there, 0 refused, 0 damaged.")
        #expect(journalFiles(first) == original, "byte for byte")
        var created = stat()
        var journals = stat()
        #expect(stat(first, &created) == 0 && stat(source.path + "/journals", &journals) == 0)
        #expect(created.st_mode == journals.st_mode, "the directory is made as the journals directory is")

        let empty = makeWorkspace()
        let other = Klaxon(workspace: empty.path, user: "carol")
        let imported = other.run("journal", "import", "--from", first)
        #expect(imported.status == 0, "\(imported.output)\(imported.errors)")
        #expect(imported.output.contains("INC-1: imported, 12 records, last hash "))
        #expect(
            imported.output.hasSuffix(
                "Imported 3 of 3 journals from \(first): 0 already there, 0 refused, 0 damaged.\n"))
        #expect(journalFiles(empty.path + "/journals") == original)
        #expect(other.run("journal", "verify").status == 0)
        #expect(other.run("incident", "show", "1", "--json").output == k.run("incident", "show", "1", "--json").output)

        let second = out.path + "/second"
        #expect(other.run("journal", "export", "--to", second).status == 0)
        #expect(journalFiles(second) == journalFiles(first), "export, import, export: byte-identical")

        let again = k.run("journal", "export", "--to", first, "--json")
        #expect(again.status == 0)
        let json = try #require(again.json)
        #expect(json["exported"] == 0 && json["already_there"] == 3 && json["refused"] == 0 && json["damaged"] == 0)
        #expect(json["directory"] == .string(first) && json["store"] == .string(source.path + "/journals"))
        #expect(
            json["journals"]?.arrayValue?.map { $0["outcome"] } == ["already_there", "already_there", "already_there"])
        #expect(json["journals"]?.arrayValue?.first?["records"] == 12)
        let reimported = other.run("journal", "import", "--from", first, "INC-2")
        #expect(reimported.status == 0)
        #expect(reimported.output.hasPrefix("INC-2: already there, identical; nothing done\n"))
        #expect(journalFiles(empty.path + "/journals") == original)
    }

    @Test func namedIncidentsOnlyAndThePlatformJournalByName() throws {
        let (source, k) = try sourceWorkspace()
        let out = TemporaryDirectory("klaxon-export")
        #expect(k.run("journal", "export", "--to", out.path + "/some", "inc-2", "1", "INC-2").status == 0)
        #expect(journalFiles(out.path + "/some").keys.sorted() == ["INC-1.jsonl", "INC-2.jsonl"])
        #expect(k.run("journal", "export", "--to", out.path + "/platform", "platform").status == 0)
        #expect(journalFiles(out.path + "/platform") == ["platform.jsonl": source.read("journals/platform.jsonl")])
        let empty = makeWorkspace()
        let imported = Klaxon(workspace: empty.path).run("journal", "import", "--from", out.path + "/some", "INC-1")
        #expect(imported.status == 0)
        #expect(journalFiles(empty.path + "/journals").keys.sorted() == ["INC-1.jsonl"])
    }

    /// Reading never writes: not a journal, not the index (written beforehand by `incident list`), not
    /// the directory, even when a journal is damaged and its intact part is set apart.
    @Test func exportChangesNothingInTheSource() throws {
        let (source, k) = try sourceWorkspace()
        #expect(k.run("incident", "list", "--all").status == 0)
        #expect(FileManager.default.fileExists(atPath: source.path + "/journals/.index"), "the index is there to keep")
        k.run("incident", "declare", "Damaged later", "--severity", "SEV3")
        k.run("incident", "note", "3", "one")
        k.run("incident", "note", "3", "two")
        try damage(source.path + "/journals/INC-3.jsonl", record: 2)
        let before = statSnapshot(source.path + "/journals")
        let workspaceBefore = statSnapshot(source.path)
        let out = TemporaryDirectory("klaxon-export")
        let run = k.run("journal", "export", "--to", out.path + "/copy")
        #expect(run.status == 1 && run.output.contains("INC-3: DAMAGED at record 2"), "\(run.output)")
        #expect(k.run("journal", "export", "--to", out.path + "/copy", "--json").status == 1)
        #expect(statSnapshot(source.path + "/journals") == before)
        #expect(statSnapshot(source.path) == workspaceBefore)
    }

    /// A journal of the same name already in DIR is left byte for byte as it is and named; the others
    /// are still exported.
    @Test func exportRefusesAnotherJournalOfTheSameNameAndWritesNothingForIt() throws {
        let (source, k) = try sourceWorkspace()
        let out = TemporaryDirectory("klaxon-export")
        // The same workspace as it was before the two notes below.
        let behind = makeWorkspace()
        try FileManager.default.copyItem(atPath: source.path + "/journals", toPath: behind.path + "/journals")
        let stale = Klaxon(workspace: behind.path)

        // An older copy: exported before two more notes.
        let older = out.path + "/older"
        #expect(k.run("journal", "export", "--to", older, "INC-1").status == 0)
        k.run("incident", "note", "1", "thirteenth")
        k.run("incident", "note", "1", "fourteenth")
        let olderBytes = journalFiles(older)
        let run = k.run("journal", "export", "--to", older)
        #expect(run.status == 1)
        #expect(
            run.output.contains(
                "INC-1: REFUSED: \(older)/INC-1.jsonl already holds the first 12 records of these 14: it is an older copy; nothing done; move it away, or export into an empty directory\n"
            ), "\(run.output)")
        #expect(run.output.contains("INC-2: exported") && run.output.contains("platform: exported"))
        #expect(run.output.contains("Exported 2 of 3 journals to \(older): 0 already there, 1 refused, 0 damaged."))
        #expect(
            run.errors == "klaxon: error: 1 journal not exported whole (1 refused, 0 damaged): see each one's line\n")
        #expect(journalFiles(older)["INC-1.jsonl"] == olderBytes["INC-1.jsonl"], "left as it was")

        // A newer copy: this workspace's INC-1 is the first records of DIR's.
        let newer = out.path + "/newer"
        #expect(k.run("journal", "export", "--to", newer, "INC-1").status == 0)
        let refusedNewer = stale.run("journal", "export", "--to", newer, "INC-1")
        #expect(refusedNewer.status == 1)
        #expect(
            refusedNewer.output.contains(
                "INC-1: REFUSED: \(newer)/INC-1.jsonl already holds 14 records, and these 12 are its first: it went on after this copy was made; nothing done"
            ), "\(refusedNewer.output)")

        // Another journal altogether.
        let other = makeWorkspace()
        Klaxon(workspace: other.path, user: "dave").run("incident", "declare", "Elsewhere", "--severity", "SEV5")
        let mixed = out.path + "/mixed"
        #expect(Klaxon(workspace: other.path).run("journal", "export", "--to", mixed).status == 0)
        let theirs = journalFiles(mixed)
        let differs = k.run("journal", "export", "--to", mixed, "1", "--json")
        #expect(differs.status == 1)
        let entry = try #require(differs.json?["journals"]?.arrayValue?.first)
        #expect(entry["outcome"] == "refused")
        #expect(
            entry["error"]?.stringValue?.hasPrefix(
                "\(mixed)/INC-1.jsonl already exists and differs from record 1 on: it is another journal; nothing done")
                == true)
        #expect(journalFiles(mixed) == theirs)
    }

    /// The store keeps what it holds: the very same journal, or one that went on after DIR's copy (DIR's
    /// records its first ones), is "already there" (exit 0: the store holds all of the copy); one with
    /// fewer records, or others, is named and refused.
    @Test func importRefusesWhatTheStoreHoldsUnlessItHoldsAllOfIt() throws {
        let (source, k) = try sourceWorkspace()
        defer { withExtendedLifetime(source) {} }
        let out = TemporaryDirectory("klaxon-export")
        let copy = out.path + "/copy"
        #expect(k.run("journal", "export", "--to", copy).status == 0)

        let target = makeWorkspace()
        let t = Klaxon(workspace: target.path)
        #expect(t.run("journal", "import", "--from", copy, "INC-1").status == 0)
        #expect(t.run("incident", "note", "1", "written after the import").status == 0)
        let held = journalFiles(target.path + "/journals")
        let more = t.run("journal", "import", "--from", copy)
        #expect(more.status == 0 && more.errors.isEmpty, "\(more.output)\(more.errors)")
        #expect(
            more.output.hasPrefix(
                "INC-1: already there (the store's went on: 13 records, these are its first 12); nothing done\n"
            ), "\(more.output)")
        #expect(more.output.contains("INC-2: imported") && more.output.contains("platform: imported"))
        #expect(more.output.hasSuffix(": 1 already there, 0 refused, 0 damaged.\n"), "\(more.output)")
        let moreJSON = t.run("journal", "import", "--from", copy, "INC-1", "--json")
        #expect(moreJSON.status == 0)
        let heldEntry = try #require(moreJSON.json?["journals"]?.arrayValue?.first)
        #expect(
            heldEntry["outcome"] == "already_there" && heldEntry["store_records"] == 13 && heldEntry["records"] == 12)
        #expect(moreJSON.json?["already_there"] == 1 && moreJSON.json?["refused"] == 0)
        #expect(journalFiles(target.path + "/journals")["INC-1.jsonl"] == held["INC-1.jsonl"])

        k.run("incident", "note", "1", "thirteenth")
        k.run("incident", "note", "1", "fourteenth")
        let newer = out.path + "/newer"
        #expect(k.run("journal", "export", "--to", newer, "INC-1").status == 0)
        let fresh = makeWorkspace()
        let f = Klaxon(workspace: fresh.path)
        #expect(f.run("journal", "import", "--from", copy, "INC-1").status == 0)
        let older = f.run("journal", "import", "--from", newer)
        #expect(older.status == 1)
        #expect(
            older.output.contains(
                "INC-1: REFUSED: \(fresh.path)/journals/INC-1.jsonl already holds the first 12 records of these 14"),
            "\(older.output)")
        #expect(journalFiles(fresh.path + "/journals")["INC-1.jsonl"] == journalFiles(copy)["INC-1.jsonl"])

        let another = makeWorkspace()
        let a = Klaxon(workspace: another.path)
        a.run("incident", "declare", "Something else", "--severity", "SEV3")
        let differs = a.run("journal", "import", "--from", copy, "INC-1")
        #expect(differs.status == 1)
        #expect(differs.output.contains("already exists and differs from record 1 on: it is another journal"))
        #expect(a.run("incident", "show", "1", "--json").json?["title"] == "Something else")
    }

    /// A damaged or torn source journal: its intact records go to INC-N.jsonl.partial, never as
    /// INC-N.jsonl (which would look whole), said on its line with what to do next and on stderr, exit 1;
    /// a different .partial already there is left alone and the journal still said damaged. Import never
    /// takes a partial copy, and says so (exit 1), unless the whole journal beside it is imported.
    @Test func aDamagedOrTornSourceJournalIsSetApartAndSaidLoudly() throws {
        let (source, k) = try sourceWorkspace()
        let journals = source.path + "/journals"
        try damage(journals + "/INC-1.jsonl", record: 4)
        let whole2 = source.read("journals/INC-2.jsonl")
        try Data(whole2 + Array(#"{"v":1,"seq":3,"ts":"2026-11-20T"#.utf8)).write(
            to: URL(fileURLWithPath: journals + "/INC-2.jsonl"))
        let out = TemporaryDirectory("klaxon-export")
        let copy = out.path + "/copy"
        let run = k.run("journal", "export", "--to", copy)
        #expect(run.status == 1)
        #expect(
            run.output.contains(
                "INC-1: DAMAGED at record 4 (line 4, byte "),
            "\(run.output)")
        #expect(
            run.output.contains(
                "; its 3 intact records were written to \(copy)/INC-1.jsonl.partial, not as INC-1.jsonl, so that nobody takes them for the whole journal; keep the source as it is and see docs/journal-format.md, \"Damage\"\n"
            ), "\(run.output)")
        let torn = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("INC-2: ") })
        #expect(torn.hasPrefix("INC-2: TORN TAIL at record 3 (line 3, byte \(whole2.count))"))
        #expect(torn.contains("klaxon journal repair INC-2 cuts it off"))
        #expect(torn.components(separatedBy: "an interrupted write").count == 2, "said once: \(torn)")
        #expect(run.output.contains("Exported 1 of 3 journals to \(copy): 0 already there, 0 refused, 2 damaged."))
        #expect(run.errors.contains("2 journals not exported whole (0 refused, 2 damaged)"))
        let written = journalFiles(copy)
        #expect(written.keys.sorted() == ["INC-1.jsonl.partial", "INC-2.jsonl.partial", "platform.jsonl"])
        #expect(written["INC-1.jsonl.partial"] == lines(source.read("journals/INC-1.jsonl"), 3))
        #expect(written["INC-2.jsonl.partial"] == whole2)

        let json = k.run("journal", "export", "--to", copy, "--json")
        #expect(json.status == 1)
        let first = try #require(json.json?["journals"]?.arrayValue?.first)
        #expect(first["outcome"] == "damaged" && first["records"] == 3)
        #expect(first["file"] == .string(copy + "/INC-1.jsonl.partial"))
        #expect(first["damage"]?["kind"] == "corruption" && first["damage"]?["record"] == 4)
        #expect(json.json?["journals"]?.arrayValue?[1]["damage"]?["kind"] == "torn_tail")
        #expect(journalFiles(copy) == written, "set apart again: the same bytes, nothing else")

        // Another .partial in the way: left as it is, and the journal is still said to be damaged.
        let other = out.path + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("someone else's\n".utf8).write(to: URL(fileURLWithPath: other + "/INC-1.jsonl.partial"))
        let inTheWay = k.run("journal", "export", "--to", other, "1")
        #expect(inTheWay.status == 1)
        #expect(
            inTheWay.output.hasPrefix("INC-1: DAMAGED at record 4 (line 4, byte "), "\(inTheWay.output)")
        #expect(
            inTheWay.output.contains(
                "; its 3 intact records were not written: \(other)/INC-1.jsonl.partial already exists and differs; move it away, or export into an empty directory\n"
            ), "\(inTheWay.output)")
        #expect(
            inTheWay.output.hasSuffix("Exported 0 of 1 journal to \(other): 0 already there, 0 refused, 1 damaged.\n"))
        #expect(journalFiles(other) == ["INC-1.jsonl.partial": Array("someone else's\n".utf8)])

        // Repaired, the torn journal is exported whole; the partial copy stays for a person to remove.
        #expect(k.run("journal", "repair", "2").status == 0)
        #expect(k.run("journal", "export", "--to", copy, "2").status == 0)
        #expect(journalFiles(copy)["INC-2.jsonl"] == whole2)

        // INC-2.jsonl.partial is beside the whole INC-2.jsonl, which is imported; INC-1.jsonl.partial is not.
        let target = makeWorkspace()
        let t = Klaxon(workspace: target.path)
        let imported = t.run("journal", "import", "--from", copy)
        #expect(imported.status == 1, "\(imported.output)")
        let said = imported.output.split(separator: "\n").map(String.init)
        #expect(said.count == 4, "\(imported.output)")
        #expect(said.first?.hasPrefix("INC-2: imported, 2 records") == true)
        #expect(said.dropFirst().first?.hasPrefix("platform: imported, 3 records") == true)
        #expect(
            said.dropFirst(2).first
                == "INC-1.jsonl.partial: NOT IMPORTED: an incomplete copy of a damaged journal (\(copy)/INC-1.jsonl.partial holds the records before its damage and would look whole in the store); repair or restore INC-1 in the workspace it came from (docs/journal-format.md, \"Damage\"), export it again and import that",
            "\(imported.output)")
        #expect(
            said.last
                == "Imported 2 of 3 journals from \(copy): 0 already there, 0 refused, 0 damaged, 1 partial copy not imported."
        )
        #expect(
            imported.errors
                == "klaxon: error: 1 journal not imported whole (0 refused, 0 damaged, 1 partial copy): see each one's line\n"
        )
        #expect(journalFiles(target.path + "/journals").keys.sorted() == ["INC-2.jsonl", "platform.jsonl"])

        let named = t.run("journal", "import", "--from", copy, "INC-1")
        #expect(named.status == 1, "\(named.errors)")
        #expect(named.output.hasPrefix("INC-1.jsonl.partial: NOT IMPORTED: an incomplete copy"), "\(named.output)")
        let asJSON = t.run("journal", "import", "--from", copy, "--json")
        #expect(asJSON.status == 1)
        #expect(asJSON.json?["partial_copies"] == 1 && asJSON.json?["already_there"] == 2)
        let entry = try #require(asJSON.json?["journals"]?.arrayValue?.last)
        #expect(entry["outcome"] == "partial_copy" && entry["file"] == .string(copy + "/INC-1.jsonl.partial"))
        #expect(asJSON.errors.hasSuffix("(0 refused, 0 damaged, 1 partial copy): see each one's entry in journals\n"))
        #expect(journalFiles(target.path + "/journals").keys.sorted() == ["INC-2.jsonl", "platform.jsonl"])
    }

    /// A journal damaged at its first record: nothing is written, and the line says what to do next.
    /// `journal verify` and export say "an interrupted write" of a torn tail once.
    @Test func aDamagedLineSaysWhatToDoNext() throws {
        let (source, k) = try sourceWorkspace()
        try damage(source.path + "/journals/INC-1.jsonl", record: 1)
        let out = TemporaryDirectory("klaxon-export")
        let run = k.run("journal", "export", "--to", out.path + "/copy", "1")
        #expect(run.status == 1)
        #expect(run.output.hasPrefix("INC-1: DAMAGED at record 1 (line 1, byte 0): "), "\(run.output)")
        #expect(
            run.output.contains(
                "; no record before it is intact, so nothing was written; keep the source as it is and see docs/journal-format.md, \"Damage\"\n"
            ), "\(run.output)")
        #expect(journalFiles(out.path + "/copy").isEmpty)

        let whole2 = source.read("journals/INC-2.jsonl")
        try Data(whole2 + Array(#"{"v":1,"seq":3"#.utf8)).write(
            to: URL(fileURLWithPath: source.path + "/journals/INC-2.jsonl"))
        let verify = k.run("journal", "verify", "2")
        #expect(verify.status == 1)
        #expect(verify.output.contains("INC-2.jsonl: torn tail at record 3 (line 3, byte "), "\(verify.output)")
        #expect(verify.output.components(separatedBy: "an interrupted write").count == 2, "said once: \(verify.output)")
        #expect(
            verify.output.hasSuffix("; klaxon journal repair cuts it off and keeps its bytes\n"), "\(verify.output)")
    }

    /// Each journal of DIR is verified before anything is written: damage and a torn tail are counted
    /// damaged, with advice that can be followed (DIR is no workspace: check the journal where it came
    /// from); a misnamed file, a link and a line this version cannot write again are refused by name;
    /// the rest is imported.
    @Test func importVerifiesEachJournalFirstAndRefusesByName() throws {
        let (source, k) = try sourceWorkspace()
        defer { withExtendedLifetime(source) {} }
        let out = TemporaryDirectory("klaxon-export")
        let copy = out.path + "/copy"
        #expect(k.run("journal", "export", "--to", copy).status == 0)
        try damage(copy + "/INC-1.jsonl", record: 3)
        let inc2 = [UInt8](FileManager.default.contents(atPath: copy + "/INC-2.jsonl")!)
        try Data(lines(inc2, 1) + Array(#"{"v":1,"seq":2"#.utf8)).write(to: URL(fileURLWithPath: copy + "/INC-2.jsonl"))
        try FileManager.default.copyItem(atPath: copy + "/platform.jsonl", toPath: copy + "/INC-7.jsonl")
        let victim = out.write("victim.txt", "keep me\n")
        try FileManager.default.createSymbolicLink(atPath: copy + "/INC-8.jsonl", withDestinationPath: victim)
        // A record another version wrote: a field this one does not know, hashed as any line is.
        var body = Array(
            #"{"v":1,"seq":1,"ts":"2026-11-22T16:56:04.123Z","actor":"a","host":"h","pid":1,"type":"incident.declared","data":{"id":"INC-9","severity":"SEV3","title":"later"},"later":true,"prev":"\#(RecordHash.genesis.hex)""#
                .utf8)
        body += Array(#","hash":"\#(RecordHash.of(body).hex)"}"#.utf8) + [0x0A]
        try Data(body).write(to: URL(fileURLWithPath: copy + "/INC-9.jsonl"))

        let target = makeWorkspace()
        let t = Klaxon(workspace: target.path)
        let run = t.run("journal", "import", "--from", copy)
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 7, "\(run.output)")
        #expect(lines[0].hasPrefix("INC-1: DAMAGED at record 3 (line 3, byte "), "\(lines[0])")
        #expect(
            lines[0].hasSuffix(
                "; nothing was imported from \(copy)/INC-1.jsonl. Check INC-1 in the workspace it came from (klaxon journal verify INC-1 there), export it again into an empty directory and import from that"
            ), "\(lines[0])")
        #expect(lines[1].hasPrefix("INC-2: TORN TAIL at record 2 (line 2, byte "), "\(lines[1])")
        #expect(
            lines[1].hasSuffix(
                "; nothing was imported from \(copy)/INC-2.jsonl. Check INC-2 in the workspace it came from (klaxon journal verify INC-2 there), export it again into an empty directory and import from that"
            ))
        #expect(
            lines[2].hasPrefix(
                "INC-7: REFUSED: \(copy)/INC-7.jsonl is not an incident's journal: the first record is check.changed"),
            "\(lines[2])")
        #expect(
            lines[3]
                == "INC-8: REFUSED: \(copy)/INC-8.jsonl is a symbolic link (to \(victim)), not a journal; Klaxon never follows links or opens special files where it reads or writes journals. Move it away: a journal is a regular file that Klaxon wrote",
            "\(lines[3])")
        #expect(
            lines[4]
                == "INC-9: REFUSED: \(copy)/INC-9.jsonl: record 1 cannot be written again byte for byte (its line is not the one this version of Klaxon writes: another version's, or edited by hand); nothing done",
            "\(lines[4])")
        #expect(lines[5].hasPrefix("platform: imported, 3 records"))
        #expect(lines[6] == "Imported 1 of 6 journals from \(copy): 0 already there, 3 refused, 2 damaged.")
        #expect(
            run.errors == "klaxon: error: 5 journals not imported whole (3 refused, 2 damaged): see each one's line\n")
        #expect(journalFiles(target.path + "/journals").keys.sorted() == ["platform.jsonl"])

        let json = t.run("journal", "import", "--from", copy, "INC-1", "INC-2", "--json")
        #expect(json.status == 1)
        #expect(json.json?["damaged"] == 2 && json.json?["refused"] == 0 && json.json?["imported"] == 0)
        let entries = try #require(json.json?["journals"]?.arrayValue)
        #expect(entries.map { $0["outcome"] } == ["damaged", "damaged"])
        #expect(entries[0]["damage"]?["kind"] == "corruption" && entries[0]["damage"]?["record"] == 3)
        #expect(entries[0]["records"] == 2 && entries[0]["file"] == .null)
        #expect(entries[1]["damage"]?["kind"] == "torn_tail" && entries[1]["damage"]?["record"] == 2)
        #expect(
            json.errors
                == "klaxon: error: 2 journals not imported whole (0 refused, 2 damaged): see each one's entry in journals\n"
        )
        #expect(out.read("victim.txt") == Array("keep me\n".utf8))
    }

    /// A file copied under another incident's name is refused, naming what its first record declares.
    @Test func importRefusesAJournalRenamedByHand() throws {
        let (source, k) = try sourceWorkspace()
        defer { withExtendedLifetime(source) {} }
        let out = TemporaryDirectory("klaxon-export")
        let copy = out.path + "/copy"
        #expect(k.run("journal", "export", "--to", copy, "1").status == 0)
        try FileManager.default.moveItem(atPath: copy + "/INC-1.jsonl", toPath: copy + "/INC-4.jsonl")
        let target = makeWorkspace()
        let run = Klaxon(workspace: target.path).run("journal", "import", "--from", copy)
        #expect(run.status == 1)
        #expect(
            run.output.hasPrefix(
                "INC-4: REFUSED: \(copy)/INC-4.jsonl declares INC-1 in its first record, not INC-4: the file was copied or renamed by hand; nothing done. Rename it back to INC-1.jsonl\n"
            ), "\(run.output)")
        #expect(journalFiles(target.path + "/journals").isEmpty)
    }

    /// Bad input: one line naming what, where and what to do; exit 2; nothing written anywhere.
    @Test func badInputIsOneClearLineAndWritesNothing() throws {
        let (source, k) = try sourceWorkspace()
        let out = TemporaryDirectory("klaxon-export")
        let file = out.write("a-file", "not a directory\n")
        let before = statSnapshot(source.path + "/journals")
        func refused(_ run: CommandRun, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(run.status == 2, "\(run.errors)", sourceLocation: sourceLocation)
            #expect(run.output.isEmpty, sourceLocation: sourceLocation)
            #expect(run.errors == "klaxon: error: " + message + "\n", sourceLocation: sourceLocation)
        }
        refused(
            k.run("journal", "export", "--to", file),
            "\(file) is not a directory; give a directory to export into (it is created if missing)")
        #expect(out.read("a-file") == Array("not a directory\n".utf8))
        refused(
            k.run("journal", "export", "--to", source.path + "/journals/backup"),
            "\(source.path)/journals/backup is in the workspace's journals directory \(source.path)/journals, which export never changes; give a directory outside it"
        )
        refused(
            k.run("journal", "export", "--to", out.path + "/never", "INC-1", "INC-9"),
            "there is no journal INC-9 in \(source.path)/journals; nothing was done. It holds 3 journals: INC-1, INC-2, platform; name some of those, or none for all of them"
        )
        refused(
            k.run("journal", "export", "--to", out.path + "/never", "registry"),
            "\"registry\" is not an incident id; ids look like INC-12 (or platform for the checks' journal, alerts for the alerts received); nothing was done"
        )
        #expect(!FileManager.default.fileExists(atPath: out.path + "/never"))
        #expect(statSnapshot(source.path + "/journals") == before)

        let target = makeWorkspace()
        let t = Klaxon(workspace: target.path)
        refused(
            t.run("journal", "import", "--from", out.path + "/missing"),
            "\(out.path)/missing does not exist; give the directory klaxon journal export wrote")
        refused(
            t.run("journal", "import", "--from", file),
            "\(file) is not a directory; give the directory klaxon journal export wrote")
        refused(
            t.run("journal", "import", "--from", source.path + "/journals", "INC-1", "INC-5"),
            "there is no journal INC-5 in \(source.path)/journals; nothing was done. It holds 3 journals: INC-1, INC-2, platform; name some of those, or none for all of them"
        )
        // What is there, named: the first five and how many more; or that there is none.
        let many = TemporaryDirectory("klaxon-many")
        for n in [3, 1, 12, 7, 2, 5, 40] { many.write("INC-\(n).jsonl", "") }
        refused(
            t.run("journal", "import", "--from", many.path, "INC-4"),
            "there is no journal INC-4 in \(many.path); nothing was done. It holds 7 journals: INC-1, INC-2, INC-3, INC-5, INC-7 and 2 more; name some of those, or none for all of them"
        )
        let none = TemporaryDirectory("klaxon-none")
        none.write("README", "not a journal\n")
        refused(
            t.run("journal", "import", "--from", none.path, "INC-1"),
            "there is no journal INC-1 in \(none.path): it holds no journals; nothing was done")
        #expect(!FileManager.default.fileExists(atPath: target.path + "/journals"), "nothing imported")
        let nothing = t.run("journal", "import", "--from", out.path)
        #expect(nothing.status == 0 && nothing.output == "No journals in \(out.path); nothing imported.\n")
    }
}

/// The built binary, as a person runs it: a round trip, and directories it may not read or write.
@Suite(.serialized)
struct JournalTransferProcessTests {
    @Test func theBinaryExportsAndImportsByteForByte() throws {
        let (source, _) = try sourceWorkspace()
        let out = TemporaryDirectory("klaxon-export")
        let exported = try runKlaxonProcess(
            ["journal", "export", "--to", out.path + "/first", "--json"], workspace: source.path)
        #expect(exported.status == 0, "\(exported.errors)")
        #expect(try JSONParser.parse(exported.output)["exported"] == 3)
        let target = makeWorkspace()
        let imported = try runKlaxonProcess(
            ["journal", "import", "--from", out.path + "/first"], workspace: target.path)
        #expect(imported.status == 0 && imported.output.hasSuffix("0 already there, 0 refused, 0 damaged.\n"))
        let again = try runKlaxonProcess(["journal", "export", "--to", out.path + "/second"], workspace: target.path)
        #expect(again.status == 0)
        #expect(journalFiles(source.path + "/journals").count == 3)
        #expect(journalFiles(out.path + "/second") == journalFiles(source.path + "/journals"))
        #expect(journalFiles(target.path + "/journals") == journalFiles(source.path + "/journals"))
    }

    /// Run by someone who may not write DIR (export) or read it (import): one line, exit 1, nothing
    /// written. As root, which may do anything, the binary runs as `nobody` through setpriv.
    @Test func aDirectoryThatCannotBeWrittenOrReadIsOneLineAndNothingIsWritten() throws {
        let (source, _) = try sourceWorkspace()
        // Readable by anyone, so that the only thing refused is the directory.
        chmod(source.path + "/journals", 0o755)
        for name in journalFiles(source.path + "/journals").keys { chmod(source.path + "/journals/" + name, 0o644) }
        let bin = TemporaryDirectory("klaxon-bin")
        chmod(bin.path, 0o755)
        try FileManager.default.copyItem(atPath: BuiltProducts.path("klaxon"), toPath: bin.path + "/klaxon")
        let readOnly = TemporaryDirectory("klaxon-ro")
        let unreadable = TemporaryDirectory("klaxon-unreadable")
        try FileManager.default.copyItem(
            atPath: source.path + "/journals/INC-1.jsonl", toPath: unreadable.path + "/INC-1.jsonl")
        chmod(readOnly.path, 0o555)
        chmod(unreadable.path, 0o000)
        defer {
            chmod(readOnly.path, 0o755)
            chmod(unreadable.path, 0o755)
        }
        let target = makeWorkspace()

        func run(_ arguments: [String], workspace: String) throws -> (status: Int32, output: String, errors: String) {
            let process = Process()
            let unprivileged = geteuid() == 0 ? ["--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
            process.executableURL = URL(
                fileURLWithPath: unprivileged.isEmpty ? bin.path + "/klaxon" : "/usr/bin/setpriv")
            process.arguments = unprivileged + (unprivileged.isEmpty ? [] : [bin.path + "/klaxon"]) + arguments
            process.environment = [
                "KLAXON_WORKSPACE": workspace, "KLAXON_USER": "alice", "TZ": "UTC", "PATH": "/usr/bin:/bin"
            ]
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, output, errors)
        }

        let export = try run(["journal", "export", "--to", readOnly.path], workspace: source.path)
        #expect(export.status == 1 && export.output.isEmpty)
        #expect(
            export.errors
                == "klaxon: error: \(readOnly.path) cannot be written (EACCES: Permission denied); nothing was exported; check the owner and mode of the file and its directory (journals are shared through the responders' group)\n",
            "\(export.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: readOnly.path).isEmpty)

        let `import` = try run(["journal", "import", "--from", unreadable.path], workspace: target.path)
        #expect(`import`.status == 1 && `import`.output.isEmpty)
        #expect(
            `import`.errors.hasPrefix(
                "klaxon: error: \(unreadable.path) cannot be read (EACCES: Permission denied); nothing was imported; "),
            "\(`import`.errors)")
        #expect(!FileManager.default.fileExists(atPath: target.path + "/journals"))
    }
}

/// Export onto a disk that fills up: what was written stays, each journal whole; the summary counts
/// the journals not tried, so that it adds up, and the exit is 1.
@Suite(.serialized, .enabled(if: SmallFileSystem.available, "needs root to mount a small tmpfs"))
struct JournalTransferFullDiskTests {
    @Test func aFullDiskStopsTheExportAndTheSummaryAddsUp() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        for i in 1...19 { #expect(k.run("incident", "declare", "Incident \(i)", "--severity", "SEV4").status == 0) }
        let fs = try #require(SmallFileSystem(kilobytes: 12))
        let copy = fs.path + "/copy"
        let run = k.run("journal", "export", "--to", copy)
        #expect(run.status == 1)
        let said = run.output.split(separator: "\n").map(String.init)
        let exported = said.filter { $0.contains(": exported, 1 record, ") }.count
        #expect(exported > 0 && exported < 19, "\(run.output)")
        #expect(
            said.last
                == "Exported \(exported) of 19 journals to \(copy): 0 already there, 0 refused, 0 damaged, \(19 - exported) not tried.",
            "\(run.output)")
        #expect(run.errors.contains("ENOSPC") && run.errors.split(separator: "\n").count == 1, "\(run.errors)")
        let written = journalFiles(copy)
        #expect(written.count == exported, "each journal whole, nothing of the others")
        for (name, bytes) in written { #expect(bytes == ws.read("journals/" + name)) }

        let again = k.run("journal", "export", "--to", copy, "--json")
        #expect(again.status == 1)
        #expect(again.json?["already_there"] == .number(Double(exported)))
        #expect(again.json?["not_tried"] == .number(Double(19 - exported)))
        #expect(again.json?["error"]?.stringValue?.contains("ENOSPC") == true)
    }
}
