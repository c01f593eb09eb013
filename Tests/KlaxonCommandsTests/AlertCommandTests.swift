import Foundation
import KlaxonCommandsTestSupport
import KlaxonCore
import KlaxonStore
import KlaxonTestSupport
import Testing

/// Issue 22, point 5: `klaxon alert list` and `alert show` read the journal `alerts` as the intake
/// writes it, and show each alert's state as a responder needs it (acknowledged once its incident is).
struct AlertCommandTests {
    let group = "{}:{alertname=\"RegistryDown\"}"

    func alert(_ key: String, _ status: ReceivedAlerts.Status, summary: String, startsAt: String)
        -> ReceivedAlerts.Alert
    {
        ReceivedAlerts.Alert(
            key: key, status: status, labels: ["alertname": "RegistryDown", "severity": "critical", "zone": key],
            annotations: ["summary": summary, "runbook_url": "https://runbooks/registry"],
            startsAt: Timestamp.parseRFC3339(startsAt)!,
            endsAt: status == .resolved ? Timestamp.parseRFC3339("2026-11-20T08:58:00Z") : nil,
            generatorURL: "http://prometheus:9090/graph")
    }

    /// Appends `data` to the journal `alerts` of `directory` (creating it), as the intake and the router do.
    func append(_ type: String, _ data: JSONValue, to directory: String, at time: String) throws {
        let store = FileJournalStore(directory: directory)
        let draft = RecordDraft(
            type: type, data: data, timestamp: Timestamp.parseRFC3339(time)!, actor: "klaxon", host: "h", pid: 1)
        if try store.create(ReceivedAlerts.journalName, firstRecord: draft) == nil {
            let journal = store.journal(ReceivedAlerts.journalName)
            _ = try journal.readNewRecords()
            _ = try journal.append(wait: .brief) { _ in draft }
        }
    }

    func received(_ alerts: [ReceivedAlerts.Alert]) -> JSONValue {
        ReceivedAlerts.draftData([
            ReceivedAlerts(source: .alertmanager, token: "alertmanager", group: group, alerts: alerts)
        ])
    }

    @Test func listShowsWhatIsFiringAndWhereItWentAndShowTellsAll() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let journals = ws.path + "/journals"
        #expect(k.run("alert", "list").output == "No alerts received in \(journals).\n")
        k.run("incident", "declare", "Registry down", "--severity", "SEV2")
        try append(
            ReceivedAlerts.recordType,
            received([
                alert("eu", .firing, summary: "registry answers 5xx in eu", startsAt: "2026-11-20T08:40:00Z"),
                alert("us", .firing, summary: "registry answers 5xx in us", startsAt: "2026-11-20T08:50:00Z")
            ]), to: journals, at: "2026-11-20T08:51:00Z")
        try append(
            ReceivedAlerts.recordType,
            received([alert("us", .resolved, summary: "registry answers 5xx in us", startsAt: "2026-11-20T08:50:00Z")]),
            to: journals, at: "2026-11-20T08:59:00Z")
        try append(
            AlertBook.routedRecordType, AlertBook.routedDraftData(through: 2, incidents: [group: "INC-1"]),
            to: journals, at: "2026-11-20T08:59:01Z")

        let list = k.run("alert", "list")
        #expect(list.status == 0)
        #expect(
            list.output == """
                1 firing · last received 1m ago (08:59)
                ID   STATE   SEVERITY  SOURCE        AGE  INCIDENT          ALERT
                A-1  firing  critical  alertmanager  20m  INC-1 not paging  RegistryDown: registry answers 5xx in eu

                """)
        #expect(k.run("alert", "list", "--all").output.contains("A-2  resolved"))
        // Once a person acknowledged the incident, its firing alerts show as acknowledged.
        k.run("incident", "ack", "INC-1")
        let json = k.run("alert", "list", "--json").json
        #expect(json?.arrayValue?.count == 1)
        #expect(json?.arrayValue?.first?["state"] == "acknowledged" && json?.arrayValue?.first?["incident"] == "INC-1")
        #expect(json?.arrayValue?.first?["labels"]?["zone"] == "eu")

        let show = k.run("alert", "show", "a-2")
        #expect(show.status == 0, "\(show.errors)")
        #expect(show.output.contains("A-2  resolved  RegistryDown"))
        #expect(
            show.output.contains("incident:  INC-1 acked by alice")
                && show.output.contains("runbook:   https://runbooks/registry"))
        #expect(show.output.contains("ended:     2026-11-20 08:58"))
        #expect(k.run("alert", "show", "A-2", "--json").json?["ends_at"] == "2026-11-20T08:58:00.000Z")
    }

    @Test func aBadOrUnknownIdSaysWhatIdsLookLike() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let bad = k.run("alert", "show", "INC-1")
        #expect(bad.status == 2 && bad.errors.contains("\"INC-1\" is not an alert id; ids look like A-12"))
        let unknown = k.run("alert", "show", "A-9")
        #expect(unknown.status == 2 && unknown.errors.contains("there is no alert A-9"))
    }

    @Test func untrustedTextInAnAlertNeverReachesTheTerminalAsControlSequences() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        try append(
            ReceivedAlerts.recordType,
            received([
                alert("x", .firing, summary: "evil \u{1B}]0;pwned\u{07} \u{1B}[2J", startsAt: "2026-11-20T08:40:00Z")
            ]),
            to: ws.path + "/journals", at: "2026-11-20T08:41:00Z")
        for run in [k.run("alert", "list"), k.run("alert", "show", "A-1")] {
            #expect(run.status == 0)
            #expect(!run.output.contains("\u{1B}") && !run.output.contains("\u{07}"))
            #expect(run.output.contains("evil"))
        }
    }
}

