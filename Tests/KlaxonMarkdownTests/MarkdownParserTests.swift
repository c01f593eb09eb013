import Foundation
import KlaxonCore
import KlaxonMarkdown
import Testing

struct MarkdownParserTests {
    @Test func parsesAGFMTableWithAlignments() {
        let doc = MarkdownParser.parse(
            """
            | Check | State | p99 |
            |:------|:-----:|----:|
            | registry-api | down | 812ms |
            """)
        guard case .table(let alignments)? = doc.children.first?.kind else {
            Issue.record("expected a table, got \(doc.children.map(\.kind))")
            return
        }
        #expect(alignments == [.left, .center, .right])
        let rows = doc.children[0].children
        #expect(rows.count == 2)
        #expect(rows[0].kind == .tableRow(isHeader: true))
        #expect(rows[1].kind == .tableRow(isHeader: false))
        #expect(rows[1].children.map(\.plainText) == ["registry-api", "down", "812ms"])
    }

    @Test func parsesATaskListWithTicks() {
        let doc = MarkdownParser.parse(
            """
            - [x] Page the registry owner
            - [ ] Fail over to registry-2
            - plain item
            """)
        let items = doc.children.first?.children ?? []
        #expect(items.map(\.kind) == [.item(task: true), .item(task: false), .item(task: nil)])
        #expect(items[1].plainText == "Fail over to registry-2")
    }

    @Test func parsesStrikethroughAutolinksCodeAndFootnotes() {
        let doc = MarkdownParser.parse(
            """
            ~~old~~ see https://status.example.com and `kubectl get pods`[^1]

            ```bash
            kubectl -n ci get pods
            ```

            [^1]: A footnote.
            """)
        let kinds = doc.allNodes.map(\.kind)
        #expect(kinds.contains(.strikethrough))
        #expect(kinds.contains(.link(url: "https://status.example.com", title: "")))
        #expect(kinds.contains(.code("kubectl get pods")))
        #expect(kinds.contains(.codeBlock(info: "bash", literal: "kubectl -n ci get pods\n")))
        #expect(kinds.contains(.footnoteReference(label: "1")))
    }

    @Test func deepNestingDoesNotExhaustTheStack() {
        let doc = MarkdownParser.parse(String(repeating: "> ", count: 5000) + "deep")
        #expect(doc.plainText.contains("deep"))
    }
}

struct MarkdownDepthTests {
    /// Nesting a hundred thousand deep parses into a tree no deeper than the limit, keeping the text
    /// (and freeing it does not exhaust the stack).
    @Test func extremeNestingIsBoundedAndKeepsItsText() {
        for text in [
            String(repeating: ">", count: 200_000) + " deepest words",
            (0..<3000).map { String(repeating: "  ", count: $0) + "- item \($0)\n" }.joined()
        ] {
            var doc: MarkdownNode? = MarkdownParser.parse(text)
            var depth = 0
            var level = [doc!]
            while !level.isEmpty {
                depth += 1
                level = level.flatMap(\.children)
            }
            #expect(depth <= MarkdownParser.maximumDepth + 2)
            #expect(doc!.plainText.contains(text.hasPrefix(">") ? "deepest words" : "item 2999"))
            doc = nil
        }
    }
}

struct MarkdownConcurrencyTests {
    /// Parsers in several threads at once each see the extensions (they share cmark-gfm's global tables).
    @Test func parsesInManyThreadsAtOnceStillSeeTheExtensions() {
        let text = "~~old~~ see https://status.example.com now\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
        }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 400) { _ in
            let kinds = MarkdownParser.parse(text).allNodes.map(\.kind)
            let ok =
                kinds.contains(.strikethrough) && kinds.contains(.link(url: "https://status.example.com", title: ""))
                && kinds.contains(.table(alignments: [.none, .none]))
            if !ok { failures.lock.withLock { failures.count += 1 } }
        }
        #expect(failures.count == 0)
    }
}
