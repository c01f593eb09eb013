import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonTestSupport
import Testing

struct StatusUpdateCommandTests {
    @Test func anUpdateIsRecordedInTheIncidentsPhaseAndListedByTheReview() {
        let ws = makeWorkspace()
        let clock = FixedClock("2026-11-20T23:50:00Z")
        let k = Klaxon(workspace: ws.path, clock: clock)
        k.run("incident", "declare", "Registry returns 503", "--severity", "SEV2", "--service", "registry")
        k.run("incident", "status", "1", "identified")
        clock.advance(seconds: 120)
        let posted = k.run(
            "incident", "update", "1", "Uploads fail; pulls work. Next update by 00:30.", "--as", "carol")
        #expect(posted.status == 0, "\(posted.errors)")
        #expect(posted.output == "INC-1 #3 update: identified: Uploads fail; pulls work. Next update by 00:30.\n")
        let piped = k.run(
            "incident", "update", "1", "-", "--status", "monitoring", "--json", input: "Fixed, watching\n")
        #expect(piped.json?["type"] == "status.update")
        k.run("incident", "note", "1", "internal: bob broke it")
        // The public was told: resolving offers the final update (it posts nothing by itself).
        let resolved = k.run("incident", "resolve", "1")
        #expect(
            resolved.errors
                == "klaxon: INC-1's last public update says monitoring; post the final one: klaxon incident update INC-1 \"TEXT\"\n"
        )
        #expect(k.run("incident", "update", "1", "All good", "--status", "resolved").status == 0)
        let show = k.run("incident", "show", "1", "--json").json!
        let updates = show["timeline"]!.arrayValue!.filter { $0["type"] == "status.update" }
        #expect(updates.map { $0["data"]!["phase"]! } == ["identified", "monitoring", "resolved"])
        #expect(updates[1]["data"]?["text"] == "Fixed, watching")
        let review = k.run("review", "export", "1", "--format", "md").output
        let section = review.components(separatedBy: "## Status updates\n\n").last!.components(separatedBy: "\n\n")[0]
        #expect(
            section == """
                - 2026-11-20 23:52:00 **identified** (carol): Uploads fail; pulls work. Next update by 00:30.
                - 2026-11-20 23:52:00 **monitoring** (alice): Fixed, watching
                - 2026-11-20 23:52:00 **resolved** (alice): All good
                """, "\(section)")
        let json = k.run("review", "export", "1", "--format", "json").json
        #expect(json?["status_updates"]?.arrayValue?.map { $0["phase"]! } == ["identified", "monitoring", "resolved"])
    }

    /// Found by a walkthrough: with nothing running that sends, `incident show` said "sending".
    @Test func anUpdateWithNothingToSendItSaysSo() {
        let ws = makeWorkspace(
            "name: t\ncomms:\n  destinations:\n    status: {slack: env:SLACK, channel: \"#status\"}\n  routes:\n    - {to: [status]}\n"
        )
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV2")
        let warning =
            "klaxon: warning: no process sends for this workspace (klaxon watch, or a console), so this update is not sent yet: run klaxon watch (or open the console)\n"
        let update = k.run("incident", "update", "1", "Looking into it")
        #expect(update.status == 0 && update.errors == warning, "\(update.errors)")
        let show = k.run("incident", "show", "1")
        #expect(show.errors == warning.replacingOccurrences(of: "this update", with: "its update"), "\(show.errors)")
        // Nor "sending" on its lines: NOT SENT, and why (found by a walkthrough), in the JSON too.
        #expect(show.output.contains("Updates: update #1 NOT SENT (no klaxon watch or console sends it): to #status\n"))
        #expect(!show.output.contains("sending"))
        let delivery = k.run("incident", "show", "1", "--json").json?["update_deliveries"]?.arrayValue?.first
        #expect(delivery?["state"] == "due" && delivery?["problem"] == true)
        #expect(delivery?["not_sent_because"] == "no klaxon watch or console sends it")
        // Without destinations, nothing is said.
        let plain = makeWorkspace()
        let bare = Klaxon(workspace: plain.path)
        bare.run("incident", "declare", "x", "--severity", "SEV2")
        #expect(bare.run("incident", "update", "1", "Looking").errors.isEmpty)
    }

    /// Found by a walkthrough: an update no route sends anywhere was posted in silence, and its author
    /// waited for a Slack message that nothing would send.
    @Test func anUpdateNoRouteSendsSaysSo() {
        let ws = makeWorkspace(
            "name: t\ncomms:\n  destinations:\n    status: {slack: env:SLACK, channel: \"#status\"}\n  routes:\n    - {services: [ci], to: [status]}\n"
        )
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV2", "--service", "registry")
        let update = k.run("incident", "update", "1", "Looking into it")
        #expect(update.status == 0)
        #expect(
            update.errors
                == "klaxon: warning: INC-1's update is sent nowhere: no comms: route of klaxon.yaml matches its services or severity (docs/comms.md); it is on the status page and the timeline only\n",
            "\(update.errors)")
    }

    @Test func aBadPhaseOrAnEmptyUpdateIsRefusedAndNothingIsWritten() {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        k.run("incident", "declare", "x", "--severity", "SEV3")
        let phase = k.run("incident", "update", "1", "hi", "--status", "fixed")
        #expect(phase.status == 2)
        #expect(
            phase.errors
                == "klaxon: error: --status \"fixed\" is not one of investigating, identified, monitoring or resolved\n"
        )
        let empty = k.run("incident", "update", "1", "  ")
        #expect(empty.status == 2)
        #expect(empty.errors.contains("the status update is empty"))
        #expect(k.run("incident", "show", "1", "--json").json?["timeline"]?.arrayValue?.count == 1)
    }

    @Test func theCadenceIsReadFromCommsAndMistakesNameTheirPlace() {
        let ws = makeWorkspace("name: t\ncomms:\n  cadence:\n    SEV1: 30m\n    sev2: 1h\n")
        #expect(Klaxon(workspace: ws.path).run("config", "validate").status == 0)
        for (yaml, message) in [
            (
                "comms:\n  cadence:\n    SEV9: 30m\n",
                "klaxon.yaml:4:5: error: comms: cadence: \"SEV9\" is not a severity; write SEV1 (most severe) to SEV5, such as SEV1: 30m"
            ),
            (
                "comms:\n  cadence:\n    SEV1: 1m\n",
                "klaxon.yaml:4:11: error: comms: cadence: SEV1 must be from 5m to 24h (how often the public hears from you)"
            ),
            ("comms:\n  cadence: 30m\n", "klaxon.yaml:3:12: error: comms: cadence must be a mapping of keys to values")
        ] {
            ws.write("klaxon.yaml", "name: t\n" + yaml)
            let run = Klaxon(workspace: ws.path).run("config", "validate")
            #expect(run.status == 1, "\(yaml)")
            #expect(run.output.contains(message), "\(run.output)")
        }
        // Found by a walkthrough: a mistake in comms: stopped every command (paging, the console, watch).
        // It now leaves comms: out, and says so where an update is posted.
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV1").status == 0)
        let update = k.run("incident", "update", "1", "Looking into it")
        #expect(update.status == 0, "\(update.errors)")
        #expect(
            update.errors.hasSuffix(
                "klaxon.yaml:3:12: comms: cadence must be a mapping of keys to values — comms: is ignored until it is corrected: no status update is sent and no update cadence kept (paging, checks and the rest go on; klaxon config validate)\n"
            ), "\(update.errors)")
    }
}
