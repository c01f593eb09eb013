import KlaxonCore

/// Builds incidents in memory, record by record, through the same replay as the journals.
public struct IncidentFixture {
    public private(set) var records: [JournalRecord] = []
    public private(set) var incident: Incident
    public var clock: Timestamp

    public init(
        id: String = "INC-1", title: String, severity: Severity = .sev2, services: [String] = [],
        commander: String? = "alice",
        by actor: String = "alice", at time: String
    ) {
        self.init(
            id: id,
            declaration: Declaration(title: title, severity: severity, services: services, commander: commander),
            by: actor, at: Timestamp.parseRFC3339(time)!)
    }

    /// An incident declared with every field of `declaration` (policy, runbooks, key times, …).
    public init(id: String = "INC-1", declaration: Declaration, by actor: String = "alice", at time: Timestamp) {
        clock = time
        let draft = RecordDraft(
            type: RecordType.declared.rawValue, data: try! declaration.payload(id: id), timestamp: clock,
            actor: actor, host: "fixture", pid: 1)
        records = [JournalCodec.encode(draft, sequence: 1, previousHash: .genesis).record]
        incident = try! IncidentReplay.replay(records)
    }

    /// Performs `action` as `actor`, `seconds` after the previous record.
    public mutating func perform(_ action: IncidentAction, by actor: String = "alice", after seconds: Int64 = 60) {
        perform(action, by: actor, at: clock.adding(seconds: seconds))
    }

    /// Performs `action` as `actor` at `time` (RFC 3339).
    public mutating func perform(_ action: IncidentAction, by actor: String = "alice", at time: String) {
        perform(action, by: actor, at: Timestamp.parseRFC3339(time)!)
    }

    /// Performs `action` as `actor` at `time`.
    public mutating func perform(_ action: IncidentAction, by actor: String = "alice", at time: Timestamp) {
        clock = time
        let (type, data) = try! action.record(for: incident)
        let draft = RecordDraft(
            type: type.rawValue, data: data, timestamp: clock, actor: actor, host: "fixture", pid: 1)
        let record = JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last!.hash).record
        records.append(record)
        IncidentReplay.apply(record, to: &incident)
    }
}

extension IncidentFixture {
    /// The journal's bytes: the same records, encoded as `klaxon` writes them.
    public var journalText: String { Self.journalText(records) }

    /// The bytes of a journal holding `records` (which must chain).
    public static func journalText(_ records: [JournalRecord]) -> String {
        records.map { r in
            let draft = RecordDraft(
                type: r.type, data: r.data, timestamp: r.timestamp, actor: r.actor, host: r.host, pid: r.pid)
            return String(
                decoding: JournalCodec.encode(draft, sequence: r.sequence, previousHash: r.previousHash).line,
                as: UTF8.self)
        }.joined()
    }

    /// Performs a page attempt to `user` by `contact` and its delivered result, as the engine records them.
    public mutating func page(
        _ user: String, by contact: Contact.Kind, step: Int = 1, attempt: Int = 1, at time: Timestamp
    ) {
        var a = DeliveryAttempt(
            incidentID: incident.id, page: "\(incident.id)/1/\(step)/\(user)/\(contact.rawValue)", policy: "platform",
            step: step, steps: 2, user: user, contact: Contact(kind: contact, target: ["x"]), attempt: attempt,
            attempts: 5)
        a.decidedAtRecord = records.count
        perform(.escalation(.attempt(a)), by: "klaxon", at: time)
        perform(.escalation(.result(a, delivered: true, detail: "HTTP 200")), by: "klaxon", at: time.adding(seconds: 1))
    }
}

/// Incidents with figures known in advance, for the report's tests: declared between
/// 2026-11-02 (a Monday) and 2026-11-23, plus one just before and one just after that window.
///
/// In the window: 11 incidents; SEV1 1, SEV2 3, SEV3 6, SEV4 1; services registry 10, ci 3, (none) 1;
/// 3 open. Time to acknowledge: 60…600 s for INC-1…10 (mean 330, median 330, p90 540) and INC-11
/// out of order. Time to resolve: 600…4800 s for INC-1…8 (mean 2700, median 2700, p90 4800), three
/// not recorded. Pages: bob 10 (10 incidents, acknowledged 6), carol 5 (5 incidents, acknowledged 5).
/// Weeks from 2026-11-02: 4, 3, 4. With `--service ci`: INC-3, 6, 9 (acknowledged after 180, 360, 540 s).
public enum ReportFixture {
    public static let since = Timestamp.parseRFC3339("2026-11-02T00:00:00Z")!
    public static let until = Timestamp.parseRFC3339("2026-11-23T00:00:00Z")!

