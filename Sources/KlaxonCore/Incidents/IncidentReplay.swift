/// Rebuilds an `Incident` from its journal records, one record at a time, so a follower can apply
/// new records as they arrive without replaying the whole journal.
public enum IncidentReplay {
    /// The incident of a complete journal; fails when the first record is not `incident.declared`.
    /// With `keepingTimeline` false the result is a summary: the same state, without records and notes.
    public static func replay(_ records: [JournalRecord], keepingTimeline: Bool = true) throws(KlaxonError) -> Incident
    {
        guard let first = records.first else { throw .failed("the journal has no records") }
        var incident = try start(first, keepingTimeline: keepingTimeline)
        for record in records.dropFirst() { apply(record, to: &incident) }
        return incident
    }

    /// The incident declared by `record`, the first of a journal (a summary without `keepingTimeline`).
    public static func start(_ record: JournalRecord, keepingTimeline: Bool = true) throws(KlaxonError) -> Incident {
        guard record.type == RecordType.declared.rawValue else {
            throw .failed("the first record is \(record.type), not \(RecordType.declared.rawValue)")
        }
        let data = record.data
        guard let id = data["id"]?.stringValue, let title = data["title"]?.stringValue,
            let severity = data["severity"]?.stringValue.flatMap(Severity.init(parsing:))
        else { throw .failed("the first record lacks the incident's id, title or severity") }
        var incident = Incident(id: id, title: title, severity: severity, status: .investigating)
        incident.keepsTimeline = keepingTimeline
        incident.keyTimes[.declared] = record.timestamp
        incident.record(record)
        addParticipant(record.actor, to: &incident)
        if let event = EscalationEvent.from(record) { incident.escalationEvents.append(event) }
        if let runbooks = data["runbooks"]?.stringArray {
            incident.links += runbooks.map { Incident.Link(kind: .runbook, target: $0) }
        }
        incident.services = data["services"]?.stringArray ?? []
        incident.declaringCheck = data["check"]?.stringValue
        if let group = data["alert_group"]?.stringValue {
            incident.declaringAlertGroup = group
            incident.alertGroups[group] = Incident.AlertGroupMark()
        }
        incident.drill = data["drill"]?.stringValue
        incident.tags = data["tags"]?.stringArray ?? []
        if let commander = data["commander"]?.stringValue {
            incident.roles["commander"] = commander
            addParticipant(commander, to: &incident)
        }
        for key in [KeyTime.impactStarted, .detected] {
            if let text = data[key.rawValue]?.stringValue {
                if let time = Timestamp.parseRFC3339(text) {
                    incident.keyTimes[key] = time
                } else {
                    incident.unreadable.append((record.sequence, "\(key.rawValue) is not a time: \(text)"))
                }
            }
        }
        return incident
    }

