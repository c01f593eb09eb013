import Foundation
import KlaxonCore
import KlaxonMarkdown
import KlaxonStore
import KlaxonTestSupport
import KlaxonUI
import Testing

/// The repository's own runbooks (it is the sample workspace).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

func sampleRunbooks() -> [Runbook] { RunbookFiles.load(workspaceRoot: repositoryRoot, parse: MarkdownParser.parse) }

func layout(_ markdown: String, width: Int, ticks: [String: Bool] = [:]) -> RunbookPage {
    RunbookLayout.page(MarkdownParser.parse(markdown), width: width, ticks: ticks)
}

/// A page drawn into a frame as tall as the page, for snapshots.
func frame(of page: RunbookPage) -> Frame {
    var frame = Frame(columns: page.width, rows: max(1, page.lines.count))
    for (row, line) in page.lines.enumerated() {
        var x = 0
        for span in line.spans {
            x = frame.put(span.text, row: row, column: x, style: span.style, ellipsis: !line.isCode)
        }
    }
    return frame
}

/// Every line but code fits the width (code keeps its lines, and scrolls).
func expectFits(_ page: RunbookPage, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    for (i, line) in page.lines.enumerated() where !line.isCode {
        let width = TextWidth.width(of: line.text)
        if width > page.width {
            Issue.record(
                "line \(i) is \(width) columns wide, more than \(page.width): \(line.text) \(context)",
                sourceLocation: sourceLocation)
            return
        }
    }
}

struct RunbookLayoutTests {
    @Test func theSampleWorkspaceHasAtLeastSixRunbooksEachLinkedFromACheck() {
        let runbooks = sampleRunbooks()
        #expect(runbooks.count >= 6)
        let checked = Set(RunbookFiles.checkReferences(workspaceRoot: repositoryRoot).map(\.runbook))
        let unchecked = runbooks.map(\.name).filter { !checked.contains($0) }
        #expect(unchecked.isEmpty)
        let problems = runbooks.flatMap(\.problems)
        #expect(problems.isEmpty)
    }

    @Test(arguments: [80, 120])
    func everySampleRunbookRendersAsItsSnapshot(width: Int) {
        for runbook in sampleRunbooks() {
            let page = RunbookLayout.page(runbook.document, width: width)
            expectFits(page, runbook.name)
            if let mismatch = Snapshot.mismatch(frame(of: page), named: "runbook-\(runbook.name)-\(width)") {
                Issue.record(Comment(rawValue: mismatch))
            }
        }
    }

    @Test func codeBlocksStayExactlyAsWrittenEvenWhenWiderThanTheScreen() {
        let long =
            "kubectl -n observability patch statefulset prometheus --type json -p '[{\"op\":\"replace\",\"path\":\"/spec/template\"}]'"
        let page = layout("Run:\n\n```bash\n\(long)\n\tindented with a tab\n```\n", width: 40)
        let code = page.lines.filter(\.isCode)
        #expect(code.map(\.verbatim) == [long, "\tindented with a tab"])
        #expect(code.first?.text == long)  // not wrapped, not padded
        #expect(code.last?.text == "    indented with a tab")  // the screen shows the tab as spaces
        #expect(page.lines.contains { $0.text == "╭─ bash " })
        #expect(page.widestCodeLine == long.count)
    }

