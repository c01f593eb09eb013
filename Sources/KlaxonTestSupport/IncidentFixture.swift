import KlaxonCore

/// Builds incidents in memory, record by record, through the same replay as the journals.
public struct IncidentFixture {
    public private(set) var records: [JournalRecord] = []
    public private(set) var incident: Incident
    public var clock: Timestamp

    public init(id: String = "INC-1", title: String, severity: Severity = .sev2, services: [String] = [], commander: String? = "alice",
                by actor: String = "alice", at time: String) {
        clock = Timestamp.parseRFC3339(time)!
        let declaration = Declaration(title: title, severity: severity, services: services, commander: commander)
        let draft = RecordDraft(type: RecordType.declared.rawValue, data: try! declaration.payload(id: id), timestamp: clock,
                                actor: actor, host: "fixture", pid: 1)
        records = [JournalCodec.encode(draft, sequence: 1, previousHash: .genesis).record]
        incident = try! IncidentReplay.replay(records)
    }

    /// Performs `action` as `actor`, `seconds` after the previous record.
    public mutating func perform(_ action: IncidentAction, by actor: String = "alice", after seconds: Int64 = 60) {
        clock = clock.adding(seconds: seconds)
        let (type, data) = try! action.record(for: incident)
        let draft = RecordDraft(type: type.rawValue, data: data, timestamp: clock, actor: actor, host: "fixture", pid: 1)
        let record = JournalCodec.encode(draft, sequence: records.count + 1, previousHash: records.last!.hash).record
        records.append(record)
        IncidentReplay.apply(record, to: &incident)
    }
}
