import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonUI

/// Parse and lay out a 10,000-line runbook at 120 columns, beside the `cmark-gfm` command rendering the
/// same file to HTML (process start included: that is what running it costs).
enum RunbookBench {
    struct Figures {
        var klaxonMilliseconds: [Double] = []
        var cmarkMilliseconds: [Double] = []
        var lines = 0
        var bytes = 0
        var cmarkMissing = false
    }

    /// A runbook of about `lines` lines in the shape of the real ones: headings, prose with inline
    /// markup and links, checklists, tables and code blocks.
    static func document(lines target: Int) -> String {
        var out = "---\ntitle: Large runbook\nowner: bench\nlast_reviewed: 2026-11-01\n---\n\n# Large runbook\n\n"
        var section = 0
        var lines = 8
        while lines < target {
            section += 1
            let part = """
                ## Section \(section): the registry's blob store on replica \(section % 3)

                When uploads fail with `503` and **pulls still work**, the blob store is *probably* full; see
                [the registry runbook](registry-5xx.md#mitigate) and https://grafana.forge.internal/d/registry?var-pod=registry-\(section % 3)
                before ~~restarting~~ anything. 磁盘已满 means the disk is full 🧹.

                - [ ] Check pod health on replica \(section % 3)
                - [ ] Check free space: `df -h /var/lib/registry`
                  - nested detail about the garbage collector and its dry run
                1. Run the dry run
                2. Run it for real

                | Replica | Disk | Action |
                |:--------|-----:|:-------|
                | registry-0 | 91% | garbage-collect, then watch for ten minutes before calling it mitigated |
                | registry-1 | 45% | nothing |

                ```bash
                kubectl -n artifacts exec registry-\(section % 3) -- registry garbage-collect --dry-run /etc/docker/registry/config.yml
                kubectl -n artifacts exec registry-\(section % 3) -- df -h /var/lib/registry
                ```

                > Never delete blobs by hand: the registry's metadata would point at nothing.


                """
            out += part
            lines += part.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }
        return out
    }

    static func run(root: String, runs: Int) throws -> Figures {
        var figures = Figures()
        let text = document(lines: 10_000)
        figures.lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        let path = root + "/large-runbook.md"
        figures.bytes = text.utf8.count
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let cmark = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        figures.cmarkMissing = cmark == nil
        for _ in 0..<runs {
            // Held past the timed region, as the console holds them: the figure is the time to get the
            // runbook on screen, not to free it.
            var document: MarkdownNode?
            var page: RunbookPage?
            figures.klaxonMilliseconds.append(
                seconds {
                    document = MarkdownParser.parse(Runbook.splitFrontMatter(text).body)
                    page = RunbookLayout.page(document!, width: 120)
                } * 1000)
            precondition((page?.lines.count ?? 0) > 10_000)
            page = nil
            document = nil
            if ProcessInfo.processInfo.environment["KLAXON_BENCH_SPLIT"] != nil {
                let body = Runbook.splitFrontMatter(text).body
                var doc = MarkdownNode(.document)
                var laid: RunbookPage?
                let parse = seconds { doc = MarkdownParser.parse(body) }
                let lay = seconds { laid = RunbookLayout.page(doc, width: 120) }
                let free = seconds { laid = nil }
                _ = laid
                print(
                    String(
                        format: "parse %.1f ms, layout %.1f ms (freeing the page after: %.1f ms)", parse * 1000,
                        lay * 1000, free * 1000))
            }
        }
        // The command's runs after Klaxon's: a process that has just exited is still being torn down on
        // the other core, which the parallel layout needs.
        for _ in 0..<runs {
            if let cmark {
                figures.cmarkMilliseconds.append(
                    try seconds {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: cmark)
                        process.arguments = [
                            "--extension", "table", "--extension", "tasklist", "--extension", "strikethrough",
                            "--extension", "autolink", "--to", "html", path
                        ]
                        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
                        try process.run()
                        process.waitUntilExit()
                        precondition(process.terminationStatus == 0)
                    } * 1000)
            }
        }
        return figures
    }
}
