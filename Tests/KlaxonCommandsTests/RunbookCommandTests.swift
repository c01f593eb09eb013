import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// A workspace with two runbooks linking each other, and a check naming one.
func makeRunbookWorkspace() -> TemporaryDirectory {
    let ws = makeWorkspace(
        """
        name: test-platform
        checks:
          - {name: registry-api, type: http, url: "http://127.0.0.1:1/", runbook: registry}
        runbooks:
          stale_after: 30d
        """)
    ws.write(
        "Runbooks/registry.md",
        """
        ---
        title: Registry down
        services: [registry]
        checks: [registry-api]
        owner: alice
        last_reviewed: 2026-11-01
        ---

        # Registry down

        See [the queue](ci/queue.md#drain-it) and [below](#steps).

        ## Steps

        - [ ] Look at the pods
        - [ ] Restart one

        ```bash
        for pod in a b; do
        \techo "$pod"
        done
        ```
        """)
    ws.write(
        "Runbooks/ci/queue.md",
        """
        ---
        title: Queue
        owner: bob
        last_reviewed: 2026-06-01
        ---

        # Queue

        ## Drain it

        Back to [the registry](../registry.md).
        """)
    return ws
}

struct RunbookCommandTests {
    let clock = FixedClock("2026-11-22T12:00:00Z")

    @Test func listGivesNamesTitlesAndStaleness() {
        let ws = makeRunbookWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let list = k.run("runbook", "list", "--json").json?.arrayValue ?? []
        #expect(list.map { $0["name"]?.stringValue } == ["ci/queue", "registry"])
        #expect(list.map { $0["stale"]?.boolValue } == [true, false])
        #expect(list[1]["checks"] == ["registry-api"])
        #expect(list[1]["last_reviewed"] == "2026-11-01")
        #expect(k.run("runbook", "list").output.contains("ci/queue  bob    2026-06-01 STALE  Queue"))
    }

    @Test func showPrintsPlainTextWithCodeExactlyAsWritten() {
        let ws = makeRunbookWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let shown = k.run("runbook", "show", "registry", "--width", "60")
        #expect(shown.status == 0)
        #expect(
            shown.output.hasPrefix(
                "owner alice · services registry · checks registry-api · reviewed 2026-11-01 (21 days ago)\n\nRegistry down\n"
            ))
        #expect(shown.output.contains("\nfor pod in a b; do\n\techo \"$pod\"\ndone\n"))
        #expect(shown.output.contains("• [ ] Look at the pods"))
        #expect(shown.output.contains("[1] ci/queue.md#drain-it"))
        #expect(!shown.output.contains("\u{1B}"))  // no escape codes when not a terminal
        #expect(k.run("runbook", "show", "Runbooks/registry.md").status == 0)
        let missing = k.run("runbook", "show", "regstry")
        #expect(missing.status == 2)
        #expect(
            missing.errors
                == "klaxon: error: no runbook named \"regstry\" in Runbooks/; klaxon runbook list shows them all\n")
        #expect(k.run("runbook", "show", "queue").errors.contains("did you mean ci/queue?"))
    }

    /// On a terminal: styles, and web links as OSC 8 hyperlinks unless KLAXON_HYPERLINKS=0; a link
    /// whose address holds a control character is shown, never handed to the terminal.
    @Test func showOnATerminalStylesAndHyperlinksWebLinksOnly() {
        let ws = makeRunbookWorkspace()
        ws.write(
            "Runbooks/web.md",
            "# Web\n\n[dashboard](https://grafana.forge.internal/d/x), [queue](ci/queue.md) and <https://evil.example/&#27;]0;owned&#7;>.\n"
        )
        var k = Klaxon(
            workspace: ws.path, clock: clock, environment: ["TZ": "UTC", "TERM": "xterm-256color", "LANG": "C.UTF-8"])
        k.terminalColumns = 100
        let shown = k.run("runbook", "show", "web")
        #expect(shown.status == 0)
        #expect(
            shown.output.contains(
                "\u{1B}]8;;https://grafana.forge.internal/d/x\u{1B}\\\u{1B}[4;34mdashboard\u{1B}[0m\u{1B}]8;;\u{1B}\\"))
        // the link and its entry in the list, each opened and closed
        #expect(shown.output.components(separatedBy: "\u{1B}]8;;").count == 5)
        #expect(!shown.output.contains("\u{7}"))
        k.environment["KLAXON_HYPERLINKS"] = "0"
        let off = k.run("runbook", "show", "web").output
        #expect(off.contains("\u{1B}[4;34mdashboard") && !off.contains("]8;;"))
    }

    @Test func lintFindsBrokenLinksMissingFrontMatterStaleAndUnknownRunbooks() {
        let ws = makeRunbookWorkspace()
        let k = Klaxon(workspace: ws.path, clock: clock)
        let clean = k.run("runbook", "lint")
        #expect(clean.status == 0)
        #expect(
            clean.output
                == "\(ws.path)/Runbooks/ci/queue.md: warning: stale: last reviewed 174 days ago (the limit is 30); review it and update last_reviewed\n0 errors, 1 warning\n"
        )
        ws.write(
            "Runbooks/broken.md",
            "# Broken\n\n[gone](nope.md), [no anchor](registry.md#nowhere), [here](#missing), [out](../klaxon.yaml)\n")
        ws.write(
            "klaxon.yaml", "name: t\nchecks:\n  - {name: kube, type: http, url: \"http://x/\", runbook: kube-slow}\n")
        let broken = k.run("runbook", "lint")
        #expect(broken.status == 1)
        let lines = broken.output.split(separator: "\n").map(String.init)
        let base = ws.path + "/Runbooks/broken.md"
        #expect(
            lines.contains(
                "\(base): error: no front matter; start the file with ---, then title, services, checks, owner and last_reviewed, then ---"
            ))
        #expect(lines.contains("\(base): error: link to nope.md: there is no runbook nope.md"))
        #expect(lines.contains("\(base): error: link to registry.md#nowhere: registry.md has no heading #nowhere"))
        #expect(lines.contains("\(base): error: link to #missing: there is no such heading here"))
        #expect(
            lines.contains(
                "\(base): error: link to ../klaxon.yaml: only other runbooks (.md inside Runbooks/), #anchors and URLs can be followed"
            ))
        #expect(
            lines.contains(
                "\(ws.path)/klaxon.yaml:3:57: error: check kube names runbook \"kube-slow\", which is not in Runbooks/")
        )
        // config validate reports the same.
        #expect(k.run("config", "validate").status == 1)
    }

    @Test func badFrontMatterIsAFindingWithItsPlace() {
        let ws = makeWorkspace()
        ws.write("Runbooks/x.md", "---\ntitle: X\nlast_reviewed: yesterday\ncolour: red\n---\n# X\n")
        ws.write("Runbooks/y.md", "---\ntitle: [unclosed\n---\n# Y\n")
        let out = Klaxon(workspace: ws.path, clock: clock).run("runbook", "lint").output
        #expect(
            out.contains(
                "\(ws.path)/Runbooks/x.md:3:16: error: last_reviewed is \"yesterday\"; expected a date such as 2026-11-02"
            ), "\(out)")
        #expect(out.contains("\(ws.path)/Runbooks/x.md:4:1: warning: unknown front matter key \"colour\""))
        #expect(out.contains("\(ws.path)/Runbooks/y.md:"))
    }
}
