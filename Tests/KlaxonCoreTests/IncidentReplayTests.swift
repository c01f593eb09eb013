import KlaxonCore
import Testing

/// Drives an incident through actions the way the store does: check, encode, replay.
struct IncidentScript {
    var records: [JournalRecord] = []
    var incident: Incident
    var clock = Timestamp.parseRFC3339("2026-11-20T23:30:00Z")!

    init(
        _ declaration: Declaration = Declaration(
            title: "Registry returns 503", severity: .sev2, services: ["registry"], commander: "alice")
    ) throws {
        let draft = RecordDraft(
            type: RecordType.declared.rawValue, data: try declaration.payload(id: "INC-7"), timestamp: clock,
            actor: "alice", host: "h", pid: 1)
        records.append(JournalCodec.encode(draft, sequence: 1, previousHash: .genesis).record)
        incident = try IncidentReplay.replay(records)
    }

    @discardableResult
    mutating func perform(_ action: IncidentAction, by actor: String = "alice", after seconds: Int64 = 60) throws
        -> JournalRecord
    {
        clock = clock.adding(seconds: seconds)
        let (type, data) = try action.record(for: incident)
        return append(type: type.rawValue, data: data, by: actor)
    }

    mutating func append(type: String, data: JSONValue, by actor: String = "alice", host: String = "h", pid: Int = 1)
        -> JournalRecord
    {
        let draft = RecordDraft(type: type, data: data, timestamp: clock, actor: actor, host: host, pid: pid)
        let record = JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last!.hash).record
        records.append(record)
        IncidentReplay.apply(record, to: &incident)
        return record
    }
}

struct IncidentReplayTests {
    @Test func aWholeResponseReplaysToTheRightState() throws {
        var s = try IncidentScript(
            Declaration(
                title: "Registry returns 503", severity: .sev3, services: ["registry", "ci"],
                commander: "alice", impactStarted: Timestamp.parseRFC3339("2026-11-20T23:10:00Z"),
                tags: ["customer-facing"]))
        try s.perform(.note("Uploads failing since 23:10"))
        try s.perform(.setSeverity(.sev2))
        try s.perform(.assign(role: "scribe", user: "bob"))
        try s.perform(.acknowledge, by: "bob")
        try s.perform(.setStatus(.identified))
        try s.perform(.addActionItem(text: "Alert on disk usage", owner: "carol"))
        try s.perform(.addActionItem(text: "Runbook for registry disk", owner: nil))
        try s.perform(.completeActionItem(2), by: "dave")
        try s.perform(.link("registry-5xx"))
        try s.perform(.link("https://grafana.example.com/d/registry"))
        try s.perform(.mitigate, after: 86400)  // the next day: a multi-day incident
        try s.perform(.resolve(summary: "Disk full on registry-2"))
        let i = s.incident
        #expect(i.id == "INC-7")
        #expect(i.severity == .sev2)
        #expect(i.status == .resolved)
        #expect(i.services == ["registry", "ci"])
        #expect(i.tags == ["customer-facing"])
        #expect(i.roles == ["commander": "alice", "scribe": "bob"])
        #expect(i.participants == ["alice", "bob", "dave"])
        #expect(i.notes.map(\.text) == ["Uploads failing since 23:10"])
        #expect(i.actionItems.map(\.isDone) == [false, true])
        #expect(i.actionItems[1].doneBy == "dave")
        #expect(i.links.map(\.kind) == [.runbook, .url])
        #expect(i.summary == "Disk full on registry-2")
        #expect(i.keyTimes[.impactStarted]?.rfc3339 == "2026-11-20T23:10:00.000Z")
        #expect(i.keyTimes[.declared]?.rfc3339 == "2026-11-20T23:30:00.000Z")
        #expect(i.keyTimes[.acknowledged]?.rfc3339 == "2026-11-20T23:34:00.000Z")
        #expect(i.keyTimes[.mitigated]?.rfc3339 == "2026-11-21T23:40:00.000Z")
        #expect(i.timeline.count == 13)
        #expect(i.timeOrderWarnings.isEmpty)
        // Replaying the records from scratch gives the same incident.
        let again = try IncidentReplay.replay(s.records)
        #expect(
            again.status == i.status && again.roles == i.roles && again.keyTimes == i.keyTimes
                && again.actionItems == i.actionItems)
    }

    @Test func aSummaryHasTheSameStateWithoutTheRecords() throws {
        var s = try IncidentScript()
        try s.perform(.note("first"))
        try s.perform(.assign(role: "scribe", user: "bob"))
        try s.perform(.acknowledge, by: "bob")
        try s.perform(.addActionItem(text: "x", owner: nil))
        try s.perform(.mitigate, after: 7200)
        let full = try IncidentReplay.replay(s.records)
        let summary = try IncidentReplay.replay(s.records, keepingTimeline: false)
        #expect(summary.timeline.isEmpty && summary.notes.isEmpty && !summary.keepsTimeline)
        #expect(full.timeline.count == 6 && full.notes.count == 1)
        #expect(summary.recordCount == full.recordCount && full.recordCount == 6)
        #expect(summary.lastUpdate == full.lastUpdate && full.lastUpdate == s.records.last?.timestamp)
        #expect(summary.declaredAt == full.declaredAt)
        #expect(summary.status == full.status && summary.keyTimes == full.keyTimes && summary.roles == full.roles)
        #expect(summary.participants == full.participants && summary.actionItems == full.actionItems)
    }

    @Test func reopeningClearsTheResolutionButKeepsTheTimeline() throws {
        var s = try IncidentScript()
        try s.perform(.resolve(summary: nil))
        try s.perform(.reopen)
        #expect(s.incident.status == .investigating)
        #expect(s.incident.keyTimes[.resolved] == nil)
        #expect(s.incident.timeline.map(\.type) == ["incident.declared", "resolved", "reopened"])
        try s.perform(.resolve(summary: "for real"))
        #expect(s.incident.keyTimes[.resolved] == s.clock)
    }

    @Test func amendsCorrectTimesAndOutOfOrderTimesWarn() throws {
        var s = try IncidentScript()
        try s.perform(.mitigate)
        #expect(s.incident.timeOrderWarnings.isEmpty)
        let early = Timestamp.parseRFC3339("2026-11-20T22:00:00Z")!
        try s.perform(.amend(.mitigated, early))
        #expect(s.incident.keyTimes[.mitigated] == early)
        #expect(
            s.incident.timeOrderWarnings == [
                "mitigated (2026-11-20T22:00:00.000Z) is before declared (2026-11-20T23:30:00.000Z)"
            ])
        #expect(s.records.last?.data["from"] == "2026-11-20T23:31:00.000Z")
    }

    @Test func acknowledgingBeforeTheDeclarationIsNotAWarning() throws {
        var s = try IncidentScript()
        try s.perform(.amend(.acknowledged, Timestamp.parseRFC3339("2026-11-20T23:20:00Z")!))
        #expect(s.incident.timeOrderWarnings.isEmpty)
    }

    @Test func unknownAndUnreadableRecordsStayOnTheTimeline() throws {
        var s = try IncidentScript()
        _ = s.append(type: "pager.rotated", data: ["to": "bob"])
        _ = s.append(type: "note", data: ["words": "no text field"])
        #expect(s.incident.timeline.map(\.type) == ["incident.declared", "pager.rotated", "note"])
        #expect(s.incident.unreadable.map(\.sequence) == [3])
        #expect(TimelineText.text(of: s.records[1], formatter: .utc) == #"{"to":"bob"}"#)
        #expect(TimelineText.kind(of: s.records[1]) == "pager.rotated")
    }

    @Test func aJournalMustStartWithADeclaration() throws {
        let s = try IncidentScript()
        var note = s.records[0]
        note.type = "note"
        #expect(throws: KlaxonError.self) { try IncidentReplay.replay([note]) }
    }
}

