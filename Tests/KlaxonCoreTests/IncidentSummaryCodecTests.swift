import KlaxonCore
import KlaxonTestSupport
import Testing

/// What the journals directory's index keeps of a resolved incident must be the summary replay gives,
/// field for field (issue 20, point 4).
struct IncidentSummaryCodecTests {
    /// A journal with every kind of record and field a summary holds, an unreadable record included.
    static func richJournal() -> [JournalRecord] {
        let start = Timestamp.parseRFC3339("2026-11-20T03:00:00Z")!
        var declaration = try! Declaration(
            title: "Registry returns 503 — uploads fail", severity: .sev2, services: ["registry", "ci"],
            commander: "alice", impactStarted: start.adding(seconds: -600), detected: start.adding(seconds: -300),
            tags: ["storage"], policy: "platform", check: "registry-health", runbooks: ["registry-5xx"],
            alertGroup: "{}:{alertname=\"RegistryDown\"}"
        )
        .payload(id: "INC-7")
        if case .object(var fields) = declaration {
            fields["drill"] = "registry-503"
            declaration = .object(fields)
        }
        var records = [
            JournalCodec.encode(
                RecordDraft(
                    type: RecordType.declared.rawValue, data: declaration, timestamp: start,
                    actor: "klaxon", host: "h", pid: 1), sequence: 1, previousHash: .genesis
            ).record
        ]
        var incident = try! IncidentReplay.replay(records)
        var clock = start
        func append(_ type: String, _ data: JSONValue, by actor: String = "bob") {
            clock = clock.adding(seconds: 60)
            let draft = RecordDraft(type: type, data: data, timestamp: clock, actor: actor, host: "h", pid: 2)
            let record = JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last!.hash)
                .record
            records.append(record)
            IncidentReplay.apply(record, to: &incident)
        }
        func perform(_ action: IncidentAction, by actor: String = "bob") {
            let (type, data) = try! action.record(for: incident)
            append(type.rawValue, data, by: actor)
        }
        var attempt = DeliveryAttempt(
            incidentID: "INC-7", page: "INC-7/1/1/bob/slack", policy: "platform", step: 1, steps: 2, user: "bob",
            contact: Contact(kind: .slack, target: ["x"]), attempt: 1, attempts: 3)
        perform(
            .escalation(
                .step(
                    phase: "p1", policy: "platform", cycle: 1, cycles: 1, step: 1, steps: 2, users: ["bob"], note: nil)),
            by: "klaxon")
        attempt.decidedAtRecord = records.count
        perform(.escalation(.attempt(attempt)), by: "klaxon")
        perform(.escalation(.result(attempt, delivered: false, detail: "HTTP 500")), by: "klaxon")
        attempt.attempt = 2
        attempt.decidedAtRecord = records.count
        perform(.escalation(.attempt(attempt)), by: "klaxon")
        perform(.escalation(.result(attempt, delivered: nil, detail: "the engine stopped")), by: "klaxon")
        perform(.escalation(.exhausted(phase: "p1", policy: "platform")), by: "klaxon")
        perform(.note("Uploads fail since 02:50"))
        perform(.setStatus(.identified))
        perform(.postUpdate(text: "Uploads to the registry fail; we know why", phase: nil), by: "carol")
        let delivery = UpdateDelivery(
            incidentID: "INC-7", update: records.count, number: 1,
            destination: CommsDestination(name: "eng-all", kind: .email(addresses: ["e@x"])), attempt: 1, attempts: 3)
        perform(.comms(.attempt(delivery)), by: "comms-engine")
        perform(.comms(.result(delivery, delivered: nil, detail: "the sender stopped")), by: "comms-engine")
        let reminder = UpdateReminder(
            incidentID: "INC-7", since: clock, dueAt: clock.adding(seconds: 1800), user: "carol", role: "comms",
            contact: Contact(kind: .email, target: ["c@x"]), problem: nil)
        perform(.comms(.reminded(reminder)), by: "comms-engine")
        perform(.comms(.reminderResult(reminder, delivered: false, detail: "HTTP 500")), by: "comms-engine")
        let nobody = UpdateReminder(
            incidentID: "INC-7", since: clock.adding(seconds: 1), dueAt: clock, user: nil, role: nil, contact: nil,
            problem: "nobody to remind")
        perform(.comms(.reminded(nobody)), by: "comms-engine")
        perform(.setSeverity(.sev1))
        perform(.assign(role: "scribe", user: "carol"))
        perform(.assign(role: "liaison", user: "dave"))
        perform(.acknowledge)
        perform(.page(user: "erin"))
        perform(.stopEscalation, by: "alice")
        perform(.startEscalation(policy: "platform"))
        perform(.addActionItem(text: "Alert on blob store usage", owner: "dave"))
        perform(.addActionItem(text: "Write the runbook's missing step", owner: nil))
        perform(.completeActionItem(1), by: "dave")
        perform(.link("https://status.example.com/incidents/1"))
        perform(.tag("customer-facing"))
        perform(.runbookStep(runbook: "registry-5xx", step: 2, text: "Check the blob store", done: true))
        perform(.checkChanged(check: "registry-health", from: "down", to: "up", detail: "HTTP 200"), by: "klaxon")
        perform(
            .alertsChanged(
                AlertRouting.Note(
                    group: "{}:{alertname=\"RegistryDown\"}", through: 4,
                    alerts: [.init(id: "A-2", kind: .repeated, name: "RegistryDown", summary: "5xx")], allResolved: 2)),
            by: "klaxon")
        perform(.mitigate)
        perform(.amend(.detected, start.adding(seconds: -200)))
        append(RecordType.statusChanged.rawValue, ["status": "bogus"])  // unreadable: kept and noted
        append("a.type.from.later", ["x": 1])
        perform(.resolve(summary: "Blob store full; garbage-collected"))
        perform(.reopen)
        perform(.resolve(summary: nil))
        perform(.postUpdate(text: "Uploads work again", phase: .resolved), by: "carol")
        return records
    }

    /// Every stored property of `Incident`, which the codec must carry (a new one fails this test until it does).
    static let fields: Set<String> = [
        "id", "title", "severity", "status", "services", "roles", "participants", "participantSet", "keyTimes", "notes",
        "statusUpdates", "actionItems",
        "links", "tags", "runbookSteps", "escalationEvents", "commsEvents", "summary", "timeline", "keepsTimeline",
        "recordCount",
        "lastRecordTime", "lastPeopleRecordTime",
        "unreadable", "drill", "declaringCheck", "declaringAlertGroup", "alertGroups"
    ]

    @Test(arguments: [true, false])
    func aSummaryDecodesToWhatReplayGivesFieldForField(rich: Bool) throws {
        // The rich journal fills every field; a bare declaration and resolution leaves most empty (left out when encoded).
        let records = rich ? Self.richJournal() : Array(Self.richJournal().prefix(1))
        var summary = try IncidentReplay.replay(records, keepingTimeline: false)
        if !rich { summary.status = .resolved }
        if rich {
            #expect(
                summary.escalationEvents.count > 8 && summary.unreadable.count == 1 && summary.drill == "registry-503"
                    && summary.statusUpdates.map(\.phase) == [.identified, .resolved] && summary.commsEvents.count == 5)
        }
        let text = IncidentSummaryCodec.encode(summary).canonicalJSON
        let decoded = try IncidentSummaryCodec.decode(try JSONParser.parse(text))
        let original = Dictionary(
            uniqueKeysWithValues: Mirror(reflecting: summary).children.map { ($0.label!, $0.value) })
        let copy = Dictionary(uniqueKeysWithValues: Mirror(reflecting: decoded).children.map { ($0.label!, $0.value) })
        #expect(Set(original.keys) == Self.fields)
        for field in Self.fields.subtracting(["roles", "keyTimes", "participantSet", "unreadable"]) {
            #expect(String(describing: original[field]!) == String(describing: copy[field]!), "\(field)")
        }
        #expect(decoded.roles == summary.roles && decoded.keyTimes == summary.keyTimes)
        #expect(decoded.unreadable.map(\.sequence) == summary.unreadable.map(\.sequence))
        #expect(decoded.unreadable.map(\.reason) == summary.unreadable.map(\.reason))
        #expect(decoded.declaredAt == summary.declaredAt && decoded.lastUpdate == summary.lastUpdate && !decoded.isOpen)
        #expect(IncidentSummaryCodec.encode(decoded) == IncidentSummaryCodec.encode(summary))
    }

    @Test(arguments: ["{}", "[]", #"{"id":"INC-1","title":"t","severity":9,"status":"resolved"}"#])
    func anythingElseIsRefused(text: String) throws {
        #expect(throws: KlaxonError.self) { try IncidentSummaryCodec.decode(try JSONParser.parse(text)) }
    }

    @Test func aSummaryMissingARequiredFieldIsRefused() throws {
        let summary = try IncidentReplay.replay(Self.richJournal(), keepingTimeline: false)
        guard case .object(var fields) = IncidentSummaryCodec.encode(summary) else {
            Issue.record("not an object")
            return
        }
        fields["records"] = nil
        #expect(throws: KlaxonError.self) { try IncidentSummaryCodec.decode(.object(fields)) }
    }
}