    @Test func longWordsAndURLsBreakWithoutLosingACharacter() {
        let url =
            "https://grafana.forge.internal/d/registry/registry-overview?orgId=1&from=now-6h&to=now&var-pod=registry-0&refresh=30s"
        let page = layout("See \(url) now", width: 30)
        expectFits(page)
        #expect(
            page.lines.map(\.text).joined().replacingOccurrences(of: " ", with: "").contains(
                url.replacingOccurrences(of: " ", with: "")))
        // And the Links list gives it in full, numbered.
        #expect(page.lines.contains { $0.text.hasPrefix("[1] https://grafana") })
    }

    @Test func wideCharactersAreMeasuredByColumns() {
        let text = "磁盘已满，注册表无法写入新的镜像层。请先清理旧的标签 🧹🧹🧹 then retry the upload 🚀"
        let page = layout(text, width: 20)
        expectFits(page)
        #expect(
            page.lines.map(\.text).joined().replacingOccurrences(of: " ", with: "")
                == text.replacingOccurrences(of: " ", with: ""))
        #expect(page.lines.contains { TextWidth.width(of: $0.text) == 20 || TextWidth.width(of: $0.text) == 19 })
    }

    @Test func tablesFitTheirColumnsAndWrapCells() {
        let markdown = """
            | Left | Centre | Right |
            |:-----|:------:|------:|
            | a fairly long description that must wrap | mid | 1,234 |
            | short | x | 5 |
            """
        let page = layout(markdown, width: 40)
        expectFits(page)
        let lines = page.lines.map(\.text)
        #expect(lines[0].hasPrefix("Left"))
        #expect(lines[1].contains("┼"))
        #expect(lines.contains { $0.hasSuffix("1,234") })
        #expect(lines.contains { $0.hasSuffix("    5") })  // right-aligned
        #expect(lines.count > 4)  // the long cell wrapped
        let wide =
            "|" + (1...30).map { " column \($0) " }.joined(separator: "|") + "|\n|"
            + String(repeating: "---|", count: 30) + "\n|" + (1...30).map { " value \($0) " }.joined(separator: "|")
            + "|\n"
        let widePage = layout(wide, width: 80)
        expectFits(widePage)
        #expect(widePage.lines.map(\.text).joined(separator: " ").contains("value 30"))
    }

    @Test func deepNestingKeepsTextOnScreen() {
        let quotes = String(repeating: "> ", count: 300) + "deep quote text that goes on for a while"
        expectFits(layout(quotes, width: 60))
        var lists = ""
        for level in 0..<80 {
            lists += String(repeating: "  ", count: level) + "- item \(level) with some words in it\n"
        }
        let page = layout(lists, width: 60)
        expectFits(page)
        #expect(page.lines.map(\.text).joined(separator: " ").contains("item 79"))
    }

    @Test func emptyAndFrontMatterOnlyDocuments() {
        #expect(layout("", width: 80).lines.isEmpty)
        #expect(layout("\n\n   \n", width: 80).lines.isEmpty)
        let (front, body, line) = Runbook.splitFrontMatter("---\ntitle: x\n---\n")
        #expect(front == "title: x" && body == "" && line == 4)
    }

    @Test func stepsAndLinksAreNumberedTargetsAndTicksShow() {
        let markdown = """
            # Fix it

            - [ ] Look at [the dashboard](https://grafana.example.com/d/x)
            - [x] Restart [the thing](other.md#restart)
            - plain item
            """
        let page = layout(markdown, width: 60, ticks: ["Look at the dashboard": true])
        #expect(
            page.targets.map(\.kind) == [
                .step(number: 1, text: "Look at the dashboard", done: true),
                .link(url: "https://grafana.example.com/d/x"),
                .step(number: 2, text: "Restart the thing", done: true),
                .link(url: "other.md#restart")
            ])
        #expect(page.lines.map(\.text).contains("• [x] Look at the dashboard[1]"))
        #expect(page.headings.map(\.anchor) == ["fix-it"])
        #expect(page.targets.map(\.line) == [3, 3, 4, 4])
    }

    /// A task item with nothing after its box (`- [ ] ` at the end of a line, found by the markdown
    /// fuzzer) is a step: its box shows on its own line and the step points there, not past the page's
    /// end (when last) nor at the block after it.
    @Test(arguments: ["a\n\n- [ ] ", "- [ ] \n\nnext", "- [ ] "])
    func anEmptyTaskItemShowsItsBoxWhereItsStepPoints(_ markdown: String) throws {
        let page = layout(markdown, width: 40)
        let step = try #require(page.targets.first)
        #expect(step.kind == .step(number: 1, text: "", done: false))
        try #require(
            page.lines.indices.contains(step.line), "the step points at line \(step.line) of \(page.lines.count)")
        #expect(page.lines[step.line].text.hasPrefix("• [ ]"))
    }

    /// Bad input of every kind: it is laid out (or not) without a crash, a hang or a line off screen.
    @Test func malformedInputNeverCrashes() {
        let pathological = [
            String(repeating: "[", count: 20_000), String(repeating: "*a", count: 20_000),
            String(repeating: ">", count: 5000) + "x",
            String(repeating: "`", count: 10_000),
            String(repeating: "|", count: 3000) + "\n" + String(repeating: "-|", count: 1500),
            String(repeating: "[^", count: 3000) + "]", String(repeating: "1. ", count: 2000) + "x",
            "<div>" + String(repeating: "<", count: 9000),
            "- [ ] " + String(repeating: "- [x] ", count: 500), String(repeating: "\t", count: 500) + "code",
            "\u{0}\u{1}\u{7f}\u{202e}abc",
            "[x](" + String(repeating: "(", count: 5000), String(repeating: "#", count: 10) + " too many hashes"
        ]
        for text in pathological { expectFits(layout(text, width: 80), String(text.prefix(20))) }
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("#*_`~[]()<>|-+:!^\\ \n\t\u{00e9}磁🧹abcxyz0123456789.".unicodeScalars)
        for _ in 0..<1500 {
            var text = ""
            for _ in 0..<Int.random(in: 0..<300, using: &random) {
                text.unicodeScalars.append(alphabet.randomElement(using: &random)!)
            }
            if Bool.random(using: &random) {
                // Invalid UTF-8, read with replacement characters as the loader would.
                var bytes = Array(text.utf8)
                for _ in 0..<5 where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(
                        in: 0x80...0xFF, using: &random)
                }
                text = String(decoding: bytes, as: UTF8.self)
            }
            expectFits(layout(text, width: Int.random(in: 20...140, using: &random)), text.debugDescription)
        }
    }
}
