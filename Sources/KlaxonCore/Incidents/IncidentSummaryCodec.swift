/// An incident summary (what `IncidentReplay` gives without `keepingTimeline`) as a JSON value and
/// back: what the journals directory's index keeps of each resolved incident, so that listing an
/// archive does not replay it. `decode(encode(s))` has every field of `s`; times are milliseconds.
/// The index is derived, never the truth: a summary that does not decode means a damaged index, and
/// the journal is read instead.
public enum IncidentSummaryCodec {
    /// `incident`'s state without timeline and notes (a summary holds neither).
    public static func encode(_ i: Incident) -> JSONValue {
        func time(_ t: Timestamp) -> JSONValue { .number(Double(t.milliseconds)) }
        func int(_ n: Int) -> JSONValue { .number(Double(n)) }
        func strings(_ list: [String]) -> JSONValue { .array(list.map(JSONValue.string)) }
        func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        var keyTimes: [String: JSONValue] = [:]
        for (key, t) in i.keyTimes { keyTimes[key.rawValue] = time(t) }
        var fields: [String: JSONValue] = [
            "id": .string(i.id), "title": .string(i.title), "severity": int(i.severity.rawValue),
            "status": .string(i.status.rawValue),
            "services": strings(i.services), "roles": .object(i.roles.mapValues(JSONValue.string)),
            "participants": strings(i.participants), "key_times": .object(keyTimes), "tags": strings(i.tags),
            "summary": optional(i.summary), "records": int(i.recordCount), "last": time(i.lastRecordTime),
            "last_people": i.lastPeopleRecordTime.map(time) ?? .null,
            "drill": optional(i.drill), "check": optional(i.declaringCheck),
            "alert_group": optional(i.declaringAlertGroup)
        ]
        fields["alert_groups"] = .array(
            i.alertGroups.sorted { $0.key < $1.key }.map { group, mark in
                .array([
                    .string(group), int(mark.through), int(mark.firstAlert), mark.repeatsNotedAt.map(time) ?? .null,
                    .bool(mark.allResolved)
                ])
            })
        fields["updates"] = .array(
            i.statusUpdates.map { (u: Incident.StatusUpdate) -> JSONValue in
                .array([int(u.sequence), time(u.at), .string(u.author), .string(u.phase.rawValue), .string(u.text)])
            })
        fields["actions"] = .array(
            i.actionItems.map { (a: Incident.ActionItem) -> JSONValue in
                let doneAt: JSONValue = a.doneAt.map(time) ?? .null
                return .array([
                    .string(a.text), optional(a.owner), .string(a.addedBy), .bool(a.isDone), optional(a.doneBy), doneAt
                ])
            })
        fields["links"] = .array(
            i.links.map { (l: Incident.Link) -> JSONValue in .array([.string(l.kind.rawValue), .string(l.target)]) })
        fields["steps"] = .array(
            i.runbookSteps.map { (s: Incident.RunbookStepTick) -> JSONValue in
                .array([.string(s.runbook), int(s.step), .string(s.text), .bool(s.done), .string(s.by), time(s.at)])
            })
        fields["events"] = .array(
            i.escalationEvents.map { (e: EscalationEvent) -> JSONValue in
                // `via` follows its kind's fields (`["ack", "link"]`); an entry written before it has none.
                .array(
                    [int(e.sequence), time(e.at), .string(e.actor)] + kind(e.kind) + (e.via.map { [.string($0)] } ?? [])
                )
            })
        fields["comms"] = .array(i.commsEvents.map(\.summaryRow))
        fields["unreadable"] = .array(
            i.unreadable.map { (u: (sequence: Int, reason: String)) -> JSONValue in
                .array([int(u.sequence), .string(u.reason)])
            })
        // Empty lists and absent values are left out: an archive's summaries are mostly these.
        return .object(
            fields.filter { key, value in
                value != .null && value != .array([]) && !(key == "roles" && value == .object([:]))
            })
    }

