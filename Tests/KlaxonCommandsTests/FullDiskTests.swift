import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// A tmpfs of `kilobytes` mounted on a fresh directory (root only), unmounted when released.
final class SmallFileSystem {
    let path: String

    init?(kilobytes: Int) {
        let dir =
            FileManager.default.temporaryDirectory.path + "/klaxon-tmpfs-\(getpid())-\(UUID().uuidString.prefix(6))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard SmallFileSystem.shell("mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", dir) == 0 else {
            try? FileManager.default.removeItem(atPath: dir)
            return nil
        }
        path = dir
    }

    func remountReadOnly() -> Bool { SmallFileSystem.shell("mount", "-o", "remount,ro", path) == 0 }

    deinit {
        _ = SmallFileSystem.shell("umount", path)
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    static func shell(_ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Whether this machine lets the tests mount one (root with CAP_SYS_ADMIN, as on CI here).
    static let available: Bool = SmallFileSystem(kilobytes: 16) != nil
}

@Suite(.serialized, .enabled(if: SmallFileSystem.available, "needs root to mount a small tmpfs"))
struct FullDiskTests {
    @Test func aFullDiskIsOneClearErrorAndLeavesNoPartialRecord() throws {
        let fs = try #require(SmallFileSystem(kilobytes: 24))
        try "name: tiny\n".write(toFile: fs.path + "/klaxon.yaml", atomically: false, encoding: .utf8)
        let k = Klaxon(workspace: fs.path)
        #expect(k.run("incident", "declare", "disk fills", "--severity", "SEV3").status == 0)
        let filler = String(repeating: "x", count: 400)
        var failure: CommandRun?
        for i in 1...200 {
            let run = k.run("incident", "note", "1", "note \(i) \(filler)")
            if run.status != 0 {
                failure = run
                break
            }
        }
        let run = try #require(failure, "the disk never filled")
        #expect(run.status == 1)
        #expect(run.errors.contains("ENOSPC"))
        #expect(run.errors.contains("free space on that disk, then retry"))
        #expect(run.errors.split(separator: "\n").count == 1)
        let verification = try JournalFile.verify(path: fs.path + "/journals/INC-1.jsonl")
        #expect(verification.damage == nil, "no partial record")
        // Every note that was acknowledged is there; the refused one is not.
        let notes = try IncidentStore(directory: fs.path + "/journals").open("1").incident.notes
        #expect(notes.count == verification.recordCount - 1)
        #expect(notes.last?.text.hasPrefix("note \(notes.count) ") == true)

    }

    /// A torn tail on a full disk (a crash mid-write, then the disk filled): no command, reading or
    /// writing, leaves an empty copy aside or a temporary file, and the tail stays until a write can cut it.
    @Test func aTornTailOnAFullDiskLeavesNothingAside() throws {
        let fs = try #require(SmallFileSystem(kilobytes: 32))
        try "name: tiny\n".write(toFile: fs.path + "/klaxon.yaml", atomically: false, encoding: .utf8)
        let k = Klaxon(workspace: fs.path)
        #expect(k.run("incident", "declare", "disk fills", "--severity", "SEV3").status == 0)
        let path = fs.path + "/journals/INC-1.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        try handle.write(contentsOf: Data(#"{"v":1,"seq":2,"ts":"2026-11-"#.utf8))
        try handle.close()
        let before = Array(FileManager.default.contents(atPath: path) ?? Data())
        // Fill the disk with another file until it refuses a byte more.
        let filler = try #require(
            FileHandle(
                forWritingAtPath: {
                    _ = FileManager.default.createFile(atPath: fs.path + "/filler", contents: nil)
                    return fs.path + "/filler"
                }()))
        while (try? filler.write(contentsOf: Data(count: 1024))) != nil {}
        while (try? filler.write(contentsOf: Data(count: 1))) != nil {}
        try? filler.close()
        for arguments in [
            ["incident", "list"], ["incident", "show", "1"], ["journal", "verify"], ["incident", "note", "1", "more"],
            ["journal", "repair", "1"], ["incident", "declare", "another", "--severity", "SEV4"]
        ] {
            let run = k.run(arguments)
            if arguments.contains("note") || arguments.contains("repair") {
                #expect(run.status == 1 && run.errors.contains("ENOSPC"), "\(arguments): \(run.errors)")
            }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: fs.path + "/journals")
        #expect(names.filter { $0.contains(".torn-") || $0.hasSuffix(".tmp") }.isEmpty, "nothing left aside: \(names)")
        #expect(Array(FileManager.default.contents(atPath: path) ?? Data()) == before, "the journal is as it was")
    }

    @Test func aReadOnlyFileSystemIsOneClearError() throws {
        let fs = try #require(SmallFileSystem(kilobytes: 64))
        try "name: tiny\n".write(toFile: fs.path + "/klaxon.yaml", atomically: false, encoding: .utf8)
        let k = Klaxon(workspace: fs.path)
        k.run("incident", "declare", "first", "--severity", "SEV3")
        #expect(fs.remountReadOnly())
        let note = k.run("incident", "note", "1", "more")
        #expect(note.status == 1)
        #expect(note.errors.contains("EROFS"))
        #expect(note.errors.contains("nothing was recorded"))
        let declare = k.run("incident", "declare", "second", "--severity", "SEV3")
        #expect(declare.status == 1)
        #expect(declare.errors.contains("EROFS"))
        // Reading still works.
        #expect(k.run("incident", "show", "1").status == 0)
        #expect(k.run("journal", "verify").status == 0)
    }
}
