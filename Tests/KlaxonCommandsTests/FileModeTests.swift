import Foundation
import KlaxonProcessTestSupport
import KlaxonTestSupport
import Testing

/// docs/security.md, "Journals and exports are never world-writable": checked with the real binary
/// under the widest umask, so the modes Klaxon asks for are the modes the files get.
struct FileModeTests {
    let klaxon = BuiltProducts.path("klaxon")

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0o7777
    }

    @Test func underAnOpenUmaskNothingKlaxonWritesIsWorldWritable() throws {
        let ws = makeWorkspace()
        let k = "umask 000; KLAXON_USER=alice TZ=UTC \(klaxon) --workspace \(ws.path)"
        let output = try shell(
            """
            \(k) incident declare 'Umask' --severity SEV3 && \(k) incident note 1 'a note' && \(k) incident resolve 1 --summary done \
            && \(k) review export 1 -o \(ws.path)/INC-1-review.md && \(k) review export 1 --format json -o \(ws.path)/INC-1-review.json \
            && \(k) journal verify 2>&1
            """)
        #expect(output.contains("INC-1.jsonl"), "\(output)")
        #expect(mode(ws.path + "/INC-1-review.md") == 0o644)
        #expect(mode(ws.path + "/INC-1-review.json") == 0o644)
        #expect(mode(ws.path + "/journals/INC-1.jsonl") == 0o660)
        var checked = 0
        for case let relative as String in FileManager.default.enumerator(atPath: ws.path)! {
            let m = mode(ws.path + "/" + relative)
            #expect(m & 0o002 == 0, "\(relative) is world-writable: \(String(m, radix: 8))")
            checked += 1
        }
        #expect(checked >= 5, "only \(checked) files were written")
    }
}