struct IncidentActionTests {
    @Test func refusesWhatTheStateDoesNotAllow() throws {
        var s = try IncidentScript()
        #expect(throws: KlaxonError.badInput("INC-7 is not resolved, so there is nothing to reopen")) {
            try s.perform(.reopen)
        }
        #expect(throws: KlaxonError.badInput("INC-7 is already investigating")) {
            try s.perform(.setStatus(.investigating))
        }
        #expect(throws: KlaxonError.badInput("INC-7 is already SEV2")) { try s.perform(.setSeverity(.sev2)) }
        #expect(throws: KlaxonError.self) { try s.perform(.completeActionItem(1)) }
        #expect(throws: KlaxonError.self) { try s.perform(.note("  \n ")) }
        #expect(throws: KlaxonError.self) { try s.perform(.assign(role: "commander", user: "two words")) }
        try s.perform(.mitigate)
        #expect(throws: KlaxonError.self) { try s.perform(.mitigate) }
        try s.perform(.setStatus(.resolved))
        #expect(s.incident.status == .resolved)
        let refusal = #expect(throws: KlaxonError.self) { try s.perform(.acknowledge) }
        #expect(refusal?.message.contains("reopen it first: klaxon incident reopen INC-7") == true)
        #expect(refusal?.exitStatus == 2)
    }

    @Test func aDeclarationNeedsATitleOnOneLine() {
        #expect(throws: KlaxonError.self) { try Declaration(title: "   ", severity: .sev1).payload(id: "INC-1") }
        #expect(throws: KlaxonError.self) { try Declaration(title: "a\nb", severity: .sev1).payload(id: "INC-1") }
        #expect(throws: KlaxonError.self) {
            try Declaration(title: "ok", severity: .sev1, services: ["bad name"]).payload(id: "INC-1")
        }
    }

    @Test func parsesSeveritiesStatusesKeyTimesAndIds() {
        #expect(
            Severity(parsing: "sev1") == .sev1 && Severity(parsing: "SEV5") == .sev5 && Severity(parsing: "3") == .sev3)
        #expect(Severity(parsing: "SEV6") == nil && Severity(parsing: "high") == nil)
        #expect(IncidentStatus(parsing: "Monitoring") == .monitoring && IncidentStatus(parsing: "done") == nil)
        #expect(KeyTime(parsing: "impact-started") == .impactStarted && KeyTime(parsing: "impact") == .impactStarted)
        #expect(IncidentID.normalize("inc-12") == "INC-12" && IncidentID.normalize("12") == "INC-12")
        #expect(
            IncidentID.normalize("INC-012") == nil && IncidentID.normalize("../x") == nil
                && IncidentID.normalize("0") == nil)
    }
}