    /// Applies one more record. Records that cannot be read are kept on the timeline and noted.
    public static func apply(_ record: JournalRecord, to incident: inout Incident) {
        incident.record(record)
        // People: Klaxon's own writers (the comms engine, the poller) are not participants.
        if RecordType(rawValue: record.type)?.isMachine != true { addParticipant(record.actor, to: &incident) }
        let data = record.data
        // Read once: kept for the engine, and (for the escalation types) checked below.
        let escalationEvent = record.type == RecordType.declared.rawValue ? nil : EscalationEvent.from(record)
        if let escalationEvent { incident.escalationEvents.append(escalationEvent) }
        func unreadable(_ why: String) { incident.unreadable.append((record.sequence, why)) }

        switch RecordType(rawValue: record.type) {
        case .declared?:
            unreadable("a second incident.declared record")
        case .note?:
            guard let text = data["text"]?.stringValue else { return unreadable("a note without text") }
            if incident.keepsTimeline {
                incident.notes.append(
                    .init(sequence: record.sequence, timestamp: record.timestamp, author: record.actor, text: text))
            }
        case .statusUpdate?:
            guard let text = data["text"]?.stringValue,
                let phase = data["phase"]?.stringValue.flatMap(IncidentStatus.init(parsing:))
            else { return unreadable("a status update without text and a known phase") }
            incident.statusUpdates.append(
                .init(sequence: record.sequence, at: record.timestamp, author: record.actor, phase: phase, text: text))
        case .statusChanged?:
            guard let status = data["status"]?.stringValue.flatMap(IncidentStatus.init(parsing:)) else {
                return unreadable("an unknown status")
            }
            incident.status = status
        case .severityChanged?:
            guard let severity = data["severity"]?.stringValue.flatMap(Severity.init(parsing:)) else {
                return unreadable("an unknown severity")
            }
            incident.severity = severity
        case .roleAssigned?:
            guard let role = data["role"]?.stringValue, let user = data["user"]?.stringValue else {
                return unreadable("a role assignment without role or user")
            }
            incident.roles[role] = user
            addParticipant(user, to: &incident)
        case .acknowledged?:
            if incident.keyTimes[.acknowledged] == nil { incident.keyTimes[.acknowledged] = record.timestamp }
        case .mitigated?:
            if incident.keyTimes[.mitigated] == nil { incident.keyTimes[.mitigated] = record.timestamp }
            if incident.status == .investigating || incident.status == .identified { incident.status = .monitoring }
        case .resolved?:
            incident.status = .resolved
            incident.keyTimes[.resolved] = record.timestamp
            if let summary = data["summary"]?.stringValue { incident.summary = summary }
        case .reopened?:
            incident.status = .investigating
            incident.keyTimes[.resolved] = nil
        case .timeAmended?:
            guard let key = data["field"]?.stringValue.flatMap(KeyTime.init(parsing:)),
                let time = data["time"]?.stringValue.flatMap(Timestamp.parseRFC3339)
            else { return unreadable("an amendment without a known field and time") }
            incident.keyTimes[key] = time
        case .actionItemAdded?:
            guard let text = data["text"]?.stringValue else { return unreadable("an action item without text") }
            incident.actionItems.append(
                .init(
                    number: incident.actionItems.count + 1, text: text,
                    owner: data["owner"]?.stringValue, addedBy: record.actor,
                    isDone: false, doneBy: nil, doneAt: nil))
        case .actionItemDone?:
            guard let number = data["number"]?.intValue, number >= 1, number <= incident.actionItems.count else {
                return unreadable("completes an action item that does not exist")
            }
            incident.actionItems[number - 1].isDone = true
            incident.actionItems[number - 1].doneBy = record.actor
            incident.actionItems[number - 1].doneAt = record.timestamp
        case .linkAdded?:
            guard let target = data["target"]?.stringValue else { return unreadable("a link without a target") }
            let kind = Incident.Link.Kind(rawValue: data["kind"]?.stringValue ?? "") ?? .url
            incident.links.append(.init(kind: kind, target: target))
        case .tagAdded?:
            guard let tag = data["tag"]?.stringValue else { return unreadable("a tag record without a tag") }
            if !incident.tags.contains(tag) { incident.tags.append(tag) }
        case .escalationStarted?, .pageRequested?, .escalationStopped?, .escalationAdvanced?, .escalationStep?,
            .pageAttempt?, .pageResult?,
            .escalationExhausted?:
            // Read into `escalationEvents` above; the escalation engine works out what they mean.
            if escalationEvent == nil { unreadable("an escalation record without its fields") }
        case .updateAttempt?, .updateResult?, .updateReminded?, .reminderResult?:
            guard let event = CommsEvent.from(record) else { return unreadable("a comms record without its fields") }
            incident.commsEvents.append(event)
        case .checkChanged?:
            // On the timeline only: it changes nothing about the incident's state.
            break
        case .pollerStarted?, .pollerAlive?, .pollerStopped?:
            // The platform journal's: on an incident, on the timeline only.
            break
        case .alertsChanged?:
            guard let group = data["group"]?.stringValue, let through = data["through"]?.intValue else {
                return unreadable("an alerts.changed record without group and through")
            }
            let entries = data["alerts"]?.arrayValue ?? []
            var mark = incident.alertGroups[group] ?? Incident.AlertGroupMark()
            mark.through = max(mark.through, through)
            for number in entries.compactMap({ $0["id"]?.stringValue.flatMap(Alert.number(of:)) })
            where mark.firstAlert == 0 || number < mark.firstAlert {
                mark.firstAlert = number
            }
            // A repeat, or a new alert (news of the group): a repeat within the half hour after adds nothing.
            let news: Set<String> = [
                AlertChange.Kind.repeated.rawValue, AlertChange.Kind.fired.rawValue, AlertChange.Kind.attached.rawValue
            ]
            if entries.contains(where: { $0["kind"]?.stringValue.map(news.contains) ?? false }) {
                mark.repeatsNotedAt = record.timestamp
            }
            mark.allResolved = data["all_resolved"]?.intValue != nil
            incident.alertGroups[group] = mark
        case .runbookStep?:
            guard let runbook = data["runbook"]?.stringValue, let step = data["step"]?.intValue,
                let text = data["text"]?.stringValue, let done = data["done"]?.boolValue
            else {
                return unreadable("a runbook step without runbook, step, text and done")
            }
            incident.runbookSteps.removeAll { $0.runbook == runbook && $0.text == text }
            incident.runbookSteps.append(
                .init(runbook: runbook, step: step, text: text, done: done, by: record.actor, at: record.timestamp))
        case nil:
            // A type from a later version: it stays on the timeline, shown as it is.
            break
        }
    }

    private static func addParticipant(_ name: String, to incident: inout Incident) {
        incident.addParticipant(name)
    }
}
