import Foundation
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// AtomicFile replaces only a regular file: what the console's review export and the overrides file
/// go through. (`-o` into a FIFO or a device is OutputTargetTests'.)
struct AtomicFileTests {
    func kind(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    @Test func aLinkAFIFOOrADirectoryIsRefusedAndLeftAsItWas() throws {
        let dir = TemporaryDirectory()
        let precious = dir.write("precious.txt", "precious\n")
        #expect(symlink("precious.txt", dir.path + "/review.md") == 0)
        #expect(mkfifo(dir.path + "/review.fifo", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir.path + "/review.dir", withIntermediateDirectories: false)
        for (name, kind) in [("review.md", S_IFLNK), ("review.fifo", S_IFIFO), ("review.dir", S_IFDIR)] {
            #expect(throws: KlaxonError.self) { try AtomicFile.write("export\n", to: dir.path + "/" + name) }
            #expect(self.kind(dir.path + "/" + name) == kind, "\(name) is what it was")
        }
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "precious\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [
                "precious.txt", "review.dir", "review.fifo", "review.md"
            ])
        try AtomicFile.write("export\n", to: precious)
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "export\n")
    }

    @Test func aLinkWhereTheTemporaryFileGoesIsNotFollowed() throws {
        let dir = TemporaryDirectory()
        let victim = dir.write("victim.txt", "victim\n")
        // The temporary file's name is predictable (.NAME.tmp-PID): someone may have put a link there.
        #expect(symlink(victim, dir.path + "/.review.md.tmp-\(getpid())") == 0)
        try AtomicFile.write("export\n", to: dir.path + "/review.md")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "victim\n")
        #expect(try String(contentsOfFile: dir.path + "/review.md", encoding: .utf8) == "export\n")
        #expect(kind(dir.path + "/review.md") == S_IFREG)
    }
}
