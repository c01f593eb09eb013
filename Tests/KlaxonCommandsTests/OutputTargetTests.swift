import Foundation
import KlaxonCommandsTestSupport
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// docs/security.md, "`-o FILE` replaces only a regular file": `klaxon review export -o` with the
/// real binary into a FIFO, character devices (made with `mknod`, as root: never the machine's own
/// /dev/full), a symbolic link and a directory. Each stays what it was.
@Suite(.enabled(if: getuid() == 0, "mknod needs root"))
struct OutputTargetTests {
    let klaxon = BuiltProducts.path("klaxon")

    /// A workspace with INC-1, a note on it.
    func workspace() -> TemporaryDirectory {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        _ = k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2")
        _ = k.run("incident", "note", "1", "pulls fine, pushes fail")
        return ws
    }

    /// `klaxon review export 1 -o TARGET` in `ws`: its exit status and what it said on standard error.
    func export(_ ws: TemporaryDirectory, to target: String) throws -> (status: Int32, errors: String) {
        let out = try shell(
            "cd \(TmuxSession.quote(ws.path)) && KLAXON_WORKSPACE=. KLAXON_USER=alice TZ=UTC \(klaxon) review export 1 -o \(TmuxSession.quote(target)) 2>&1; echo \"rc=$?\""
        )
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        return (Int32(lines.last?.dropFirst(3) ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
    }

    func kind(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    func device(_ path: String) -> dev_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_rdev : 0
    }

    @Test func aFIFOWithAReaderReceivesTheExportAndStaysAFIFO() throws {
        let ws = workspace()
        let fifo = ws.path + "/review.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader: this test, holding the FIFO open before Klaxon writes (the export fits in the pipe's buffer).
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let (status, errors) = try export(ws, to: "review.fifo")
        #expect(status == 0, "\(errors)")
        #expect(errors == "klaxon: review of INC-1 written to review.fifo", "\(errors)")
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(reader, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        let expected = Klaxon(workspace: ws.path).run("review", "export", "1").output
        #expect(String(decoding: received, as: UTF8.self).contains("pulls fine, pushes fail"))
        #expect(received.count == expected.utf8.count, "the whole export came through the FIFO")
        #expect(kind(fifo) == S_IFIFO, "the FIFO is still a FIFO")
    }

    @Test func aFIFOThatNobodyReadsIsAnErrorAndStaysAFIFO() throws {
        let ws = workspace()
        let fifo = ws.path + "/review.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let (status, errors) = try export(ws, to: fifo)
        #expect(status == 1)
        #expect(
            errors == "klaxon: error: nobody is reading the FIFO \(fifo); start its reader first, then run this again",
            "\(errors)")
        #expect(kind(fifo) == S_IFIFO)
    }

    @Test func characterDevicesAreWrittenIntoNotReplaced() throws {
        let ws = workspace()
        let full = ws.path + "/full"
        let null = ws.path + "/null"
        // Devices like /dev/full (1, 7) and /dev/null (1, 3).
        _ = try shell("mknod \(full) c 1 7 && mknod \(null) c 1 3")
        #expect(kind(full) == S_IFCHR && device(full) == device("/dev/full"))
        let intoFull = try export(ws, to: full)
        #expect(intoFull.status == 1)
        #expect(
            intoFull.errors.hasPrefix(
                "klaxon: error: writing to \(full) failed (ENOSPC: No space left on device); it is a device and did not take the output"
            ), "\(intoFull.errors)")
        #expect(kind(full) == S_IFCHR && device(full) == device("/dev/full"), "still the device")
        let intoNull = try export(ws, to: null)
        #expect(intoNull.status == 0, "\(intoNull.errors)")
        #expect(kind(null) == S_IFCHR && device(null) == device("/dev/null"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: ws.path).allSatisfy { !$0.contains(".tmp") },
            "no temporary file left")
    }

    @Test func aSymbolicLinkIsNeitherFollowedNorReplaced() throws {
        let ws = workspace()
        let target = ws.write("precious.md", "precious\n")
        #expect(symlink("precious.md", ws.path + "/review.md") == 0)
        let (status, errors) = try export(ws, to: "review.md")
        #expect(status == 2)
        #expect(
            errors
                == "klaxon: error: \(ws.path)/review.md is a symbolic link; Klaxon neither follows nor replaces one: give the path of the file it points to, or a new name",
            "\(errors)")
        #expect(kind(ws.path + "/review.md") == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: ws.path + "/review.md") == "precious.md")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        // A link to nowhere is refused the same way; nothing is created where it points.
        #expect(symlink("absent.md", ws.path + "/dangling.md") == 0)
        #expect(try export(ws, to: "dangling.md").status == 2)
        #expect(kind(ws.path + "/absent.md") == 0 && kind(ws.path + "/dangling.md") == S_IFLNK)
        // A directory is refused; a regular file is replaced whole.
        #expect(try export(ws, to: ws.path).status == 2)
        #expect(try export(ws, to: "precious.md").status == 0)
        #expect(try String(contentsOfFile: target, encoding: .utf8).contains("pulls fine, pushes fail"))
    }
}