    public static func incidents() -> [IncidentFixture] {
        let start = Timestamp.parseRFC3339("2026-11-02T10:00:00Z")!
        var result: [IncidentFixture] = []
        for i in 1...10 {
            let declared = start.adding(seconds: Int64(i - 1) * 2 * 86400)
            let severity: Severity = i == 1 ? .sev1 : i <= 4 ? .sev2 : .sev3
            let services = i == 10 ? [] : i % 3 == 0 ? ["registry", "ci"] : ["registry"]
            var f = IncidentFixture(
                id: "INC-\(i)",
                declaration: Declaration(title: "Incident \(i)", severity: severity, services: services),
                at: declared)
            f.page("bob", by: .slack, at: declared.adding(seconds: 5))
            // a retry: not another page
            if i == 1 { f.page("bob", by: .slack, attempt: 2, at: declared.adding(seconds: 35)) }
            if i % 2 == 0 { f.page("carol", by: .email, at: declared.adding(seconds: 10)) }
            f.perform(.acknowledge, by: i % 2 == 0 ? "carol" : "bob", at: declared.adding(seconds: Int64(i) * 60))
            if i <= 8 { f.perform(.resolve(summary: nil), at: declared.adding(seconds: Int64(i) * 600)) }
            result.append(f)
        }
        let eleventh = Timestamp.parseRFC3339("2026-11-21T12:00:00Z")!
        var f = IncidentFixture(
            id: "INC-11", declaration: Declaration(title: "Incident 11", severity: .sev4, services: ["registry"]),
            at: eleventh)
        f.perform(.acknowledge, by: "bob", at: eleventh.adding(seconds: 60))
        f.perform(.amend(.acknowledged, eleventh.adding(seconds: -300)), at: eleventh.adding(seconds: 120))
        result.append(f)
        result.append(
            IncidentFixture(
                id: "INC-12", title: "Just before the window", severity: .sev1, services: ["ci"],
                at: "2026-11-01T23:59:59Z"))
        result.append(
            IncidentFixture(
                id: "INC-13", title: "Just after the window", severity: .sev1, services: ["ci"],
                at: "2026-11-23T00:00:00Z"))
        return result
    }
}