/// A new user's walkthrough of `klaxon alert list` and `alert show`.
extension AlertCommandTests {
    func pagerDuty(_ status: ReceivedAlerts.Status) -> JSONValue {
        ReceivedAlerts.draftData([
            ReceivedAlerts(
                source: .pagerduty, token: "ci", group: nil,
                alerts: [
                    .init(
                        key: "disk", status: status, labels: ["severity": "error"],
                        annotations: ["summary": "Build farm disk 95%"],
                        startsAt: Timestamp.parseRFC3339("2026-11-20T08:30:00Z")!)
                ])
        ])
    }

    /// Walkthrough: an alert its sender acknowledged (PagerDuty `acknowledge`) read "acknowledged" while
    /// nobody had acknowledged its incident. It reads "acked by sender", with the incident's own state
    /// beside its id; `--json` keeps its `state` as it was.
    @Test func anAlertAckedByItsSenderSaysSoAndWhatItsIncidentDoes() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let journals = ws.path + "/journals"
        k.run("incident", "declare", "Build farm disk", "--severity", "SEV3")
        try append(ReceivedAlerts.recordType, pagerDuty(.firing), to: journals, at: "2026-11-20T08:31:00Z")
        try append(ReceivedAlerts.recordType, pagerDuty(.acknowledged), to: journals, at: "2026-11-20T08:32:00Z")
        try append(
            AlertBook.routedRecordType,
            AlertBook.routedDraftData(through: 2, incidents: ["pagerduty/ci/disk": "INC-1"]),
            to: journals, at: "2026-11-20T08:32:01Z")
        let list = k.run("alert", "list").output
        #expect(list.contains("A-1  acked by sender  error"), "\(list)")
        #expect(list.contains("INC-1 not paging"), "\(list)")
        #expect(!list.contains("acknowledged"))
        let show = k.run("alert", "show", "A-1").output
        #expect(show.contains("A-1  acked by sender  Build farm disk 95%"), "\(show)")
        #expect(show.contains("incident:  INC-1 not paging"), "\(show)")
        #expect(k.run("alert", "show", "A-1", "--json").json?["state"] == "acknowledged")
        // Once a person acknowledges the incident, someone has it.
        k.run("incident", "ack", "INC-1")
        let acked = k.run("alert", "list").output
        #expect(acked.contains("A-1  acknowledged  error") && acked.contains("INC-1 acked by alice"), "\(acked)")
        #expect(k.run("alert", "show", "A-1").output.contains("incident:  INC-1 acked by alice"))
    }

    /// Walkthrough: `alert list` looked the same whether alerts arrived or the intake had stopped: its
    /// first line says when the newest request was received.
    @Test func listSaysWhenAnAlertWasLastReceived() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let journals = ws.path + "/journals"
        try append(ReceivedAlerts.recordType, pagerDuty(.firing), to: journals, at: "2026-11-20T08:31:00Z")
        // A repeat changes no alert, but it was received.
        try append(ReceivedAlerts.recordType, pagerDuty(.firing), to: journals, at: "2026-11-20T08:40:00Z")
        let list = k.run("alert", "list").output
        #expect(list.hasPrefix("1 firing · last received 20m ago (08:40)\n"), "\(list)")
        try append(ReceivedAlerts.recordType, pagerDuty(.resolved), to: journals, at: "2026-11-20T08:45:00Z")
        #expect(
            k.run("alert", "list").output
                == "No alerts firing; the last was received 15m ago (08:45). (klaxon alert list --all shows resolved ones.)\n"
        )
    }

    /// Walkthrough: `alert list --all` listed newest first across states; it lists as the console does
    /// (firing, then acked by sender, then acknowledged, then resolved; newest first within each).
    @Test func listAllListsFiringFirstAsTheConsoleDoes() throws {
        let ws = makeWorkspace()
        let k = Klaxon(workspace: ws.path)
        let journals = ws.path + "/journals"
        try append(
            ReceivedAlerts.recordType,
            received([
                alert("eu", .firing, summary: "registry answers 5xx in eu", startsAt: "2026-11-20T08:40:00Z"),
                alert("us", .firing, summary: "registry answers 5xx in us", startsAt: "2026-11-20T08:50:00Z")
            ]), to: journals, at: "2026-11-20T08:51:00Z")
        try append(
            ReceivedAlerts.recordType,
            received([alert("us", .resolved, summary: "registry answers 5xx in us", startsAt: "2026-11-20T08:50:00Z")]),
            to: journals, at: "2026-11-20T08:52:00Z")
        try append(ReceivedAlerts.recordType, pagerDuty(.firing), to: journals, at: "2026-11-20T08:53:00Z")
        try append(ReceivedAlerts.recordType, pagerDuty(.acknowledged), to: journals, at: "2026-11-20T08:54:00Z")
        try append(
            ReceivedAlerts.recordType,
            received([alert("ap", .firing, summary: "registry answers 5xx in ap", startsAt: "2026-11-20T08:55:00Z")]),
            to: journals, at: "2026-11-20T08:55:00Z")
        let ids = k.run("alert", "list", "--all").output.split(separator: "\n").compactMap { line in
            line.hasPrefix("A-") ? line.split(separator: " ").first.map(String.init) : nil
        }
        #expect(ids == ["A-4", "A-1", "A-3", "A-2"])
        let json = k.run("alert", "list", "--all", "--json").json?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(json == ["A-4", "A-1", "A-3", "A-2"])
    }
}