    /// The summary `encode` wrote; fails on anything else.
    public static func decode(_ value: JSONValue) throws(KlaxonError) -> Incident {
        var reader = Reader()
        let incident = reader.incident(value)
        guard let incident, !reader.failed else { throw .failed("an index entry is not an incident summary") }
        return incident
    }

    private static func kind(_ kind: EscalationEvent.Kind) -> [JSONValue] {
        func int(_ n: Int) -> JSONValue { .number(Double(n)) }
        switch kind {
        case .started(let policy): return ["started", .string(policy)]
        case .pageRequested(let user): return ["page", .string(user)]
        case .acknowledged: return ["ack"]
        case .stopped: return ["stopped"]
        case .advanced: return ["advanced"]
        case .resolved: return ["resolved"]
        case .reopened: return ["reopened"]
        case .step(let phase, let cycle, let step): return ["step", .string(phase), int(cycle), int(step)]
        case .attempt(let page, let attempt, let user, let host, let pid):
            return ["attempt", .string(page), int(attempt), .string(user), .string(host), int(pid)]
        case .result(let page, let attempt, let delivered, let detail):
            return ["result", .string(page), int(attempt), delivered.map(JSONValue.bool) ?? .null, .string(detail)]
        case .exhausted(let phase): return ["exhausted", .string(phase)]
        }
    }

    /// Reads fields, remembering whether any was missing or of the wrong type (then the whole entry is refused).
    private struct Reader {
        var failed = false

        mutating func check<T>(_ value: T?) -> T? {
            if value == nil { failed = true }
            return value
        }
        mutating func string(_ v: JSONValue?) -> String { check(v?.stringValue) ?? "" }
        mutating func int(_ v: JSONValue?) -> Int { check(v?.intValue) ?? 0 }
        mutating func bool(_ v: JSONValue?) -> Bool { check(v?.boolValue) ?? false }
        mutating func time(_ v: JSONValue?) -> Timestamp { Timestamp(milliseconds: Int64(int(v))) }
        mutating func strings(_ v: JSONValue?) -> [String] { check(v?.stringArray) ?? [] }
        mutating func array(_ v: JSONValue?) -> [JSONValue] { check(v?.arrayValue) ?? [] }
        /// A string left out or null is nil.
        mutating func optional(_ v: JSONValue?) -> String? {
            if v == nil || v == .null { return nil }
            return string(v)
        }
        /// A list left out is empty.
        mutating func list(_ v: JSONValue?) -> [JSONValue] { v == nil ? [] : array(v) }
        mutating func object(_ v: JSONValue?) -> [String: JSONValue] {
            if case .object(let fields)? = v { return fields }
            failed = true
            return [:]
        }
        /// The items of an array of arrays of at least `count` values.
        mutating func rows(_ v: JSONValue?, count: Int) -> [[JSONValue]] {
            var rows: [[JSONValue]] = []
            for row in list(v) {
                if let items = check(row.arrayValue.flatMap { $0.count >= count ? $0 : nil }) { rows.append(items) }
            }
            return rows
        }

