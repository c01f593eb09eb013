import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// `klaxon slo status` and `klaxon slo report` in-process on a fixed clock, from outcome ledgers in the
/// workspace's store: the 20-minute outage SLOTests works by hand (docs/slo.md), a healthy check, and
/// one with nothing recorded yet.
struct SLOCommandTests {
    /// 2026-11-20T09:00:00Z, the commands' clock: the ledgers end just before it.
    static let now = Timestamp.parseRFC3339("2026-11-20T09:00:00Z")!

    func workspace() throws -> TemporaryDirectory {
        let ws = makeWorkspace(
            """
            name: t
            checks:
              - {name: registry, url: "https://registry.example/", policy: platform, slo: {objective: 99.9}}
              - {name: ci, url: "https://ci.example/", policy: platform, slo: {objective: 99.5, window: 30d}}
              - {name: search, url: "https://search.example/", policy: platform, slo: {objective: 99.9}}
              - {name: web, url: "https://web.example/"}
            """)
        var registry = OutcomeLedger(windowDays: 28)
        var ci = OutcomeLedger(windowDays: 30)
        let start = Self.now.adding(seconds: -28 * 86_400)
        for i in stride(from: Int64(0), to: 28 * 86_400, by: 30) {
            registry.record(good: i < 28 * 86_400 - 20 * 60, at: start.adding(seconds: i))
            ci.record(good: true, at: start.adding(seconds: i))
        }
        try FileJournalStore(directory: ws.path + "/journals").saveOutcomeLedgers([
            "registry": registry.bytes, "ci": ci.bytes
        ])
        return ws
    }

    @Test func statusSaysWhereEachObjectiveStandsAndExitsOneOnAPage() throws {
        let ws = try workspace()
        let k = Klaxon(workspace: ws.path, clock: FixedClock(Self.now))
        let run = k.run("slo", "status")
        #expect(run.status == 1, "a burn pages: \(run.errors)")
        #expect(
            run.output.split(separator: "\n").map(String.init) == [
                "CHECK     OBJECTIVE   AVAILABILITY  BUDGET LEFT                    1h    6h     3d    ALERT",
                "registry  99.9 % 28d  99.950 %      50.4 % (20.3 min) left         333×  55.6×  4.6×  page",
                "ci        99.5 % 30d  100.000 %     100.0 % (216.0 min) left       0.0×  0.0×   0.0×  —",
                "search    99.9 % 28d  —             unknown: nothing recorded yet  —     —      —     ?",
                "registry: page: 333× over 1h and 1000× over 5m (≥ 14.4×)",
                "registry: page: 55.6× over 6h and 667× over 30m (≥ 6.0×)",
                "registry: ticket: 4.6× over 3d and 55.6× over 6h (≥ 1.0×)",
                "as of 2026-11-20 08:59:00, the newest minute saved (the recording process saves each minute)"
            ])
        #expect(!run.output.contains("web"), "a check without an objective is not listed")

        let json = try #require(k.run("slo", "status", "--json", "registry").json?.arrayValue?.first)
        #expect(json["alert"] == "page" && json["known"] == .bool(true))
        #expect(json["events"]?["total"]?.intValue == 80_640 && json["events"]?["good"]?.intValue == 80_600)
        #expect(json["budget_line"]?.arrayValue?.count == 28)
        #expect(json["firing"]?.arrayValue?.count == 3)

