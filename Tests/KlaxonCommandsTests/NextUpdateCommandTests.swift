import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

/// Issue 24: `incident show` and `incident list` (and their `--json`) say when the next public status
/// update is due, in the console's words, on a fixed clock.
struct NextUpdateCommandTests {
    static let config = "name: test-platform\nstale_after: 2h\ncomms:\n  cadence:\n    SEV1: 30m\n"

    @Test func showAndListSayWhenTheNextUpdateIsDueAndOverdue() throws {
        let ws = makeWorkspace(Self.config)
        let clock = FixedClock("2026-11-20T09:00:00Z")
        let k = Klaxon(workspace: ws.path, clock: clock)
        k.run("incident", "declare", "Registry returns 503", "--severity", "SEV1")
        k.run("incident", "declare", "Flaky test dashboard", "--severity", "SEV3")
        clock.advance(seconds: 26 * 60)

        let show = k.run("incident", "show", "1")
        #expect(show.status == 0)
        let lines = show.output.split(separator: "\n").map(String.init)
        #expect(lines[2] == "Next status update: update due in 4m (due 2026-11-20 09:30:00 +00:00, every 30m for SEV1)")
        let json = try #require(k.run("incident", "show", "1", "--json").json)
        #expect(
            json["next_update"] == [
                "due": "2026-11-20T09:30:00.000Z", "since": "2026-11-20T09:00:00.000Z", "every_seconds": 1800,
                "overdue": false, "text": "update due in 4m"
            ])
        // A severity without a cadence owes nothing: no line, and null.
        #expect(!k.run("incident", "show", "2").output.contains("Next status update"))
        #expect(k.run("incident", "show", "2", "--json").json?["next_update"] == .null)

        clock.advance(seconds: 16 * 60)
        #expect(k.run("incident", "show", "1").output.contains("Next status update: UPDATE OVERDUE 12m (due"))
        let list = k.run("incident", "list")
        let rows = list.output.split(separator: "\n").map(String.init)
        #expect(rows[0].contains("NEXT UPDATE"), "\(list.output)")
        let registry = try #require(rows.first { $0.hasPrefix("INC-1 ") })
        #expect(registry.contains("UPDATE OVERDUE 12m"), "\(list.output)")
        let listed = try #require(k.run("incident", "list", "--json").json?.arrayValue)
        #expect(listed.first { $0["id"] == "INC-1" }?["next_update"]?["overdue"] == true)
        #expect(listed.first { $0["id"] == "INC-2" }?["next_update"] == .null)

        // An update resets the count.
        k.run("incident", "update", "1", "Uploads fail; pulls work")
        #expect(k.run("incident", "show", "1").output.contains("Next status update: update due in 30m"))
    }

    @Test func withoutACadenceListHasNoNextUpdateColumn() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "Registry returns 503", "--severity", "SEV1")
        let list = k.run("incident", "list")
        #expect(!list.output.contains("NEXT UPDATE"), "\(list.output)")
        #expect(!k.run("incident", "show", "1").output.contains("Next status update"))
    }
}
