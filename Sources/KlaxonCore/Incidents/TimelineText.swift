/// How a journal record reads on a timeline: a short kind label and one line of text.
/// The console and the CLI both use it, so a record reads the same everywhere.
public enum TimelineText {
    /// A short label of the record's kind: `note`, `status`, `ack`, … or the raw type when unknown.
    public static func kind(of record: JournalRecord) -> String {
        switch RecordType(rawValue: record.type) {
        case .declared?: return "declared"
        case .note?: return "note"
        case .statusUpdate?: return "update"
        case .statusChanged?: return "status"
        case .severityChanged?: return "severity"
        case .roleAssigned?: return "role"
        case .acknowledged?: return "ack"
        case .mitigated?: return "mitigated"
        case .resolved?: return "resolved"
        case .reopened?: return "reopened"
        case .timeAmended?: return "amend"
        case .actionItemAdded?: return "todo"
        case .actionItemDone?: return "done"
        case .linkAdded?: return "link"
        case .tagAdded?: return "tag"
        case .runbookStep?: return "runbook"
        case .checkChanged?: return "check"
        case .pollerStarted?, .pollerAlive?, .pollerStopped?: return "poller"
        case .alertsChanged?: return "alerts"
        case .escalationStarted?, .escalationStep?, .escalationStopped?, .escalationAdvanced?, .escalationExhausted?:
            return "escalate"
        case .pageRequested?, .pageAttempt?, .pageResult?: return "page"
        case .updateAttempt?, .updateResult?, .updateReminded?, .reminderResult?: return "comms"
        case nil: return record.type
        }
    }

    /// What the record says, in words. Times inside payloads are shown with `formatter`.
    public static func text(of record: JournalRecord, formatter: LocalTimeFormatter) -> String {
        let d = record.data
        func s(_ key: String) -> String { d[key]?.stringValue ?? "?" }
        func n(_ key: String) -> String { d[key]?.intValue.map(String.init) ?? "?" }
        switch RecordType(rawValue: record.type) {
        case .declared?:
            var text = "\(s("severity")) \"\(s("title"))\""
            if let services = d["services"]?.stringArray, !services.isEmpty {
                text += " · services: " + services.joined(separator: ", ")
            }
            if let commander = d["commander"]?.stringValue { text += " · commander: \(commander)" }
            // The policy asked for, not a claim that anyone is paged: the engine's step records say who is.
            if let policy = d["policy"]?.stringValue { text += " · escalation policy \(policy)" }
            if let check = d["check"]?.stringValue { text += " · declared by check \(check)" }
            if let drill = d["drill"]?.stringValue { text += " · DRILL \(drill)" }
            for key in [KeyTime.impactStarted, .detected] {
                if let t = d[key.rawValue]?.stringValue.flatMap(Timestamp.parseRFC3339) {
                    text += " · \(key.label) \(formatter.dateTime(t))"
                }
            }
            return text
        case .note?: return s("text")
        case .statusUpdate?: return "\(s("phase")): \(s("text"))"
        case .statusChanged?: return "\(d["from"]?.stringValue ?? "?") → \(s("status"))"
        case .severityChanged?: return "\(d["from"]?.stringValue ?? "?") → \(s("severity"))"
        case .roleAssigned?:
            let was = d["from"]?.stringValue.map { " (was \($0))" } ?? ""
            return "\(s("role")): \(s("user"))\(was)"
        case .acknowledged?: return "acknowledged" + origin(d)
        case .mitigated?: return "mitigated"
        case .resolved?: return d["summary"]?.stringValue.map { "resolved: \($0)" } ?? "resolved"
        case .reopened?: return "reopened"
        case .timeAmended?:
            let field = d["field"]?.stringValue.flatMap(KeyTime.init(parsing:))?.label ?? s("field")
            let time = d["time"]?.stringValue.flatMap(Timestamp.parseRFC3339).map(formatter.dateTime) ?? s("time")
            let was =
                d["from"]?.stringValue.flatMap(Timestamp.parseRFC3339).map { " (was \(formatter.dateTime($0)))" } ?? ""
            return "\(field) set to \(time)\(was)"
        case .actionItemAdded?:
            return s("text") + (d["owner"]?.stringValue.map { " (owner: \($0))" } ?? "")
        case .actionItemDone?: return "action item \(d["number"]?.intValue.map(String.init) ?? "?") done"
        case .linkAdded?: return "\(d["kind"]?.stringValue ?? "link") \(s("target"))"
        case .tagAdded?: return s("tag")
        case .checkChanged?:
            // States as screens name them (a failure being confirmed is "confirming", never "pending").
            func state(_ key: String) -> String { CheckState(rawValue: s(key))?.displayName ?? s(key) }
            return "\(s("check")) \(state("from")) → \(state("to")): \(s("detail"))"
        case .pollerStarted?: return "the poller began recording"
        case .pollerAlive?: return "the poller is recording"
        case .pollerStopped?: return "the poller stopped"
        case .alertsChanged?: return alertsText(d)
        case .runbookStep?:
            let done = d["done"]?.boolValue ?? true
            return
                "\(s("runbook")) step \(d["step"]?.intValue.map(String.init) ?? "?") \(done ? "done" : "undone"): \(s("text"))"
        case .escalationStarted?: return "escalate by policy \(s("policy"))"
        case .pageRequested?: return "page \(s("user")) now"
        case .escalationStopped?: return "escalation stopped"
        case .escalationAdvanced?: return "escalated to the next step now" + origin(d)
        case .escalationStep?:
            let users = d["users"]?.stringArray ?? []
            var text = "\(s("policy")) step \(n("step")) of \(n("steps"))"
            if let cycles = d["cycles"]?.intValue, cycles > 1 { text += ", round \(n("cycle")) of \(cycles)" }
            text += users.isEmpty ? ": nobody to page" : ": paging " + users.joined(separator: ", ")
            if let note = d["note"]?.stringValue { text += " (\(note))" }
            return text
        case .pageAttempt?:
            return "paging \(s("user")) by \(s("contact")), attempt \(n("attempt")) of \(n("attempts"))"
        case .pageResult?:
            let head = "page to \(s("user")) by \(s("contact"))"
            switch s("outcome") {
            case "delivered":
                // A page that went out without its action links says why (the sender could not read the key).
                let missing = s("detail").range(of: "sent without action links").map {
                    "; " + s("detail")[$0.lowerBound...]
                }
                return "\(head) delivered\(missing ?? "")"
            case "failed": return "\(head) failed: \(s("detail")), attempt \(n("attempt")) of \(n("attempts"))"
            default: return "\(head): \(s("detail"))"
            }
        case .escalationExhausted?: return "policy \(s("policy")) exhausted: nobody acknowledged"
        case .updateAttempt?, .updateResult?, .updateReminded?, .reminderResult?:
            return commsText(of: record, formatter: formatter)
        case nil: return d.canonicalJSON
        }
    }

