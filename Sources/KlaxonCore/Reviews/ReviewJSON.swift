/// A review as JSON (`klaxon.review/1`, documented field by field in docs/review-format.md): the
/// same content as the markdown, for tools. Times are RFC 3339 in UTC; durations are whole seconds.
public enum ReviewJSON {
    public static let format = "klaxon.review/1"

    public static func value(_ review: IncidentReview) -> JSONValue {
        let i = review.incident
        func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.rfc3339) } ?? .null }
        func string(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func number(_ n: Int) -> JSONValue { .number(Double(n)) }

        var keyTimes: [String: JSONValue] = [:]
        for key in KeyTime.allCases { keyTimes[key.rawValue] = time(i.keyTimes[key]) }
        var durations: [String: JSONValue] = [:]
        for d in review.durations {
            var fields: [String: JSONValue] = [
                "from": .string(d.from.rawValue), "to": .string(d.to.rawValue), "seconds": .null, "missing": .null
            ]
            switch d.value {
            case .seconds(let s):
                fields["state"] = "measured"
                fields["seconds"] = .number(Double(s))
            case .notRecorded(let key):
                fields["state"] = "not_recorded"
                fields["missing"] = .string(key.rawValue)
            case .outOfOrder: fields["state"] = "out_of_order"
            }
            durations[d.name.rawValue] = .object(fields)
        }
        var sections: [String: JSONValue] = [:]
        for section in ReviewMarkdown.sectionsToWrite { sections[section.key] = "" }

        return .object([
            "format": .string(format),
            "exported_at": time(review.exportedAt),
            "incident": .object([
                "id": .string(i.id), "title": .string(i.title), "severity": .string(i.severity.name),
                "status": .string(i.status.rawValue), "services": .array(i.services.map(JSONValue.string)),
                "tags": .array(i.tags.map(JSONValue.string)), "roles": .object(i.roles.mapValues(JSONValue.string)),
                "participants": .array(i.participants.map(JSONValue.string)), "summary": string(i.summary),
                "declared_by_check": string(i.declaringCheck), "drill": string(i.drill)
            ]),
            "key_times": .object(keyTimes),
            "durations": .object(durations),
            "warnings": .array(review.warnings.map(JSONValue.string)),
            "timeline": .array(review.timeline.map(entry)),
            "escalation_log": .array(review.escalationLog.map(entry)),
            "pages": .array(
                review.pages.map { p in
                    .object([
                        "user": .string(p.user), "contact": .string(p.contact), "policy": .string(p.policy),
                        "step": number(p.step), "steps": number(p.steps), "first_attempt_at": time(p.firstAttemptAt),
                        "attempts": number(p.attempts), "outcome": .string(p.outcome), "outcome_at": time(p.outcomeAt),
                        "detail": string(p.detail)
                    ])
                }),
            "acknowledgements": .array(
                review.acknowledgements.map { ack in
                    var fields: [String: JSONValue] = ["by": .string(ack.by), "at": time(ack.at)]
                    if let via = ack.via { fields["via"] = .string(via) }
                    return .object(fields)
                }),
            "status_updates": .array(
                i.statusUpdates.map { u in
                    .object([
                        "at": time(u.at), "phase": .string(u.phase.rawValue), "by": .string(u.author),
                        "text": .string(u.text),
                        "deliveries": .array(
                            i.outcomes(of: u).map {
                                .object([
                                    "destination": .string($0.destination), "outcome": .string($0.result.rawValue),
                                    "detail": .string($0.detail)
                                ])
                            })
                    ])
                }),
            "runbooks": .array(
                review.runbooks.map { r in
                    .object([
                        "name": .string(r.name), "title": string(r.title), "linked": .bool(r.linked),
                        "steps": .array(
                            r.steps.map { s in
                                .object([
                                    "step": number(s.step), "text": .string(s.text), "done": .bool(s.done),
                                    "by": .string(s.by), "at": time(s.at)
                                ])
                            })
                    ])
                }),
            "action_items": .array(
                i.actionItems.map { item in
                    .object([
                        "number": number(item.number), "text": .string(item.text), "owner": string(item.owner),
                        "added_by": .string(item.addedBy), "done": .bool(item.isDone), "done_by": string(item.doneBy),
                        "done_at": time(item.doneAt)
                    ])
                }),
            "sections": .object(sections),
            "journal": .object([
                "source": .string(review.journal.source), "file": string(review.journal.file),
                "records": number(review.journal.recordCount),
                "final_hash": .string(review.journal.finalHash.description), "verified": .bool(review.journal.verified),
                "problem": string(review.journal.problem)
            ])
        ])
    }

    /// Indented at the top, one line per timeline record (and per item of the other lists).
    public static func render(_ review: IncidentReview) -> String { value(review).prettyJSON(compactFrom: 2) }

    static func entry(_ e: IncidentReview.Entry) -> JSONValue {
        .object([
            "at": .string(e.record.timestamp.rfc3339), "source": .string(e.source.rawValue),
            "sequence": .number(Double(e.record.sequence)), "actor": .string(e.record.actor), "kind": .string(e.kind),
            "type": .string(e.record.type), "text": .string(e.text), "data": e.record.data
        ])
    }
}