        // Nothing paging, one objective not known: 3.
        #expect(k.run("slo", "status", "ci", "search").status == 3)
        #expect(k.run("slo", "status", "ci").status == 0)
    }

    @Test func reportCountsASpanForAReview() throws {
        let ws = try workspace()
        let k = Klaxon(workspace: ws.path, clock: FixedClock(Self.now))
        let run = k.run("slo", "report", "--from", "-1h", "registry")
        #expect(run.status == 0, "\(run.errors)")
        // The window's old names are aliases; --to defaults to now.
        #expect(k.run("slo", "report", "--since", "-1h", "--until", "now", "registry").output == run.output)
        #expect(k.run("slo", "report", "--from", "1h ago", "--to", "+0m", "registry").output == run.output)
        #expect(
            run.output == """
                Objectives from 2026-11-20 08:00:00 to 2026-11-20 09:00:00
                CHECK     OBJECTIVE   EVENTS  BAD  AVAILABILITY  BUDGET SPENT       BUDGET LEFT NOW
                registry  99.9 % 28d  120     40   66.667 %      49.6 % (20.0 min)  50.4 % (20.3 min) left

                """)
        let week = try #require(k.run("slo", "report", "--since", "-60d", "--json").json?.arrayValue)
        #expect(week.map { $0["check"]?.stringValue } == ["registry", "ci", "search"])
        #expect(week[0]["by_hour"] == .bool(true) && week[0]["events"]?["total"]?.intValue == 80_640)
        #expect(week[2]["known"] == .bool(false))
        let noted = k.run("slo", "report", "--since", "-60d", "ci")
        #expect(
            noted.output.contains("ci: counted from 2026-10-21 08:00:00, the oldest outcome kept (its 30d window)"),
            "\(noted.output)")
    }

    @Test func mistakesAreNamedWithWhatToDo() throws {
        let ws = try workspace()
        let k = Klaxon(workspace: ws.path, clock: FixedClock(Self.now))
        let unknown = k.run("slo", "status", "web")
        #expect(unknown.status == 2)
        #expect(
            unknown.errors.contains(
                "no check named \"web\" has an slo: in klaxon.yaml (those that do: registry, ci, search)"))
        let plain = makeWorkspace("name: t\nchecks:\n  - {name: web, url: \"https://web.example/\"}\n")
        let none = Klaxon(workspace: plain.path)
        #expect(
            none.run("slo", "status").errors.contains(
                "no check in klaxon.yaml has an slo:; give one an slo: {objective: 99.9, window: 28d} (docs/slo.md)"))
        // A check whose slo: does not read is named as such, not as one without an slo:.
        let broken = makeWorkspace(
            "name: t\nchecks:\n  - {name: web, url: \"https://web.example/\", policy: p, slo: {objective: 100}}\n")
        let unread = Klaxon(workspace: broken.path)
        #expect(
            unread.run("slo", "status").errors.contains(
                "no check with an slo: reads: web could not be read (the errors above); klaxon config validate lists every problem"
            ))
        let mixed = makeWorkspace(
            "name: t\nchecks:\n  - {name: web, url: \"https://web.example/\", policy: p, slo: {objective: 100}}\n"
                + "  - {name: api, url: \"https://api.example/\", policy: p, slo: {objective: 99.9}}\n")
        #expect(
            Klaxon(workspace: mixed.path).run("slo", "status", "web").errors.contains(
                "check \"web\" could not be read (the error above); klaxon config validate lists every problem"))
        // A damaged file of ledgers is named, with what to do; nothing is written.
        let path = ws.path + "/journals/outcomes.ledgers"
        try Data("not ledgers".utf8).write(to: URL(fileURLWithPath: path))
        let damaged = k.run("slo", "status")
        #expect(damaged.status == 1)
        #expect(
            damaged.errors.contains("\(path) is not a file of outcome ledgers (damaged, or written by something else)"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not ledgers", "reading never writes")
    }

    /// A young objective's windows have no rate yet: `—`, and the line under the table says why.
    @Test func aWindowWithoutARateIsExplained() throws {
        let ws = makeWorkspace(
            "name: t\nchecks:\n  - {name: fresh, url: \"https://fresh.example/\", policy: platform, slo: {objective: 99.9}}\n"
        )
        var ledger = OutcomeLedger(windowDays: 28)
        for i in 0..<24 { ledger.record(good: i < 20, at: Self.now.adding(seconds: Int64(i * 5 - 120))) }
        try FileJournalStore(directory: ws.path + "/journals").saveOutcomeLedgers(["fresh": ledger.bytes])
        let k = Klaxon(workspace: ws.path, clock: FixedClock(Self.now))
        let run = k.run("slo", "status")
        #expect(run.status == 0, "nothing pages: \(run.output)")
        let lines = run.output.split(separator: "\n").map(String.init)
        let cells = (lines.dropFirst().first ?? "").split(separator: " ").map(String.init)
        #expect(cells.suffix(4) == ["—", "—", "—", "—"], "no rate over 1h, 6h or 3d, and no alert: \(lines)")
        #expect(
            lines.contains {
                $0.hasPrefix("— : too few events in the window (minimum_events), or not recorded that long yet")
            })
        let json = try #require(k.run("slo", "status", "--json").json?.arrayValue?.first)
        #expect(
            json["burns"]?.arrayValue?.map { $0["covered"] } == Array(repeating: .bool(false), count: 5),
            "two minutes recorded: not even 5 minutes are covered")
    }
}
