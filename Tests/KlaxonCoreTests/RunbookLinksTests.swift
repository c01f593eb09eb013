import Testing

@testable import KlaxonCore

struct RunbookLinksTests {
    @Test func relativeLinksResolveInsideRunbooksOnly() {
        #expect(RunbookLinks.resolve("ci-queue.md", from: "registry") == .runbook("ci-queue", anchor: nil))
        #expect(
            RunbookLinks.resolve("./ci-queue.md#drain-it", from: "registry") == .runbook("ci-queue", anchor: "drain-it")
        )
        #expect(RunbookLinks.resolve("../registry.md", from: "ci/queue") == .runbook("registry", anchor: nil))
        #expect(RunbookLinks.resolve("etcd.md", from: "k8s/api") == .runbook("k8s/etcd", anchor: nil))
        #expect(RunbookLinks.resolve("my%20notes.md#step%201", from: "x") == .runbook("my notes", anchor: "step 1"))
        #expect(RunbookLinks.resolve("#first-five-minutes", from: "x") == .anchor("first-five-minutes"))
        #expect(
            RunbookLinks.resolve("https://grafana.example.com/d/x?a=1#b", from: "x")
                == .external("https://grafana.example.com/d/x?a=1#b"))
        #expect(RunbookLinks.resolve("mailto:oncall@example.com", from: "x") == .external("mailto:oncall@example.com"))
        // Out of Runbooks/, absolute paths and other files are never runbooks.
        #expect(RunbookLinks.resolve("../klaxon.yaml", from: "x") == .file("../klaxon.yaml"))
        #expect(RunbookLinks.resolve("../../etc/passwd.md", from: "ci/queue") == .file("../../etc/passwd.md"))
        #expect(RunbookLinks.resolve("/etc/passwd.md", from: "x") == .file("/etc/passwd.md"))
        #expect(RunbookLinks.resolve("diagram.png", from: "x") == .file("diagram.png"))
    }

    @Test func anchorsFollowGitHubIncludingRepeats() {
        let doc = MarkdownNode(
            .document,
            [
                MarkdownNode(.heading(level: 1), [MarkdownNode(.text("Registry returns 5xx!"))]),
                MarkdownNode(
                    .heading(level: 2),
                    [MarkdownNode(.text("First ")), MarkdownNode(.code("kubectl")), MarkdownNode(.text(" steps"))]),
                MarkdownNode(.heading(level: 2), [MarkdownNode(.text("Verify"))]),
                MarkdownNode(.heading(level: 2), [MarkdownNode(.text("Verify"))]),
                MarkdownNode(.heading(level: 3), [MarkdownNode(.text("Étape 2 — données"))])
            ])
        #expect(
            RunbookLinks.anchors(of: doc).map(\.anchor) == [
                "registry-returns-5xx", "first-kubectl-steps", "verify", "verify-1", "étape-2--données"
            ])
    }

    @Test func frontMatterIsSplitOnlyWhenFenced() {
        #expect(Runbook.splitFrontMatter("---\ntitle: A\nowner: b\n---\n# A\n") == ("title: A\nowner: b", "# A\n", 5))
        #expect(Runbook.splitFrontMatter("# No front matter\n---\n").frontMatter == nil)
        #expect(Runbook.splitFrontMatter("---\nnever closed\n# A\n").frontMatter == nil)
    }

    @Test func staleness() {
        var runbook = Runbook(name: "x", path: "x.md", document: MarkdownNode(.document))
        let now = Timestamp.parseRFC3339("2026-11-22T12:00:00Z")!
        #expect(runbook.isStale(now: now, days: 90))
        runbook.metadata.lastReviewed = CivilDateTime(year: 2026, month: 9, day: 1)
        #expect(runbook.daysSinceReview(now: now) == 82)
        #expect(!runbook.isStale(now: now, days: 90))
        #expect(runbook.isStale(now: now, days: 60))
    }
}