/// The scripted incidents of the review tests (core goldens and the command line's exports).
public enum ReviewFixture {
    /// An incident that runs from 23:31 on one day to 01:05 on the next, touching every kind of record a
    /// review merges: check changes before and during it, a policy's page that fails once and then
    /// arrives, an acknowledgement, runbook steps ticked and unticked, roles, notes with characters that
    /// need escaping, action items, a late correction of the detection time, and the resolution.
    public static func twoDayIncident() -> (fixture: IncidentFixture, platform: [JournalRecord]) {
        func t(_ s: String) -> Timestamp { Timestamp.parseRFC3339(s)! }
        var platformRecords: [JournalRecord] = []
        func platform(_ at: String, _ check: String, _ from: String, _ to: String, _ detail: String) {
            let draft = RecordDraft(
                type: RecordType.checkChanged.rawValue,
                data: ["check": .string(check), "from": .string(from), "to": .string(to), "detail": .string(detail)],
                timestamp: t(at), actor: "klaxon", host: "fixture", pid: 2)
            platformRecords.append(
                JournalCodec.encode(
                    draft, sequence: platformRecords.count + 1,
                    previousHash: platformRecords.last?.hash ?? .genesis
                ).record)
        }
        platform("2026-11-19T08:00:00Z", "registry-api", "up", "down", "HTTP 502")  // two days before: left out
        platform("2026-11-21T23:10:00Z", "registry-api", "up", "degraded", "latency 1.9 s > 800 ms")
        platform("2026-11-21T23:20:00Z", "prometheus", "up", "down", "connection refused")  // another service: left out
        platform("2026-11-21T23:25:00Z", "registry-api", "degraded", "down", "HTTP 503")
        // after declaring: on the incident
        platform("2026-11-22T00:10:00Z", "registry-api", "down", "up", "HTTP 200 in 120 ms")

        var f = IncidentFixture(
            declaration: Declaration(
                title: "Artifact registry returns 503 on uploads", severity: .sev2, services: ["registry"],
                commander: "alice",
                impactStarted: t("2026-11-21T23:25:00Z"), policy: "platform", runbooks: ["registry-5xx"]),
            at: t("2026-11-21T23:31:00Z"))
        let slack = Contact(kind: .slack, target: ["env:BOB_SLACK_WEBHOOK"])
        var attempt = DeliveryAttempt(
            incidentID: "INC-1", page: "1/1/1/bob/slack", policy: "platform", step: 1, steps: 2,
            user: "bob", contact: slack, attempt: 1, attempts: 5)
        attempt.decidedAtRecord = 1
        f.perform(
            .escalation(
                .step(phase: "1", policy: "platform", cycle: 1, cycles: 3, step: 1, steps: 2, users: ["bob"], note: nil)
            ),
            by: "klaxon", at: "2026-11-21T23:31:01Z")
        f.perform(.escalation(.attempt(attempt)), by: "klaxon", at: "2026-11-21T23:31:01Z")
        f.perform(
            .escalation(.result(attempt, delivered: false, detail: "HTTP 500 from hooks.slack.test")), by: "klaxon",
            at: "2026-11-21T23:31:03Z")
        attempt.attempt = 2
        f.perform(.escalation(.attempt(attempt)), by: "klaxon", at: "2026-11-21T23:31:33Z")
        f.perform(
            .escalation(.result(attempt, delivered: true, detail: "HTTP 200")), by: "klaxon", at: "2026-11-21T23:31:34Z"
        )
        f.perform(.acknowledge, by: "bob", at: "2026-11-21T23:36:00Z")
        f.perform(.assign(role: "scribe", user: "carol"), at: "2026-11-21T23:37:00Z")
        f.perform(
            .note("Uploads fail with 503 | pulls fine\nregistry-2 disk at 100% <df -h>"), by: "bob",
            at: "2026-11-21T23:40:00Z")
        f.perform(
            .runbookStep(
                runbook: "registry-5xx", step: 1, text: "Confirm the 5xx rate on the registry dashboard", done: true),
            by: "bob", at: "2026-11-21T23:45:00Z")
        f.perform(.setStatus(.identified), at: "2026-11-21T23:52:00Z")
        f.perform(.setSeverity(.sev1), at: "2026-11-21T23:58:00Z")
        f.perform(
            .runbookStep(runbook: "registry-5xx", step: 2, text: "Find the failing blob store node", done: true),
            by: "bob", at: "2026-11-22T00:05:00Z")
        f.perform(
            .runbookStep(runbook: "registry-5xx", step: 3, text: "Fail over to the standby", done: true), by: "bob",
            at: "2026-11-22T00:06:00Z")
        f.perform(
            .runbookStep(runbook: "registry-5xx", step: 3, text: "Fail over to the standby", done: false), by: "bob",
            at: "2026-11-22T00:07:00Z")
        f.perform(
            .checkChanged(check: "registry-api", from: "down", to: "up", detail: "HTTP 200 in 120 ms"), by: "klaxon",
            at: "2026-11-22T00:10:00Z")
        f.perform(.mitigate, by: "bob", at: "2026-11-22T00:12:00Z")
        f.perform(
            .addActionItem(text: "Alert when the blob store passes 80%", owner: "bob"), at: "2026-11-22T00:15:00Z")
        f.perform(.addActionItem(text: "=run registry GC weekly", owner: nil), by: "carol", at: "2026-11-22T00:16:00Z")
        f.perform(.completeActionItem(2), by: "carol", at: "2026-11-22T00:20:00Z")
        f.perform(.amend(.detected, t("2026-11-21T23:28:00Z")), at: "2026-11-22T00:30:00Z")
        f.perform(
            .resolve(summary: "Blob store on registry-2 full; garbage-collected and expanded"),
            at: "2026-11-22T01:05:00Z")
        return (f, platformRecords)
    }
}