        mutating func incident(_ v: JSONValue) -> Incident? {
            guard let severity = check(Severity(rawValue: int(v["severity"]))),
                let status = check(IncidentStatus(rawValue: string(v["status"])))
            else { return nil }
            var i = Incident(id: string(v["id"]), title: string(v["title"]), severity: severity, status: status)
            i.keepsTimeline = false
            i.services = v["services"] == nil ? [] : strings(v["services"])
            for (role, user) in v["roles"] == nil ? [:] : object(v["roles"]) { i.roles[role] = string(user) }
            for name in strings(v["participants"]) { i.addParticipant(name) }
            for (key, t) in object(v["key_times"]) {
                guard let key = check(KeyTime(rawValue: key)) else { continue }
                i.keyTimes[key] = time(t)
            }
            for u in rows(v["updates"], count: 5) {
                guard let phase = check(IncidentStatus(rawValue: string(u[3]))) else { continue }
                i.statusUpdates.append(
                    .init(sequence: int(u[0]), at: time(u[1]), author: string(u[2]), phase: phase, text: string(u[4])))
            }
            for (n, a) in rows(v["actions"], count: 6).enumerated() {
                let doneAt: Timestamp? = a[5] == .null ? nil : time(a[5])
                i.actionItems.append(
                    .init(
                        number: n + 1, text: string(a[0]), owner: optional(a[1]), addedBy: string(a[2]),
                        isDone: bool(a[3]), doneBy: optional(a[4]), doneAt: doneAt))
            }
            for l in rows(v["links"], count: 2) {
                guard let kind = check(Incident.Link.Kind(rawValue: string(l[0]))) else { continue }
                i.links.append(.init(kind: kind, target: string(l[1])))
            }
            i.tags = v["tags"] == nil ? [] : strings(v["tags"])
            for s in rows(v["steps"], count: 6) {
                i.runbookSteps.append(
                    .init(
                        runbook: string(s[0]), step: int(s[1]), text: string(s[2]), done: bool(s[3]), by: string(s[4]),
                        at: time(s[5])))
            }
            for e in rows(v["events"], count: 4) {
                guard let kind = kind(Array(e[3...])) else { continue }
                var event = EscalationEvent(sequence: int(e[0]), at: time(e[1]), actor: string(e[2]), kind: kind)
                if kind == .acknowledged || kind == .advanced, e.count > 4 { event.via = optional(e[4]) }
                i.escalationEvents.append(event)
            }
            for row in list(v["comms"]) {
                if let event = check(row.arrayValue.flatMap(CommsEvent.init(summaryRow:))) {
                    i.commsEvents.append(event)
                }
            }
            i.summary = optional(v["summary"])
            i.recordCount = int(v["records"])
            i.lastRecordTime = time(v["last"])
            // Summaries written before it was kept: the last record, as it was counted then.
            if let people = v["last_people"], people != .null {
                i.lastPeopleRecordTime = time(people)
            } else {
                i.lastPeopleRecordTime = i.lastRecordTime
            }
            for u in rows(v["unreadable"], count: 2) { i.unreadable.append((int(u[0]), string(u[1]))) }
            i.drill = optional(v["drill"])
            i.declaringCheck = optional(v["check"])
            i.declaringAlertGroup = optional(v["alert_group"])
            for g in rows(v["alert_groups"], count: 5) {
                i.alertGroups[string(g[0])] = .init(
                    through: int(g[1]), firstAlert: int(g[2]), repeatsNotedAt: g[3] == .null ? nil : time(g[3]),
                    allResolved: bool(g[4]))
            }
            return i
        }

        mutating func kind(_ k: [JSONValue]) -> EscalationEvent.Kind? {
            func at(_ n: Int) -> JSONValue? { k.indices.contains(n) ? k[n] : nil }
            switch k.first?.stringValue {
            case "started": return .started(policy: string(at(1)))
            case "page": return .pageRequested(user: string(at(1)))
            case "ack": return .acknowledged
            case "stopped": return .stopped
            case "advanced": return .advanced
            case "resolved": return .resolved
            case "reopened": return .reopened
            case "step": return .step(phase: string(at(1)), cycle: int(at(2)), step: int(at(3)))
            case "attempt":
                return .attempt(
                    page: string(at(1)), attempt: int(at(2)), user: string(at(3)), host: string(at(4)), pid: int(at(5)))
            case "result":
                let delivered: Bool? = at(3) == .null ? nil : bool(at(3))
                return .result(page: string(at(1)), attempt: int(at(2)), delivered: delivered, detail: string(at(4)))
            case "exhausted": return .exhausted(phase: string(at(1)))
            default:
                failed = true
                return nil
            }
        }
    }
}