    /// How an action came when it did not come from a terminal (`ActionOrigin`'s fields): " via link from
    /// 203.0.113.7 (forwarded for 198.51.100.4)"; "" otherwise. What a request claimed is the sender's text:
    /// addresses and a word, so one line of printable ASCII (anything else, such as a bidi override that
    /// would reorder what follows on the line, shows as `�`), cut at 100 characters.
    static func origin(_ d: JSONValue) -> String {
        guard let via = d["via"]?.stringValue else { return "" }
        func line(_ text: String) -> String {
            let ascii = String(
                String.UnicodeScalarView(
                    text.unicodeScalars.map { (0x20..<0x7F).contains($0.value) ? $0 : TerminalText.replacement }))
            return ascii.count > 100 ? ascii.prefix(99) + "…" : ascii
        }
        var text = " via " + line(via)
        if let client = d["client"]?.stringValue { text += " from " + line(client) }
        if let forwarded = d["forwarded_for"]?.stringValue { text += " (forwarded for \(line(forwarded)))" }
        return text
    }

    /// An `alerts.changed` record in one line, however many alerts it carries: one alert in full
    /// ("alert A-3 RegistryDown fired: registry answers 5xx (critical)"), several by kind, naming the
    /// first three of each ("12 alerts fired: A-1 RegistryDown, A-2 RegistryDown, A-3 DiskFull and 9
    /// more"), then whether all the group's alerts are resolved. Alert text is the sender's: one line.
    public static func alertsText(_ d: JSONValue) -> String {
        func line(_ text: String) -> String {
            TerminalText.printable(
                text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " "))
        }
        let entries = d["alerts"]?.arrayValue ?? []
        // Alerts of one name (twelve NodeNotReady) are told apart by their summaries (which node), the
        // name said once.
        let names = Set(entries.map { $0["name"]?.stringValue ?? "?" })
        let bySummary =
            entries.count > 1 && names.count == 1 && Set(entries.map { $0["summary"]?.stringValue }).count > 1
        func name(_ entry: JSONValue) -> String {
            let label = bySummary ? entry["summary"]?.stringValue : entry["name"]?.stringValue
            return "\(entry["id"]?.stringValue ?? "?") \(line(label ?? "?"))"
        }
        // What a sender's `acknowledge` is: never a person acknowledging the incident.
        func said(_ kind: String) -> String {
            kind == AlertChange.Kind.acknowledged.rawValue ? "acked by sender" : kind
        }
        var parts: [String] = []
        if entries.count == 1, let entry = entries.first {
            var text = "alert \(name(entry)) \(said(entry["kind"]?.stringValue ?? "changed"))"
            if let summary = entry["summary"]?.stringValue, summary != entry["name"]?.stringValue {
                text += ": " + line(summary)
            }
            if let severity = entry["severity"]?.stringValue { text += " (\(line(severity)))" }
            parts.append(text)
        } else {
            let kinds: [AlertChange.Kind] = [.fired, .attached, .repeated, .acknowledged, .resolved]
            let known = kinds.map(\.rawValue)
            for kind in known + Set(entries.compactMap { $0["kind"]?.stringValue }).subtracting(known).sorted() {
                let ofKind = entries.filter { $0["kind"]?.stringValue == kind }
                guard !ofKind.isEmpty else { continue }
                var text =
                    (parts.isEmpty ? Plural.count(ofKind.count, "alert") : String(ofKind.count))
                    + " \(line(said(kind))): "
                text += ofKind.prefix(3).map(name).joined(separator: ", ")
                if ofKind.count > 3 { text += " and \(ofKind.count - 3) more" }
                parts.append(text)
            }
        }
        if let count = d["all_resolved"]?.intValue {
            parts.append(count == 1 ? "the group's only alert resolved" : "all \(count) alerts of the group resolved")
        }
        guard !parts.isEmpty else { return "alerts of group \(line(d["group"]?.stringValue ?? "?")) changed" }
        return (bySummary ? line(names.first ?? "?") + ": " : "") + parts.joined(separator: "; ")
    }
}
