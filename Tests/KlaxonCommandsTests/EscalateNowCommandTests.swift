import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 23: `klaxon incident escalate` moves the running policy on now, and an action that came by a
/// page's link says "via link" wherever it shows. The workspace's `platform` pages alice (step 1), then bob
/// and erin (step 2), 5 minutes each.
struct EscalateNowCommandTests {
    func count(_ type: String, _ k: Klaxon, _ id: String = "INC-1") -> Int {
        k.run("incident", "show", id, "--json").json?["timeline"]?.arrayValue?.filter { $0["type"] == .string(type) }
            .count ?? -1
    }

    @Test func escalateRecordsAndSaysWhatHappensAndRefusalsSayWhy() throws {
        let ws = escalationWorkspace(webhookPort: 9, repeatCount: 0)
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").status == 0)
        k.clock.advance(seconds: 60)
        let run = k.run("incident", "escalate", "INC-1", "--as", "carol")
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == "INC-1: escalated platform to step 2 of 2 now; paging bob, erin\n", "\(run.output)")
        #expect(run.errors.contains("no process runs escalations"), "it only records: whoever runs the engine pages")
        let last = try #require(k.run("incident", "show", "INC-1", "--json").json?["timeline"]?.arrayValue?.last)
        #expect(last["type"] == "escalation.advanced" && last["actor"] == "carol", "\(last)")
        let status = k.run("escalation", "status").output
        #expect(status.contains("INC-1     platform: step 2 of 2, runs out in 5m00s"), "\(status)")

        // Step 2 of 2 is the last: refused, with what to do instead, and nothing recorded.
        let again = k.run("incident", "escalate", "INC-1")
        #expect(again.status != 0)
        #expect(
            again.errors.contains(
                "step 2 of 2 of platform is the last; nobody is left to escalate to — to page someone else: klaxon incident page INC-1 --user ID"
            ), "\(again.errors)")
        #expect(count("escalation.advanced", k) == 1)

        // Acknowledged: nothing is escalating.
        k.clock.advance(seconds: 60)
        #expect(k.run("incident", "ack", "INC-1", "--as", "bob").status == 0)
        let acked = k.run("incident", "escalate", "INC-1")
        #expect(acked.status != 0)
        #expect(
            acked.errors.contains(
                "INC-1 is acknowledged by bob at 09:02; nothing is escalating — to page someone else: klaxon incident page INC-1 --user ID"
            ), "\(acked.errors)")
        #expect(count("escalation.advanced", k) == 1)

        // No policy, and --json.
        #expect(k.run("incident", "declare", "Dashboards slow", "--severity", "SEV3").status == 0)
        let none = k.run("incident", "escalate", "INC-2", "--json")
        #expect(none.status != 0 && none.errors.contains("INC-2 is not paging anyone (no policy, and nobody paged)"))
        #expect(k.run("incident", "declare", "CI stuck", "--severity", "SEV2", "--policy", "platform").status == 0)
        let json = try #require(k.run("incident", "escalate", "INC-3", "--json").json)
        #expect(
            json["type"] == "escalation.advanced"
                && json["text"] == "escalated platform to step 2 of 2 now; paging bob, erin", "\(json)")
    }

    /// An acknowledgement from a link (as the intake's link page records it, on the real journal): `escalation
    /// status` (text and JSON), `incident show` and the review say "via link"; a second use is refused saying
    /// by whom and when, and appends nothing.
    @Test func anAckFromALinkShowsViaLinkAndASecondUseRecordsNothing() throws {
        let ws = escalationWorkspace(webhookPort: 9)
        let k = Klaxon(workspace: ws.path)
        #expect(k.run("incident", "declare", "Registry down", "--severity", "SEV2", "--policy", "platform").status == 0)
        k.clock.advance(seconds: 120)
        let clock = k.clock
        let bob = WriterIdentity(actor: "bob", host: "test-host", pid: 4242)
        let origin = ActionOrigin(client: "203.0.113.7", page: "INC-1/1/1/1/alice/webhook")
        let journal = try IncidentStore(directory: ws.path + "/journals").open("INC-1")
        try journal.perform(.acknowledgeFromLink(origin), by: bob, now: { clock.now })
        let records = journal.incident.recordCount
        clock.advance(seconds: 60)
        let second = try IncidentStore(directory: ws.path + "/journals").open("INC-1")
        #expect(throws: KlaxonError.badInput("INC-1 is already acknowledged by bob at 2026-11-20T09:02:00.000Z")) {
            try second.perform(.acknowledgeFromLink(origin), by: bob, now: { clock.now })
        }
        #expect(try IncidentStore(directory: ws.path + "/journals").open("INC-1").incident.recordCount == records)

        let status = k.run("escalation", "status")
        #expect(status.output.contains("INC-1     acknowledged by bob via link at 09:02"), "\(status.output)")
        let paging = k.run("escalation", "status", "--json").json?["incidents"]?.arrayValue?.first?["paging"]
        #expect(paging?["via"] == "link" && paging?["by"] == "bob", "\(String(describing: paging))")
        let show = k.run("incident", "show", "INC-1").output
        #expect(show.contains("ack       acknowledged via link from 203.0.113.7"), "\(show)")
        let refused = k.run("incident", "escalate", "INC-1")
        #expect(refused.errors.contains("INC-1 is acknowledged by bob via link at 09:02; nothing is escalating"))
        let again = k.run("incident", "ack", "INC-1")
        #expect(again.output == "INC-1 was already acknowledged by bob via link at 09:02; nothing recorded\n")
        #expect(k.run("incident", "ack", "INC-1", "--json").json?["acknowledged_via"] == "link")

        let markdown = k.run("review", "export", "INC-1", "--format", "md").output
        #expect(markdown.contains("Acknowledged by bob via link at"), "\(markdown)")
        let review = k.run("review", "export", "INC-1", "--format", "json").json
        #expect(
            review?["acknowledgements"]?.arrayValue?.first?["via"] == "link",
            "\(String(describing: review?["acknowledgements"]))")
        let csv = k.run("review", "export", "INC-1", "--format", "csv").output
        #expect(csv.contains(",bob,ack,acknowledged,acknowledged via link from 203.0.113.7,"), "\(csv)")
    }
}
