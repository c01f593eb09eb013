import KlaxonCore

/// Builds incidents in memory, record by record, through the same replay as the journals.
public struct IncidentFixture {
    public private(set) var records: [JournalRecord] = []
    public private(set) var incident: Incident
    public var clock: Timestamp

    public init(id: String = "INC-1", title: String, severity: Severity = .sev2, services: [String] = [], commander: String? = "alice",
                by actor: String = "alice", at time: String) {
        self.init(id: id, declaration: Declaration(title: title, severity: severity, services: services, commander: commander),
                  by: actor, at: Timestamp.parseRFC3339(time)!)
    }

    /// An incident declared with every field of `declaration` (policy, runbooks, key times, …).
    public init(id: String = "INC-1", declaration: Declaration, by actor: String = "alice", at time: Timestamp) {
        clock = time
        let draft = RecordDraft(type: RecordType.declared.rawValue, data: try! declaration.payload(id: id), timestamp: clock,
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
        let draft = RecordDraft(type: type.rawValue, data: data, timestamp: clock, actor: actor, host: "fixture", pid: 1)
        let record = JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last!.hash).record
        records.append(record)
        IncidentReplay.apply(record, to: &incident)
    }
}

extension IncidentFixture {
    /// The journal's bytes: the same records, encoded as `klaxon` writes them.
    public var journalText: String {
        var previous = RecordHash.genesis
        var text = ""
        for record in records {
            let draft = RecordDraft(type: record.type, data: record.data, timestamp: record.timestamp, actor: record.actor,
                                    host: record.host, pid: record.pid)
            let (line, encoded) = JournalCodec.encode(draft, sequence: record.sequence, previousHash: previous)
            previous = encoded.hash
            text += String(decoding: line, as: UTF8.self)
        }
        return text
    }

    /// Performs a page attempt to `user` by `contact` and its delivered result, as the engine records them.
    public mutating func page(_ user: String, by contact: Contact.Kind, step: Int = 1, attempt: Int = 1, at time: Timestamp) {
        var a = DeliveryAttempt(incidentID: incident.id, page: "\(incident.id)/1/\(step)/\(user)/\(contact.rawValue)", policy: "platform",
                                step: step, steps: 2, user: user, contact: Contact(kind: contact, target: ["x"]), attempt: attempt, attempts: 5)
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
            var f = IncidentFixture(id: "INC-\(i)", declaration: Declaration(title: "Incident \(i)", severity: severity, services: services),
                                    at: declared)
            f.page("bob", by: .slack, at: declared.adding(seconds: 5))
            if i == 1 { f.page("bob", by: .slack, attempt: 2, at: declared.adding(seconds: 35)) }  // a retry: not another page
            if i % 2 == 0 { f.page("carol", by: .email, at: declared.adding(seconds: 10)) }
            f.perform(.acknowledge, by: i % 2 == 0 ? "carol" : "bob", at: declared.adding(seconds: Int64(i) * 60))
            if i <= 8 { f.perform(.resolve(summary: nil), at: declared.adding(seconds: Int64(i) * 600)) }
            result.append(f)
        }
        let eleventh = Timestamp.parseRFC3339("2026-11-21T12:00:00Z")!
        var f = IncidentFixture(id: "INC-11", declaration: Declaration(title: "Incident 11", severity: .sev4, services: ["registry"]), at: eleventh)
        f.perform(.acknowledge, by: "bob", at: eleventh.adding(seconds: 60))
        f.perform(.amend(.acknowledged, eleventh.adding(seconds: -300)), at: eleventh.adding(seconds: 120))
        result.append(f)
        result.append(IncidentFixture(id: "INC-12", title: "Just before the window", severity: .sev1, services: ["ci"], at: "2026-11-01T23:59:59Z"))
        result.append(IncidentFixture(id: "INC-13", title: "Just after the window", severity: .sev1, services: ["ci"], at: "2026-11-23T00:00:00Z"))
        return result
    }
}
